//! Parsing message text: `@user` mentions, `#channel` links and search queries.

/// Characters of a name (`UTF8_User_Names_Validation` default `[0-9a-zA-Z-_.]+`).
fn name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '-' | '_' | '.')
}

/// What may precede a mention or channel link: start, whitespace or markup.
fn boundary(c: Option<char>) -> bool {
    c.is_none_or(|c| c.is_whitespace() || matches!(c, '>' | '_' | '*' | '~' | '(' | '['))
}

/// Names following `sigil` at a word boundary, without trailing dots, deduplicated, in order.
fn names_after(text: &str, sigil: char) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    let mut prev: Option<char> = None;
    for (i, c) in text.char_indices() {
        if c == sigil && boundary(prev) {
            let rest = &text[i + c.len_utf8()..];
            let end = rest.find(|c: char| !name_char(c)).unwrap_or(rest.len());
            let name = rest[..end].trim_end_matches('.');
            if !name.is_empty() && !out.contains(&name) {
                out.push(name);
            }
        }
        prev = Some(c);
    }
    out
}

/// Usernames mentioned with `@` (including `all` and `here`).
pub fn mentioned_names(text: &str) -> Vec<&str> {
    names_after(text, '@')
}

/// Channel names linked with `#`.
pub fn linked_channels(text: &str) -> Vec<&str> {
    names_after(text, '#')
}

/// A parsed `chat.search` query: words plus upstream's operators (`from:user`, `mention:user`,
/// `has:star`, `is:pinned`, `has:url`, `before:`/`after:`/`on:` dates as `YYYY-MM-DD` or
/// `DD-MM-YYYY`, `order:asc`).
#[derive(Debug, Default, PartialEq)]
pub struct SearchQuery {
    pub words: Vec<String>,
    pub from: Option<String>,
    pub mention: Option<String>,
    pub starred: bool,
    pub pinned: bool,
    pub has_url: bool,
    /// Milliseconds since the epoch, exclusive bounds.
    pub after: Option<i64>,
    pub before: Option<i64>,
    pub ascending: bool,
}

const DAY_MS: i64 = 86_400_000;

/// Midnight UTC of a `YYYY-MM-DD`, `YYYY/MM/DD` or `DD-MM-YYYY` date, in milliseconds.
fn day_start(text: &str) -> Option<i64> {
    let parts: Vec<&str> = text.split(['-', '/', '.']).collect();
    let [a, b, c] = parts.as_slice() else { return None };
    let (y, m, d) = if a.len() == 4 { (a, b, c) } else { (c, b, a) };
    let date = chrono::NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis())
}

/// Parses a search text. Words shorter than one character are dropped; quotes are ignored.
pub fn search_query(text: &str) -> SearchQuery {
    let mut q = SearchQuery::default();
    for token in text.split_whitespace() {
        let lower = token.to_lowercase();
        match lower.split_once(':') {
            Some(("from", v)) if !v.is_empty() => q.from = Some(v.trim_start_matches('@').to_string()),
            Some(("mention", v)) if !v.is_empty() => q.mention = Some(v.trim_start_matches('@').to_string()),
            Some(("has", "star")) => q.starred = true,
            Some(("is", "pinned")) | Some(("has", "pin")) => q.pinned = true,
            Some(("has", "url")) | Some(("has", "link")) => q.has_url = true,
            Some(("order", "asc")) => q.ascending = true,
            Some(("order", "desc")) => q.ascending = false,
            Some(("before", v)) if day_start(v).is_some() => q.before = day_start(v),
            Some(("after", v)) if day_start(v).is_some() => q.after = day_start(v).map(|d| d + DAY_MS - 1),
            Some(("on", v)) if day_start(v).is_some() => {
                let d = day_start(v).unwrap_or_default();
                q.after = Some(d - 1);
                q.before = Some(d + DAY_MS);
            }
            _ => {
                let word: String = token.chars().filter(|c| c.is_alphanumeric() || *c == '_' || *c == '-').collect();
                if !word.is_empty() {
                    q.words.push(word);
                }
            }
        }
    }
    q
}

/// Relevance of `text` for search `words`, as MongoDB's text score: each word occurrence
/// (prefix match, case-insensitive) counts `0.5 + 0.5 × occurrences / tokens`.
pub fn text_score(text: &str, words: &[String]) -> f64 {
    let tokens: Vec<String> =
        text.split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty()).map(str::to_lowercase).collect();
    if tokens.is_empty() {
        return 0.0;
    }
    let mut score = 0.0;
    for w in words {
        let w = w.to_lowercase();
        let hits = tokens.iter().filter(|t| t.starts_with(&w)).count() as f64;
        if hits > 0.0 {
            score += hits * (0.5 + 0.5 * hits / tokens.len() as f64);
        }
    }
    (score * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_need_a_boundary_and_drop_trailing_dots() {
        assert_eq!(mentioned_names("hi @bob and @alice.smith."), vec!["bob", "alice.smith"]);
        assert_eq!(mentioned_names("mail me at me@example.com"), Vec::<&str>::new());
        assert_eq!(mentioned_names("@all @here (@bob) @bob"), vec!["all", "here", "bob"]);
        assert_eq!(mentioned_names("*@bob* ~@eve~ @"), vec!["bob", "eve"]);
    }

    #[test]
    fn channels_are_linked_with_a_hash() {
        assert_eq!(linked_channels("see #general, and #dev-ops."), vec!["general", "dev-ops"]);
        assert_eq!(linked_channels("issue#12"), Vec::<&str>::new());
    }

    #[test]
    fn text_score_prefers_denser_matches() {
        let words = vec!["release".to_string()];
        assert!(text_score("release", &words) > text_score("the release is broken", &words));
        assert_eq!(text_score("nothing here", &words), 0.0);
    }

    #[test]
    fn search_operators_are_recognised() {
        let q = search_query("deploy from:@bob has:star is:pinned order:asc on:2024-03-05 \"fix\"");
        assert_eq!(q.words, vec!["deploy", "fix"]);
        assert_eq!(q.from.as_deref(), Some("bob"));
        assert!(q.starred && q.pinned && q.ascending);
        let day = 1_709_596_800_000;
        assert_eq!(q.after, Some(day - 1));
        assert_eq!(q.before, Some(day + DAY_MS));
        assert_eq!(search_query("before:05-03-2024").before, Some(day));
        assert_eq!(search_query("before:nonsense").words, vec!["beforenonsense"]);
    }
}
