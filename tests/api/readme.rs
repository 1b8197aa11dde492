//! The README's settings table and `config/default.toml` (embedded as `DEFAULT_TOML`) list the
//! same keys, env names and defaults. A new setting fails this test until the README has a row.

use std::collections::BTreeMap;

use leap_mock::settings::{DEFAULT_TOML, env_name};

const README: &str = include_str!("../../README.md");

/// Every leaf key of the defaults with its default as the README shows it; the demo org's keys
/// stand for any org (`orgs.<name>.api_key`).
fn default_settings() -> BTreeMap<String, String> {
    fn walk(prefix: &str, table: &toml::Table, out: &mut BTreeMap<String, String>) {
        for (key, value) in table {
            let key = match prefix {
                "orgs" => "<name>".to_string(),
                _ => key.clone(),
            };
            let path = if prefix.is_empty() {
                key
            } else {
                format!("{prefix}.{key}")
            };
            match value {
                // An empty table (`flows = {}`) is a setting of its own, not a section.
                toml::Value::Table(inner) if inner.is_empty() && !prefix.is_empty() => {
                    out.insert(path, "{}".to_string());
                }
                toml::Value::Table(inner) => walk(&path, inner, out),
                toml::Value::String(s) if s.is_empty() => {
                    out.insert(path, "\"\"".to_string());
                }
                toml::Value::String(s) => {
                    out.insert(path, s.clone());
                }
                other => {
                    out.insert(path, other.to_string());
                }
            }
        }
    }
    let table: toml::Table = toml::from_str(DEFAULT_TOML).expect("default.toml parses");
    let mut out = BTreeMap::new();
    walk("", &table, &mut out);
    out
}

/// Rows of the table under `## Settings`: key -> (env cell, default cell), backticks removed
/// from the key and env cells.
fn readme_settings() -> BTreeMap<String, (String, String)> {
    let section = README
        .split("\n## Settings")
        .nth(1)
        .expect("README has a `## Settings` section");
    let section = section.split("\n## ").next().unwrap_or(section);
    section
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|row| {
            let cells: Vec<&str> = row.trim_matches('|').split('|').map(str::trim).collect();
            assert!(cells.len() >= 4, "settings row needs 4 cells: {row}");
            let unquote = |c: &str| c.trim_matches('`').to_string();
            (unquote(cells[0]), (unquote(cells[1]), cells[2].to_string()))
        })
        .collect()
}

#[test]
fn readme_settings_table_matches_default_toml() {
    let defaults = default_settings();
    let rows = readme_settings();
    let in_toml: Vec<&String> = defaults.keys().collect();
    let in_readme: Vec<&String> = rows.keys().collect();
    assert_eq!(
        in_toml, in_readme,
        "keys of config/default.toml (left) vs the README settings table (right)"
    );
    for (key, default) in &defaults {
        let (env, default_cell) = &rows[key];
        assert_eq!(env, &env_name(key), "env name of `{key}` in the README");
        assert!(
            default_cell.contains(&format!("`{default}`")),
            "README default of `{key}` should show `{default}`, has {default_cell:?}"
        );
    }
    assert!(defaults.contains_key("orgs.<name>.api_key"), "{defaults:?}");
}

#[test]
fn quickstart_is_two_commands_and_ci_runs_the_test_command() {
    let quickstart = README
        .split("\n## Quickstart")
        .nth(1)
        .expect("README has a Quickstart");
    let block = quickstart
        .split("```")
        .nth(1)
        .expect("Quickstart has a code block");
    let commands: Vec<&str> = block
        .lines()
        .skip(1) // the fence's language tag
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(commands, ["cargo run --release", "cargo test"]);
    let ci = include_str!("../../.ci/run");
    assert!(
        ci.lines().any(|l| l.trim() == "cargo test"),
        ".ci/run runs the README's test command"
    );
}
