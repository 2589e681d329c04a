//! Slash commands: the registry of commands provided by enabled apps (Rocket.Chat's built-in
//! commands are themselves an app), running them, their previews, and the interception of a
//! `/command` typed as a message.
//!
//! A command runs in its app's sandbox as the invoking user. What the app answers with `Err`
//! (Rocket.Chat's "The channel #x does not exist") reaches the user as an ephemeral message and
//! the call succeeds, as upstream's built-in commands behave. A sandbox failure (trap, timeout,
//! memory, flood) fails only that call: the user gets an ephemeral notice and the caller an
//! `error-app-failed`; after repeated failures the app is disabled ([`super::apps::Apps::note_failure`]).

use orbit_apps::AppError;
use orbit_apps::bindings::{CommandContext, PreviewItem, PreviewKind};
use serde::Serialize;

use super::Services;
use super::apps::AppCommand;
use crate::error::{Error, Kind, Result};
use crate::models::{Message, User};
use crate::services::messages::Draft;

/// Upstream limits previews to ten items.
const MAX_PREVIEW_ITEMS: usize = 10;

/// One invocation: the command (without slash), its raw parameters and where it was typed.
#[derive(Debug, Clone, Default)]
pub struct Invocation {
    pub command: String,
    pub params: String,
    pub room_id: String,
    pub tmid: Option<String>,
    pub trigger_id: Option<String>,
}

/// A preview item (`{id, type, value}`).
#[derive(Debug, Clone)]
pub struct PreviewChoice {
    pub id: String,
    pub kind: String,
    pub value: String,
}

/// Slash-command operations.
pub struct Commands<'a>(pub &'a Services);

/// What became of text typed into a room.
#[derive(Debug)]
pub enum Typed {
    /// Posted as a message.
    Sent(Box<Message>),
    /// Ran as a slash command; nothing was posted.
    Command,
}

impl Services {
    /// Slash-command operations.
    pub fn commands(&self) -> Commands<'_> {
        Commands(self)
    }
}

/// Upstream's answer for a command nobody provides.
fn no_such_command() -> Error {
    Error::from(Kind::InvalidCommand)
}

/// What a command offers to preview (`commands.preview`): a title and at most ten items.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Preview {
    #[serde(rename = "i18nTitle")]
    pub title: String,
    pub items: Vec<PreviewEntry>,
}

/// One item a command offers: `{id, type, value}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PreviewEntry {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub value: String,
}

fn kind_name(kind: PreviewKind) -> &'static str {
    match kind {
        PreviewKind::Image => "image",
        PreviewKind::Video => "video",
        PreviewKind::Audio => "audio",
        PreviewKind::Text => "text",
        PreviewKind::Other => "other",
    }
}

fn kind_of(name: &str) -> PreviewKind {
    match name {
        "image" => PreviewKind::Image,
        "video" => PreviewKind::Video,
        "audio" => PreviewKind::Audio,
        "text" => PreviewKind::Text,
        _ => PreviewKind::Other,
    }
}

/// Splits `/cmd params` into the lowercase command and the raw parameters; `None` when the
/// text is not a command (no slash, or a space right after it).
pub fn parse_command(text: &str) -> Option<(String, String)> {
    let rest = text.strip_prefix('/')?;
    let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
    let (command, params) = rest.split_at(end);
    if command.is_empty() {
        return None;
    }
    Some((command.to_lowercase(), params.trim_start().to_string()))
}

