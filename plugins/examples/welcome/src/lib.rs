//! Welcome bot: when someone joins a channel or private group (a `room-user-joined` post
//! hook), the app's bot greets them there with the `greeting` setting (`{user}` becomes the
//! mention). Direct messages and the bot's own joins are left alone.

use orbit_app_sdk::hooks::{Event, Hook, Phase, json_string_field};
use orbit_app_sdk::{App, CommandContext, Provides, Setting, chat, log, settings};

struct Welcome;

impl App for Welcome {
    fn provides() -> Provides {
        Provides::default().settings([Setting::string("greeting", "Greeting ({user} is the new member)", "Welcome, {user}!")])
    }

    fn execute(ctx: &CommandContext) -> Result<(), String> {
        Err(format!("/{} is not a command of this app", ctx.command))
    }

    fn hooks() -> Vec<Hook> {
        vec![Hook::new(Event::RoomUserJoined, Phase::Post)]
    }

    fn post(_event: Event, subject: &str) {
        // `{"room": {"_id", "name", "t"}, "user": {"_id", "username"}}`: the room's fields come first.
        let (Some(room_id), Some(kind), Some(username)) = (
            json_string_field(subject, "_id"),
            json_string_field(subject, "t"),
            json_string_field(subject, "username"),
        ) else {
            return;
        };
        if kind == "d" {
            return;
        }
        let greeting = settings::get_string("greeting").unwrap_or_else(|| "Welcome, {user}!".into());
        if let Err(error) = chat::send(&room_id, &greeting.replace("{user}", &format!("@{username}"))) {
            log::warn(&format!("could not greet {username}: {}", error.reason()));
        }
    }
}

orbit_app_sdk::export_app!(Welcome);
