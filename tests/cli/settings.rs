//! Settings through the binary: file over defaults, env over file, and exit code 2 with the key
//! named on one stderr line for every kind of bad value.

use crate::helpers::{Server, TempToml, leap_mock, run_to_end};

/// A file that changes defaults; the env then overrides some of the same keys.
const FILE: &str = r#"
time_scale = 0.5

[server]
host = "127.0.0.1"
port = 0
public_url = "http://from-file.test"

[orgs.acme]
api_key = "file-acme-key"
"#;

fn assert_file_then_env_precedence(server: &Server) {
    let banner = server.stdout();
    // File over defaults: host, port 0 (the default is 8080), time_scale, the extra org.
    assert!(
        banner.contains(&format!(
            "listening on 127.0.0.1:{} (time_scale 0.5)",
            server.port
        )),
        "{banner}"
    );
    assert!(banner.contains("org \"acme\""), "{banner}");
    // Env over file.
    assert!(
        banner.contains("http://from-env.test/acme/staging-test-utility-caiso/getting-started"),
        "{banner}"
    );
    assert!(!banner.contains("from-file.test"), "{banner}");
    assert!(banner.contains("API key           env-…"), "{banner}");
    assert_eq!(server.get("/healthz").status, 200);
}

#[test]
fn config_flag_file_beats_defaults_and_env_beats_file() {
    let file = TempToml::new(FILE);
    let mut cmd = leap_mock();
    cmd.arg("--config")
        .arg(&file.0)
        .env("LEAP_MOCK__SERVER__PUBLIC_URL", "http://from-env.test")
        .env("LEAP_MOCK__ORGS__ACME__API_KEY", "env-acme-key");
    assert_file_then_env_precedence(&Server::start(cmd));
}

#[test]
fn config_file_can_be_named_by_env_var() {
    let file = TempToml::new(FILE);
    let mut cmd = leap_mock();
    cmd.env("LEAP_MOCK_CONFIG", &file.0)
        .env("LEAP_MOCK__SERVER__PUBLIC_URL", "http://from-env.test")
        .env("LEAP_MOCK__ORGS__ACME__API_KEY", "env-acme-key");
    assert_file_then_env_precedence(&Server::start(cmd));
}

/// Runs the binary with a bad setting; it must exit 2 without serving, with one stderr line
/// that names `key`. Returns that line and the settings file's path (empty without a file).
fn assert_rejected(env: &[(&str, &str)], file: Option<&str>, key: &str) -> (String, String) {
    let file = file.map(TempToml::new);
    let mut cmd = leap_mock();
    // Port 0 so that a setting wrongly accepted cannot collide on 8080 — unless the case is
    // about the port itself (env would win over the file's bad port).
    if file.is_none() || key != "server.port" {
        cmd.env("LEAP_MOCK__SERVER__PORT", "0");
    }
    cmd.envs(env.iter().copied());
    if let Some(file) = &file {
        cmd.arg("--config").arg(&file.0);
    }
    let (status, stdout, stderr) = run_to_end(cmd);
    let case = format!("{env:?} {file:?}", file = file.as_ref().map(|f| &f.0));
    assert_eq!(
        status.code(),
        Some(2),
        "{case}: stdout {stdout} stderr {stderr}"
    );
    assert_eq!(stdout, "", "{case}: nothing served, nothing logged");
    assert_eq!(
        stderr.lines().count(),
        1,
        "{case}: one line, got {stderr:?}"
    );
    assert!(
        stderr.contains(&format!("`{key}`")),
        "{case}: stderr should name `{key}`: {stderr}"
    );
    let path = file.as_ref().map(|f| f.0.display().to_string());
    (stderr, path.unwrap_or_default())
}

#[test]
fn a_bad_value_from_the_file_names_the_file_not_the_env_var() {
    for (toml, key) in [
        ("[server]\nport = \"abc\"\n", "server.port"), // a wrong type
        ("time_scale = -1.0\n", "time_scale"),         // a checked value
        ("[log]\nformt = \"json\"\n", "log.formt"),    // a misspelt key
        (
            "[orgs.demo]\nredirect_url = \"nope\"\n",
            "orgs.demo.redirect_url",
        ),
        (
            "[orgs.acme]\nredirect_url = \"https://acme.test/\"\n",
            "orgs.acme.api_key",
        ), // missing
    ] {
        let (stderr, path) = assert_rejected(&[], Some(toml), key);
        assert!(
            stderr.contains(&format!("`{key}` (file {path}): ")),
            "{toml:?}: {stderr}"
        );
        assert!(!stderr.contains("LEAP_MOCK__"), "{toml:?}: {stderr}");
    }
}

