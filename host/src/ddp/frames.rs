//! DDP frames: parsing what clients send and building what the server sends.
//!
//! Incoming text is parsed into [`Incoming`], following Meteor's validation rules (a method needs a
//! string `id` and `method` and an array `params`, and so on); anything else becomes a top-level
//! `{"msg":"error","reason","offendingMessage"}` frame. Outgoing frames are serialized once into
//! [`Frame`] (cheaply clonable bytes), with dates as EJSON `{"$date": ms}`.

use axum::extract::ws::Utf8Bytes;
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::time;

/// A serialized outgoing frame. Cloning shares the bytes: a stream event is serialized once and
/// the same buffer goes to every subscriber.
pub type Frame = Utf8Bytes;

/// The DDP versions the server speaks, in preference order.
pub const SUPPORTED_VERSIONS: [&str; 3] = ["1", "pre2", "pre1"];

/// A well-formed client frame.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    /// `{"msg":"connect","version","support"}`.
    Connect { version: Option<String>, support: Vec<String> },
    /// `{"msg":"ping","id"?}`.
    Ping { id: Option<Value> },
    /// `{"msg":"pong","id"?}`.
    Pong,
    /// `{"msg":"method","id","method","params"}`.
    Method { id: String, method: String, params: Vec<Value> },
    /// `{"msg":"sub","id","name","params"}`.
    Sub { id: String, name: String, params: Vec<Value> },
    /// `{"msg":"unsub","id"}`.
    Unsub { id: Option<String> },
}

/// Parses a client frame. The error is the top-level error frame to send back.
pub fn parse(text: &str) -> Result<Incoming, Frame> {
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(_) => return Err(error_frame("Parse error", Some(&Value::String(truncate(text, 1024))))),
    };
    parse_value(value)
}

/// Validates a parsed JSON value as a client frame.
pub fn parse_value(value: Value) -> Result<Incoming, Frame> {
    let Value::Object(obj) = &value else { return Err(error_frame("Bad request", Some(&value))) };
    let Some(kind) = obj.get("msg").and_then(Value::as_str) else {
        return Err(error_frame("Bad request", Some(&value)));
    };
    let str_field = |name: &str| obj.get(name).and_then(Value::as_str).map(String::from);
    let params = |obj: &Map<String, Value>| match obj.get("params") {
        None | Some(Value::Null) => Some(Vec::new()),
        Some(Value::Array(a)) => Some(a.clone()),
        Some(_) => None,
    };
    match kind {
        "connect" => Ok(Incoming::Connect {
            version: str_field("version"),
            support: match obj.get("support") {
                Some(Value::Array(a)) => a.iter().filter_map(|v| v.as_str().map(String::from)).collect(),
                _ => Vec::new(),
            },
        }),
        "ping" => Ok(Incoming::Ping { id: obj.get("id").cloned() }),
        "pong" => Ok(Incoming::Pong),
        "method" => {
            let seed_ok = obj.get("randomSeed").is_none_or(|s| s.is_string() || s.is_null());
            match (str_field("id"), str_field("method"), params(obj)) {
                (Some(id), Some(method), Some(params)) if seed_ok => Ok(Incoming::Method { id, method, params }),
                _ => Err(error_frame("Malformed method invocation", Some(&value))),
            }
        }
        "sub" => match (str_field("id"), str_field("name"), params(obj)) {
            (Some(id), Some(name), Some(params)) => Ok(Incoming::Sub { id, name, params }),
            _ => Err(error_frame("Malformed subscription", Some(&value))),
        },
        "unsub" => Ok(Incoming::Unsub { id: str_field("id") }),
        _ => Err(error_frame("Bad request", Some(&value))),
    }
}

fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

/// Serializes a JSON value into a frame.
pub fn frame(value: &Value) -> Frame {
    Utf8Bytes::from(serde_json::to_string(value).unwrap_or_else(|_| "{}".into()))
}

/// Any serializable value as JSON with dates in EJSON form.
pub fn ejson<T: Serialize + ?Sized>(value: &T) -> Value {
    time::ejson(|| serde_json::to_value(value).unwrap_or(Value::Null))
}

/// Rewrites ISO-8601 date strings under the given top-level keys into EJSON dates. For documents
/// kept as JSON (settings, permissions, roles), whose dates were stored in the REST form.
pub fn ejson_dates(mut value: Value, keys: &[&str]) -> Value {
    if let Some(obj) = value.as_object_mut() {
        for key in keys {
            if let Some(v) = obj.get_mut(*key)
                && let Some(d) = time::Date::from_json(v)
            {
                *v = d.to_ejson();
            }
        }
    }
    value
}

