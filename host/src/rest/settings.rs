//! Settings endpoints: `settings.public`, `settings`, `GET`/`POST settings/:_id`,
//! `settings.oauth` and `service.configurations`.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use serde_json::{Map, Value, json};

use super::auth::Auth;
use super::paging::ListOptions;
use super::params::{Body, Params, Query};
use super::reply::{Reply, ok, ok_empty};
use crate::error::Result;
use crate::services::Services;

/// Routes of this family.
pub fn routes() -> Router<Arc<Services>> {
    Router::new()
        .route("/api/v1/settings.public", get(public))
        .route("/api/v1/settings", get(list))
        .route("/api/v1/settings.oauth", get(oauth))
        .route("/api/v1/service.configurations", get(service_configurations))
        .route("/api/v1/settings/{id}", get(get_one).post(update))
}

/// Keys a settings list always shows; `fields` adds more (e.g. `{"type": 1}`).
const LIST_KEYS: [&str; 5] = ["_id", "value", "enterprise", "invalidValue", "modules"];

/// Filters by `query`, sorts (by `_id` unless `sort`), pages, and shows each setting as
/// `{_id, value}` plus the requested `fields`: `{settings, count, offset, total}`.
fn listing(svc: &Services, p: &Params, docs: Vec<Arc<Value>>, with_defaults: bool) -> Result<Value> {
    let mut opts = ListOptions::from_params(svc, p)?;
    let extra: Vec<String> = opts
        .fields
        .take()
        .map(|f: Map<String, Value>| {
            f.into_iter().filter(|(_, v)| v.as_i64() == Some(1) || v.as_bool() == Some(true)).map(|(k, _)| k).collect()
        })
        .unwrap_or_default();
    let docs: Vec<Value> = docs.iter().map(|d| (**d).clone()).collect();
    // The cache lists settings by id in byte order, as Mongo sorts them; no default sort needed.
    let (page, total) = opts.apply(docs, None)?;
    let page = page
        .into_iter()
        .map(|d| {
            let Value::Object(mut o) = d else { return d };
            o.retain(|k, _| {
                LIST_KEYS.contains(&k.as_str())
                    || extra.iter().any(|e| e == k)
                    || (with_defaults && k == "packageValue")
            });
            Value::Object(o)
        })
        .collect();
    Ok(opts.envelope("settings", page, total))
}

/// `GET settings.public`: public settings, no login needed. Takes `query`, `fields`, `sort`,
/// paging, and `_id` as a comma-separated list of ids.
async fn public(State(svc): State<Arc<Services>>, Query(p): Query) -> Reply {
    let body = svc
        .blocking(move |s| {
            let mut docs = s.settings().public_docs();
            if let Some(ids) = p.opt_str("_id").filter(|i| !i.trim().is_empty()) {
                let ids: Vec<&str> = ids.split(',').map(str::trim).collect();
                docs.retain(|d| d["_id"].as_str().is_some_and(|id| ids.contains(&id)));
            }
            listing(s, &p, docs, false)
        })
        .await?;
    Ok(ok(body))
}

/// `GET settings`: every setting for `view-privileged-setting`, the public ones otherwise;
/// `includeDefaults=true` adds each `packageValue`.
async fn list(State(svc): State<Arc<Services>>, Auth(caller): Auth, Query(p): Query) -> Reply {
    let body = svc
        .blocking(move |s| {
            let docs = s.settings().visible_docs(&caller.user)?;
            let with_defaults = p.bool("includeDefaults", false)?;
            listing(s, &p, docs, with_defaults)
        })
        .await?;
    Ok(ok(body))
}

/// `GET settings/:_id` (`view-privileged-setting`): `{_id, value}`.
async fn get_one(State(svc): State<Arc<Services>>, Auth(caller): Auth, Path(id): Path<String>) -> Reply {
    let doc = svc.blocking(move |s| s.settings().privileged_doc(&caller.user, &id)).await?;
    Ok(ok(json!({"_id": doc["_id"], "value": doc["value"]})))
}

/// `POST settings/:_id` (`edit-privileged-setting`): `{value}`, or `{value, editor}` for colours.
async fn update(State(svc): State<Arc<Services>>, Auth(caller): Auth, Path(id): Path<String>, Body(p): Body) -> Reply {
    svc.blocking(move |s| {
        let value = p.0.get("value").cloned();
        s.settings().update(&caller.user, &id, value, p.opt_str("editor")).map(|_| ())
    })
    .await?;
    Ok(ok_empty())
}

/// `GET settings.oauth`: the enabled login services, no login needed.
async fn oauth(State(svc): State<Arc<Services>>) -> Reply {
    let services = svc.blocking(|s| s.settings().oauth_services()).await?;
    Ok(ok(json!({"services": services})))
}

/// `GET service.configurations`: login-service configurations without secrets.
async fn service_configurations(State(svc): State<Arc<Services>>) -> Reply {
    let configurations = svc.blocking(|s| s.settings().service_configurations()).await?;
    Ok(ok(json!({"configurations": configurations})))
}
