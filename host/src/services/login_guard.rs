//! Brute-force protection of password logins, with Rocket.Chat's `Block_Multiple_Failed_Logins_*`
//! settings: failed logins since the last successful one are counted per client address and per
//! account. From the set number on, logins from that address (or into that account) are refused
//! until the set minutes have passed since the last failure. Every path that checks a password
//! (REST `login`, `method.call`, `method.callAnon`, DDP `login`) passes here; the counts live in
//! memory.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use super::Services;
use crate::error::{Kind, Result};
use crate::models::User;

/// Addresses remembered at most; past that, those whose block ran out are forgotten.
const MAX_ADDRESSES: usize = 100_000;

/// Failed logins per client address and per account (user id).
#[derive(Default)]
pub struct FailedLogins {
    by_ip: Mutex<HashMap<IpAddr, Failures>>,
    by_user: Mutex<HashMap<String, Failures>>,
}

/// Failures since the last successful login, and when the last one happened.
#[derive(Debug, Clone, Copy)]
struct Failures {
    count: i64,
    last: Instant,
}

/// One side of the protection (by address or by account), as its settings say.
#[derive(Debug, Clone, Copy)]
struct Rule {
    enabled: bool,
    attempts: i64,
    unblock_after: Duration,
}

impl Rule {
    /// Whether these failures block a login now.
    fn blocks(&self, failures: Option<&Failures>, now: Instant) -> bool {
        self.enabled
            && self.attempts > 0
            && failures.is_some_and(|f| f.count >= self.attempts && now < f.last + self.unblock_after)
    }
}

/// Counts a failure of `key`.
fn count<K: Eq + Hash>(map: &Mutex<HashMap<K, Failures>>, key: K, now: Instant) {
    let mut map = map.lock();
    let failures = map.entry(key).or_insert(Failures { count: 0, last: now });
    failures.count += 1;
    failures.last = now;
}

/// Brute-force protection of logins.
pub struct LoginGuard<'a>(pub &'a Services);

impl Services {
    /// Brute-force protection of logins.
    pub fn login_guard(&self) -> LoginGuard<'_> {
        LoginGuard(self)
    }
}

impl LoginGuard<'_> {
    fn rule(&self, by: &str, attempts: &str, minutes: &str, default_attempts: i64) -> Rule {
        let s = &self.0.settings;
        Rule {
            enabled: s.bool("Block_Multiple_Failed_Logins_Enabled") && s.bool(by),
            attempts: s.int(attempts, default_attempts),
            unblock_after: Duration::from_secs(s.int(minutes, 5).max(0) as u64 * 60),
        }
    }

    fn by_ip(&self) -> Rule {
        self.rule(
            "Block_Multiple_Failed_Logins_By_Ip",
            "Block_Multiple_Failed_Logins_Attempts_Until_Block_By_Ip",
            "Block_Multiple_Failed_Logins_Time_To_Unblock_By_Ip_In_Minutes",
            50,
        )
    }

    fn by_user(&self) -> Rule {
        self.rule(
            "Block_Multiple_Failed_Logins_By_User",
            "Block_Multiple_Failed_Logins_Attempts_Until_Block_by_User",
            "Block_Multiple_Failed_Logins_Time_To_Unblock_By_User_In_Minutes",
            10,
        )
    }

    /// Whether `ip` is on `Block_Multiple_Failed_Logins_Ip_Whitelist`.
    fn trusted(&self, ip: IpAddr) -> bool {
        let list = self.0.settings.string("Block_Multiple_Failed_Logins_Ip_Whitelist");
        list.split(',').any(|entry| entry.trim().parse::<IpAddr>().is_ok_and(|listed| listed == ip))
    }

    /// Refuses a login from `ip` while that address is blocked (`error-login-blocked-for-ip`).
    pub fn admit_address(&self, ip: Option<IpAddr>) -> Result<()> {
        let Some(ip) = ip.filter(|ip| !self.trusted(*ip)) else { return Ok(()) };
        let failures = self.0.failed_logins.by_ip.lock().get(&ip).copied();
        if self.by_ip().blocks(failures.as_ref(), Instant::now()) {
            return Err(Kind::LoginBlockedForIp.into());
        }
        Ok(())
    }

    /// Refuses a login into `user` while the account is blocked (`error-login-blocked-for-user`).
    pub fn admit_account(&self, user: &User) -> Result<()> {
        let failures = self.0.failed_logins.by_user.lock().get(&user.id).copied();
        if self.by_user().blocks(failures.as_ref(), Instant::now()) {
            return Err(Kind::LoginBlockedForUser.into());
        }
        Ok(())
    }

    /// Counts a failed login from `ip` into `user` (unknown accounts count for the address only).
    pub fn failed(&self, ip: Option<IpAddr>, user: Option<&User>) {
        let now = Instant::now();
        let failed = &self.0.failed_logins;
        if let Some(ip) = ip {
            count(&failed.by_ip, ip, now);
            self.forget_stale_addresses(now);
        }
        if let Some(user) = user {
            count(&failed.by_user, user.id.clone(), now);
        }
    }

    /// A successful login: the counts of its address and account start again.
    pub fn succeeded(&self, ip: Option<IpAddr>, user: &User) {
        if let Some(ip) = ip {
            self.0.failed_logins.by_ip.lock().remove(&ip);
        }
        self.0.failed_logins.by_user.lock().remove(&user.id);
    }

    /// Keeps the address table bounded: past [`MAX_ADDRESSES`], addresses whose block (or
    /// would-be block) ran out are forgotten.
    fn forget_stale_addresses(&self, now: Instant) {
        let mut map = self.0.failed_logins.by_ip.lock();
        if map.len() > MAX_ADDRESSES {
            let window = self.by_ip().unblock_after;
            map.retain(|_, f| now < f.last + window);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_blocks_from_the_threshold_until_the_window_passes() {
        let rule = Rule { enabled: true, attempts: 3, unblock_after: Duration::from_secs(60) };
        let now = Instant::now();
        let at = |count| Failures { count, last: now };
        assert!(!rule.blocks(None, now));
        assert!(!rule.blocks(Some(&at(2)), now));
        assert!(rule.blocks(Some(&at(3)), now));
        assert!(!rule.blocks(Some(&at(3)), now + Duration::from_secs(60)));
        assert!(!Rule { enabled: false, ..rule }.blocks(Some(&at(9)), now));
        assert!(!Rule { attempts: 0, ..rule }.blocks(Some(&at(9)), now));
    }
}