impl Commands<'_> {
    /// Every command of the enabled apps, sorted by name.
    pub fn list(&self) -> Vec<AppCommand> {
        self.0.apps.registry().values().cloned().collect()
    }

    /// Whether an enabled app provides `command` (lowercase, without the slash).
    pub fn exists(&self, command: &str) -> bool {
        self.0.apps.registry().contains_key(command)
    }

    /// One command (case-insensitive), or upstream's error.
    pub fn get(&self, command: &str) -> Result<AppCommand> {
        let name = command.trim_start_matches('/').to_lowercase();
        self.0.apps.registry().get(&name).cloned().ok_or_else(|| {
            Kind::InvalidCommand.with_message(format!("There is no command in the system by the name of: {command}"))
        })
    }

    /// The command and room of an invocation after upstream's checks: the command exists,
    /// the user can read the room, the thread (if any) is in the room, and the user holds one
    /// of the command's required permissions.
    fn prepare(&self, user: &User, inv: &Invocation) -> Result<AppCommand> {
        let command = self.0.apps.registry().get(&inv.command.to_lowercase()).cloned().ok_or_else(no_such_command)?;
        if inv.room_id.is_empty() {
            return Err(Kind::param_required("roomId"));
        }
        let room = self.0.store.room_by_id(&inv.room_id)?;
        let readable = match &room {
            Some(room) => self.0.rooms().can_read(user, room)?,
            None => false,
        };
        if !readable {
            return Err(Kind::Forbidden.with_message("User does not have access to this room"));
        }
        if let Some(tmid) = &inv.tmid {
            let thread = self.0.store.message(tmid)?;
            if thread.is_none_or(|m| m.rid != inv.room_id) {
                return Err(Kind::InvalidThread.into());
            }
        }
        if !command.permissions.is_empty() {
            let perms: Vec<&str> = command.permissions.iter().map(String::as_str).collect();
            if !self.0.authz().can_any(user, &perms, Some(&inv.room_id))? {
                return Err(Kind::Unauthorized.with_message(format!("You are not allowed to use /{}", command.command)));
            }
        }
        Ok(command)
    }

    fn context(user: &User, inv: &Invocation, command: &AppCommand) -> CommandContext {
        CommandContext {
            command: command.command.clone(),
            params: inv.params.clone(),
            args: inv.params.split_whitespace().map(String::from).collect(),
            sender_id: user.id.clone(),
            room_id: inv.room_id.clone(),
            thread_id: inv.tmid.clone(),
            trigger_id: inv.trigger_id.clone(),
        }
    }

    /// `commands.run` / `slashCommand`: runs a command as `user`.
    pub fn run(&self, user: &User, inv: &Invocation) -> Result<()> {
        let command = self.prepare(user, inv)?;
        let ctx = Self::context(user, inv, &command);
        let runtime = self.0.apps().runtime()?;
        let outcome = self.0.apps().block_on(runtime.execute_command(&command.app_id, ctx))?;
        self.settle(user, inv, &command, outcome)
    }

    /// `POST commands.preview`: runs a command with the preview item the user picked.
    pub fn execute_preview_item(&self, user: &User, inv: &Invocation, item: &PreviewChoice) -> Result<()> {
        if item.id.is_empty() || item.kind.is_empty() || item.value.is_empty() {
            return Err(Kind::InvalidPreview.into());
        }
        let command = self.prepare(user, inv)?;
        if !command.provides_preview {
            return Ok(());
        }
        let ctx = Self::context(user, inv, &command);
        let item = PreviewItem { id: item.id.clone(), kind: kind_of(&item.kind), value: item.value.clone() };
        let runtime = self.0.apps().runtime()?;
        let outcome = self.0.apps().block_on(runtime.execute_preview_item(&command.app_id, ctx, item))?;
        self.settle(user, inv, &command, outcome)
    }

    /// `GET commands.preview`: `{i18nTitle, items:[{id, type, value}]}` (at most ten items);
    /// empty for a command without previews or when the app has none to offer.
    pub fn preview(&self, user: &User, inv: &Invocation) -> Result<Preview> {
        let command = self.prepare(user, inv)?;
        if !command.provides_preview {
            return Ok(Preview::default());
        }
        let ctx = Self::context(user, inv, &command);
        let runtime = self.0.apps().runtime()?;
        match self.0.apps().block_on(runtime.preview_command(&command.app_id, ctx))? {
            Ok(Ok(previews)) => {
                let items = previews.items.into_iter().take(MAX_PREVIEW_ITEMS);
                let items = items.map(|i| PreviewEntry { id: i.id, kind: kind_name(i.kind), value: i.value });
                Ok(Preview { title: previews.title, items: items.collect() })
            }
            Ok(Err(_)) => Ok(Preview::default()),
            Err(error) => Err(self.failed(user, inv, &command, error)),
        }
    }

    /// Turns an app call's outcome into the caller's answer.
    fn settle(
        &self,
        user: &User,
        inv: &Invocation,
        command: &AppCommand,
        outcome: orbit_apps::Result<Result<(), String>>,
    ) -> Result<()> {
        match outcome {
            Ok(Ok(())) => Ok(()),
            Ok(Err(text)) => {
                if let Ok(sender) = self.sender(&command.app_id) {
                    self.0.notices().notify(&sender, &user.id, &inv.room_id, inv.tmid.as_deref(), &text);
                }
                Ok(())
            }
            Err(error) => Err(self.failed(user, inv, command, error)),
        }
    }

    /// A sandbox failure: tell the user, record it, answer `error-app-failed`.
    fn failed(&self, user: &User, inv: &Invocation, command: &AppCommand, error: AppError) -> Error {
        if let AppError::NotLoaded(_) = error {
            return no_such_command();
        }
        let name = self.0.apps.record(&command.app_id).and_then(|r| r.manifest["name"].as_str().map(String::from));
        let name = name.unwrap_or_else(|| command.app_id.clone());
        let text = format!("/{} failed: the app {name} {}", command.command, describe(&error));
        if let Ok(sender) = self.sender(&command.app_id) {
            self.0.notices().notify(&sender, &user.id, &inv.room_id, inv.tmid.as_deref(), &text);
        }
        self.0.apps().note_failure(&command.app_id);
        Kind::AppFailed.with_message(text)
    }

    /// Who ephemeral notices of an app come from: its bot user, or `rocket.cat`.
    fn sender(&self, app_id: &str) -> Result<User> {
        if let Some(bot) = self.0.apps().bot_user(app_id)? {
            return Ok(bot);
        }
        self.0.store.user_by_username("rocket.cat")?.ok_or_else(|| Error::from(Kind::InvalidUser))
    }

    /// Text typed into a room (`sendMessage`, `chat.sendMessage`): `/command args` runs the
    /// command instead of being posted; anything else is sent.
    pub fn send_typed(&self, user: &User, draft: Draft) -> Result<Typed> {
        if draft.attachments.is_none()
            && let Some(rid) = Some(draft.rid.as_str()).filter(|r| !r.is_empty())
            && self.intercept(user, rid, draft.tmid.as_deref(), &draft.msg)?
        {
            return Ok(Typed::Command);
        }
        self.0.messages().send(user, draft).map(|m| Typed::Sent(Box::new(m)))
    }

    /// A message typed into the composer: `/command params` runs the command instead of being
    /// posted. Returns `true` when the text was handled as a command. An unknown command is
    /// posted as text when `Message_AllowUnrecognizedSlashCommand` is on, refused otherwise.
    pub fn intercept(&self, user: &User, rid: &str, tmid: Option<&str>, text: &str) -> Result<bool> {
        let Some((command, params)) = parse_command(text) else { return Ok(false) };
        if !self.0.apps.registry().contains_key(&command) {
            if self.0.settings.bool("Message_AllowUnrecognizedSlashCommand") {
                return Ok(false);
            }
            return Err(Kind::InvalidCommand.with_message(format!("No such command: `/{command}`")));
        }
        let inv =
            Invocation { command, params, room_id: rid.to_string(), tmid: tmid.map(String::from), trigger_id: None };
        self.run(user, &inv)?;
        Ok(true)
    }
}