/// The first frame of a connection, as Meteor's SockJS server sends it.
pub fn server_id() -> Frame {
    Frame::from_static(r#"{"server_id":"0"}"#)
}

/// `{"msg":"connected","session"}`.
pub fn connected(session: &str) -> Frame {
    frame(&json!({"msg": "connected", "session": session}))
}

/// `{"msg":"failed","version"}`: the version the server would speak.
pub fn failed(version: &str) -> Frame {
    frame(&json!({"msg": "failed", "version": version}))
}

/// A server-initiated `{"msg":"ping"}`.
pub fn ping() -> Frame {
    Frame::from_static(r#"{"msg":"ping"}"#)
}

/// `{"msg":"pong","id"?}`, echoing the ping's id.
pub fn pong(id: Option<&Value>) -> Frame {
    match id {
        Some(id) => frame(&json!({"msg": "pong", "id": id})),
        None => Frame::from_static(r#"{"msg":"pong"}"#),
    }
}

/// A method result. `None` (a method with no return value) omits the `result` key.
pub fn result(id: &str, value: Option<&Value>) -> Value {
    match value {
        Some(v) => json!({"msg": "result", "id": id, "result": v}),
        None => json!({"msg": "result", "id": id}),
    }
}

/// A method error result with a `Meteor.Error` object.
pub fn result_error(id: &str, error: &Value) -> Value {
    json!({"msg": "result", "id": id, "error": error})
}

/// `{"msg":"updated","methods":[id]}`: the method's writes are visible.
pub fn updated(id: &str) -> Frame {
    frame(&json!({"msg": "updated", "methods": [id]}))
}

/// `{"msg":"ready","subs":[id]}`.
pub fn ready(id: &str) -> Frame {
    frame(&json!({"msg": "ready", "subs": [id]}))
}

/// `{"msg":"nosub","id"?,"error"?}`.
pub fn nosub(id: Option<&str>, error: Option<&Value>) -> Frame {
    let mut v = json!({"msg": "nosub"});
    if let Some(id) = id {
        v["id"] = json!(id);
    }
    if let Some(e) = error {
        v["error"] = e.clone();
    }
    frame(&v)
}

/// A top-level `{"msg":"error","reason","offendingMessage"?}`.
pub fn error_frame(reason: &str, offending: Option<&Value>) -> Frame {
    let mut v = json!({"msg": "error", "reason": reason});
    if let Some(o) = offending {
        v["offendingMessage"] = o.clone();
    }
    frame(&v)
}

/// A stream event: `{"msg":"changed","collection":<stream>,"id":"id","fields":{"eventName","args"}}`.
/// `args` must already be in EJSON form.
pub fn changed(stream: &str, event_name: &str, args: &Value) -> Frame {
    frame(&json!({
        "msg": "changed",
        "collection": stream,
        "id": "id",
        "fields": {"eventName": event_name, "args": args},
    }))
}

/// The same event frame as [`changed`], from arguments serialized beforehand. Used when one event
/// goes out under many event names (`<uid>/rooms-changed`): the arguments are serialized once and
/// only the envelope is written per receiver.
pub fn changed_raw(stream: &str, event_name: &str, args_json: &str) -> Frame {
    let stream = serde_json::to_string(stream).unwrap_or_default();
    let event = serde_json::to_string(event_name).unwrap_or_default();
    Utf8Bytes::from(format!(
        r#"{{"msg":"changed","collection":{stream},"id":"id","fields":{{"eventName":{event},"args":{args_json}}}}}"#
    ))
}

/// The `added` a stream sends on subscribe when the client asks for collection compatibility.
pub fn added_event(stream: &str, event_name: &str) -> Frame {
    frame(&json!({"msg": "added", "collection": stream, "id": "id", "fields": {"eventName": event_name}}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        assert_eq!(
            parse(r#"{"msg":"connect","version":"1","support":["1","pre2"]}"#).unwrap(),
            Incoming::Connect { version: Some("1".into()), support: vec!["1".into(), "pre2".into()] }
        );
        assert_eq!(
            parse(r#"{"msg":"method","id":"1","method":"x"}"#).unwrap(),
            Incoming::Method { id: "1".into(), method: "x".into(), params: vec![] }
        );
        assert_eq!(parse(r#"{"msg":"ping","id":7}"#).unwrap(), Incoming::Ping { id: Some(json!(7)) });
        for bad in [
            "{nope",
            "[1]",
            r#"{"msg":"wat"}"#,
            r#"{"id":"1"}"#,
            r#"{"msg":"method","id":1,"method":"x"}"#,
            r#"{"msg":"method","id":"1","method":"x","params":{}}"#,
            r#"{"msg":"sub","id":"1"}"#,
        ] {
            let err = parse(bad).unwrap_err();
            let v: Value = serde_json::from_str(err.as_str()).unwrap();
            assert_eq!(v["msg"], "error", "{bad}");
            assert!(v["reason"].is_string());
            assert!(v.get("offendingMessage").is_some(), "{bad}");
        }
    }

    #[test]
    fn frames_shapes() {
        let f = changed("stream-room-messages", "GENERAL", &json!([{"a": 1}]));
        let raw = changed_raw("stream-room-messages", "GENERAL", r#"[{"a":1}]"#);
        assert_eq!(f.as_str(), raw.as_str());
        assert_eq!(pong(None).as_str(), r#"{"msg":"pong"}"#);
        assert_eq!(pong(Some(&json!("x"))).as_str(), r#"{"msg":"pong","id":"x"}"#);
        assert_eq!(result("1", None), json!({"msg": "result", "id": "1"}));
        let d = ejson_dates(json!({"_updatedAt": "2016-11-29T00:00:01.000Z", "x": "2016"}), &["_updatedAt", "x"]);
        assert_eq!(d["_updatedAt"], json!({"$date": 1_480_377_601_000i64}));
        assert_eq!(d["x"], "2016");
    }
}
