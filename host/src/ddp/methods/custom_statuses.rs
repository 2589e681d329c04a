//! Custom user status methods, over the same service as `custom-user-status.*`:
//! `listCustomUserStatus`, `insertOrUpdateUserStatus`, `deleteCustomUserStatus`.

use serde_json::json;

use super::rooms::with_method;
use super::{Args, Invocation, MethodDef, Outcome, field_opt_str, logged};
use crate::ddp::frames;
use crate::services::custom_statuses::StatusChange;

/// The methods of this family.
pub const METHODS: &[MethodDef] = &[
    method!("listCustomUserStatus", list),
    method!("insertOrUpdateUserStatus", insert_or_update),
    method!("deleteCustomUserStatus", delete),
];

/// `listCustomUserStatus()` → every status.
fn list(inv: &mut Invocation<'_>, _: &Args<'_>) -> Outcome {
    let statuses = inv.svc.custom_statuses().all()?;
    Ok(Some(frames::ejson(&statuses)))
}

/// `insertOrUpdateUserStatus({_id?, name, statusType})` → the new id, or `true` for an update.
fn insert_or_update(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let data = args.object(0)?;
    let id = field_opt_str(data, "_id")?;
    let name = field_opt_str(data, "name")?.unwrap_or_default();
    let status_type = field_opt_str(data, "statusType")?;
    let user = inv.user()?.clone();
    let change = StatusChange { id: id.as_deref(), name: &name, status_type: status_type.as_deref() };
    let saved = inv.svc.custom_statuses().save(&user, change)?;
    Ok(Some(if id.is_some() { json!(true) } else { json!(saved.id) }))
}

/// `deleteCustomUserStatus(id)` → `true`.
fn delete(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let id = args.str(0)?;
    let user = inv.user()?.clone();
    inv.svc.custom_statuses().delete(&user, &id)?;
    Ok(Some(json!(true)))
}
