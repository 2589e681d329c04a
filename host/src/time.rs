//! Timestamps and their three wire forms.
//!
//! A [`Date`] is milliseconds since the Unix epoch. How it serializes depends on where it goes:
//! REST answers carry ISO-8601 strings (the default), DDP frames carry EJSON `{"$date": ms}`
//! (inside [`ejson`]), and the store keeps plain integers (inside [`storage`]). Deserializing
//! accepts all three forms.

use std::cell::Cell;

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// Milliseconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Date(pub i64);

#[derive(Clone, Copy, PartialEq)]
enum Form {
    Iso,
    Ejson,
    Millis,
}

thread_local! {
    static FORM: Cell<Form> = const { Cell::new(Form::Iso) };
}

fn with_form<T>(form: Form, f: impl FnOnce() -> T) -> T {
    let prev = FORM.with(|c| c.replace(form));
    let out = f();
    FORM.with(|c| c.set(prev));
    out
}

/// Runs `f` (a serialization) with dates written as EJSON `{"$date": ms}`.
pub fn ejson<T>(f: impl FnOnce() -> T) -> T {
    with_form(Form::Ejson, f)
}

/// Runs `f` (a serialization) with dates written as integer milliseconds, for storage.
pub fn storage<T>(f: impl FnOnce() -> T) -> T {
    with_form(Form::Millis, f)
}

/// Serializes a date as ISO-8601 whatever the mode (`#[serde(serialize_with = "as_iso")]`), for
/// documents whose dates every transport has always shown as strings.
pub fn as_iso<S: Serializer>(date: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&date.to_iso())
}

impl Date {
    /// The current time.
    pub fn now() -> Self {
        Date(Utc::now().timestamp_millis())
    }

    /// ISO-8601 with milliseconds and `Z`, as Rocket.Chat's REST answers show dates.
    pub fn to_iso(self) -> String {
        Utc.timestamp_millis_opt(self.0).single().unwrap_or_default().to_rfc3339_opts(SecondsFormat::Millis, true)
    }

    /// An HTTP date (`Last-Modified`): `Thu, 01 Jan 2015 00:00:00 GMT`.
    pub fn to_http(self) -> String {
        Utc.timestamp_millis_opt(self.0).single().unwrap_or_default().format("%a, %d %b %Y %H:%M:%S GMT").to_string()
    }

    /// Parses an ISO-8601 string.
    pub fn parse_iso(s: &str) -> Option<Self> {
        DateTime::parse_from_rfc3339(s).ok().map(|d| Date(d.timestamp_millis()))
    }

    /// Reads a date from any of its JSON forms: ISO string, `{"$date": ms|iso}`, or a number.
    pub fn from_json(v: &Value) -> Option<Self> {
        match v {
            Value::String(s) => Self::parse_iso(s),
            Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)).map(Date),
            Value::Object(o) => o.get("$date").and_then(Self::from_json),
            _ => None,
        }
    }

    /// This date in the EJSON form, regardless of the serialization mode.
    pub fn to_ejson(self) -> Value {
        serde_json::json!({"$date": self.0})
    }

    /// Adds minutes.
    pub fn plus_minutes(self, m: i64) -> Self {
        Date(self.0 + m * 60_000)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match FORM.with(|c| c.get()) {
            Form::Iso => s.serialize_str(&self.to_iso()),
            Form::Millis => s.serialize_i64(self.0),
            Form::Ejson => {
                use serde::ser::SerializeMap;
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("$date", &self.0)?;
                m.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        Date::from_json(&v).ok_or_else(|| serde::de::Error::custom("invalid date"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_forms() {
        let d = Date(1_480_377_601_000);
        assert_eq!(serde_json::to_value(d).unwrap(), "2016-11-29T00:00:01.000Z");
        assert_eq!(ejson(|| serde_json::to_value(d).unwrap()), serde_json::json!({"$date": 1_480_377_601_000i64}));
        assert_eq!(storage(|| serde_json::to_value(d).unwrap()), 1_480_377_601_000i64);
        for v in [
            serde_json::json!("2016-11-29T00:00:01.000Z"),
            serde_json::json!({"$date": 1_480_377_601_000i64}),
            serde_json::json!(1_480_377_601_000i64),
        ] {
            assert_eq!(serde_json::from_value::<Date>(v).unwrap(), d);
        }
    }
}
