//! Miscellaneous endpoints: `statistics`, `statistics.list`, `instances.get`, `directory`,
//! `spotlight` and `shield.svg`.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use super::auth::{Auth, MaybeAuth};
use super::paging::{ListOptions, docs};
use super::params::Query;
use super::reply::{Reply, ok};
use super::rooms::{failure, respond, text, user_from_params};
use crate::error::Kind;
use crate::services::Services;
use crate::services::directory::DirectoryQuery;
use crate::services::shields::Shield;

/// Routes of this family.
pub fn routes() -> Router<Arc<Services>> {
    Router::new()
        .route("/api/v1/statistics", get(statistics))
        .route("/api/v1/statistics.list", get(statistics_list))
        .route("/api/v1/instances.get", get(instances))
        .route("/api/v1/directory", get(directory))
        .route("/api/v1/spotlight", get(spotlight))
        .route("/api/v1/shield.svg", get(shield))
}

/// `GET statistics?refresh=true|false` (`view-statistics`): the statistics document.
async fn statistics(State(svc): State<Arc<Services>>, Auth(caller): Auth, Query(p): Query) -> Reply {
    let refresh = p.bool("refresh", false)?;
    let stats = svc.blocking(move |s| s.statistics().last(&caller.user, refresh)).await?;
    Ok(ok(json!(stats)))
}

/// `GET instances.get` (`view-statistics`): `{instances: [{address, currentStatus,
/// instanceRecord, broadcastAuth}]}`.
async fn instances(State(svc): State<Arc<Services>>, Auth(caller): Auth) -> Reply {
    let instances = svc.blocking(move |s| s.statistics().instances(&caller.user)).await?;
    Ok(ok(json!({"instances": instances})))
}

/// `GET shield.svg?type=online|channel|user&channel=&name=&icon=false&userId|username=`:
/// a badge (`image/svg+xml`), without login unless user badges need one.
async fn shield(State(svc): State<Arc<Services>>, MaybeAuth(caller): MaybeAuth, Query(p): Query) -> Response {
    let result = svc
        .blocking(move |s| {
            let kind = text(&p, "type");
            s.shields().check_enabled(kind.as_deref())?;
            let name = p.opt_str("name");
            let hide_icon = p.opt_str("icon").as_deref() == Some("false");
            if hide_icon && name.as_deref().is_none_or(|n| n.trim().is_empty()) {
                return Err(failure("Name cannot be empty when icon is hidden"));
            }
            let shield = match kind.as_deref() {
                Some("online") => Shield::Online,
                Some("channel") => Shield::Channel(
                    text(&p, "channel").ok_or_else(|| failure("Shield channel is required for type \"channel\""))?,
                ),
                Some("user") => {
                    if caller.is_none() && s.shields().user_needs_login() {
                        return Err(failure("You must be logged in to do this."));
                    }
                    Shield::User(Box::new(user_from_params(s, &p)?))
                }
                _ => Shield::JoinChat,
            };
            s.shields().render(&shield, name.as_deref(), hide_icon)
        })
        .await;
    match result {
        Ok(svg) => ([(header::CONTENT_TYPE, "image/svg+xml;charset=utf-8")], svg).into_response(),
        Err(e) => respond(Err(e)).into_response(),
    }
}

/// `GET statistics.list` (`view-statistics`): saved snapshots with `query`, `fields`, `sort`
/// and paging: `{statistics, count, offset, total}`.
async fn statistics_list(State(svc): State<Arc<Services>>, Auth(caller): Auth, Query(p): Query) -> Reply {
    let body = svc
        .blocking(move |s| {
            let opts = ListOptions::from_params(s, &p)?;
            let snapshots = s.statistics().list(&caller.user)?;
            let (page, total) = opts.apply(docs(&snapshots)?, Some(json!({"createdAt": -1})))?;
            Ok(opts.envelope("statistics", page, total))
        })
        .await?;
    Ok(ok(body))
}

/// `GET directory?query={"text","type","workspace"}&sort={"field":1}&offset&count`:
/// `{result, count, offset, total}`.
async fn directory(State(svc): State<Arc<Services>>, Auth(caller): Auth, Query(p): Query) -> Reply {
    let body = svc
        .blocking(move |s| {
            let opts = ListOptions::from_params(s, &p)?;
            let query = opts.query.clone().unwrap_or_default();
            let text_of = |key: &str| match query.get(key) {
                Some(Value::String(v)) => Ok(Some(v.clone())),
                None | Some(Value::Null) => Ok(p.opt_str(key)),
                Some(_) => Err(Kind::invalid_param(key)),
            };
            // Like Rocket.Chat, anything but an explicit ascending sort is descending.
            let (sort_by, descending) = match &opts.sort {
                None => (None, true),
                Some(sort) if sort.len() > 1 => {
                    return Err(Kind::InvalidParams.with_message("This method support only one \"sort\" parameter"));
                }
                Some(sort) => match sort.iter().next() {
                    Some((k, v)) => (Some(k.clone()), v.as_i64() != Some(1)),
                    None => (None, true),
                },
            };
            let q = DirectoryQuery {
                text: text_of("text")?.unwrap_or_default(),
                kind: text_of("type")?.unwrap_or_default(),
                workspace: text_of("workspace")?.unwrap_or_else(|| "local".into()),
                sort_by,
                descending,
                offset: opts.offset,
                limit: opts.count.unwrap_or(0),
            };
            let (result, total) = s.directory().browse(&caller.user, &q)?;
            Ok(json!({"result": result, "count": result.len(), "offset": opts.offset, "total": total}))
        })
        .await?;
    Ok(ok(body))
}

/// `GET spotlight?query=`: `{users, rooms}` the caller may reach but has not joined.
async fn spotlight(State(svc): State<Arc<Services>>, Auth(caller): Auth, Query(p): Query) -> Reply {
    let text = p.opt_str("query").ok_or_else(|| Kind::param_required("query"))?;
    let (users, rooms) = svc.blocking(move |s| s.directory().spotlight(&caller.user, &text)).await?;
    Ok(ok(json!({"users": users, "rooms": rooms})))
}
