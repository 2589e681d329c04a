//! Login and account methods: `login`, `logout`, `callWithTwoFactorRequired`, `sendEmailCode`,
//! `registerUser`, `sendForgotPasswordEmail`, `resetPassword` (the `2fa:*` methods are in
//! `two_factor.rs`).

use serde_json::{Map, Value, json};

use super::{Args, Failure, Invocation, MethodDef, Outcome, SessionChange, anon, logged, match_failed};
use crate::error::{Error, Kind};
use crate::services::accounts::{LoginResult, password_digest};
use crate::services::users::Registration;

/// The methods of this family.
pub const METHODS: &[MethodDef] = &[
    anon("login", login),
    logged("logout", logout),
    anon("callWithTwoFactorRequired", call_with_two_factor),
    anon("sendEmailCode", send_email_code),
    anon("registerUser", register_user),
    anon("sendForgotPasswordEmail", send_forgot_password_email),
    anon("resetPassword", reset_password),
];

/// `login`: `[{user: {username|email|id}, password: {digest, algorithm}|string}]`,
/// `[{resume: token}]` or `[{totp: {login: {…}, code}}]` →
/// `{id, token, tokenExpires: {$date}, type: "password"|"resume"}`.
fn login(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let request = args.object(0)?;
    let (result, kind) = if let Some(resume) = request.get("resume") {
        let token = resume.as_str().ok_or_else(match_failed)?;
        (inv.svc.accounts().resume(token)?, "resume")
    } else if let Some(totp) = request.get("totp") {
        let totp = totp.as_object().ok_or_else(match_failed)?;
        let inner = totp.get("login").and_then(Value::as_object).ok_or_else(match_failed)?;
        let code = totp.get("code").and_then(Value::as_str).ok_or_else(match_failed)?;
        (password_login(inv, inner, Some(code))?, "password")
    } else if request.contains_key("password") || request.contains_key("user") {
        let code = inv.two_factor.as_ref().map(|(c, _)| c.clone());
        (password_login(inv, request, code.as_deref())?, "password")
    } else {
        return Err(Kind::InvalidLogin.with_message("Unrecognized options for login request").into());
    };
    log_in(inv, &result, kind)
}

/// Logs the connection in as a login's user → `{id, token, tokenExpires: {$date}, type}`.
fn log_in(inv: &mut Invocation<'_>, result: &LoginResult, kind: &str) -> Outcome {
    let caller = inv.svc.accounts().logged_in(result)?;
    let answer = json!({
        "id": result.user.id,
        "token": result.token,
        "tokenExpires": result.expires.to_ejson(),
        "type": kind,
    });
    inv.session = Some(SessionChange::Login(Box::new(caller)));
    Ok(Some(answer))
}

/// A password login: finds the user by username, email or id, checks the password and the
/// second factor, and issues a session.
fn password_login(
    inv: &Invocation<'_>,
    request: &Map<String, Value>,
    code: Option<&str>,
) -> Result<LoginResult, Failure> {
    let who = match request.get("user") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(o)) => {
            if let Some(u) = o.get("username").and_then(Value::as_str) {
                u.to_string()
            } else if let Some(e) = o.get("email").and_then(Value::as_str) {
                e.to_string()
            } else if let Some(id) = o.get("id").and_then(Value::as_str) {
                let user = inv.svc.users().by_id(id)?.ok_or_else(|| Error::LoginFailed("Unauthorized".into()))?;
                user.username
            } else {
                return Err(match_failed());
            }
        }
        _ => return Err(match_failed()),
    };
    let digest = request.get("password").and_then(password_digest).ok_or_else(match_failed)?;
    Ok(inv.svc.accounts().login_with_password(&who, &digest, code, inv.client_ip())?)
}

/// `logout`: ends the session of the connection's token.
fn logout(inv: &mut Invocation<'_>, _: &Args<'_>) -> Outcome {
    let caller = inv.caller()?.clone();
    inv.svc.accounts().logout(&caller)?;
    inv.session = Some(SessionChange::Logout);
    Ok(None)
}

/// `callWithTwoFactorRequired`: `[{code, ddpMethod, method?, params}]` runs `ddpMethod` with the
/// second-factor code available to it; its result or error passes through.
fn call_with_two_factor(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let request = args.object(0)?;
    let code = request.get("code").and_then(Value::as_str).ok_or_else(match_failed)?.to_string();
    let method = request.get("method").and_then(Value::as_str).map(String::from);
    let target = request.get("ddpMethod").and_then(Value::as_str).ok_or_else(match_failed)?.to_string();
    let params = match request.get("params") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a.clone(),
        Some(_) => return Err(match_failed()),
    };
    let previous = inv.two_factor.replace((code, method));
    let out = inv.call(&target, &params);
    inv.two_factor = previous;
    out
}

/// `sendEmailCode`: `[emailOrUsername]` mails a login code to the user and returns their
/// addresses. Works logged out.
fn send_email_code(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let who = args.str(0)?;
    if who.trim().is_empty() {
        return Err(Kind::ParameterRequired.into());
    }
    let user = inv
        .svc
        .accounts()
        .find_by_username_or_email(who.trim())?
        .ok_or_else(|| super::invalid_user("sendEmailCode"))?;
    if !inv.svc.two_factor().send_email_code(&user)? {
        return Err(Kind::InvalidEmail.with_message("The user has no email address").into());
    }
    Ok(Some(json!(user.emails.iter().map(|e| e.address.clone()).collect::<Vec<_>>())))
}

/// `registerUser({email, pass, name, username?, secretURL?})` → the new user's id.
fn register_user(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let form = args.object(0)?;
    let text = |k: &str| -> Result<Option<String>, Failure> { super::field_opt_str(form, k) };
    let registration = Registration {
        username: text("username")?,
        email: text("email")?.ok_or_else(match_failed)?,
        password: text("pass")?.ok_or_else(match_failed)?,
        name: text("name")?,
        secret_url: text("secretURL")?,
    };
    let user = inv.svc.users().register(registration)?;
    Ok(Some(json!(user.id)))
}

/// `sendForgotPasswordEmail(email)` → `true`, known address or not.
fn send_forgot_password_email(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let email = args.str(0)?;
    inv.svc.users().forgot_password(&email)?;
    Ok(Some(json!(true)))
}

/// `resetPassword(token, password)`: sets the new password and logs the connection in →
/// `{id, token, tokenExpires, type: "password"}`.
fn reset_password(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let (token, password) = (args.str(0)?, args.str(1)?);
    let user = inv.svc.users().reset_password(&token, &password)?;
    let result = inv.svc.accounts().issue_session(user)?;
    log_in(inv, &result, "password")
}
