//! The REST transport: `/api/v1/*` and friends. Handlers parse parameters, call one service and
//! format the answer; rules and permission checks live in the services.

pub mod apps;
pub mod auth;
pub mod avatars;
pub mod channels;
pub mod chat;
pub mod commands;
pub mod custom_user_status;
pub mod emoji_custom;
pub mod forms;
pub mod head_limits;
pub mod im;
pub mod info;
pub mod login;
pub mod method_call;
pub mod misc;
pub mod paging;
pub mod params;
pub mod push;
pub mod rate_limit;
pub mod reply;
pub mod roles;
pub mod rooms;
pub mod settings;
pub mod subscriptions;
pub mod teams;
pub mod tokens;
pub mod two_factor;
pub mod unread_body;
pub mod uploads;
pub mod user_profile;
pub mod users;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;

use crate::error::{Error, Kind};
use crate::services::Services;

/// All REST routes. `method.call` runs DDP methods on the realtime hub, which the server's
/// wiring adds as an `Extension`.
pub fn routes() -> Router<Arc<Services>> {
    Router::new()
        .merge(info::routes())
        .merge(login::routes())
        .merge(users::routes())
        .merge(tokens::routes())
        .merge(two_factor::routes())
        .merge(user_profile::routes())
        .merge(avatars::routes())
        .merge(uploads::routes())
        .merge(channels::routes())
        .merge(chat::routes())
        .merge(im::routes())
        .merge(rooms::routes())
        .merge(subscriptions::routes())
        .merge(teams::routes())
        .merge(settings::routes())
        .merge(roles::routes())
        .merge(misc::routes())
        .merge(apps::routes())
        .merge(commands::routes())
        .merge(custom_user_status::routes())
        .merge(emoji_custom::routes())
        .merge(push::routes())
        .merge(method_call::routes())
}

/// The HTTP application: `routes` (REST and realtime side by side) behind what every request
/// passes: the body size limit, JSON error bodies, the rate limiter and closing connections whose
/// body was left unread; unknown paths answer `error-not-found`.
pub fn layered(svc: Arc<Services>, routes: Router<Arc<Services>>) -> Router {
    let max_body = svc.config.max_body_bytes;
    routes
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(axum::middleware::from_fn(info::json_errors))
        .layer(rate_limit::RateLimitLayer::new(svc.clone()))
        .layer(axum::middleware::from_fn(unread_body::close_if_unread))
        .layer(axum::middleware::from_fn(head_limits::refuse_oversized))
        .with_state(svc)
}

async fn not_found(uri: axum::http::Uri) -> Error {
    Kind::NotFound.with_message(format!("Endpoint {} not found", uri.path()))
}
