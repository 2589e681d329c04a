//! `/hello [name]`: greets someone in the room. While typing, a preview list offers greetings
//! in several languages; picking one posts it.

use orbit_app_sdk::{App, Command, CommandContext, PreviewItem, Previews, Provides, Setting, chat, settings};

const GREETINGS: [&str; 4] = ["Hello", "Bonjour", "Hola", "Hallo"];

struct Hello;

impl Hello {
    fn greeting(word: &str, ctx: &CommandContext) -> String {
        let name = ctx.params_or("world");
        let punctuation = settings::get_string("punctuation").unwrap_or_else(|| "!".into());
        format!("{word}, {name}{punctuation}")
    }
}

impl App for Hello {
    fn provides() -> Provides {
        Provides::commands([Command::new("hello", "Says hello").params("[name]").with_preview()])
            .settings([Setting::string("punctuation", "Ends every greeting", "!")])
    }

    fn execute(ctx: &CommandContext) -> Result<(), String> {
        chat::reply(ctx, &Self::greeting(GREETINGS[0], ctx))?;
        Ok(())
    }

    fn preview(ctx: &CommandContext) -> Result<Previews, String> {
        Ok(Previews::texts("Greetings", GREETINGS.iter().map(|word| Self::greeting(word, ctx))))
    }

    fn execute_preview_item(ctx: &CommandContext, item: &PreviewItem) -> Result<(), String> {
        chat::reply(ctx, &item.value)?;
        Ok(())
    }
}

orbit_app_sdk::export_app!(Hello);
