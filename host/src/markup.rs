//! Escaping text for HTML and SVG markup.

/// Escapes `& < > " '` so `s` can sit in markup text or an attribute.
pub fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}
