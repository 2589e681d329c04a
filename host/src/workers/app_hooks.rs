//! The app-hooks worker: the post phase of the apps' event hooks
//! ([`crate::services::app_hooks`]), off the request path. Each bus event that maps to a hook
//! event goes, as JSON, to every app hooking it (in install order, never to the app whose bot
//! made the change), through one queue per app: a slow app delays only its own hooks, and a
//! queue that is full drops the event with a line in the log.
//!
//! Events: message sent, updated (edited), deleted; room created, deleted; user joined, left
//! (a subscription added or removed); user created, updated, deleted, status changed.

use std::collections::HashMap;
use std::sync::Arc;

use orbit_apps::bindings::{HookEvent, HookPhase};
use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;

use crate::bus::{ChangeAction, Event};
use crate::services::Services;

/// Events waiting per app before new ones are dropped.
const QUEUE: usize = 1024;

/// One post-hook call waiting for an app.
struct Job {
    event: HookEvent,
    subject: Arc<str>,
}

/// Subscribes to the bus now and starts the worker.
pub fn spawn(svc: Arc<Services>) {
    let mut events = svc.bus.subscribe();
    tokio::spawn(async move {
        let mut queues: HashMap<String, mpsc::Sender<Job>> = HashMap::new();
        loop {
            let event = match events.recv().await {
                Ok(event) => event,
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "app post-hooks fell behind; events were missed");
                    continue;
                }
                Err(RecvError::Closed) => return,
            };
            // Only events some app hooks are turned into JSON.
            let registry = svc.app_hooks().registry();
            let Some((hook, actor, subject)) = hook_of(&event, |e| registry.any(e, HookPhase::Post)) else { continue };
            let apps = registry.apps(hook, HookPhase::Post, actor.as_deref());
            if apps.is_empty() {
                continue;
            }
            let subject: Arc<str> = Arc::from(subject.to_string());
            for app in apps {
                let queue = queues.entry(app.app_id.clone()).or_insert_with(|| start_queue(svc.clone(), &app.app_id));
                if queue.try_send(Job { event: hook, subject: subject.clone() }).is_err() {
                    tracing::warn!(app = %app.app_id, "the app's post-hook queue is full; an event was dropped");
                }
            }
        }
    });
}

/// Starts the task that runs one app's post-hooks in order.
fn start_queue(svc: Arc<Services>, app_id: &str) -> mpsc::Sender<Job> {
    let (tx, mut rx) = mpsc::channel::<Job>(QUEUE);
    let app_id = app_id.to_string();
    tokio::spawn(async move {
        while let Some(job) = rx.recv().await {
            let Some(app) = svc.app_hooks().app(&app_id) else { continue };
            // Failures are logged in the app's log and counted by the runtime.
            let _ = app.hook_post(job.event, &job.subject).await;
        }
    });
    tx
}

/// The hook event of a bus event, the user who made the change (if known) and the subject;
/// `None` also for an event no app hooks (`hooked`), before anything is serialized.
fn hook_of(event: &Event, hooked: impl Fn(HookEvent) -> bool) -> Option<(HookEvent, Option<String>, Value)> {
    let kind = match event {
        Event::MessageSaved { is_new: true, .. } => HookEvent::MessageSent,
        Event::MessageSaved { message, .. } if message.edited_at == Some(message.updated_at) => {
            HookEvent::MessageUpdated
        }
        Event::MessageDeleted { .. } => HookEvent::MessageDeleted,
        Event::RoomChanged { action: ChangeAction::Inserted, .. } => HookEvent::RoomCreated,
        Event::RoomChanged { action: ChangeAction::Removed, .. } => HookEvent::RoomDeleted,
        Event::SubscriptionChanged { action: ChangeAction::Inserted, .. } => HookEvent::RoomUserJoined,
        Event::SubscriptionChanged { action: ChangeAction::Removed, .. } => HookEvent::RoomUserLeft,
        Event::UserCreated { .. } => HookEvent::UserCreated,
        Event::UserUpdated { .. } => HookEvent::UserUpdated,
        Event::UserDeleted { .. } => HookEvent::UserDeleted,
        Event::UserStatus { .. } => HookEvent::UserStatusChanged,
        _ => return None,
    };
    if !hooked(kind) {
        return None;
    }
    match event {
        Event::MessageSaved { message, is_new: true, .. } => {
            Some((HookEvent::MessageSent, Some(message.u.id.clone()), to_json(&**message)?))
        }
        // An edit stamps both dates at once; reactions, pins and the like change only `_updatedAt`.
        Event::MessageSaved { message, is_new: false, .. } if message.edited_at == Some(message.updated_at) => {
            let editor = message.edited_by.as_ref().map(|u| u.id.clone());
            Some((HookEvent::MessageUpdated, editor, to_json(&**message)?))
        }
        Event::MessageDeleted { rid, message_id } => {
            Some((HookEvent::MessageDeleted, None, json!({"_id": message_id, "rid": rid})))
        }
        Event::RoomChanged { action: ChangeAction::Inserted, room } => {
            Some((HookEvent::RoomCreated, room.u.as_ref().map(|u| u.id.clone()), to_json(&**room)?))
        }
        Event::RoomChanged { action: ChangeAction::Removed, room } => {
            Some((HookEvent::RoomDeleted, None, to_json(&**room)?))
        }
        Event::SubscriptionChanged { action, subscription } => {
            let hook = match action {
                ChangeAction::Inserted => HookEvent::RoomUserJoined,
                ChangeAction::Removed => HookEvent::RoomUserLeft,
                ChangeAction::Updated => return None,
            };
            let subject = json!({"room": {"_id": subscription.rid, "name": subscription.name, "t": subscription.t.code()},
                                 "user": {"_id": subscription.u.id, "username": subscription.u.username}});
            Some((hook, Some(subscription.u.id.clone()), subject))
        }
        Event::UserCreated { user } => Some((HookEvent::UserCreated, None, user_subject(user)?)),
        Event::UserUpdated { user, .. } => Some((HookEvent::UserUpdated, Some(user.id.clone()), user_subject(user)?)),
        Event::UserDeleted { user_id, username } => {
            Some((HookEvent::UserDeleted, None, json!({"_id": user_id, "username": username})))
        }
        Event::UserStatus { user } => Some((HookEvent::UserStatusChanged, Some(user.id.clone()), user_subject(user)?)),
        _ => None,
    }
}

/// A user as hooks see it (the document clients see: no secrets live in it).
fn user_subject(user: &crate::models::User) -> Option<Value> {
    to_json(user)
}

fn to_json<T: serde::Serialize>(value: &T) -> Option<Value> {
    serde_json::to_value(value).ok()
}
