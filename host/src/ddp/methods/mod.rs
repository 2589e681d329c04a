//! DDP methods: the name → handler table and the invocation context.
//!
//! Each family file (`auth.rs`, `rooms.rs`, …) exports a `METHODS` table of [`MethodDef`]. A
//! handler reads its positional parameters with [`Args`], calls one service function and shapes
//! the answer (dates as EJSON through [`super::frames::ejson`]). Handlers are synchronous and run
//! on the blocking pool, like REST handlers' service calls.
//!
//! Methods require a logged-in caller unless their entry says `login: false`; an anonymous call
//! to such a method fails with `error-invalid-user` before the handler runs.

/// A table entry whose service errors carry `{method}` details, as upstream's do (for the
/// families that import `logged`, `anon` and `with_method`).
macro_rules! method {
    ($name:literal, $run:path) => {
        logged($name, |inv, args| with_method($run(inv, args), inv))
    };
    (anon $name:literal, $run:path) => {
        anon($name, |inv, args| with_method($run(inv, args), inv))
    };
}

pub mod auth;
pub mod commands;
pub mod custom_emoji;
pub mod custom_statuses;
pub mod messages;
pub mod presence;
pub mod rooms;
pub mod settings;
pub mod subscriptions;
pub mod two_factor;
pub mod users;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, OnceLock};

use serde_json::{Map, Value, json};

use super::frames;
use super::{Conn, Hub};
use crate::error::ddp::meteor_error;
use crate::error::{Error, Kind};
use crate::models::User;
use crate::services::Services;
use crate::services::accounts::Caller;
use crate::time::Date;

/// Why a method failed: a service error, or a DDP-level `Meteor.Error` (404 unknown method,
/// 400 `Match failed`).
#[derive(Debug)]
pub enum Failure {
    Service(Box<Error>),
    Meteor(Value),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Service(Box::new(e))
    }
}

impl From<Kind> for Failure {
    fn from(kind: Kind) -> Self {
        Error::from(kind).into()
    }
}

impl Failure {
    /// The `error` object of the result frame.
    pub fn to_value(&self) -> Value {
        match self {
            Failure::Service(e) => e.ddp_error(),
            Failure::Meteor(v) => v.clone(),
        }
    }
}

/// What a method returns: a value (already in EJSON form), nothing (`None`: the result frame has
/// no `result` key), or a failure.
pub type Outcome = Result<Option<Value>, Failure>;

/// A method handler.
pub type Handler = fn(&mut Invocation<'_>, &Args<'_>) -> Outcome;

/// One entry of a method table.
pub struct MethodDef {
    pub name: &'static str,
    /// Whether the caller must be logged in.
    pub login: bool,
    pub run: Handler,
}

/// Shorthand for table entries that require login.
pub const fn logged(name: &'static str, run: Handler) -> MethodDef {
    MethodDef { name, login: true, run }
}

/// Shorthand for table entries that work logged out.
pub const fn anon(name: &'static str, run: Handler) -> MethodDef {
    MethodDef { name, login: false, run }
}

/// Every family's method table.
const FAMILIES: &[&[MethodDef]] = &[
    auth::METHODS,
    settings::METHODS,
    presence::METHODS,
    rooms::METHODS,
    subscriptions::METHODS,
    messages::METHODS,
    commands::METHODS,
    custom_statuses::METHODS,
    custom_emoji::METHODS,
    two_factor::METHODS,
    users::METHODS,
];

fn table() -> &'static HashMap<&'static str, &'static MethodDef> {
    static TABLE: OnceLock<HashMap<&'static str, &'static MethodDef>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut map = HashMap::new();
        for family in FAMILIES.iter().copied() {
            for def in family {
                map.insert(def.name, def);
            }
        }
        map
    })
}

/// Every method name the server answers, sorted.
pub fn names() -> Vec<&'static str> {
    let mut v: Vec<_> = table().keys().copied().collect();
    v.sort_unstable();
    v
}

/// The connection a method runs on (absent for REST `method.call`).
#[derive(Clone)]
pub struct ConnContext {
    pub hub: Arc<Hub>,
    pub conn: Arc<Conn>,
}

/// A change of the connection's login made by a method, applied by the connection afterwards.
#[derive(Debug, Clone)]
pub enum SessionChange {
    Login(Box<Caller>),
    Logout,
}

/// The context of one method call.
pub struct Invocation<'a> {
    pub svc: &'a Services,
    /// The method being run (for error details).
    pub method: String,
    pub caller: Option<Caller>,
    pub conn: Option<ConnContext>,
    /// A second-factor code supplied through `callWithTwoFactorRequired`: `(code, method)`.
    pub two_factor: Option<(String, Option<String>)>,
    /// Set by `login` and `logout`.
    pub session: Option<SessionChange>,
    /// The client's address when the call did not come over a socket (`method.call`).
    pub client: Option<IpAddr>,
    depth: u8,
}

impl<'a> Invocation<'a> {
    /// A new invocation context.
    pub fn new(svc: &'a Services, caller: Option<Caller>, conn: Option<ConnContext>) -> Self {
        Invocation { svc, method: String::new(), caller, conn, two_factor: None, session: None, client: None, depth: 0 }
    }

    /// The client's address: the socket's, or the one `method.call` was sent from.
    pub fn client_ip(&self) -> Option<IpAddr> {
        self.client.or_else(|| self.conn.as_ref().and_then(|c| c.conn.client_addr).map(|a| a.ip()))
    }

