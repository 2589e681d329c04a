//! Custom emoji methods, over the same service as `emoji-custom.*`: `listEmojiCustom` and
//! `deleteEmojiCustom` (images are uploaded over REST).

use serde_json::json;

use super::rooms::with_method;
use super::{Args, Invocation, MethodDef, Outcome, logged};
use crate::ddp::frames;

/// The methods of this family.
pub const METHODS: &[MethodDef] = &[method!("listEmojiCustom", list), method!("deleteEmojiCustom", delete)];

/// `listEmojiCustom()` → every custom emoji.
fn list(inv: &mut Invocation<'_>, _: &Args<'_>) -> Outcome {
    let emoji = inv.svc.custom_emoji().all()?;
    Ok(Some(frames::ejson(&emoji)))
}

/// `deleteEmojiCustom(id)` → `true`.
fn delete(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let id = args.str(0)?;
    let user = inv.user()?.clone();
    inv.svc.custom_emoji().delete(&user, &id)?;
    Ok(Some(json!(true)))
}
