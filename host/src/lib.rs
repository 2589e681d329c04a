//! Orbit: a self-hosted chat server that speaks Rocket.Chat's REST and realtime APIs.
//!
//! Data flows one way everywhere: transports ([`rest`], [`ddp`]) parse and format; [`services`]
//! hold the rules and call the [`store`]; services publish changes on the [`bus`], which the
//! [`workers`] (realtime streams, apps, integrations, push) consume. [`server`] wires them
//! together.

pub mod bus;
pub mod config;
pub mod ddp;
pub mod error;
pub mod ids;
pub mod listener;
pub mod markup;
pub mod models;
pub mod query;
pub mod rest;
pub mod sealed;
pub mod server;
pub mod services;
pub mod store;
pub mod time;
pub mod workers;