    /// The logged-in user, or `error-invalid-user`.
    pub fn user(&self) -> Result<&User, Failure> {
        self.caller.as_ref().map(|c| &c.user).ok_or_else(|| invalid_user(&self.method))
    }

    /// The caller (user and token), or `error-invalid-user`.
    pub fn caller(&self) -> Result<&Caller, Failure> {
        self.caller.as_ref().ok_or_else(|| invalid_user(&self.method))
    }

    /// The connection, or an error for methods that only make sense on a socket.
    pub fn connection(&self) -> Result<&ConnContext, Failure> {
        self.conn.as_ref().ok_or_else(|| Kind::ConnectionRequired.into())
    }

    /// Runs a method by name with positional parameters.
    pub fn call(&mut self, name: &str, params: &[Value]) -> Outcome {
        let Some(def) = table().get(name) else {
            return Err(Failure::Meteor(meteor_error(json!(404), &format!("Method '{name}' not found"), None)));
        };
        self.depth += 1;
        if self.depth > 2 {
            return Err(Failure::Meteor(meteor_error(json!(400), "Match failed", None)));
        }
        let previous = std::mem::replace(&mut self.method, name.to_string());
        let out =
            if def.login && self.caller.is_none() { Err(invalid_user(name)) } else { (def.run)(self, &Args(params)) };
        self.method = previous;
        self.depth -= 1;
        out
    }
}

/// `error-invalid-user`, as Rocket.Chat's methods answer anonymous calls.
pub fn invalid_user(method: &str) -> Failure {
    Kind::InvalidUser.with_details(json!({"method": method})).into()
}

/// Meteor's answer to a parameter of the wrong type (`check` failures): 400 `Match failed`.
pub fn match_failed() -> Failure {
    Failure::Meteor(meteor_error(json!(400), "Match failed", None))
}

/// Positional parameters.
pub struct Args<'a>(pub &'a [Value]);

impl Args<'_> {
    /// The parameter at `i` (`None` when absent or null).
    pub fn get(&self, i: usize) -> Option<&Value> {
        self.0.get(i).filter(|v| !v.is_null())
    }

    /// A required string.
    pub fn str(&self, i: usize) -> Result<String, Failure> {
        match self.get(i) {
            Some(Value::String(s)) => Ok(s.clone()),
            _ => Err(match_failed()),
        }
    }

    /// An optional string (a value of another type fails).
    pub fn opt_str(&self, i: usize) -> Result<Option<String>, Failure> {
        match self.get(i) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(match_failed()),
        }
    }

    /// A boolean, or `default` when absent.
    pub fn bool(&self, i: usize, default: bool) -> Result<bool, Failure> {
        match self.get(i) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(match_failed()),
        }
    }

    /// An optional non-negative integer.
    pub fn count(&self, i: usize) -> Result<Option<usize>, Failure> {
        match self.get(i) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_u64()
                .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
                .map(|n| Some(n as usize))
                .ok_or_else(match_failed),
            Some(_) => Err(match_failed()),
        }
    }

    /// A required object.
    pub fn object(&self, i: usize) -> Result<&Map<String, Value>, Failure> {
        self.get(i).and_then(Value::as_object).ok_or_else(match_failed)
    }

    /// A list of strings (absent: empty).
    pub fn strings(&self, i: usize) -> Result<Vec<String>, Failure> {
        match self.get(i) {
            None => Ok(Vec::new()),
            Some(Value::Array(a)) => a.iter().map(|v| v.as_str().map(String::from).ok_or_else(match_failed)).collect(),
            Some(_) => Err(match_failed()),
        }
    }

    /// An optional date (`{"$date": ms}`, a number or an ISO string).
    pub fn date(&self, i: usize) -> Result<Option<Date>, Failure> {
        match self.get(i) {
            None => Ok(None),
            Some(v) => Date::from_json(v).map(Some).ok_or_else(match_failed),
        }
    }
}

/// Reads a string field of an object parameter.
pub fn field_str(obj: &Map<String, Value>, name: &str) -> Result<String, Failure> {
    obj.get(name).and_then(Value::as_str).map(String::from).ok_or_else(match_failed)
}

/// Reads an optional string field of an object parameter (wrong types fail).
pub fn field_opt_str(obj: &Map<String, Value>, name: &str) -> Result<Option<String>, Failure> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(match_failed()),
    }
}

/// Runs one method call and builds its `result` frame (EJSON). Used by the socket and by REST
/// `method.call`.
pub fn run_call(inv: &mut Invocation<'_>, id: &str, method: &str, params: &[Value]) -> Value {
    match inv.call(method, params) {
        Ok(v) => frames::result(id, v.as_ref()),
        Err(f) => frames::result_error(id, &f.to_value()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_have_no_duplicates() {
        let mut seen = std::collections::HashSet::new();
        for family in FAMILIES.iter().copied() {
            for def in family {
                assert!(seen.insert(def.name), "duplicate method {}", def.name);
            }
        }
    }

    #[test]
    fn args() {
        let v = [json!("a"), json!(3), Value::Null, json!({"$date": 5}), json!(["x"])];
        let a = Args(&v);
        assert_eq!(a.str(0).unwrap(), "a");
        assert!(a.str(1).is_err());
        assert_eq!(a.count(1).unwrap(), Some(3));
        assert_eq!(a.opt_str(2).unwrap(), None);
        assert_eq!(a.date(3).unwrap(), Some(Date(5)));
        assert_eq!(a.strings(4).unwrap(), vec!["x"]);
        assert!(a.object(0).is_err());
    }
}
