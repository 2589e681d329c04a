//! Integration tests: every test starts the real `orbit` binary (see `common`) on a free port with
//! a fresh data directory and talks to it over HTTP and WebSocket.

mod common;

mod app_authority;
mod app_endpoints;
mod app_hooks;
mod app_persistence;
mod apps;
mod auth;
mod avatars;
mod builtin_commands;
mod channels;
mod chat;
mod commands;
mod connections;
mod custom_user_status;
mod ddp;
mod ddp_messages;
mod ddp_rooms;
mod ddp_streams;
mod emoji_custom;
mod field_limits;
mod groups;
mod im;
mod login_guard;
mod misc;
mod permissions;
mod push;
mod rate_limit;
mod roles;
mod rooms;
mod sandbox;
mod secrets;
mod server_info;
mod settings;
mod slash_commands;
mod subscriptions;
mod teams;
mod tokens;
mod two_factor;
mod uploads;
mod user_profile;
mod users;
