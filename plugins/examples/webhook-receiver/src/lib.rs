//! Webhook receiver: other systems `POST {"text": "..."}` to its public endpoint `hook`, with
//! the `secret` setting in the `x-webhook-secret` header (when one is set), and the app's bot
//! posts the text into the room of the `room` setting. Its private endpoint `whoami` answers
//! the calling user's id.

use orbit_app_sdk::endpoints::{Endpoint, Request, Response};
use orbit_app_sdk::hooks::json_string_field;
use orbit_app_sdk::{App, CommandContext, Provides, Setting, chat, rooms, settings};

struct WebhookReceiver;

fn receive(request: &Request) -> Response {
    if request.method != "POST" {
        return Response::json(405, r#"{"error":"use POST"}"#);
    }
    let secret = settings::get_string("secret").unwrap_or_default();
    if !secret.is_empty() && request.header("x-webhook-secret") != Some(secret.as_str()) {
        return Response::json(401, r#"{"error":"wrong or missing x-webhook-secret"}"#);
    }
    let Some(text) = json_string_field(&request.body, "text").filter(|t| !t.trim().is_empty()) else {
        return Response::json(400, r#"{"error":"the body must be JSON with a text field"}"#);
    };
    let name = settings::get_string("room").unwrap_or_else(|| "general".into());
    let room = match rooms::by_name(&name) {
        Ok(Some(room)) => room,
        _ => return Response::json(404, r#"{"error":"the room of the settings does not exist"}"#),
    };
    match chat::send(&room.id, &text) {
        Ok(id) => Response::json(200, &format!(r#"{{"ok":true,"messageId":"{id}"}}"#)),
        Err(error) => Response::json(502, &format!(r#"{{"error":{}}}"#, orbit_app_sdk::hooks::json_quote(error.reason()))),
    }
}

impl App for WebhookReceiver {
    fn provides() -> Provides {
        Provides::default().settings([
            Setting::string("room", "Room to post into (its name)", "general"),
            Setting::string("secret", "Secret senders put in the x-webhook-secret header (empty: none)", ""),
        ])
    }

    fn execute(ctx: &CommandContext) -> Result<(), String> {
        Err(format!("/{} is not a command of this app", ctx.command))
    }

    fn endpoints() -> Vec<Endpoint> {
        vec![Endpoint::public("hook"), Endpoint::private("whoami")]
    }

    fn handle(request: &Request) -> Response {
        match request.path.as_str() {
            "hook" => receive(request),
            "whoami" => Response::json(
                200,
                &format!(r#"{{"userId":{}}}"#, orbit_app_sdk::hooks::json_quote(request.user_id.as_deref().unwrap_or(""))),
            ),
            _ => Response::text(404, "not found"),
        }
    }
}

orbit_app_sdk::export_app!(WebhookReceiver);
