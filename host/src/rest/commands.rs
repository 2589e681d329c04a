//! Slash-command endpoints: `commands.list`, `commands.get`, `commands.run` and
//! `commands.preview` (GET: the previews; POST: run the picked item).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::auth::Auth;
use super::paging::ListOptions;
use super::params::{Body, Params, Query};
use super::reply::{Reply, ok, ok_empty};
use crate::error::{Kind, Result};
use crate::services::Services;
use crate::services::apps::AppCommand;
use crate::services::commands::{Invocation, PreviewChoice};

/// Routes of this family.
pub fn routes() -> Router<Arc<Services>> {
    Router::new()
        .route("/api/v1/commands.list", get(list))
        .route("/api/v1/commands.get", get(get_one))
        .route("/api/v1/commands.run", post(run))
        .route("/api/v1/commands.preview", get(preview).post(execute_preview))
}

/// `GET commands.list`: `{commands, appsLoaded, count, offset, total}`, sorted by command;
/// takes paging, `sort` and `query` (e.g. `{"command": "join"}`).
async fn list(State(svc): State<Arc<Services>>, Auth(_caller): Auth, Query(p): Query) -> Reply {
    let body = svc
        .blocking(move |s| {
            let opts = ListOptions::from_params(s, &p)?;
            let docs: Vec<Value> = s.commands().list().iter().map(command_view).collect();
            let (page, total) = opts.apply(docs, Some(json!({"command": 1})))?;
            let mut body = opts.envelope("commands", page, total);
            body["appsLoaded"] = json!(s.apps().loaded());
            Ok(body)
        })
        .await?;
    Ok(ok(body))
}

/// `GET commands.get?command=`: `{command: {command, params, description, clientOnly, providesPreview}}`.
async fn get_one(State(svc): State<Arc<Services>>, Auth(_caller): Auth, Query(p): Query) -> Reply {
    let name = p.str("command")?;
    let command = svc.blocking(move |s| s.commands().get(&name)).await?;
    Ok(ok(json!({"command": command_view(&command)})))
}

/// The invocation fields shared by `commands.run` and `commands.preview`.
fn invocation(p: &Params) -> Result<Invocation> {
    let command = p.typed_str("command")?.filter(|c| !c.is_empty()).ok_or_else(|| Kind::param_required("command"))?;
    let room_id = p.typed_str("roomId")?.filter(|r| !r.is_empty()).ok_or_else(|| Kind::param_required("roomId"))?;
    Ok(Invocation {
        command: command.trim_start_matches('/').to_lowercase(),
        params: p.typed_str("params")?.unwrap_or_default(),
        room_id,
        tmid: p.typed_str("tmid")?.filter(|t| !t.is_empty()),
        trigger_id: p.typed_str("triggerId")?.filter(|t| !t.is_empty()),
    })
}

/// `POST commands.run` with `command, roomId, params, tmid, triggerId`: `{success}`.
async fn run(State(svc): State<Arc<Services>>, Auth(caller): Auth, Body(p): Body) -> Reply {
    let inv = invocation(&p)?;
    svc.blocking(move |s| s.commands().run(&caller.user, &inv)).await?;
    Ok(ok_empty())
}

/// `GET commands.preview?command=&roomId=&params=`: `{preview: {i18nTitle, items}}`.
async fn preview(State(svc): State<Arc<Services>>, Auth(caller): Auth, Query(p): Query) -> Reply {
    let inv = invocation(&p)?;
    let preview = svc.blocking(move |s| s.commands().preview(&caller.user, &inv)).await?;
    Ok(ok(json!({"preview": preview})))
}

/// `POST commands.preview` with the invocation and `previewItem: {id, type, value}`.
async fn execute_preview(State(svc): State<Arc<Services>>, Auth(caller): Auth, Body(p): Body) -> Reply {
    let inv = invocation(&p)?;
    let item = p.object("previewItem")?;
    let item = PreviewChoice {
        id: item.opt_str("id").unwrap_or_default(),
        kind: item.opt_str("type").unwrap_or_default(),
        value: item.opt_str("value").unwrap_or_default(),
    };
    svc.blocking(move |s| s.commands().execute_preview_item(&caller.user, &inv, &item)).await?;
    Ok(ok_empty())
}

/// A command as `commands.list` and `commands.get` show it.
fn command_view(c: &AppCommand) -> Value {
    json!({
        "command": c.command,
        "params": c.params,
        "description": c.description,
        "clientOnly": false,
        "providesPreview": c.provides_preview,
        "permission": c.permissions,
        "appId": c.app_id,
    })
}
