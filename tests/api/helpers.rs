//! Test harness: start the real app on 127.0.0.1:0 with chosen settings and talk HTTP to it.

#![allow(dead_code)] // each test module uses a different subset of the helpers

use std::collections::HashMap;
use std::sync::Once;

use actix_web::dev::ServerHandle;
use leap_mock::Application;
use leap_mock::settings::Settings;
use serde_json::Value;

/// The demo org's key (present unless a test disables the demo org).
pub const DEMO_KEY: &str = "leap-mock-demo-key";

pub struct TestApp {
    /// `http://127.0.0.1:<port>`
    pub address: String,
    pub port: u16,
    pub client: reqwest::Client,
    handle: ServerHandle,
}

static LOGGING: Once = Once::new();

/// Logs go to the test output only when `TEST_LOG` is set (e.g. `TEST_LOG=debug cargo test`).
fn init_logging() {
    LOGGING.call_once(|| {
        if let Ok(level) = std::env::var("TEST_LOG") {
            let level = if level.is_empty() {
                "info".into()
            } else {
                level
            };
            leap_mock::telemetry::init(&leap_mock::settings::LogSettings {
                format: leap_mock::settings::LogFormat::Pretty,
                level,
            });
        }
    });
}

/// Settings as the binary would load them from the given env vars, on 127.0.0.1 port 0.
pub fn test_settings(env: &[(&str, &str)]) -> Settings {
    let mut map: HashMap<String, String> = HashMap::from([
        ("LEAP_MOCK__SERVER__HOST".into(), "127.0.0.1".into()),
        ("LEAP_MOCK__SERVER__PORT".into(), "0".into()),
        (
            "LEAP_MOCK__SERVER__SHUTDOWN_TIMEOUT_SECS".into(),
            "2".into(),
        ),
    ]);
    for (k, v) in env {
        map.insert((*k).to_string(), (*v).to_string());
    }
    Settings::load_from(None, map).expect("test settings are valid")
}

/// The app with default settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// The app with extra `LEAP_MOCK__*` settings, e.g. `&[("LEAP_MOCK__TIME_SCALE", "0.001")]`.
pub async fn spawn_app_with(env: &[(&str, &str)]) -> TestApp {
    spawn_settings(test_settings(env)).await
}

pub async fn spawn_settings(settings: Settings) -> TestApp {
    init_logging();
    // The test process keeps its signals: Ctrl-C stops `cargo test`, not the test servers.
    let app = Application::build_with(settings, false)
        .await
        .expect("app builds and binds");
    let port = app.port();
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        handle,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent")
    }

    /// GET with `Authorization: Bearer <key>`.
    pub async fn get_as(&self, key: &str, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(key)
            .send()
            .await
            .expect("request sent")
    }

    /// POST a JSON body with `Authorization: Bearer <key>`.
    pub async fn post_json_as(&self, key: &str, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .bearer_auth(key)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    /// Any request with `Authorization: Bearer <key>`.
    pub fn request_as(
        &self,
        method: reqwest::Method,
        key: &str,
        path: &str,
    ) -> reqwest::RequestBuilder {
        self.client.request(method, self.url(path)).bearer_auth(key)
    }

    /// Stops the server gracefully.
    pub async fn stop(&self) {
        self.handle.stop(true).await;
    }
}

/// The response body as JSON, with the status for context when it is not JSON.
pub async fn json(resp: reqwest::Response) -> Value {
    let status = resp.status();
    let text = resp.text().await.expect("body read");
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{status}: body is not JSON ({e}): {text}"))
}
