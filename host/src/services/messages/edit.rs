//! Editing and deleting messages, under the `Message_Allow*` settings, the time limits and the
//! `edit-message` / `delete-message` / `delete-own-message` / `force-delete-message` permissions.

use std::sync::Arc;

use serde_json::{Value, json};

use orbit_apps::bindings::HookEvent;

use super::{Messages, message_not_found};
use crate::bus::{ChangeAction, Event};
use crate::error::{Kind, Result};
use crate::models::{Message, Room, User};
use crate::time::Date;

/// Whole minutes since `ts`.
fn minutes_since(ts: Date) -> i64 {
    (Date::now().0 - ts.0) / 60_000
}

impl Messages<'_> {
    /// Replaces the text of a message (`chat.update`, `updateMessage`). The room id must match.
    pub fn update(&self, user: &User, rid: &str, id: &str, text: &str, fields: Option<Value>) -> Result<Message> {
        self.update_checked(user, rid, id, text, fields, true)
    }

    /// Edits a message for an app: as [`Messages::update`] for a human editor; the app's bot
    /// user edits its own messages in rooms it is not a member of.
    pub fn update_from_app(&self, editor: &User, id: &str, text: &str) -> Result<Message> {
        let rid = self.0.store.message(id)?.ok_or_else(message_not_found)?.rid;
        self.update_checked(editor, &rid, id, text, None, editor.kind == "user")
    }

    fn update_checked(
        &self,
        user: &User,
        rid: &str,
        id: &str,
        text: &str,
        custom_fields: Option<Value>,
        check_access: bool,
    ) -> Result<Message> {
        let s = self.0;
        let original = self.in_room(rid, id)?;
        if original.is_system() {
            return Err(Kind::ActionNotAllowed.with_message("Message editing not allowed"));
        }
        let room = s.rooms().get(rid)?;
        let may_edit_any = s.authz().can(user, "edit-message", Some(rid))?;
        let own = original.u.id == user.id;
        if !may_edit_any && (!s.settings.bool("Message_AllowEditing") || !own) {
            return Err(Kind::ActionNotAllowed.with_message("Message editing not allowed"));
        }
        let block = s.settings.int("Message_AllowEditing_BlockEditInMinutes", 0);
        if block != 0
            && !s.authz().can(user, "bypass-time-limit-edit-and-delete", Some(rid))?
            && minutes_since(original.ts) >= block
        {
            return Err(Kind::MessageEditingBlocked.into());
        }
        if check_access {
            s.rooms().can_post(user, &room)?;
        } else if room.archived {
            return Err(Kind::RoomArchived.into());
        }
        let max = s.settings.int("Message_MaxAllowedSize", 5000);
        if max > 0 && text.chars().count() as i64 > max {
            return Err(Kind::MessageSizeExceeded.into());
        }
        if custom_fields.is_some() && !s.settings.bool("Message_CustomFields_Enabled") {
            return Err(Kind::InvalidParams.with_message("Custom fields not enabled"));
        }
        let author = s.store.user_by_id(&original.u.id)?;
        // The edit as it would be saved, for the apps' pre-hooks to prevent, extend or modify.
        let mut proposed = original.clone();
        proposed.msg = text.to_string();
        proposed.mentions = self.mentions(author.as_ref().unwrap_or(user), &room, text)?;
        proposed.channels = self.channel_links(author.as_ref().unwrap_or(user), text)?;
        if let Some(cf) = &custom_fields {
            proposed.extra.insert("customFields".into(), cf.clone());
        }
        self.run_pre_hooks(HookEvent::MessageUpdated, user, &room, &mut proposed)?;
        let now = Date::now();
        let updated = s
            .store
            .modify_message(id, &mut |m| {
                // A file message keeps its text; the edit changes the file's description.
                match m.attachments.as_mut().and_then(|a| a.first_mut()).and_then(Value::as_object_mut) {
                    Some(first) if first.contains_key("description") => {
                        first.insert("description".into(), json!(proposed.msg));
                    }
                    _ => {
                        m.msg = proposed.msg.clone();
                        m.attachments = proposed.attachments.clone();
                    }
                }
                m.mentions = proposed.mentions.clone();
                m.channels = proposed.channels.clone();
                m.urls = proposed.urls.clone();
                if let Some(cf) = proposed.extra.get("customFields") {
                    m.extra.insert("customFields".into(), cf.clone());
                }
                m.edited_at = Some(now);
                m.edited_by =
                    Some(crate::models::UserRef { id: user.id.clone(), username: user.username.clone(), name: None });
                m.updated_at = now;
                Ok(())
            })?
            .ok_or_else(message_not_found)?;
        self.refresh_last_message(&room, &updated, false)?;
        self.publish_update(updated)
    }

    /// Whether `user` may delete `message` (upstream's `canDeleteMessage`).
    pub fn can_delete(&self, user: &User, message: &Message) -> Result<bool> {
        let s = self.0;
        let rid = message.rid.as_str();
        if s.authz().can(user, "force-delete-message", Some(rid))? {
            return Ok(true);
        }
        if !s.settings.bool("Message_AllowDeleting") {
            return Ok(false);
        }
        let allowed = s.authz().can(user, "delete-message", Some(rid))?
            || (message.u.id == user.id && s.authz().can(user, "delete-own-message", Some(rid))?);
        if !allowed {
            return Ok(false);
        }
        let block = s.settings.int("Message_AllowDeleting_BlockDeleteInMinutes", 0);
        if block != 0 && !s.authz().can(user, "bypass-time-limit-edit-and-delete", Some(rid))? {
            return Ok(minutes_since(message.ts) <= block);
        }
        Ok(true)
    }

    /// Deletes a message as `actor` (`chat.delete`, `deleteMessage`). With
    /// `Message_ShowDeletedStatus` the message stays as a `rm` placeholder. Returns the message
    /// as it was.
    pub fn delete(&self, actor: &User, message: &Message) -> Result<Message> {
        let s = self.0;
        let room = s.store.room_by_id(&message.rid)?.ok_or_else(message_not_found)?;
        if !s.rooms().can_read(actor, &room)? || !self.can_delete(actor, message)? {
            return Err(Kind::ActionNotAllowed.into());
        }
        if s.settings.bool("Message_ShowDeletedStatus") {
            let now = Date::now();
            let placeholder = s
                .store
                .modify_message(&message.id, &mut |m| {
                    m.t = Some("rm".into());
                    m.msg = String::new();
                    m.urls = Some(Vec::new());
                    m.mentions.clear();
                    m.attachments = Some(Vec::new());
                    m.reactions = None;
                    m.edited_at = Some(now);
                    m.edited_by = Some(actor.as_ref_named());
                    m.updated_at = now;
                    Ok(())
                })?
                .ok_or_else(message_not_found)?;
            self.refresh_last_message(&room, &placeholder, false)?;
            self.publish_update(placeholder)?;
            return Ok(message.clone());
        }
        let parent = s.store.delete_message(&message.id)?;
        s.files().remove_files_of(message)?;
        s.bus.publish(Event::MessageDeleted { rid: message.rid.clone(), message_id: message.id.clone() });
        if let Some(parent) = parent {
            self.publish_update(parent)?;
        }
        self.refresh_last_message(&room, message, true)?;
        Ok(message.clone())
    }

    /// Keeps the room's `lastMessage` in step when its last message changed or went away.
    fn refresh_last_message(&self, room: &Room, message: &Message, deleted: bool) -> Result<()> {
        let s = self.0;
        let is_last = room.last_message.as_ref().is_some_and(|m| m.id == message.id);
        if !is_last || !s.settings.bool("Store_Last_Message") {
            return Ok(());
        }
        let replacement = if deleted {
            s.store.room_messages_before(&room.id, None, 1)?.into_iter().next()
        } else {
            Some(message.clone())
        };
        let updated = s.store.modify_room(&room.id, &mut |r| {
            r.last_message = replacement.clone().map(Box::new);
            r.updated_at = Date::now();
            Ok(())
        })?;
        if let Some(room) = updated {
            s.bus.publish(Event::RoomChanged { action: ChangeAction::Updated, room: Arc::new(room) });
        }
        Ok(())
    }
}

