//! Request parameters from a query string or a body, with Rocket.Chat's conventions: JSON or
//! form bodies, `key[]=a&key[]=b` lists, and JSON-encoded `query`/`fields`/`sort`.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use serde_json::{Map, Value};

use crate::error::{Error, Kind, Result};

/// Named parameters of a request.
#[derive(Debug, Clone, Default)]
pub struct Params(pub Map<String, Value>);

impl Params {
    /// Parses a URL query string: repeated keys and `key[]` become arrays.
    pub fn from_query(query: &str) -> Self {
        let mut map = Map::new();
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            let (key, is_list) = match k.strip_suffix("[]") {
                Some(base) => (base.to_string(), true),
                None => (k.into_owned(), false),
            };
            let v = Value::String(v.into_owned());
            match map.get_mut(&key) {
                Some(Value::Array(a)) => a.push(v),
                Some(existing) => *existing = Value::Array(vec![existing.take(), v]),
                None if is_list => {
                    map.insert(key, Value::Array(vec![v]));
                }
                None => {
                    map.insert(key, v);
                }
            }
        }
        Params(map)
    }

    /// Parses a body: JSON object, urlencoded form, or empty.
    pub fn from_body(content_type: Option<&str>, body: &[u8]) -> Result<Self> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Params::default());
        }
        if content_type.is_some_and(|c| c.starts_with("application/x-www-form-urlencoded")) {
            return Ok(Self::from_query(&String::from_utf8_lossy(body)));
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => Ok(Params(map)),
            Ok(_) => Err(Error::from(Kind::InvalidBody)),
            Err(e) => Err(Kind::InvalidJson.with_message(format!("Invalid JSON body: {e}"))),
        }
    }

    /// A raw value.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    /// A required non-empty string (numbers are accepted as their text).
    pub fn str(&self, name: &str) -> Result<String> {
        self.opt_str(name).filter(|s| !s.is_empty()).ok_or_else(|| Kind::param_required(name))
    }

    /// An optional string. A value of another type (an object, a list) is treated as absent.
    pub fn opt_str(&self, name: &str) -> Option<String> {
        match self.get(name)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// An optional string that must be a string when present.
    pub fn typed_str(&self, name: &str) -> Result<Option<String>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(Kind::invalid_param(name)),
        }
    }

    /// A boolean (`true`, `"true"`, `1`, `"1"`), or `default` when absent.
    pub fn bool(&self, name: &str, default: bool) -> Result<bool> {
        match self.get(name) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(Value::String(s)) if matches!(s.as_str(), "true" | "1") => Ok(true),
            Some(Value::String(s)) if matches!(s.as_str(), "false" | "0" | "") => Ok(false),
            Some(Value::Number(n)) => Ok(n.as_f64() != Some(0.0)),
            Some(_) => Err(Kind::invalid_param(name)),
        }
    }

    /// An integer, or `None` when absent.
    pub fn int(&self, name: &str) -> Result<Option<i64>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| Kind::invalid_param(name)),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| Kind::invalid_param(name)),
            Some(_) => Err(Kind::invalid_param(name)),
        }
    }

    /// A list of strings: a JSON array, repeated keys, or a comma-separated string.
    pub fn list(&self, name: &str) -> Vec<String> {
        match self.get(name) {
            Some(Value::Array(a)) => a.iter().filter_map(|v| v.as_str().map(String::from)).collect(),
            Some(Value::String(s)) => s.split(',').map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect(),
            _ => Vec::new(),
        }
    }

    /// A JSON object given either as an object or as a JSON-encoded string (`query`, `fields`).
    pub fn json_object(&self, name: &str) -> Result<Option<Map<String, Value>>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Object(o)) => Ok(Some(o.clone())),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
                Ok(Value::Object(o)) => Ok(Some(o)),
                _ => Err(Kind::InvalidParams.with_message(format!("Invalid JSON in parameter \"{name}\""))),
            },
            Some(_) => Err(Kind::invalid_param(name)),
        }
    }

    /// A nested object parameter (`data`, `message`…).
    pub fn object(&self, name: &str) -> Result<Params> {
        match self.get(name) {
            Some(Value::Object(o)) => Ok(Params(o.clone())),
            None => Err(Kind::param_required(name)),
            Some(_) => Err(Kind::invalid_param(name)),
        }
    }
}

/// The query string of a request as [`Params`].
pub struct Query(pub Params);

impl<S: Send + Sync> FromRequestParts<S> for Query {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self> {
        Ok(Query(Params::from_query(parts.uri.query().unwrap_or(""))))
    }
}

/// The body of a request (JSON or form) as [`Params`].
pub struct Body(pub Params);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self> {
        let content_type = req.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(String::from);
        let bytes = Bytes::from_request(req, state).await.map_err(|_| Kind::RequestTooLarge)?;
        Ok(Body(Params::from_body(content_type.as_deref(), &bytes)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_lists_and_types() {
        let p = Params::from_query("types[]=c&types[]=p&count=5&flag=true&q=%7B%22a%22%3A1%7D");
        assert_eq!(p.list("types"), vec!["c", "p"]);
        assert_eq!(p.int("count").unwrap(), Some(5));
        assert!(p.bool("flag", false).unwrap());
        assert_eq!(p.json_object("q").unwrap().unwrap()["a"], 1);
        assert!(Params::from_query("count=x").int("count").is_err());
        assert!(Params::from_body(None, b"{bad").is_err());
        assert!(Params::from_body(None, b"[1]").is_err());
    }
}
