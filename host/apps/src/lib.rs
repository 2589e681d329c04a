//! Orbit's app runtime.
pub mod bindings;
