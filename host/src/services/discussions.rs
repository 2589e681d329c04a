//! Discussions: rooms started from a message or a parent room, with the creator's first reply.
//! Above rooms (which create the room) and messages (which send the reply).

use super::Services;
use super::messages::Draft;
use super::rooms::NewDiscussion;
use crate::error::Result;
use crate::models::{Room, User};

/// Discussion operations.
pub struct Discussions<'a>(pub &'a Services);

impl Services {
    /// Discussion operations.
    pub fn discussions(&self) -> Discussions<'_> {
        Discussions(self)
    }
}

impl Discussions<'_> {
    /// `rooms.createDiscussion`: creates the discussion's room (see
    /// [`super::rooms::Rooms`]`::create_discussion` for its rules), then sends the creator's
    /// `reply`, when not blank, as the first message in it.
    pub fn create(&self, user: &User, new: NewDiscussion) -> Result<Room> {
        let discussion = self.0.rooms().create_discussion(user, &new)?;
        if let Some(reply) = new.reply.filter(|r| !r.trim().is_empty()) {
            let draft = Draft { rid: discussion.id.clone(), msg: reply, ..Default::default() };
            self.0.messages().send(user, draft)?;
        }
        Ok(discussion)
    }
}
