//! `/roll [NdM]`: rolls N dice with M sides (default `1d6`) and posts the result as the app,
//! naming who rolled. Bad input is answered privately. Randomness comes from WASI's
//! `random` interface through `std`'s hasher seeds.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

use orbit_app_sdk::{App, Command, CommandContext, Provides, chat, users};

const MAX_DICE: u32 = 100;
const MAX_SIDES: u32 = 1000;

struct Dice;

/// Parses `NdM` (`d6` means `1d6`).
fn parse(spec: &str) -> Result<(u32, u32), String> {
    let usage = || format!("Usage: /roll [NdM], at most {MAX_DICE}d{MAX_SIDES}, e.g. /roll 2d6");
    let (count, sides) =
        spec.to_lowercase().split_once('d').map(|(n, m)| (n.to_owned(), m.to_owned())).ok_or_else(usage)?;
    let count = if count.is_empty() { 1 } else { count.parse().map_err(|_| usage())? };
    let sides: u32 = sides.parse().map_err(|_| usage())?;
    if !(1..=MAX_DICE).contains(&count) || !(2..=MAX_SIDES).contains(&sides) {
        return Err(usage());
    }
    Ok((count, sides))
}

/// A uniformly-enough random number in `1..=sides`.
fn roll(sides: u32) -> u32 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u8(0);
    (hasher.finish() % u64::from(sides)) as u32 + 1
}

impl App for Dice {
    fn provides() -> Provides {
        Provides::commands([Command::new("roll", "Rolls dice").params("[NdM]")])
    }

    fn execute(ctx: &CommandContext) -> Result<(), String> {
        let (count, sides) = parse(ctx.arg(0).unwrap_or("1d6"))?;
        let rolls: Vec<u32> = (0..count).map(|_| roll(sides)).collect();
        let total: u32 = rolls.iter().sum();
        let who = users::by_id(&ctx.sender_id)?.map_or_else(|| "someone".into(), |u| format!("@{}", u.username));
        let detail = rolls.iter().map(u32::to_string).collect::<Vec<_>>().join(" + ");
        chat::reply(ctx, &format!("🎲 {who} rolled {count}d{sides}: {detail} = **{total}**"))?;
        Ok(())
    }
}

orbit_app_sdk::export_app!(Dice);
