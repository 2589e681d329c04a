//! `POST /api/v1/method.call/<name>` and `POST /api/v1/method.callAnon/<name>`: DDP methods over
//! REST. The body is `{"message": "<DDP method frame as a JSON string>"}`; the answer is
//! `{"success": true, "message": "<DDP result frame as a JSON string>"}`, also when the method
//! fails (the error is inside the result frame), as Rocket.Chat answers. The same dispatcher as
//! the WebSocket runs the method, with the same rate limiter (keyed by the token).

use std::sync::Arc;

use axum::Router;
use axum::extract::Path;
use axum::routing::post;
use serde_json::{Value, json};

use super::auth::{Auth, MaybeAuth};
use super::params::Body;
use super::reply::{Reply, ok};
use crate::ddp::methods::{Invocation, run_call};
use crate::ddp::{Peer, frames, limits};
use crate::error::{Error, Kind};
use crate::services::Services;
use crate::services::accounts::Caller;

/// Routes of this family; methods run on the realtime hub.
pub fn routes() -> Router<Arc<Services>> {
    Router::new()
        .route("/api/v1/method.call/{method}", post(call))
        .route("/api/v1/method.callAnon/{method}", post(call_anon))
}

/// `POST method.call/<name>` (authenticated).
async fn call(peer: Peer, Auth(caller): Auth, Path(name): Path<String>, Body(p): Body) -> Reply {
    run(peer, Some(caller), name, p.get("message").cloned()).await
}

/// `POST method.callAnon/<name>` (credentials optional).
async fn call_anon(peer: Peer, MaybeAuth(caller): MaybeAuth, Path(name): Path<String>, Body(p): Body) -> Reply {
    run(peer, caller, name, p.get("message").cloned()).await
}

/// The method frame inside `message`: `{msg: "method", id, method, params}`.
fn parse_message(message: Option<Value>) -> Result<(String, String, Vec<Value>), Error> {
    let invalid = || Error::from(Kind::InvalidMethodCall);
    let text = match message {
        Some(Value::String(s)) => s,
        None => return Err(Kind::param_required("message")),
        Some(_) => return Err(Kind::invalid_param("message")),
    };
    let frame: Value = serde_json::from_str(&text).map_err(|_| invalid())?;
    let method = frame.get("method").and_then(Value::as_str).ok_or_else(invalid)?.to_string();
    let id = match frame.get("id") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err(invalid()),
    };
    let params = match frame.get("params") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a.clone(),
        Some(_) => return Err(invalid()),
    };
    Ok((id, method, params))
}

async fn run(Peer { hub, addr }: Peer, caller: Option<Caller>, name: String, message: Option<Value>) -> Reply {
    let (id, method, params) = parse_message(message)?;
    if method != name {
        return Err(Kind::InvalidMethodCall.with_message("The method in the URL and in the message differ"));
    }
    let uid = caller.as_ref().map(|c| c.user.id.clone());
    let call = limits::Invocation { name: &method, user_id: uid.as_deref(), client_addr: Some(addr) };
    let result = if let Some(wait) = hub.limiter.check(&hub.svc, None, &call) {
        let error = Error::RateLimited { wait_secs: limits::wait_secs(wait) }.ddp_error();
        frames::result_error(&id, &error)
    } else {
        hub.svc
            .blocking(move |s| {
                let mut inv = Invocation::new(s, caller, None);
                inv.client = Some(addr.ip());
                Ok(run_call(&mut inv, &id, &method, &params))
            })
            .await?
    };
    Ok(ok(json!({"message": serde_json::to_string(&result)?})))
}
