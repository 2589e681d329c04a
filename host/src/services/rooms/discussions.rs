//! Discussions: rooms started from a message or a parent room.

use std::sync::Arc;

use serde_json::{Map, json};

use super::*;
use crate::bus::Event;
use crate::error::{Kind, Result};
use crate::ids;
use crate::models::{Room, RoomType, User};
use crate::time::Date;

impl Rooms<'_> {
    /// The room of a new discussion ([`crate::services::discussions::Discussions::create`], which
    /// then posts the `reply`): a private room with `prid` whose members are the creator, the
    /// invited users (and both sides of a DM parent), announced in the parent with a
    /// `discussion-created` message (`Discussion_enabled`, `start-discussion` or
    /// `start-discussion-other-user`).
    pub(in crate::services) fn create_discussion(&self, user: &User, new: &NewDiscussion) -> Result<Room> {
        let refuse = || Kind::ActionNotAllowed.with_message("You are not allowed to create a discussion");
        if !self.0.settings.bool("Discussion_enabled") {
            return Err(refuse());
        }
        if !self.0.authz().can_any(user, &["start-discussion", "start-discussion-other-user"], Some(&new.prid))? {
            return Err(refuse());
        }
        let parent = self
            .0
            .store
            .room_by_id(&new.prid)?
            .filter(|p| self.can_read(user, p).unwrap_or(false))
            .ok_or(Kind::InvalidRoom)?;
        if parent.prid.is_some() {
            return Err(Kind::NestedDiscussion.into());
        }
        if parent.archived {
            return Err(Kind::RoomArchived.with_message("The room is archived"));
        }
        let name = new.name.trim().to_string();
        if name.is_empty() {
            return Err(Kind::ActionNotAllowed.with_message("Discussion name is required"));
        }
        let mut message = None;
        if let Some(pmid) = new.pmid.as_deref().filter(|p| !p.is_empty()) {
            let m = self.0.store.message(pmid)?.filter(|m| m.rid == parent.id).ok_or_else(refuse)?;
            if m.drid.is_some() {
                return Err(Kind::DiscussionAlreadyExists.into());
            }
            message = Some(m);
        }
        let mut members: Vec<String> = new.users.clone();
        if parent.is_direct() {
            members.extend(parent.usernames.iter().cloned());
        }
        let mut extra = Map::new();
        extra.insert("prid".into(), json!(parent.id));
        extra.insert("fname".into(), json!(name));
        if let Some(topic) = new.topic.clone().or_else(|| parent.name.clone()) {
            extra.insert("topic".into(), json!(topic));
        }
        if let Some(m) = &message
            && !parent.encrypted
            && !m.msg.is_empty()
        {
            extra.insert("description".into(), json!(m.msg));
        }
        if let Some(enc) = new.encrypted.or(Some(parent.encrypted)).filter(|e| *e) {
            extra.insert("encrypted".into(), json!(enc));
        }
        let mut discussion = self.create_unchecked(
            user,
            NewRoom { t: RoomType::Private, name: ids::random_id(), members, extra, ..Default::default() },
        )?;
        // The generated `name` is an id; people see `fname`.
        discussion.fname = Some(name.clone());
        let mut drid_extra = Map::new();
        drid_extra.insert("drid".into(), json!(discussion.id));
        self.0.system_messages().record(&parent, "discussion-created", &name, user, drid_extra)?;
        if let Some(mut m) = message {
            m.drid = Some(discussion.id.clone());
            m.extra.insert("dcount".into(), json!(0));
            m.updated_at = Date::now();
            self.0.store.update_message(&m)?;
            self.0.bus.publish(Event::MessageSaved {
                message: Arc::new(m),
                room: Arc::new(parent.clone()),
                is_new: false,
            });
        }
        Ok(discussion)
    }

    /// Discussions of a room (`rooms.getDiscussions`), unsorted.
    pub fn discussions(&self, user: &User, room: &Room) -> Result<Vec<Room>> {
        if !self.can_read(user, room)? {
            return Err(room_not_found());
        }
        self.0.store.rooms_by_parent(&room.id)
    }

    // ---------------------------------------------------------------- members, counters, history
}
