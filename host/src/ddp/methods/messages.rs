//! Message methods: thin adapters over `services::messages`.

use super::MethodDef;

/// The methods of this family.
pub const METHODS: &[MethodDef] = &[];
