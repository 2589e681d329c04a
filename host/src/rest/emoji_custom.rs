//! `emoji-custom.*`: listing (any user) and managing (`manage-emoji`) custom emoji, and their
//! images at `/emoji-custom/<name>.<extension>`.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::HeaderMap;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::auth::Auth;
use super::avatars::serve_image;
use super::forms::{FileForm, FormData, read_file_form};
use super::paging::{ListOptions, docs};
use super::params::Params;
use super::reply::Reply;
use super::rooms::{date_param, failure, get_with, post_with, respond, text};
use crate::error::{Error, Kind, Result};
use crate::models::User;
use crate::services::Services;
use crate::services::custom_emoji::EmojiChange;

/// Routes of this family.
pub fn routes() -> Router<Arc<Services>> {
    Router::new()
        .route("/api/v1/emoji-custom.list", get_with(list))
        .route("/api/v1/emoji-custom.all", get_with(all))
        .route("/api/v1/emoji-custom.create", post(create))
        .route("/api/v1/emoji-custom.update", post(update))
        .route("/api/v1/emoji-custom.delete", post_with(delete))
        .route("/emoji-custom/{file}", get(image))
}

/// `GET emoji-custom.list?updatedSince=&query=` → `{emojis: {update, remove}}`.
fn list(s: &Services, _: &User, p: &Params) -> Result<Value> {
    let opts = ListOptions::from_params(s, p)?;
    let since = date_param(p, "updatedSince").map_err(|_| Kind::RoomIdParamInvalid)?;
    let (update, remove) = match since {
        Some(since) => s.custom_emoji().changed_since(since)?,
        None => (s.custom_emoji().all()?, Vec::new()),
    };
    let mut update = docs(&update)?;
    if let Some(query) = &opts.query {
        let mut kept = Vec::with_capacity(update.len());
        for emoji in update {
            if crate::query::matches(&emoji, query)? {
                kept.push(emoji);
            }
        }
        update = kept;
    }
    Ok(json!({"emojis": {"update": update, "remove": remove}}))
}

/// `GET emoji-custom.all` with `query`, `sort`, `fields` and paging → `{emojis, count, offset,
/// total}`.
fn all(s: &Services, _: &User, p: &Params) -> Result<Value> {
    let opts = ListOptions::from_params(s, p)?;
    let (page, total) = opts.apply(docs(&s.custom_emoji().all()?)?, Some(json!({"name": 1})))?;
    Ok(opts.envelope("emojis", page, total))
}

/// Reads an emoji form: the image under `emoji` (or `file`) and the fields.
async fn read_form(svc: &Arc<Services>, req: Request) -> Result<FormData> {
    let form =
        FileForm { file_fields: &["emoji", "file"], max: svc.custom_emoji().max_size(), invalid: Kind::InvalidParams };
    read_file_form(svc, req, form).await
}

/// `POST emoji-custom.create` (multipart `emoji`, `name`, `aliases`).
async fn create(State(svc): State<Arc<Services>>, Auth(caller): Auth, req: Request) -> Reply {
    let FormData { file, fields } = read_form(&svc, req).await?;
    let result = svc
        .blocking(move |s| {
            let name = fields.opt_str("name").unwrap_or_default();
            let aliases = fields.opt_str("aliases").unwrap_or_default();
            let change = EmojiChange { id: None, name: &name, aliases: &aliases, image: file.as_deref() };
            s.custom_emoji().save(&caller.user, change)?;
            Ok(json!({}))
        })
        .await;
    respond(result)
}

/// `POST emoji-custom.update` (multipart `_id`, `name`, `aliases`, optional `emoji`).
async fn update(State(svc): State<Arc<Services>>, Auth(caller): Auth, req: Request) -> Reply {
    let FormData { file, fields } = read_form(&svc, req).await?;
    let result = svc
        .blocking(move |s| {
            let id = text(&fields, "_id").ok_or_else(|| failure("The required \"_id\" query param is missing."))?;
            let name = fields.opt_str("name").unwrap_or_default();
            let aliases = fields.opt_str("aliases").unwrap_or_default();
            let image = file.as_deref().filter(|f| !f.is_empty());
            let change = EmojiChange { id: Some(&id), name: &name, aliases: &aliases, image };
            match s.custom_emoji().save(&caller.user, change) {
                Err(Error::Api { kind: Kind::InvalidEmoji, message, .. }) => Err(failure(message)),
                other => other.map(|_| json!({})),
            }
        })
        .await;
    respond(result)
}

/// `POST emoji-custom.delete {emojiId}`.
fn delete(s: &Services, user: &User, p: &Params) -> Result<Value> {
    let id = text(p, "emojiId").ok_or_else(|| failure("The \"emojiId\" params is required!"))?;
    s.custom_emoji().delete(user, &id)?;
    Ok(json!({}))
}

/// A question mark on black, what upstream serves for an unknown emoji.
const UNKNOWN_EMOJI: &str = r##"<?xml version="1.0" encoding="UTF-8" standalone="no"?><svg xmlns="http://www.w3.org/2000/svg" pointer-events="none" width="50" height="50" style="width: 50px; height: 50px; background-color: #000;"><text text-anchor="middle" y="50%" x="50%" dy="0.36em" pointer-events="auto" fill="#ffffff" font-family="Helvetica, Arial, Lucida Grande, sans-serif" style="font-weight: 400; font-size: 28px;">?</text></svg>"##;

/// `GET /emoji-custom/<name>.<extension>`: the image, or a question mark when unknown.
async fn image(State(svc): State<Arc<Services>>, Path(file): Path<String>, headers: HeaderMap) -> Response {
    let file = urlencoding::decode(&file).map(|f| f.into_owned()).unwrap_or(file);
    match svc.blocking(move |s| s.custom_emoji().image(&file)).await {
        Ok(Some(image)) => serve_image(image, 0, &headers),
        Ok(None) => {
            ([(CONTENT_TYPE, "image/svg+xml"), (CACHE_CONTROL, "public, max-age=0")], UNKNOWN_EMOJI).into_response()
        }
        Err(e) => e.into_response(),
    }
}
