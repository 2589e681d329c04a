//! Paging (`offset`, `count`) and list options (`sort`, `query`, `fields`) with the
//! `API_Default_Count` / `API_Upper_Count_Limit` / `API_Allow_Infinite_Count` clamps.

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::params::Params;
use crate::error::{Kind, Result};
use crate::query;
use crate::services::Services;

/// Typed items as the documents [`ListOptions::apply`] filters, sorts and projects.
pub fn docs<T: Serialize>(items: impl IntoIterator<Item = T>) -> Result<Vec<Value>> {
    Ok(items.into_iter().map(serde_json::to_value).collect::<serde_json::Result<_>>()?)
}

/// Parsed list options of a request.
#[derive(Debug, Clone, Default)]
pub struct ListOptions {
    pub offset: usize,
    /// `None` means "all" (count=0 with infinite counts allowed).
    pub count: Option<usize>,
    pub sort: Option<Map<String, Value>>,
    pub query: Option<Map<String, Value>>,
    pub fields: Option<Map<String, Value>>,
}

impl ListOptions {
    /// Reads the options from request parameters, clamped by the API settings.
    pub fn from_params(svc: &Services, p: &Params) -> Result<Self> {
        let offset = p.int("offset")?.unwrap_or(0);
        if offset < 0 {
            return Err(Kind::invalid_param("offset"));
        }
        let default = svc.settings.int("API_Default_Count", 50).max(1);
        let upper = svc.settings.int("API_Upper_Count_Limit", 100).max(1);
        let count = match p.int("count")? {
            None => Some(default.min(upper)),
            Some(0) if svc.settings.bool("API_Allow_Infinite_Count") => None,
            Some(n) if n <= 0 => Some(default.min(upper)),
            Some(n) => Some(n.min(upper)),
        };
        Ok(ListOptions {
            offset: offset as usize,
            count: count.map(|c| c as usize),
            sort: p.json_object("sort")?,
            query: p.json_object("query")?,
            fields: p.json_object("fields")?,
        })
    }

    /// Filters by `query`, sorts by `sort` (or `default_sort`), pages, and projects `fields`.
    /// Returns the page and the total before paging.
    pub fn apply(&self, mut docs: Vec<Value>, default_sort: Option<Value>) -> Result<(Vec<Value>, usize)> {
        if let Some(q) = &self.query {
            let mut kept = Vec::with_capacity(docs.len());
            for d in docs {
                if query::matches(&d, q)? {
                    kept.push(d);
                }
            }
            docs = kept;
        }
        let sort = self.sort.clone().or_else(|| default_sort.and_then(|v| v.as_object().cloned()));
        if let Some(s) = &sort {
            query::sort(&mut docs, s);
        }
        let total = docs.len();
        let mut page: Vec<Value> = docs.into_iter().skip(self.offset).take(self.count.unwrap_or(usize::MAX)).collect();
        if let Some(f) = &self.fields {
            page.iter_mut().for_each(|d| query::project(d, f));
        }
        Ok((page, total))
    }

    /// A list answer: `{<key>: page, count, offset, total}`.
    pub fn envelope(&self, key: &str, page: Vec<Value>, total: usize) -> Value {
        let mut o = Map::new();
        o.insert("count".into(), json!(page.len()));
        o.insert(key.to_string(), Value::Array(page));
        o.insert("offset".into(), json!(self.offset));
        o.insert("total".into(), json!(total));
        Value::Object(o)
    }
}
