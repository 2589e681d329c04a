//! The `orbit:apps` imports: each checks budget and permission, then forwards to [`AppHost`].
//!
//! [`AppHost`]: crate::AppHost

use wasmtime::component::{HasSelf, Linker};

use crate::bindings::orbit::apps::{
    app_settings, log, message_writer, messages, notifier, room_actions, rooms, server_settings, types, user_actions,
    users,
};
use crate::bindings::{Actor, HostError, Level, Message, NewMessage, NewRoomKind, Room, User};
use crate::state::AppState;

/// Adds every `orbit:apps` interface to the linker.
pub(crate) fn add_to_linker(linker: &mut Linker<AppState>) -> wasmtime::Result<()> {
    crate::bindings::App::add_to_linker::<AppState, HasSelf<AppState>>(linker, |state| state)
}

type Wit<T> = wasmtime::Result<Result<T, HostError>>;

/// Enters `$interface` (budget + permission), then awaits `$call` with the host and context.
macro_rules! forward {
    ($state:ident, $interface:literal, |$host:ident, $cx:ident| $call:expr) => {{
        let $cx = match $state.enter($interface)? {
            Ok(cx) => cx,
            Err(denied) => return Ok(Err(denied)),
        };
        let $host = $state.shared.host.clone();
        Ok($call.await)
    }};
}

impl types::Host for AppState {}

impl log::Host for AppState {
    async fn log(&mut self, level: Level, message: String) -> wasmtime::Result<()> {
        // Logging is always allowed, but it counts against the host-call budget.
        let _ = self.enter("log")?;
        self.shared.logs.push(level.into(), crate::logs::LogSource::App, &message);
        Ok(())
    }
}

impl app_settings::Host for AppState {
    async fn get(&mut self, id: String) -> wasmtime::Result<Option<String>> {
        let cx = match self.enter("app-settings")? {
            Ok(cx) => cx,
            Err(_) => return Ok(None),
        };
        let host = self.shared.host.clone();
        Ok(host.app_setting(&cx, &id).await)
    }
}

impl server_settings::Host for AppState {
    async fn get(&mut self, id: String) -> Wit<Option<String>> {
        forward!(self, "server-settings", |host, cx| host.server_setting(&cx, &id))
    }
}

impl rooms::Host for AppState {
    async fn get_by_id(&mut self, id: String) -> Wit<Option<Room>> {
        forward!(self, "rooms", |host, cx| host.room_by_id(&cx, &id))
    }

    async fn get_by_name(&mut self, name: String) -> Wit<Option<Room>> {
        forward!(self, "rooms", |host, cx| host.room_by_name(&cx, &name))
    }

    async fn member_usernames(&mut self, room_id: String, limit: u32) -> Wit<Vec<String>> {
        forward!(self, "rooms", |host, cx| host.room_member_usernames(&cx, &room_id, limit))
    }

    async fn is_member(&mut self, room_id: String, user_id: String) -> Wit<bool> {
        forward!(self, "rooms", |host, cx| host.room_is_member(&cx, &room_id, &user_id))
    }
}

impl users::Host for AppState {
    async fn get_by_id(&mut self, id: String) -> Wit<Option<User>> {
        forward!(self, "users", |host, cx| host.user_by_id(&cx, &id))
    }

    async fn get_by_username(&mut self, username: String) -> Wit<Option<User>> {
        forward!(self, "users", |host, cx| host.user_by_username(&cx, &username))
    }
}

impl messages::Host for AppState {
    async fn get(&mut self, id: String) -> Wit<Option<Message>> {
        forward!(self, "messages", |host, cx| host.message_by_id(&cx, &id))
    }
}

impl message_writer::Host for AppState {
    async fn send(&mut self, message: NewMessage) -> Wit<String> {
        if message.author == Actor::Invoker && self.call.user_id.is_none() {
            return Ok(Err(HostError::Denied(
                "`invoker` messages are only possible while a slash command runs".into(),
            )));
        }
        forward!(self, "message-writer", |host, cx| host.send_message(&cx, message))
    }

    async fn update_text(&mut self, message_id: String, text: String) -> Wit<()> {
        forward!(self, "message-writer", |host, cx| host.update_message_text(&cx, &message_id, &text))
    }
}

impl notifier::Host for AppState {
    async fn notify_user(&mut self, user_id: String, room_id: String, text: String) -> Wit<()> {
        forward!(self, "notifier", |host, cx| host.notify_user(&cx, &user_id, &room_id, &text))
    }
}

impl room_actions::Host for AppState {
    async fn join(&mut self, room_id: String) -> Wit<()> {
        forward!(self, "room-actions", |host, cx| host.join_room(&cx, &room_id))
    }

    async fn leave(&mut self, room_id: String) -> Wit<()> {
        forward!(self, "room-actions", |host, cx| host.leave_room(&cx, &room_id))
    }

    async fn invite(&mut self, room_id: String, usernames: Vec<String>) -> Wit<()> {
        forward!(self, "room-actions", |host, cx| host.invite_users(&cx, &room_id, &usernames))
    }

    async fn kick(&mut self, room_id: String, username: String) -> Wit<()> {
        forward!(self, "room-actions", |host, cx| host.kick_user(&cx, &room_id, &username))
    }

    async fn set_topic(&mut self, room_id: String, topic: String) -> Wit<()> {
        forward!(self, "room-actions", |host, cx| host.set_room_topic(&cx, &room_id, &topic))
    }

    async fn create(&mut self, name: String, kind: NewRoomKind, members: Vec<String>) -> Wit<String> {
        forward!(self, "room-actions", |host, cx| host.create_room(&cx, &name, kind, &members))
    }

    async fn open_direct(&mut self, username: String) -> Wit<String> {
        forward!(self, "room-actions", |host, cx| host.open_direct(&cx, &username))
    }

    async fn archive(&mut self, room_id: String) -> Wit<()> {
        forward!(self, "room-actions", |host, cx| host.archive_room(&cx, &room_id))
    }

    async fn unarchive(&mut self, room_id: String) -> Wit<()> {
        forward!(self, "room-actions", |host, cx| host.unarchive_room(&cx, &room_id))
    }

    async fn mute(&mut self, room_id: String, username: String) -> Wit<()> {
        forward!(self, "room-actions", |host, cx| host.mute_user(&cx, &room_id, &username))
    }

    async fn unmute(&mut self, room_id: String, username: String) -> Wit<()> {
        forward!(self, "room-actions", |host, cx| host.unmute_user(&cx, &room_id, &username))
    }
}

impl user_actions::Host for AppState {
    async fn set_status_text(&mut self, text: String) -> Wit<()> {
        forward!(self, "user-actions", |host, cx| host.set_status_text(&cx, &text))
    }
}
