//! Archiving, erasing and cleaning the history of rooms.

use std::sync::Arc;

use serde_json::Map;

use super::*;
use crate::bus::{ChangeAction, Event};
use crate::error::{Kind, Result};
use crate::models::{Room, User};
use crate::store::CleanHistory;
use crate::time::Date;

impl Rooms<'_> {
    /// `archiveRoom` / `channels.archive` / `/archive` (`archive-room`).
    pub fn archive(&self, actor: &User, room: &Room) -> Result<Room> {
        self.set_archived(actor, room, true)
    }

    /// `unarchiveRoom` / `channels.unarchive` / `/unarchive` (`unarchive-room`).
    pub fn unarchive(&self, actor: &User, room: &Room) -> Result<Room> {
        self.set_archived(actor, room, false)
    }

    pub(super) fn set_archived(&self, actor: &User, room: &Room, archived: bool) -> Result<Room> {
        let perm = if archived { "archive-room" } else { "unarchive-room" };
        if !self.0.authz().can(actor, perm, Some(&room.id))? {
            return Err(Kind::NotAuthorized.into());
        }
        if room.is_direct() {
            return Err(Kind::DirectMessageRoom.into());
        }
        if room.archived == archived {
            let name = self.display_name(room);
            return Err(if archived {
                Kind::RoomArchived.with_message(format!("The channel, {name}, is archived"))
            } else {
                Kind::RoomNotArchived.with_message(format!("The channel, {name}, is not archived"))
            });
        }
        let now = Date::now();
        let after = self
            .0
            .change_room_and_subscriptions(
                &room.id,
                &mut |r| {
                    r.archived = archived;
                    r.updated_at = now;
                    Ok(())
                },
                &mut |s| {
                    s.archived = archived;
                    s.open = !archived;
                    s.alert = false;
                    s.updated_at = now;
                    true
                },
            )?
            .ok_or_else(room_not_found)?;
        let t = if archived { "room-archived" } else { "room-unarchived" };
        self.0.system_messages().record(&after, t, "", actor, Map::new())?;
        Ok(after)
    }

    /// `eraseRoom` / `channels.delete` / `im.delete`: `delete-c`, `delete-p` or `delete-d` in
    /// the room. A team's main room goes with its team (`teams.delete`).
    pub fn erase(&self, actor: &User, room: &Room) -> Result<()> {
        let perm = match room.t {
            RoomType::Channel => "delete-c",
            RoomType::Private => "delete-p",
            RoomType::Direct => "delete-d",
            RoomType::Livechat => return Err(Kind::NotAllowed.into()),
        };
        if !self.0.authz().can(actor, perm, Some(&room.id))? {
            return Err(Kind::NotAllowed.into());
        }
        if room.team_main {
            return Err(Kind::CannotDeleteTeamMainRoom.into());
        }
        self.erase_unchecked(actor, room)
    }

    /// Deletes a room with its subscriptions and messages, without permission checks.
    pub(crate) fn erase_unchecked(&self, actor: &User, room: &Room) -> Result<()> {
        let subs = self.0.store.delete_room(&room.id)?;
        self.0.files().remove_room_files(&room.id)?;
        for s in &subs {
            self.0.emit_subscription(ChangeAction::Removed, s);
        }
        self.0.emit_room(ChangeAction::Removed, room);
        if !room.team_main
            && let Some(team_id) = &room.team_id
            && let Some(team) = self.0.store.team_by_id(team_id)?
            && let Some(main) = self.0.store.room_by_id(&team.room_id)?
        {
            self.0.system_messages().record(
                &main,
                "user-deleted-room-from-team",
                room.name.as_deref().unwrap_or_default(),
                actor,
                Map::new(),
            )?;
        }
        Ok(())
    }

    /// `rooms.cleanHistory` (`clean-channel-history` in the room): deletes a time range of
    /// messages and returns how many went.
    pub fn clean_history(&self, actor: &User, room: &Room, q: CleanHistory) -> Result<usize> {
        if !self.0.authz().can(actor, "clean-channel-history", Some(&room.id))? {
            return Err(Kind::NotAllowed.into());
        }
        if !self.can_read(actor, room)? {
            return Err(Kind::NotAllowed.with_message("User does not have access to the room"));
        }
        let q = CleanHistory { rid: room.id.clone(), ..q };
        let ids = self.0.store.clean_room_history(&q)?;
        self.0.files().remove_message_files(&ids)?;
        let count = ids.len();
        // One event for the whole range, as upstream's `deleteMessageBulk`.
        self.0.bus.publish(Event::MessagesBulkDeleted { query: Arc::new(q), ids: Arc::new(ids) });
        Ok(count)
    }
}
