//! Second factor, personal access token and session methods: TOTP enrolment (`2fa:enable`,
//! `2fa:validateTempToken`, `2fa:disable`, `2fa:regenerateCodes`, `2fa:checkCodesRemaining`),
//! email codes (`2fa:enable-email`, `2fa:disable-email`), `personalAccessTokens:*` and
//! `removeOtherTokens`. They also run over REST through `method.call`.
//!
//! Methods that need the second factor take it from `callWithTwoFactorRequired` or, as
//! upstream's `twoFactorRequired` wrapper, from a last parameter `{twoFactorCode, twoFactorMethod}`.

use serde_json::{Value, json};

use super::{Args, Failure, Invocation, MethodDef, Outcome, logged, match_failed};
use crate::services::two_factor::{self, Options};

/// The methods of this family.
pub const METHODS: &[MethodDef] = &[
    logged("2fa:enable", totp_enable),
    logged("2fa:validateTempToken", totp_validate),
    logged("2fa:disable", totp_disable),
    logged("2fa:regenerateCodes", totp_regenerate),
    logged("2fa:checkCodesRemaining", totp_remaining),
    logged("2fa:enable-email", enable_email),
    logged("2fa:disable-email", disable_email),
    logged("personalAccessTokens:generateToken", generate_token),
    logged("personalAccessTokens:regenerateToken", regenerate_token),
    logged("personalAccessTokens:removeToken", remove_token),
    logged("removeOtherTokens", remove_other_tokens),
];

/// Checks the caller's second factor for a protected method. The code comes from
/// `callWithTwoFactorRequired`, or from a last parameter `{twoFactorCode, twoFactorMethod}`
/// (then dropped from `args`); without one the check may still pass ("remember me").
fn second_factor<'a>(inv: &Invocation<'_>, args: &'a Args<'a>, opts: Options) -> Result<Args<'a>, Failure> {
    let caller = inv.caller()?;
    let mut params = args.0;
    let mut code = inv.two_factor.clone();
    if code.is_none()
        && let Some(Value::Object(last)) = params.last()
        && let (Some(c), Some(m)) =
            (last.get("twoFactorCode").and_then(Value::as_str), last.get("twoFactorMethod").and_then(Value::as_str))
    {
        code = Some((c.to_string(), Some(m.to_string())));
        params = &params[..params.len() - 1];
    }
    let address = inv.conn.as_ref().and_then(|c| c.conn.client_addr).map(|a| a.ip().to_string());
    let fingerprint = address.as_ref().map(|a| two_factor::fingerprint(Some(a), None));
    let (code, method) = code.unzip();
    inv.svc.two_factor().check_request(
        caller,
        code.as_deref(),
        method.flatten().as_deref(),
        fingerprint.as_deref(),
        opts,
    )?;
    Ok(Args(params))
}

/// `2fa:enable` → `{secret, url}`: starts TOTP enrolment (`error-2fa-already-enabled` when on).
fn totp_enable(inv: &mut Invocation<'_>, _: &Args<'_>) -> Outcome {
    let user = inv.user()?.clone();
    Ok(Some(json!(inv.svc.two_factor().enable_totp(&user)?)))
}

/// `2fa:validateTempToken(code)` → `{codes}`: finishes enrolment with a first code (else
/// `invalid-totp`); the caller's other sessions end.
fn totp_validate(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let code = args.str(0)?;
    let caller = inv.caller()?.clone();
    let codes = inv.svc.two_factor().verify_totp_enrolment(&caller.user, &code, Some(&caller.token))?;
    Ok(Some(json!({"codes": codes})))
}

/// `2fa:disable(code)` → whether TOTP was turned off (`false` for a wrong code).
fn totp_disable(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let code = args.str(0)?;
    let user = inv.user()?.clone();
    Ok(Some(json!(inv.svc.two_factor().disable_totp(&user, &code)?)))
}

/// `2fa:regenerateCodes(code)` → `{codes}`, or no result for a wrong code.
fn totp_regenerate(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let code = args.str(0)?;
    let user = inv.user()?.clone();
    Ok(inv.svc.two_factor().regenerate_backup_codes(&user, &code)?.map(|codes| json!({"codes": codes})))
}

/// `2fa:checkCodesRemaining` → `{remaining}` (`invalid-totp` when TOTP is off).
fn totp_remaining(inv: &mut Invocation<'_>, _: &Args<'_>) -> Outcome {
    let user = inv.user()?.clone();
    Ok(Some(json!({"remaining": inv.svc.two_factor().backup_codes_remaining(&user)?})))
}

/// `2fa:enable-email` → `true`: email codes become a second factor (verified addresses only).
fn enable_email(inv: &mut Invocation<'_>, _: &Args<'_>) -> Outcome {
    let caller = inv.caller()?.clone();
    inv.svc.two_factor().enable_email(&caller.user, Some(&caller.token))?;
    Ok(Some(json!(true)))
}

/// `2fa:disable-email` → `true`. Needs the second factor, never remembered.
fn disable_email(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    second_factor(inv, args, Options::NO_REMEMBER)?;
    let user = inv.user()?.clone();
    inv.svc.two_factor().set_email_enabled(&user, false)?;
    Ok(Some(json!(true)))
}

fn token_name(args: &Args<'_>) -> Result<String, Failure> {
    super::field_str(args.object(0)?, "tokenName")
}

/// `personalAccessTokens:generateToken({tokenName, bypassTwoFactor})` → the token.
fn generate_token(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let args = second_factor(inv, args, Options::default())?;
    let name = token_name(&args)?;
    let bypass = match args.object(0)?.get("bypassTwoFactor") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(match_failed()),
    };
    let user = inv.user()?.clone();
    Ok(Some(json!(inv.svc.tokens().generate(&user, &name, bypass)?)))
}

/// `personalAccessTokens:regenerateToken({tokenName})` → the new token.
fn regenerate_token(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let args = second_factor(inv, args, Options::default())?;
    let name = token_name(&args)?;
    let user = inv.user()?.clone();
    Ok(Some(json!(inv.svc.tokens().regenerate(&user, &name)?)))
}

/// `personalAccessTokens:removeToken({tokenName})`.
fn remove_token(inv: &mut Invocation<'_>, args: &Args<'_>) -> Outcome {
    let args = second_factor(inv, args, Options::default())?;
    let name = token_name(&args)?;
    let user = inv.user()?.clone();
    inv.svc.tokens().remove(&user, &name)?;
    Ok(None)
}

/// `removeOtherTokens`: ends the caller's other sessions (personal access tokens stay).
fn remove_other_tokens(inv: &mut Invocation<'_>, _: &Args<'_>) -> Outcome {
    let caller = inv.caller()?.clone();
    inv.svc.tokens().remove_other_sessions(&caller)?;
    Ok(None)
}
