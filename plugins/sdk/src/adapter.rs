//! Glue from the wit-bindgen `Guest` traits to [`App`].

use std::marker::PhantomData;

use crate::App;
use crate::bindings::exports::orbit::apps::{commands, endpoints, hooks, lifecycle};

/// Implements the generated export traits for any [`App`]; used by [`crate::export_app!`].
pub struct Adapter<A>(PhantomData<A>);

impl<A: App> lifecycle::Guest for Adapter<A> {
    fn initialize() -> Result<lifecycle::AppProvides, String> {
        Ok(A::provides().into())
    }

    fn on_enable() -> bool {
        A::on_enable()
    }

    fn on_disable() {
        A::on_disable()
    }

    fn on_setting_updated(setting: lifecycle::SettingValue) {
        A::on_setting_updated(&setting.id, &setting.value)
    }
}

impl<A: App> commands::Guest for Adapter<A> {
    fn execute(context: commands::CommandContext) -> Result<(), String> {
        A::execute(&context)
    }

    fn preview(context: commands::CommandContext) -> Result<commands::Previews, String> {
        A::preview(&context)
    }

    fn execute_preview_item(context: commands::CommandContext, item: commands::PreviewItem) -> Result<(), String> {
        A::execute_preview_item(&context, &item)
    }
}

impl<A: App> hooks::Guest for Adapter<A> {
    fn declare() -> Vec<hooks::HookPoint> {
        A::hooks().into_iter().map(|h| hooks::HookPoint { event: h.event, phase: h.phase }).collect()
    }

    fn prevent(event: hooks::Event, subject: String) -> Option<String> {
        A::prevent(event, &subject)
    }

    fn extend(event: hooks::Event, subject: String) -> Option<String> {
        A::extend(event, &subject)
    }

    fn modify(event: hooks::Event, subject: String) -> Option<String> {
        A::modify(event, &subject)
    }

    fn post(event: hooks::Event, subject: String) {
        A::post(event, &subject)
    }
}

impl<A: App> endpoints::Guest for Adapter<A> {
    fn declare() -> Vec<endpoints::Endpoint> {
        A::endpoints()
    }

    fn handle(request: endpoints::Request) -> endpoints::Response {
        A::handle(&request)
    }
}
