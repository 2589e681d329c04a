//! App settings (always allowed) and server settings (`server-setting.read`).
//! Values travel as JSON text; the typed getters parse the common shapes.

use crate::HostError;
use crate::bindings::orbit::apps::{app_settings, server_settings};

/// The raw JSON value of one of the app's own settings.
pub fn get(id: &str) -> Option<String> {
    app_settings::get(id)
}

/// A boolean app setting; `None` when missing or not a boolean.
pub fn get_bool(id: &str) -> Option<bool> {
    get(id).and_then(|v| v.trim().parse().ok())
}

/// An integer app setting; `None` when missing or not an integer.
pub fn get_i64(id: &str) -> Option<i64> {
    get(id).and_then(|v| v.trim().parse().ok())
}

/// A string app setting; `None` when missing or not a JSON string.
pub fn get_string(id: &str) -> Option<String> {
    get(id).and_then(|v| json_string(&v))
}

/// A server setting's raw JSON value. Needs `server-setting.read`.
pub fn server(id: &str) -> Result<Option<String>, HostError> {
    server_settings::get(id)
}

/// A string server setting. Needs `server-setting.read`.
pub fn server_string(id: &str) -> Result<Option<String>, HostError> {
    Ok(server(id)?.and_then(|v| json_string(&v)))
}

/// Decodes a JSON string literal (`"a\"b"` → `a"b`); `None` for anything else.
pub fn json_string(json: &str) -> Option<String> {
    let inner = json.trim().strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'u' => {
                let hex: String = chars.by_ref().take(4).collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
            other => out.push(other),
        }
    }
    Some(out)
}

/// Encodes a string as a JSON string literal.
pub fn to_json_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_round_trip() {
        for text in ["plain", "quote \" and \\ backslash", "line\nbreak\ttab", "ünïcödé ¯\\_(ツ)_/¯", "\u{1}"] {
            assert_eq!(json_string(&to_json_string(text)).as_deref(), Some(text));
        }
        assert_eq!(json_string(r#""\u00e9""#).as_deref(), Some("é"));
        assert_eq!(json_string("42"), None);
        assert_eq!(json_string("\"unterminated"), None);
    }
}
