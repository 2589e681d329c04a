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

/// Rewrites the raw documents of `table` that `select` finds (it selects `id, doc`), each one
/// that `edit` changes (it answers whether it did).
pub fn rewrite(
    tx: &rusqlite::Transaction<'_>,
    table: &str,
    select: &str,
    params: impl rusqlite::Params,
    mut edit: impl FnMut(&mut serde_json::Value) -> bool,
) -> Result<()> {
    let found: Vec<(String, String)> = {
        let mut stmt = tx.prepare(select)?;
        let rows = stmt.query_map(params, |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let update = format!("UPDATE {table} SET doc = ?2 WHERE id = ?1");
    for (id, doc) in found {
        let mut value: serde_json::Value = decode(&doc)?;
        if edit(&mut value) {
            tx.execute(&update, rusqlite::params![id, value.to_string()])?;
        }
    }
    Ok(())
}
