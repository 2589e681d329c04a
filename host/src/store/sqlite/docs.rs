//! Encoding of documents in `doc` columns: JSON with dates as integer milliseconds.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::Result;

/// Serializes a document for storage.
pub fn encode<T: Serialize>(value: &T) -> Result<String> {
    Ok(crate::time::storage(|| serde_json::to_string(value))?)
}

/// Deserializes a stored document.
pub fn decode<T: DeserializeOwned>(text: &str) -> Result<T> {
    Ok(serde_json::from_str(text)?)
}

/// Reads column 0 of every row as a document.
pub fn collect<T: DeserializeOwned>(
    stmt: &mut rusqlite::Statement<'_>,
    params: impl rusqlite::Params,
) -> Result<Vec<T>> {
    let rows = stmt.query_map(params, |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for row in rows {
        out.push(decode(&row?)?);
    }
    Ok(out)
}
