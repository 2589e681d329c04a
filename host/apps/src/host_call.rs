//! One call from an app into the host: who makes it, what its interface needs, and the gate
//! every import passes (host-call budget, then permission) before the server's side serves it.
//!
//! The capability units (`capabilities/<interface>.rs`) build on this module alone; the
//! store data ([`crate::state`]) hands each call a [`HostCall`] over the part of the
//! server's side that its interface uses.

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Instant;

use wasmtime::component::HasData;

use crate::bindings::HostError;
use crate::limits::Limits;
use crate::permissions::{Grants, Permission};

/// Who is calling the host: the app, and the user whose slash command is running (if any).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallContext {
    /// The calling app's id (its manifest `id`).
    pub app_id: Arc<str>,
    /// The user who invoked the running command; `None` in lifecycle calls. Actions
    /// (`room-actions`, `user-actions`, `invoker`-authored messages) are performed as this user,
    /// or as the app's bot user when it is `None`.
    pub user_id: Option<Arc<str>>,
    /// The calling app's permissions, for the rules that depend on more than the interface
    /// (reaching any room or any user).
    pub grants: Grants,
}

/// Result of a host call, shaped like the WIT `result<T, host-error>`.
pub type HostResult<T> = Result<T, HostError>;

/// What an `orbit:apps` import interface needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Requirement {
    /// Always allowed (logging, own settings, shared types).
    Always,
    /// Needs this permission.
    Permission(Permission),
}

/// One `orbit:apps` import interface in the permission table: its name and what it needs.
#[derive(Clone, Copy, Debug)]
pub struct Capability {
    /// The interface name, without package and version (`rooms`).
    pub interface: &'static str,
    /// What the app must be granted to import and call it.
    pub requirement: Requirement,
}

/// The running call into an app, reset before every call.
#[derive(Default)]
pub(crate) struct CallState {
    /// The invoking user of the running command.
    pub user_id: Option<Arc<str>>,
    /// When the running call must stop.
    pub deadline: Option<Instant>,
    pub host_calls: u64,
    pub timed_out: bool,
    pub flooded: bool,
}

/// A host call in progress: the calling app's grants and budget, and `host`, the server's
/// side of the interface called.
pub struct HostCall<'a, H: ?Sized> {
    pub(crate) app_id: &'a Arc<str>,
    pub(crate) grants: &'a Grants,
    pub(crate) limits: &'a Limits,
    pub(crate) call: &'a mut CallState,
    pub(crate) host: &'a H,
}

impl<H: ?Sized> HostCall<'_, H> {
    /// Accounts this call to `capability` and checks the app may make it; every import enters
    /// here. The outer error traps the app (budget exhausted); the inner one is returned to it
    /// (denied). On success, the call's context.
    pub fn enter(&mut self, capability: &Capability) -> wasmtime::Result<Result<CallContext, HostError>> {
        Ok(admit(self.grants, self.limits, self.call, capability.requirement)?.map(|()| CallContext {
            app_id: self.app_id.clone(),
            user_id: self.call.user_id.clone(),
            grants: self.grants.clone(),
        }))
    }

    /// Whether a slash command is running (it has an invoking user).
    pub fn in_command(&self) -> bool {
        self.call.user_id.is_some()
    }
}

/// The linker's view of an interface served by `H`: its host functions receive a
/// [`HostCall`] over `H`.
pub struct ServedBy<H: ?Sized>(PhantomData<H>);

impl<H: ?Sized + 'static> HasData for ServedBy<H> {
    type Data<'a> = HostCall<'a, H>;
}

/// The budget and permission check behind [`HostCall::enter`].
fn admit(
    grants: &Grants,
    limits: &Limits,
    call: &mut CallState,
    requirement: Requirement,
) -> wasmtime::Result<Result<(), HostError>> {
    call.host_calls += 1;
    if call.host_calls > limits.max_host_calls {
        call.flooded = true;
        wasmtime::bail!("host call budget of {} exhausted", limits.max_host_calls);
    }
    if let Requirement::Permission(permission) = requirement
        && !grants.allows(permission)
    {
        return Ok(Err(HostError::Denied(format!("the app lacks the `{permission}` permission"))));
    }
    Ok(Ok(()))
}

/// Declares a capability whose functions all answer `result<T, host-error>`: its
/// [`Capability`] entry, the narrow trait the server implements (each WIT function with the
/// generated argument types, plus the [`CallContext`]) and the binding's `Host` impl over a
/// [`HostCall`] to that trait, which enters the call and forwards it.
macro_rules! capability {
    (
        $interface:literal, $requirement:expr;
        $(#[$trait_doc:meta])*
        pub trait $Trait:ident for $bindings:ident {
            $(
                $(#[$doc:meta])*
                fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty;
            )*
        }
    ) => {
        /// This interface in the permission table.
        pub(super) const CAPABILITY: $crate::host_call::Capability =
            $crate::host_call::Capability { interface: $interface, requirement: $requirement };

        $(#[$trait_doc])*
        #[async_trait::async_trait]
        pub trait $Trait: Send + Sync + 'static {
            $(
                $(#[$doc])*
                async fn $name(&self, cx: &$crate::host_call::CallContext, $($arg: $ty),*)
                    -> $crate::host_call::HostResult<$ret>;
            )*
        }

        impl $bindings::Host for $crate::host_call::HostCall<'_, dyn $Trait> {
            $(
                async fn $name(&mut self, $($arg: $ty),*)
                    -> wasmtime::Result<$crate::host_call::HostResult<$ret>> {
                    let cx = match self.enter(&CAPABILITY)? {
                        Ok(cx) => cx,
                        Err(denied) => return Ok(Err(denied)),
                    };
                    Ok(self.host.$name(&cx, $($arg),*).await)
                }
            )*
        }
    };
}
pub(crate) use capability;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_calls_need_permissions_and_fit_the_budget() {
        let grants = Grants::new([Permission::MessageWrite]);
        let limits = Limits { max_host_calls: 3, ..Limits::default() };
        let mut call = CallState::default();
        let write = Requirement::Permission(Permission::MessageWrite);
        let read = Requirement::Permission(Permission::RoomRead);
        assert!(matches!(admit(&grants, &limits, &mut call, write), Ok(Ok(()))));
        assert!(matches!(admit(&grants, &limits, &mut call, Requirement::Always), Ok(Ok(()))));
        let denied = admit(&grants, &limits, &mut call, read).unwrap().unwrap_err();
        assert!(matches!(denied, HostError::Denied(reason) if reason == "the app lacks the `room.read` permission"));
        assert!(admit(&grants, &limits, &mut call, Requirement::Always).is_err());
        assert!(call.flooded);
    }
}