#[test]
fn a_bad_value_from_the_env_names_the_env_var_even_with_a_file() {
    // The file's valid value is overridden by the env's bad one: the env is to blame.
    let (stderr, _) = assert_rejected(
        &[("LEAP_MOCK__TIME_SCALE", "-1")],
        Some("time_scale = 0.5\n"),
        "time_scale",
    );
    assert!(
        stderr.contains("`time_scale` (env LEAP_MOCK__TIME_SCALE): "),
        "{stderr}"
    );
    let (stderr, _) = assert_rejected(&[("LEAP_MOCK__SERVER__PORT", "abc")], None, "server.port");
    assert!(
        stderr.contains("`server.port` (env LEAP_MOCK__SERVER__PORT): "),
        "{stderr}"
    );
}

#[test]
fn port_that_is_not_a_number_exits_2() {
    assert_rejected(&[("LEAP_MOCK__SERVER__PORT", "abc")], None, "server.port");
    assert_rejected(&[("LEAP_MOCK__SERVER__PORT", "70000")], None, "server.port");
    assert_rejected(&[], Some("[server]\nport = \"abc\"\n"), "server.port");
}

#[test]
fn time_scale_must_be_positive() {
    assert_rejected(&[("LEAP_MOCK__TIME_SCALE", "-1")], None, "time_scale");
    assert_rejected(&[("LEAP_MOCK__TIME_SCALE", "0")], None, "time_scale");
    assert_rejected(&[], Some("time_scale = -1.0\n"), "time_scale");
}

#[test]
fn typo_in_a_key_inside_a_known_section_exits_2() {
    assert_rejected(&[("LEAP_MOCK__SERVER__PROT", "9000")], None, "server.prot");
    assert_rejected(&[], Some("[log]\nformt = \"json\"\n"), "log.formt");
    assert_rejected(
        &[("LEAP_MOCK__ORGS__DEMO__APIKEY", "x")],
        None,
        "orgs.demo.apikey",
    );
    assert_rejected(&[("LEAP_MOCK__TIMESCALE", "1")], None, "timescale");
}

#[test]
fn unknown_log_format_exits_2() {
    assert_rejected(&[("LEAP_MOCK__LOG__FORMAT", "xml")], None, "log.format");
    assert_rejected(&[("LEAP_MOCK__LOG__LEVEL", "loud=[")], None, "log.level");
}

#[test]
fn bad_urls_exit_2() {
    assert_rejected(
        &[("LEAP_MOCK__SERVER__PUBLIC_URL", "localhost:8080")],
        None,
        "server.public_url",
    );
    assert_rejected(
        &[("LEAP_MOCK__ORGS__DEMO__REDIRECT_URL", "not a url")],
        None,
        "orgs.demo.redirect_url",
    );
    assert_rejected(
        &[("LEAP_MOCK__ORGS__DEMO__WEBHOOK_URL", "ftp://receiver.test/")],
        None,
        "orgs.demo.webhook_url",
    );
}

#[test]
fn an_org_without_an_api_key_exits_2() {
    assert_rejected(
        &[(
            "LEAP_MOCK__ORGS__ACME__REDIRECT_URL",
            "https://acme.test/done",
        )],
        None,
        "orgs.acme.api_key",
    );
}

#[test]
fn unreadable_settings_file_exits_2_on_one_line() {
    let mut cmd = leap_mock();
    cmd.args(["--config", "/nonexistent/leap-mock.toml"]);
    let (status, _, stderr) = run_to_end(cmd);
    assert_eq!(status.code(), Some(2));
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("/nonexistent/leap-mock.toml"), "{stderr}");

    let file = TempToml::new("[server\nport = 1\n");
    let mut cmd = leap_mock();
    cmd.arg("--config").arg(&file.0);
    let (status, _, stderr) = run_to_end(cmd);
    assert_eq!(status.code(), Some(2));
    assert_eq!(
        stderr.lines().count(),
        1,
        "TOML excerpt folded into one line: {stderr}"
    );
    assert!(stderr.contains("line 1, column 8"), "{stderr}");
}
