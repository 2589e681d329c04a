//! Word filter: the words listed in the `words` setting (comma-separated, any case) are
//! masked with asterisks in new and edited messages (modify hook), or, with the `mode`
//! setting at `block`, such messages are refused with a reason (prevent hook).

use orbit_app_sdk::hooks::{Event, Hook, Phase, json_quote, message_text};
use orbit_app_sdk::{App, CommandContext, Provides, Setting, settings};

struct WordFilter;

/// The listed words, lowercase.
fn words() -> Vec<String> {
    let list = settings::get_string("words").unwrap_or_default();
    list.split(',').map(|w| w.trim().to_lowercase()).filter(|w| !w.is_empty()).collect()
}

fn blocking() -> bool {
    settings::get_string("mode").as_deref() == Some("block")
}

/// Whether `c` can be part of a word.
fn wordy(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `text` with each whole listed word replaced by asterisks; `None` when none occurs.
fn masked(text: &str, words: &[String]) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    let mut rest = text;
    while !rest.is_empty() {
        let end = rest.find(|c: char| !wordy(c)).unwrap_or(rest.len());
        if end == 0 {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            rest = &rest[c.len_utf8()..];
            continue;
        }
        let word = &rest[..end];
        if words.iter().any(|w| *w == word.to_lowercase()) {
            out.extend(std::iter::repeat_n('*', word.chars().count()));
            changed = true;
        } else {
            out.push_str(word);
        }
        rest = &rest[end..];
    }
    changed.then_some(out)
}

impl App for WordFilter {
    fn provides() -> Provides {
        Provides::default().settings([
            Setting::string("words", "Words to filter (comma-separated)", "darn,heck").public(),
            Setting::select("mode", "What to do", "mask", &[("mask", "Mask the words"), ("block", "Refuse the message")]),
        ])
    }

    fn execute(ctx: &CommandContext) -> Result<(), String> {
        Err(format!("/{} is not a command of this app", ctx.command))
    }

    fn hooks() -> Vec<Hook> {
        [Event::MessageSent, Event::MessageUpdated]
            .into_iter()
            .flat_map(|e| [Hook::new(e, Phase::Prevent), Hook::new(e, Phase::Modify)])
            .collect()
    }

    fn prevent(_event: Event, subject: &str) -> Option<String> {
        if !blocking() {
            return None;
        }
        let text = message_text(subject)?;
        masked(&text, &words())?;
        Some("Your message contains a word that is not allowed here".to_string())
    }

    fn modify(_event: Event, subject: &str) -> Option<String> {
        let text = message_text(subject)?;
        let masked = masked(&text, &words())?;
        Some(format!("{{\"msg\":{}}}", json_quote(&masked)))
    }
}

orbit_app_sdk::export_app!(WordFilter);
