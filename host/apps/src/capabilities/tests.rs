//! The permission table against the contract (`wit/`) and the guide (`docs/apps.md`): all
//! three must say the same.

use std::collections::{BTreeMap, BTreeSet};

use super::{CAPABILITIES, COMMANDS_PERMISSION, links, unlocked_by};
use crate::host_call::{Capability, Requirement};
use crate::permissions::Permission;

fn read(path: &str) -> String {
    let full = format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

/// The lines of the `{ ... }` block opened by the line starting with `opening`.
fn block<'a>(text: &'a str, opening: &str) -> Vec<&'a str> {
    let mut depth = 1;
    let mut out = Vec::new();
    for line in text.lines().skip_while(|l| !l.trim_start().starts_with(opening)).skip(1) {
        depth += line.matches('{').count();
        depth -= line.matches('}').count();
        if depth == 0 {
            break;
        }
        out.push(line);
    }
    assert!(!out.is_empty(), "no `{opening}` block");
    out
}

/// The `///` comment right above the line starting with `item`, joined.
fn doc_above(text: &str, item: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let at = lines.iter().position(|l| l.trim_start().starts_with(item)).unwrap_or_else(|| panic!("no `{item}`"));
    let mut doc: Vec<&str> = lines[..at]
        .iter()
        .rev()
        .map(|l| l.trim_start())
        .take_while(|l| l.starts_with("///"))
        .map(|l| l.trim_start_matches('/').trim())
        .collect();
    doc.reverse();
    doc.join(" ")
}

/// The function names of a WIT interface.
fn wit_functions(interface: &str) -> BTreeSet<String> {
    let text = read(&format!("wit/{interface}.wit"));
    block(&text, &format!("interface {interface} "))
        .iter()
        .filter_map(|l| l.trim().split_once(": func"))
        .map(|(name, _)| name.trim().trim_start_matches('%').to_string())
        .collect()
}

/// The backticked words of a markdown cell, each cut at its first `(` or space.
fn ticked(cell: &str) -> BTreeSet<String> {
    cell.split('`').skip(1).step_by(2).map(|t| t.split(['(', ' ']).next().unwrap_or_default().to_string()).collect()
}

/// The rows of the markdown table under `heading`, as cells.
fn table(markdown: &str, heading: &str) -> Vec<Vec<String>> {
    markdown
        .lines()
        .skip_while(|l| l.trim() != heading)
        .skip(1)
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .map(|l| l.trim().trim_matches('|').split(" | ").map(|c| c.trim().to_string()).collect())
        .collect()
}

fn imported() -> impl Iterator<Item = &'static Capability> {
    CAPABILITIES.iter().filter(|c| c.interface != "types")
}

#[test]
fn the_linker_links_exactly_the_capabilities() {
    let linked: Vec<&str> = links::<crate::state::AppState>().iter().map(|(interface, _)| *interface).collect();
    let table: Vec<&str> = CAPABILITIES.iter().map(|c| c.interface).collect();
    assert_eq!(linked, table);
}

#[test]
fn the_world_imports_exactly_the_capabilities() {
    let worlds = read("wit/worlds.wit");
    let imports: BTreeSet<&str> = block(&worlds, "world app ")
        .iter()
        .filter_map(|l| l.trim().strip_prefix("import "))
        .map(|l| l.trim_end_matches(';').trim())
        .collect();
    let table: BTreeSet<&str> = imported().map(|c| c.interface).collect();
    assert_eq!(imports, table, "wit/worlds.wit imports vs CAPABILITIES");
}

#[test]
fn each_interface_states_its_permission() {
    for capability in CAPABILITIES {
        let text = read(&format!("wit/{}.wit", capability.interface));
        let doc = doc_above(&text, &format!("interface {} ", capability.interface));
        match capability.requirement {
            Requirement::Always if capability.interface == "types" => {}
            Requirement::Always => assert!(doc.contains("Always allowed"), "{}: {doc}", capability.interface),
            Requirement::Permission(p) => {
                assert!(doc.contains(&format!("Permission: `{p}`")), "{}: {doc}", capability.interface)
            }
        }
    }
    let commands = doc_above(&read("wit/commands.wit"), "interface commands ");
    assert!(commands.contains(&format!("`{COMMANDS_PERMISSION}`")), "{commands}");
}

#[test]
fn the_guide_lists_each_import_with_its_functions_and_permission() {
    let rows = table(&read("docs/apps.md"), "### Imports and their permissions");
    let documented: BTreeMap<String, (BTreeSet<String>, String)> =
        rows.iter().map(|r| (r[0].trim_matches('`').to_string(), (ticked(&r[1]), r[2].clone()))).collect();
    assert_eq!(
        documented.keys().map(String::as_str).collect::<BTreeSet<_>>(),
        imported().map(|c| c.interface).collect::<BTreeSet<_>>(),
        "docs/apps.md imports table vs CAPABILITIES"
    );
    for capability in imported() {
        let (functions, permission) = &documented[capability.interface];
        let wanted = match capability.requirement {
            Requirement::Always => "always allowed".to_string(),
            Requirement::Permission(p) => format!("`{p}`"),
        };
        assert_eq!(permission, &wanted, "docs/apps.md: permission of `{}`", capability.interface);
        assert_eq!(
            functions,
            &wit_functions(capability.interface),
            "docs/apps.md: functions of `{}`",
            capability.interface
        );
    }
}

#[test]
fn reserved_permissions_unlock_nothing_and_the_guide_says_so() {
    let rows = table(&read("docs/apps.md"), "### Permissions");
    let documented: BTreeMap<String, String> =
        rows.iter().map(|r| (r[0].trim_matches('`').to_string(), r[1].clone())).collect();
    assert_eq!(documented.len(), Permission::ALL.len(), "docs/apps.md lists every permission once");
    for permission in Permission::ALL {
        let unlocks: BTreeSet<String> = unlocked_by(*permission).map(String::from).collect();
        // Orbit's own permissions widen what others unlock; they gate no interface.
        let widens = permission.as_str().starts_with("orbit.");
        assert_eq!(permission.is_reserved() || widens, unlocks.is_empty(), "`{permission}` reserved?");
        let cell = documented.get(permission.as_str()).unwrap_or_else(|| panic!("docs/apps.md: no `{permission}`"));
        if permission.is_reserved() {
            assert_eq!(cell, "reserved", "docs/apps.md: `{permission}`");
        } else {
            assert_eq!(ticked(cell), unlocks, "docs/apps.md: what `{permission}` unlocks");
        }
    }
}
