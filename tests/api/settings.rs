//! Settings in-process through `Settings::load_from`: the zero-config defaults and precedence
//! (embedded defaults < file < env). The binary's view of the same is in `tests/cli/settings.rs`.

use std::collections::HashMap;

use leap_mock::settings::{LogFormat, Settings};

use crate::helpers::{DEMO_KEY, json, spawn_settings};

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

struct TempToml(std::path::PathBuf);

impl TempToml {
    fn new(contents: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("leap-mock-test-{}.toml", uuid::Uuid::new_v4()));
        std::fs::write(&path, contents).unwrap();
        Self(path)
    }
}

impl Drop for TempToml {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn zero_config_defaults() {
    let s = Settings::load_from(None, HashMap::new()).unwrap();
    assert_eq!((s.server.host.as_str(), s.server.port), ("0.0.0.0", 8080));
    assert_eq!(s.public_url(8080), "http://localhost:8080");
    assert_eq!(s.log.format, LogFormat::Pretty);
    assert_eq!(s.log.level, "info");
    assert_eq!(s.time_scale, 1.0);
    assert_eq!(s.limits.max_body_bytes, 10 * 1024 * 1024);
    assert_eq!(s.admin.token, "");
    assert_eq!(s.orgs.keys().collect::<Vec<_>>(), ["demo"]);
    assert_eq!(s.orgs["demo"].api_key, DEMO_KEY);
    assert_eq!(s.orgs["demo"].redirect_url, "");
    assert_eq!(s.orgs["demo"].webhook_url, "");
}

#[test]
fn file_beats_defaults_and_env_beats_file() {
    let file = TempToml::new(
        r#"
time_scale = 0.01
[server]
port = 9000
public_url = "https://file.example/"
[log]
format = "json"
[orgs.acme]
api_key = "acme-from-file"
redirect_url = "https://acme.example/done"
"#,
    );
    let from_file = Settings::load_from(Some(&file.0), HashMap::new()).unwrap();
    assert_eq!(from_file.time_scale, 0.01);
    assert_eq!(from_file.server.port, 9000);
    assert_eq!(
        from_file.server.host, "0.0.0.0",
        "keys the file omits keep their default"
    );
    assert_eq!(
        from_file.public_url(9000),
        "https://file.example",
        "trailing slash trimmed"
    );
    assert_eq!(from_file.log.format, LogFormat::Json);
    assert_eq!(from_file.orgs["acme"].api_key, "acme-from-file");
    assert_eq!(
        from_file.orgs["demo"].api_key, DEMO_KEY,
        "the demo org stays"
    );

    let both = Settings::load_from(
        Some(&file.0),
        env(&[
            ("LEAP_MOCK__SERVER__PORT", "9100"),
            ("LEAP_MOCK__LOG__FORMAT", "pretty"),
            ("LEAP_MOCK__ORGS__ACME__API_KEY", "acme-from-env"),
            ("UNRELATED__SERVER__PORT", "1"),
        ]),
    )
    .unwrap();
    assert_eq!(both.server.port, 9100);
    assert_eq!(both.log.format, LogFormat::Pretty);
    assert_eq!(both.orgs["acme"].api_key, "acme-from-env");
    assert_eq!(
        both.orgs["acme"].redirect_url, "https://acme.example/done",
        "env overrides one key of a table, not the table"
    );
    assert_eq!(both.time_scale, 0.01);
}

#[tokio::test]
async fn orgs_from_env_authenticate_and_get_their_webhook_url_subscribed() {
    let settings = Settings::load_from(
        None,
        env(&[
            ("LEAP_MOCK__SERVER__HOST", "127.0.0.1"),
            ("LEAP_MOCK__SERVER__PORT", "0"),
            ("LEAP_MOCK__ORGS__ACME__API_KEY", "acme-secret"),
            (
                "LEAP_MOCK__ORGS__ACME__WEBHOOK_URL",
                "https://acme.example/hooks",
            ),
        ]),
    )
    .unwrap();
    let app = spawn_settings(settings).await;
    let resp = app.get_as("acme-secret", "/v1.1/webhooks").await;
    assert_eq!(resp.status(), 200);
    let body = json(resp).await;
    assert_eq!(
        body["webhooks"][0]["receiver_url"],
        "https://acme.example/hooks"
    );
    assert_eq!(app.get_as(DEMO_KEY, "/v1.1/webhooks").await.status(), 200);
}
