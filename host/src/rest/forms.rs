//! Multipart forms with one file: the file is read in chunks and refused as soon as it passes
//! the size limit; the other parts become [`Params`].

use std::sync::Arc;

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::StatusCode;
use serde_json::json;

use super::params::Params;
use crate::error::{Error, Kind, Result};
use crate::services::Services;

/// How to read a form: which parts hold the file, its limit, and the error id of a bad form.
pub struct FileForm {
    /// Part names that hold the file (any part with a file name counts too).
    pub file_fields: &'static [&'static str],
    /// The largest file accepted, in bytes.
    pub max: Option<usize>,
    /// Error id for a malformed form or a second file.
    pub invalid: Kind,
}

/// A read form: the file (if one was sent) and the other fields.
pub struct FormData {
    pub file: Option<Vec<u8>>,
    pub fields: Params,
}

/// Reads a multipart request as `form` says.
pub async fn read_file_form(svc: &Arc<Services>, req: Request, form: FileForm) -> Result<FormData> {
    let too_large = || Error::from(Kind::FileTooLarge);
    let invalid = form.invalid;
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            invalid.with_message(format!("Invalid multipart body: {}", e.body_text()))
        }
    };
    let mut multipart = Multipart::from_request(req, svc)
        .await
        .map_err(|e| invalid.with_message(format!("Invalid multipart body: {}", e.body_text())))?;
    let mut file: Option<Vec<u8>> = None;
    let mut fields = serde_json::Map::new();
    while let Some(mut field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_string();
        if form.file_fields.contains(&name.as_str()) || field.file_name().is_some() {
            if file.is_some() {
                return Err(invalid.with_message("Just 1 file is allowed"));
            }
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(bad)? {
                bytes.extend_from_slice(&chunk);
                if form.max.is_some_and(|m| bytes.len() > m) {
                    return Err(too_large());
                }
            }
            file = Some(bytes);
        } else {
            let value = field.text().await.map_err(bad)?;
            fields.insert(name, json!(value));
        }
    }
    Ok(FormData { file, fields: Params(fields) })
}