impl Messages<'_> {
    /// The message `id`, which the caller says is in room `rid`: `error-invalid-message` when
    /// there is no such message, `error-invalid-room` when it is in another room.
    fn in_room(&self, rid: &str, id: &str) -> Result<Message> {
        let message =
            self.0.store.message(id)?.ok_or_else(|| {
                Kind::InvalidMessage.with_message(format!("No message found with the id of \"{id}\"."))
            })?;
        if message.rid != rid {
            return Err(
                Kind::InvalidRoom.with_message("The room id provided does not match where the message is from.")
            );
        }
        Ok(message)
    }

    /// What `chat.delete {roomId, msgId, asUser}` deletes and as whom: the message `id`, which
    /// must be in room `rid`, and `user`, or with `as_user` the message's author (deleting
    /// another's message as them takes `force-delete-message` in the room). Each refusal is
    /// worded for the caller: `error-invalid-message` (no such message), `error-invalid-room`
    /// (another room), `error-action-not-allowed` (no permission), `error-invalid-user` (the
    /// author is gone). [`Messages::delete`] then checks the deletion itself.
    pub fn delete_target(&self, user: &User, rid: &str, id: &str, as_user: bool) -> Result<(Message, User)> {
        let s = self.0;
        let message = self.in_room(rid, id)?;
        if !as_user || message.u.id == user.id {
            return Ok((message, user.clone()));
        }
        if !s.authz().can(user, "force-delete-message", Some(rid))? {
            return Err(Kind::ActionNotAllowed.with_message("Unauthorized. You must have the permission \"force-delete-message\" to delete other's message as them."));
        }
        let author =
            s.store.user_by_id(&message.u.id)?.ok_or_else(|| Kind::InvalidUser.with_message("User not found"))?;
        Ok((message, author))
    }
}
