//! The mail worker: hands queued mail ([`crate::services::mail`]) to the SMTP server of the
//! `SMTP_*` settings. Runs at start (mail queued before a stop goes out), whenever mail is
//! queued or an SMTP setting changes, and when a retry falls due.

use std::sync::Arc;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::broadcast::error::RecvError;

use crate::bus::Event;
use crate::services::Services;
use crate::services::mail::{QueuedMail, SmtpSecurity, SmtpSettings};
use crate::time::Date;

/// How long one SMTP exchange may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest sleep with nothing due (a safety net; events wake the worker).
const IDLE_WAKE: Duration = Duration::from_secs(3600);

/// Subscribes to the bus now and starts the worker.
pub fn spawn(svc: Arc<Services>) {
    let mut events = svc.bus.subscribe();
    tokio::spawn(async move {
        // At start, mail waiting for a retry goes at once: the stop may have been the fix.
        let mut wake = Wake::RetryNow;
        loop {
            let next_due = deliver_due(&svc, wake == Wake::RetryNow).await.unwrap_or(IDLE_WAKE);
            let deadline = tokio::time::Instant::now() + next_due;
            wake = loop {
                tokio::select! {
                    event = events.recv() => match event {
                        Ok(event) => match wakes(&event) {
                            Some(wake) => break wake,
                            None => continue,
                        },
                        Err(RecvError::Lagged(_)) => break Wake::Due,
                        Err(RecvError::Closed) => return,
                    },
                    _ = tokio::time::sleep_until(deadline) => break Wake::Due,
                }
            };
        }
    });
}

/// What the next round sends.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Wake {
    /// The mail that is due.
    Due,
    /// Everything queued, also mail waiting for a retry (at start, and after an SMTP setting
    /// changed).
    RetryNow,
}

/// Whether an event may make mail deliverable: new mail, or a changed SMTP setting.
fn wakes(event: &Event) -> Option<Wake> {
    match event {
        Event::MailQueued => Some(Wake::Due),
        Event::SettingChanged { setting, .. }
            if setting["_id"].as_str().is_some_and(|id| id.starts_with("SMTP_") || id == "From_Email") =>
        {
            Some(Wake::RetryNow)
        }
        _ => None,
    }
}

/// Sends every mail that is due (with `all`, every queued mail). Returns how long until the
/// next retry falls due, if any.
async fn deliver_due(svc: &Arc<Services>, all: bool) -> Option<Duration> {
    let queued = svc.blocking(|s| Ok((s.mail().queued()?, s.mail().smtp()))).await;
    let (mails, smtp) = match queued {
        Ok(found) => found,
        Err(error) => {
            tracing::error!("reading the mail queue failed: {}", error.reason());
            return Some(Duration::from_secs(60));
        }
    };
    let transport = smtp.as_ref().map(transport);
    let mut next: Option<i64> = None;
    for mail in mails {
        let now = Date::now().0;
        if !all && mail.next_attempt_at > now {
            next = Some(next.map_or(mail.next_attempt_at - now, |n| n.min(mail.next_attempt_at - now)));
            continue;
        }
        let outcome = match &transport {
            None => Outcome::Dropped("no SMTP".into()),
            Some(Err(error)) => Outcome::Retry(format!("SMTP settings: {error}")),
            Some(Ok(transport)) => send(transport, &mail).await,
        };
        let result = svc
            .blocking(move |s| match outcome {
                Outcome::Sent => s.mail().delivered(&mail),
                Outcome::Dropped(why) => s.mail().dropped(&mail, &why),
                Outcome::Retry(error) => s.mail().retry_later(&mail, &error),
            })
            .await;
        if let Err(error) = result {
            tracing::error!("updating the mail queue failed: {}", error.reason());
        }
    }
    next.map(|ms| Duration::from_millis(ms.max(0) as u64))
}

/// What became of one mail.
enum Outcome {
    Sent,
    /// Never deliverable: no SMTP, a malformed address, a permanent refusal.
    Dropped(String),
    /// Worth another try later.
    Retry(String),
}

/// Sends one mail.
async fn send(transport: &AsyncSmtpTransport<Tokio1Executor>, mail: &QueuedMail) -> Outcome {
    let message = match message(mail) {
        Ok(message) => message,
        Err(why) => return Outcome::Dropped(why),
    };
    match transport.send(message).await {
        Ok(_) => Outcome::Sent,
        Err(error) if error.is_permanent() => Outcome::Dropped(format!("refused: {error}")),
        Err(error) => Outcome::Retry(error.to_string()),
    }
}

/// The mail as a plain-text message.
fn message(mail: &QueuedMail) -> Result<Message, String> {
    let from = mail.from.parse().map_err(|e| format!("bad From_Email: {e}"))?;
    let to = mail.to.parse().map_err(|e| format!("bad recipient: {e}"))?;
    Message::builder()
        .from(from)
        .to(to)
        .subject(&mail.subject)
        .header(ContentType::TEXT_PLAIN)
        .body(mail.text.clone())
        .map_err(|e| e.to_string())
}

/// A transport for the SMTP settings.
fn transport(smtp: &SmtpSettings) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let tls = match smtp.security {
        SmtpSecurity::Plain => Tls::None,
        SmtpSecurity::Opportunistic => Tls::Opportunistic(tls_parameters(&smtp.host)?),
        SmtpSecurity::Tls => Tls::Wrapper(tls_parameters(&smtp.host)?),
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(smtp.host.as_str())
        .port(smtp.port)
        .tls(tls)
        .timeout(Some(SMTP_TIMEOUT));
    if let Some((user, password)) = &smtp.credentials {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    Ok(builder.build())
}

fn tls_parameters(host: &str) -> Result<TlsParameters, String> {
    TlsParameters::new(host.to_string()).map_err(|e| e.to_string())
}
