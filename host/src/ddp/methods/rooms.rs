//! Room methods: thin adapters over `services::rooms` and `services::subscriptions`.

use super::MethodDef;

/// The methods of this family.
pub const METHODS: &[MethodDef] = &[];
