//! `shield.svg`: embeddable badges ("JOIN CHAT", the number of users online, a channel, a
//! user's presence), drawn as upstream draws them.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::Services;
use crate::error::{Kind, Result};
use crate::markup::html_escape;
use crate::models::User;

/// How long the count of users online is reused (as upstream).
const ONLINE_CACHE: Duration = Duration::from_secs(60);

/// What a badge shows.
pub enum Shield {
    /// `type=online`: how many users are not offline.
    Online,
    /// `type=channel&channel=<name>`.
    Channel(String),
    /// `type=user`: a user and the colour of their presence.
    User(Box<User>),
    /// No (or another) type: "JOIN CHAT".
    JoinChat,
}

/// Badge operations.
pub struct Shields<'a>(pub &'a Services);

impl Services {
    /// Badge operations.
    pub fn shields(&self) -> Shields<'_> {
        Shields(self)
    }
}

impl Shields<'_> {
    /// Refuses badges when `API_Enable_Shields` is off, or when `kind` is not one of
    /// `API_Shield_Types` (`*` allows all).
    pub fn check_enabled(&self, kind: Option<&str>) -> Result<()> {
        let settings = &self.0.settings;
        if !settings.bool("API_Enable_Shields") {
            return Err(Kind::EndpointDisabled.into());
        }
        let types = settings.string("API_Shield_Types");
        if let Some(kind) = kind
            && types != "*"
            && !types.split(',').any(|t| t.trim() == kind)
        {
            return Err(Kind::ShieldDisabled.into());
        }
        Ok(())
    }

    /// Whether user badges need a logged-in caller (`API_Shield_user_require_auth`).
    pub fn user_needs_login(&self) -> bool {
        self.0.settings.bool("API_Shield_user_require_auth")
    }

    /// The badge's SVG, with `name` on its left part and the icon unless `hide_icon`.
    pub fn render(&self, shield: &Shield, name: Option<&str>, hide_icon: bool) -> Result<String> {
        let mut color = "#4c1";
        let text = match shield {
            Shield::Online => format!("{} Online", self.users_online()?),
            Shield::Channel(channel) => format!("#{channel}"),
            Shield::User(user) => {
                color = match user.status.as_str() {
                    "online" => "#1fb31f",
                    "away" => "#dc9b01",
                    "busy" => "#bc2031",
                    "offline" => "#a5a1a1",
                    _ => color,
                };
                match &user.name {
                    Some(real) if !real.is_empty() && self.0.settings.bool("UI_Use_Real_Name") => real.clone(),
                    _ => format!("@{}", user.username),
                }
            }
            Shield::JoinChat => "JOIN CHAT".to_string(),
        };
        let name = name.filter(|n| !n.is_empty());
        let icon_size = if hide_icon { 7 } else { 24 };
        let left = name.map_or(icon_size, |n| n.chars().count() * 6 + 7 + icon_size);
        let right = text.chars().count() * 6 + 20;
        let width = left + right;
        let text = html_escape(&text);
        let icon = if hide_icon {
            String::new()
        } else {
            let root = self.0.settings.string("Site_Url");
            let href = html_escape(&format!("{}/assets/favicon.svg", root.trim_end_matches('/')));
            format!(r#"<image x="5" y="3" width="14" height="14" xlink:href="{href}"/>"#)
        };
        let label = name.map_or(String::new(), |n| {
            let n = html_escape(n);
            format!(
                r##"<text x="{icon_size}" y="15" fill="#010101" fill-opacity=".3">{n}</text><text x="{icon_size}" y="14">{n}</text>"##
            )
        });
        let text_x = left + 7;
        Ok(format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="{width}" height="20"><linearGradient id="b" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient><mask id="a"><rect width="{width}" height="20" rx="3" fill="#fff"/></mask><g mask="url(#a)"><path fill="#555" d="M0 0h{left}v20H0z"/><path fill="{color}" d="M{left} 0h{right}v20H{left}z"/><path fill="url(#b)" d="M0 0h{width}v20H0z"/></g>{icon}<g fill="#fff" font-family="DejaVu Sans,Verdana,Geneva,sans-serif" font-size="11">{label}<text x="{text_x}" y="15" fill="#010101" fill-opacity=".3">{text}</text><text x="{text_x}" y="14">{text}</text></g></svg>"##
        ))
    }

    /// Users not offline, counted at most once a minute.
    fn users_online(&self) -> Result<usize> {
        static CACHE: Mutex<Option<(Instant, usize)>> = Mutex::new(None);
        if let Some((at, count)) = *CACHE.lock().unwrap_or_else(|e| e.into_inner())
            && at.elapsed() < ONLINE_CACHE
        {
            return Ok(count);
        }
        let count = self.0.store.all_users()?.iter().filter(|u| u.status != "offline" && !u.status.is_empty()).count();
        *CACHE.lock().unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), count));
        Ok(count)
    }
}
