//! Outgoing mail. Until SMTP exists, mail goes to the `outbox` collection and the log.

use serde_json::json;

use super::Services;
use crate::error::Result;
use crate::time::Date;

/// Mail operations.
pub struct Mail<'a>(pub &'a Services);

impl Services {
    /// Mail operations.
    pub fn mail(&self) -> Mail<'_> {
        Mail(self)
    }
}

impl Mail<'_> {
    /// Queues a mail in the outbox and logs it.
    pub fn send(&self, to: &str, subject: &str, text: &str) -> Result<()> {
        let id = crate::ids::random_id();
        let from = self.0.settings.string("From_Email");
        self.0.store.put_doc(
            "outbox",
            &id,
            &json!({"_id": id, "from": from, "to": to, "subject": subject, "text": text, "ts": Date::now()}),
        )?;
        tracing::info!(%to, %subject, %text, "mail queued in outbox");
        Ok(())
    }
}