/// The end of "the app X …" for a sandbox failure.
fn describe(error: &AppError) -> String {
    match error {
        AppError::Timeout(d) => format!("timed out after {} ms", d.as_millis()),
        AppError::OutOfMemory(limit) => format!("ran out of memory (limit {} MiB)", limit >> 20),
        AppError::HostCallFlood(n) => format!("made more than {n} host calls and was stopped"),
        AppError::Trap(reason) => format!("crashed: {}", first_line(reason)),
        AppError::Failed(reason) => format!("is disabled after repeated failures ({reason})"),
        other => format!("failed: {other}"),
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::bus::Event;
    use crate::ids;

    #[test]
    fn parses_commands_like_the_composer() {
        assert_eq!(parse_command("/me waves"), Some(("me".into(), "waves".into())));
        assert_eq!(parse_command("/JOIN   #general "), Some(("join".into(), "#general ".into())));
        assert_eq!(parse_command("/help"), Some(("help".into(), String::new())));
        assert_eq!(parse_command("/ x"), None);
        assert_eq!(parse_command("hello /me"), None);
        assert_eq!(parse_command("/"), None);
    }

    /// A server (no HTTP) with the built-in commands installed from `dist/`.
    async fn server() -> (Arc<Services>, User, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("orbit-commands-{}", ids::random_id()));
        let vars = [
            ("ORBIT_DATA_DIR".to_string(), dir.display().to_string()),
            ("ADMIN_USERNAME".to_string(), "admin".to_string()),
            ("ADMIN_PASS".to_string(), "admin-Pass1!".to_string()),
            ("ORBIT_BCRYPT_COST".to_string(), "4".to_string()),
        ];
        let config = crate::config::Config::from_vars(vars);
        let svc = tokio::task::spawn_blocking(move || crate::server::open(config)).await.unwrap().unwrap();
        super::super::apps::start(&svc).await.unwrap();
        let zip = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../dist/apps/builtin-commands.zip"))
            .expect("dist/apps/builtin-commands.zip: run scripts/build-plugins");
        let admin = svc.store.user_by_username("admin").unwrap().unwrap();
        let a = admin.clone();
        svc.blocking(move |s| s.apps().install(&a, &zip)).await.unwrap();
        (svc, admin, dir)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn typed_commands_run_instead_of_being_posted() {
        let (svc, admin, dir) = server().await;
        let mut events = svc.bus.subscribe();
        let intercept = |text: &'static str| {
            let (svc, admin) = (svc.clone(), admin.clone());
            async move { svc.blocking(move |s| s.commands().intercept(&admin, "GENERAL", None, text)).await }
        };
        assert!(!intercept("hello there").await.unwrap());
        assert!(!intercept("/ spaced").await.unwrap());
        assert!(intercept("/me waves").await.unwrap());
        let posted = loop {
            if let Event::MessageSaved { message, .. } = &*events.recv().await.unwrap() {
                break message.msg.clone();
            }
        };
        assert_eq!(posted, "_waves_");
        let error = intercept("/nope x").await.unwrap_err();
        assert_eq!(error.id(), "error-invalid-command");
        assert!(error.reason().contains("/nope"));
        svc.blocking(|s| s.settings().set_value("Message_AllowUnrecognizedSlashCommand", serde_json::json!(true)))
            .await
            .unwrap();
        assert!(!intercept("/nope x").await.unwrap(), "posted as text when allowed");
        let _ = std::fs::remove_dir_all(dir);
    }
}
