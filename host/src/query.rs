//! The subset of MongoDB queries, projections and sorts that Rocket.Chat's REST API accepts in
//! its `query`, `fields` and `sort` parameters, applied to JSON documents.
//!
//! Supported operators: equality, `$eq`, `$ne`, `$gt`, `$gte`, `$lt`, `$lte`, `$in`, `$nin`,
//! `$exists`, `$regex` (+ `$options`), `$and`, `$or`, `$nor`, `$not`, `$size`, `$all`. Dotted paths
//! reach into objects and match any element of arrays.

use std::cmp::Ordering;

use serde_json::{Map, Value};

use crate::error::{Error, Kind, Result};

/// Whether `doc` matches the query object.
pub fn matches(doc: &Value, query: &Map<String, Value>) -> Result<bool> {
    for (key, cond) in query {
        let ok = match key.as_str() {
            "$and" => each_clause(cond)?.iter().try_fold(true, |acc, q| Ok::<_, Error>(acc && matches(doc, q)?))?,
            "$or" => each_clause(cond)?.iter().try_fold(false, |acc, q| Ok::<_, Error>(acc || matches(doc, q)?))?,
            "$nor" => !each_clause(cond)?.iter().try_fold(false, |acc, q| Ok::<_, Error>(acc || matches(doc, q)?))?,
            k if k.starts_with('$') => return Err(invalid(&format!("unsupported operator {k}"))),
            path => field_matches(&lookup(doc, path), cond)?,
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

fn invalid(msg: &str) -> Error {
    Kind::InvalidQuery.with_message(format!("Invalid query: {msg}"))
}

fn each_clause(v: &Value) -> Result<Vec<&Map<String, Value>>> {
    v.as_array()
        .ok_or_else(|| invalid("$and/$or/$nor need an array"))?
        .iter()
        .map(|q| q.as_object().ok_or_else(|| invalid("clauses must be objects")))
        .collect()
}

/// Values found at a dotted path; arrays along the way fan out.
fn lookup<'a>(doc: &'a Value, path: &str) -> Vec<&'a Value> {
    let mut current = vec![doc];
    for part in path.split('.') {
        let mut next = Vec::new();
        for v in current {
            match v {
                Value::Object(o) => next.extend(o.get(part)),
                Value::Array(a) => {
                    if let Ok(i) = part.parse::<usize>() {
                        next.extend(a.get(i));
                    } else {
                        next.extend(a.iter().filter_map(|e| e.get(part)));
                    }
                }
                _ => {}
            }
        }
        current = next;
    }
    current
}

fn is_operator_object(v: &Value) -> bool {
    v.as_object().is_some_and(|o| !o.is_empty() && o.keys().all(|k| k.starts_with('$')))
}

fn field_matches(values: &[&Value], cond: &Value) -> Result<bool> {
    if !is_operator_object(cond) {
        return Ok(values.iter().any(|v| equal_or_contains(v, cond)));
    }
    let ops = cond.as_object().expect("checked");
    for (op, arg) in ops {
        let ok = match op.as_str() {
            "$eq" => values.iter().any(|v| equal_or_contains(v, arg)),
            "$ne" => !values.iter().any(|v| equal_or_contains(v, arg)),
            "$gt" => values.iter().any(|v| compare(v, arg) == Some(Ordering::Greater)),
            "$gte" => values.iter().any(|v| matches!(compare(v, arg), Some(Ordering::Greater | Ordering::Equal))),
            "$lt" => values.iter().any(|v| compare(v, arg) == Some(Ordering::Less)),
            "$lte" => values.iter().any(|v| matches!(compare(v, arg), Some(Ordering::Less | Ordering::Equal))),
            "$in" => {
                let list = arg.as_array().ok_or_else(|| invalid("$in needs an array"))?;
                list.iter().any(|a| values.iter().any(|v| equal_or_contains(v, a)))
            }
            "$nin" => {
                let list = arg.as_array().ok_or_else(|| invalid("$nin needs an array"))?;
                !list.iter().any(|a| values.iter().any(|v| equal_or_contains(v, a)))
            }
            "$exists" => {
                let want = arg.as_bool().unwrap_or_else(|| arg.as_i64().is_some_and(|n| n != 0));
                values.iter().any(|v| !v.is_null()) == want
            }
            "$regex" => {
                let flags = ops.get("$options").and_then(Value::as_str).unwrap_or("");
                let re = build_regex(arg.as_str().ok_or_else(|| invalid("$regex needs a string"))?, flags)?;
                values.iter().any(|v| text_values(v).iter().any(|s| re.is_match(s)))
            }
            "$options" => true,
            "$not" => !field_matches(values, arg)?,
            "$size" => values.iter().any(|v| v.as_array().map(|a| a.len() as u64) == arg.as_u64()),
            "$all" => {
                let list = arg.as_array().ok_or_else(|| invalid("$all needs an array"))?;
                list.iter().all(|a| values.iter().any(|v| equal_or_contains(v, a)))
            }
            "$elemMatch" => {
                let q = arg.as_object().ok_or_else(|| invalid("$elemMatch needs an object"))?;
                let mut any = false;
                for v in values {
                    for e in v.as_array().into_iter().flatten() {
                        any |= matches(e, q)?;
                    }
                }
                any
            }
            other => return Err(invalid(&format!("unsupported operator {other}"))),
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

fn build_regex(pattern: &str, flags: &str) -> Result<regex::Regex> {
    let mut b = regex::RegexBuilder::new(pattern);
    b.case_insensitive(flags.contains('i')).multi_line(flags.contains('m')).size_limit(1 << 20);
    b.build().map_err(|_| invalid("bad $regex"))
}

fn text_values(v: &Value) -> Vec<&str> {
    match v {
        Value::String(s) => vec![s.as_str()],
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    }
}

fn equal_or_contains(v: &Value, want: &Value) -> bool {
    if let Some(re) = want.as_object().and_then(|o| o.get("$regex")).and_then(Value::as_str) {
        return build_regex(re, "").is_ok_and(|re| text_values(v).iter().any(|s| re.is_match(s)));
    }
    v == want || v.as_array().is_some_and(|a| a.contains(want)) || compare(v, want) == Some(Ordering::Equal)
}

/// Orders two JSON values of the same kind (dates in `{$date}` form compare with ISO strings).
fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        _ => {
            let (x, y) = (crate::time::Date::from_json(a)?, crate::time::Date::from_json(b)?);
            if a.is_object() || b.is_object() { Some(x.cmp(&y)) } else { None }
        }
    }
}

/// Sorts documents by a Mongo sort object (`{"name": 1, "ts": -1}`), stable.
pub fn sort(docs: &mut [Value], spec: &Map<String, Value>) {
    docs.sort_by(|a, b| order(a, b, spec));
}

/// How two documents compare under a Mongo sort object.
pub fn order(a: &Value, b: &Value, spec: &Map<String, Value>) -> Ordering {
    for (key, dir) in spec {
        let (x, y) = (lookup(a, key).first().copied(), lookup(b, key).first().copied());
        let ord = match (x, y) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some(x), Some(y)) => compare_for_sort(x, y),
        };
        let ord = if dir.as_i64().unwrap_or(1) >= 0 { ord } else { ord.reverse() };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

fn compare_for_sort(x: &Value, y: &Value) -> Ordering {
    match (x, y) {
        (Value::String(a), Value::String(b)) => a.to_lowercase().cmp(&b.to_lowercase()).then_with(|| a.cmp(b)),
        _ => compare(x, y).unwrap_or(Ordering::Equal),
    }
}

/// Applies a Mongo projection: with any `1`, only those fields (and `_id`) stay; with only `0`s,
/// those fields go.
pub fn project(doc: &mut Value, fields: &Map<String, Value>) {
    let Some(obj) = doc.as_object_mut() else { return };
    let truthy = |v: &Value| v.as_bool().unwrap_or_else(|| v.as_i64().is_some_and(|n| n != 0));
    let include: Vec<&String> = fields.iter().filter(|(_, v)| truthy(v)).map(|(k, _)| k).collect();
    if include.is_empty() {
        for (k, _) in fields.iter() {
            obj.remove(k.split('.').next().unwrap_or(k));
        }
        return;
    }
    let keep_id = fields.get("_id").is_none_or(truthy);
    let roots: Vec<&str> = include.iter().map(|k| k.split('.').next().unwrap_or(k)).collect();
    obj.retain(|k, _| roots.contains(&k.as_str()) || (k == "_id" && keep_id));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn q(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn operators() {
        let d = json!({"name": "general", "roles": ["user", "admin"], "n": 5, "u": {"username": "bob"}});
        assert!(matches(&d, &q(json!({"name": {"$regex": "^gen"}}))).unwrap());
        assert!(matches(&d, &q(json!({"roles": "admin"}))).unwrap());
        assert!(matches(&d, &q(json!({"roles": {"$in": ["x", "user"]}}))).unwrap());
        assert!(matches(&d, &q(json!({"n": {"$gte": 5, "$lt": 6}}))).unwrap());
        assert!(matches(&d, &q(json!({"u.username": "bob"}))).unwrap());
        assert!(matches(&d, &q(json!({"$or": [{"n": 1}, {"name": "general"}]}))).unwrap());
        assert!(!matches(&d, &q(json!({"missing": {"$exists": true}}))).unwrap());
        assert!(matches(&d, &q(json!({"$where": "1"}))).is_err());
    }

    #[test]
    fn sort_and_project() {
        let mut docs = vec![json!({"_id": "a", "n": 2}), json!({"_id": "b", "n": 1})];
        sort(&mut docs, &q(json!({"n": 1})));
        assert_eq!(docs[0]["_id"], "b");
        project(&mut docs[0], &q(json!({"n": 1})));
        assert_eq!(docs[0], json!({"_id": "b", "n": 1}));
        project(&mut docs[1], &q(json!({"n": 0})));
        assert_eq!(docs[1], json!({"_id": "a"}));
    }
}
