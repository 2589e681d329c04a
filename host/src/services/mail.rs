//! Outgoing mail: a durable queue (`mail_queue`) that the mail worker ([`crate::workers::mail`])
//! hands to the SMTP server of the `SMTP_*` settings. A mail leaves the queue, and with it any
//! link or code it carries, once the transport took it, once it failed for good, or at once
//! when no SMTP server is configured. Neither the log nor the queue keeps it after that, and
//! the log never shows a mail's text.

use serde::{Deserialize, Serialize};

use super::Services;
use crate::bus::Event;
use crate::error::Result;
use crate::store::records;
use crate::time::Date;

/// The queue's collection.
const QUEUE: &str = "mail_queue";
/// Attempts before a mail that keeps failing is dropped.
pub const MAX_ATTEMPTS: u32 = 8;
/// The first retry's delay; each further one doubles it, up to [`MAX_RETRY_DELAY_MS`].
const FIRST_RETRY_DELAY_MS: i64 = 30_000;
const MAX_RETRY_DELAY_MS: i64 = 3_600_000;

/// A mail waiting for the transport.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueuedMail {
    #[serde(rename = "_id")]
    pub id: String,
    pub from: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    /// When it was queued (ms); the queue runs oldest first.
    pub queued_at: i64,
    /// Failed attempts so far.
    pub attempts: u32,
    /// Not before this time (ms).
    pub next_attempt_at: i64,
}

/// How mail reaches the SMTP server (`SMTP_Protocol`, `SMTP_IgnoreTLS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// `smtp` with `SMTP_IgnoreTLS`: plain text.
    Plain,
    /// `smtp`: STARTTLS when the server offers it.
    Opportunistic,
    /// `smtps`: TLS from the first byte.
    Tls,
}

/// The SMTP server of the `SMTP_*` settings.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub host: String,
    /// `SMTP_Port`, or the protocol's usual port (25, or 465 for `smtps`).
    pub port: u16,
    pub security: SmtpSecurity,
    /// `SMTP_Username` / `SMTP_Password`, when a username is set.
    pub credentials: Option<(String, String)>,
}

/// Mail operations.
pub struct Mail<'a>(pub &'a Services);

impl Services {
    /// Mail operations.
    pub fn mail(&self) -> Mail<'_> {
        Mail(self)
    }
}

impl Mail<'_> {
    /// Queues a mail from `From_Email` and wakes the mail worker. The log shows the recipient
    /// and subject only.
    pub fn send(&self, to: &str, subject: &str, text: &str) -> Result<()> {
        let now = Date::now().0;
        let mail = QueuedMail {
            id: crate::ids::random_id(),
            from: self.0.settings.string("From_Email"),
            to: to.to_string(),
            subject: subject.to_string(),
            text: text.to_string(),
            queued_at: now,
            attempts: 0,
            next_attempt_at: now,
        };
        self.0.store.put_doc(QUEUE, &mail.id, &serde_json::to_value(&mail)?)?;
        tracing::info!(%to, %subject, "mail queued");
        self.0.bus.publish(Event::MailQueued);
        Ok(())
    }

    /// Every queued mail, oldest first.
    pub fn queued(&self) -> Result<Vec<QueuedMail>> {
        let mut mails: Vec<QueuedMail> = records(self.0.store.docs(QUEUE)?)?;
        mails.sort_by(|a, b| (a.queued_at, &a.id).cmp(&(b.queued_at, &b.id)));
        Ok(mails)
    }

    /// The configured SMTP server, or `None` when `SMTP_Host` is empty.
    pub fn smtp(&self) -> Option<SmtpSettings> {
        let settings = &self.0.settings;
        let host = settings.string("SMTP_Host").trim().to_string();
        if host.is_empty() {
            return None;
        }
        let security = match (settings.string("SMTP_Protocol").as_str(), settings.bool("SMTP_IgnoreTLS")) {
            ("smtps", _) => SmtpSecurity::Tls,
            (_, true) => SmtpSecurity::Plain,
            (_, false) => SmtpSecurity::Opportunistic,
        };
        let default_port = if security == SmtpSecurity::Tls { 465 } else { 25 };
        let port = settings.string("SMTP_Port").trim().parse().unwrap_or(default_port);
        let username = settings.string("SMTP_Username");
        let credentials = (!username.is_empty()).then(|| (username, settings.string("SMTP_Password")));
        Some(SmtpSettings { host, port, security, credentials })
    }

    /// The transport took the mail: it leaves the queue.
    pub fn delivered(&self, mail: &QueuedMail) -> Result<()> {
        tracing::info!(to = %mail.to, subject = %mail.subject, "mail sent");
        self.0.store.delete_doc(QUEUE, &mail.id)
    }

    /// The mail can't be sent (`why`: no SMTP, a refused address…): it leaves the queue.
    pub fn dropped(&self, mail: &QueuedMail, why: &str) -> Result<()> {
        tracing::warn!(to = %mail.to, subject = %mail.subject, "mail not sent: {why}");
        self.0.store.delete_doc(QUEUE, &mail.id)
    }

    /// A transient failure: the mail is tried again later, with a doubling delay, and dropped
    /// after [`MAX_ATTEMPTS`].
    pub fn retry_later(&self, mail: &QueuedMail, error: &str) -> Result<()> {
        let attempts = mail.attempts + 1;
        if attempts >= MAX_ATTEMPTS {
            return self.dropped(mail, &format!("{attempts} attempts failed, the last: {error}"));
        }
        let delay = (FIRST_RETRY_DELAY_MS << (attempts - 1).min(20)).min(MAX_RETRY_DELAY_MS);
        tracing::warn!(to = %mail.to, subject = %mail.subject, attempts, "mail not sent yet, retrying in {} s: {error}", delay / 1000);
        let next = QueuedMail { attempts, next_attempt_at: Date::now().0 + delay, ..mail.clone() };
        self.0.store.put_doc(QUEUE, &next.id, &serde_json::to_value(&next)?)
    }
}
