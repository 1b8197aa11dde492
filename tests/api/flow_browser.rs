//! A real browser (Debian's chromium, driven through chromedriver by fantoccini) walks the CAISO
//! success case from the getting-started link to the final-redirect landing page, and an error
//! case from a Connect flow's selector through Error and Confirm back to the selector. It saves a
//! screenshot of each page type to `target/screenshots/`, and to `docs/screenshots/` when
//! `UPDATE_SCREENSHOTS=1` is set or a file is missing there.
//!
//! chromium and chromedriver are installed with `scripts/install-browser-deps.sh` when missing.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use crate::flow_support::lines;
use crate::helpers::spawn_app_with;

const CHROMIUM: &str = "chromium";
const CHROMEDRIVER: &str = "chromedriver";

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// Paths of chromium and chromedriver, installing them first when missing.
fn browser_binaries() -> (PathBuf, PathBuf) {
    if let (Some(c), Some(d)) = (on_path(CHROMIUM), on_path(CHROMEDRIVER)) {
        return (c, d);
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/install-browser-deps.sh");
    eprintln!(
        "chromium/chromedriver missing: running {}",
        script.display()
    );
    let status = Command::new("bash").arg(&script).status();
    match (status, on_path(CHROMIUM), on_path(CHROMEDRIVER)) {
        (Ok(s), Some(c), Some(d)) if s.success() => (c, d),
        (status, _, _) => panic!(
            "the browser test needs chromium and chromedriver; {} could not install them ({status:?}). \
             Install them yourself (Debian: apt-get install chromium chromium-driver) and re-run.",
            script.display()
        ),
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// chromedriver on a port of its own; killed (by its handle) when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_driver(chromedriver: &Path) -> Driver {
    let port = free_port();
    let child = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .arg("--allowed-ips=127.0.0.1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let client = reqwest::Client::new();
    let start = Instant::now();
    loop {
        let ready = client
            .get(format!("{}/status", driver.url))
            .send()
            .await
            .ok()
            .filter(|r| r.status().is_success());
        if ready.is_some() {
            return driver;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "chromedriver did not answer on {}",
            driver.url
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn open_browser(driver: &Driver, chromium: &Path, profile: &Path) -> Client {
    // reqwest brings rustls' ring provider and fantoccini's hyper-rustls aws-lc-rs: name one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let caps: serde_json::Map<String, Value> = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium,
            // As root, Chromium needs --no-sandbox; the rest keeps it quiet, offline and fast.
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--disable-quic", "--hide-scrollbars",
                "--force-device-scale-factor=1", "--window-size=1000,800", "--lang=en-US",
                format!("--user-data-dir={}", profile.display()),
            ],
        },
    })
    .as_object()
    .cloned()
    .unwrap_or_default();
    ClientBuilder::rustls()
        .expect("rustls connector")
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a chromium session through chromedriver")
}

async fn wait_for_path(client: &Client, path_part: &str) -> url::Url {
    let start = Instant::now();
    loop {
        let url = client.current_url().await.expect("current url");
        if url.path().contains(path_part) {
            return url;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "browser did not reach {path_part}; it is at {url}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Finds `css` and reads its text. A page that is still loading after a navigation can replace
/// the element between the two calls (a stale element): then both are tried again, for up to 5 s.
async fn text_of(client: &Client, css: &str) -> String {
    let start = Instant::now();
    loop {
        let result = match client.find(Locator::Css(css)).await {
            Ok(element) => element.text().await,
            Err(e) => Err(e),
        };
        match result {
            Ok(text) => return text,
            Err(e) if start.elapsed() > Duration::from_secs(5) => panic!("text of {css}: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// Clicks `css`, retrying (for up to 5 s) when the element is missing or went stale because the
/// page was still loading; a click that failed did not happen, so a retry cannot click twice.
async fn click(client: &Client, css: &str) {
    let start = Instant::now();
    loop {
        let result = match client.find(Locator::Css(css)).await {
            Ok(element) => element.click().await.map(drop),
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => return,
            Err(e) if start.elapsed() > Duration::from_secs(5) => panic!("click {css}: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// Saves a whole-page screenshot at the given width.
async fn screenshot(client: &Client, name: &str, width: u32) {
    client.set_window_size(width, 800).await.expect("resize");
    // The window is taller than the page's viewport; grow it by the page's overflow.
    let sizes = client
        .execute(
            "return [document.documentElement.scrollHeight, window.innerHeight]",
            vec![],
        )
        .await
        .expect("page height");
    let dim = |i: usize| sizes[i].as_u64().unwrap_or(800) as u32;
    let height = (800 + dim(0).saturating_sub(dim(1))).clamp(400, 4000);
    client.set_window_size(width, height).await.expect("resize");
    let png = client.screenshot().await.expect("screenshot");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scratch = root.join("target/screenshots");
    std::fs::create_dir_all(&scratch).expect("target/screenshots");
    std::fs::write(scratch.join(name), &png).expect("screenshot written");
    let docs = root.join("docs/screenshots").join(name);
    let update = std::env::var("UPDATE_SCREENSHOTS").is_ok_and(|v| v == "1");
    if update || !docs.exists() {
        if let Some(dir) = docs.parent() {
            std::fs::create_dir_all(dir).expect("docs/screenshots");
        }
        std::fs::write(&docs, &png).expect("docs screenshot written");
    }
    client.set_window_size(1000, 800).await.expect("resize");
}

#[tokio::test]
async fn real_browser_walks_success_and_error_with_confirm() {
    let t0 = Instant::now();
    let (chromium, chromedriver) = browser_binaries();
    let app = spawn_app_with(&[("LEAP_MOCK__TIME_SCALE", "0.001")]).await;
    let driver = start_driver(&chromedriver).await;
    let profile = std::env::temp_dir().join(format!("leap-mock-chromium-{}", uuid::Uuid::new_v4()));
    eprintln!("driver up after {:?}", t0.elapsed());
    let client = open_browser(&driver, &chromium, &profile).await;
    eprintln!("browser up after {:?}", t0.elapsed());
    let base = format!("http://127.0.0.1:{}", app.port);

    // 1. CAISO success: getting-started link -> Send -> the partner's final redirect.
    client
        .goto(&format!(
            "{base}/demo/staging-test-utility-caiso/getting-started?refId=browser-ok-1&utm_source=browser-test"
        ))
        .await
        .expect("menu loads");
    assert_eq!(text_of(&client, "h1").await, "Staging Test Utility (CAISO)");
    screenshot(&client, "test-utility-menu.png", 1000).await;
    screenshot(&client, "test-utility-menu-phone.png", 390).await;
    click(&client, "label[for='tc-caiso_connect_auth_success']").await;
    click(&client, "form button[type=submit]").await;
    let landed = wait_for_path(&client, "/_mock/redirect-landing").await;
    let params: Vec<(String, String)> = landed.query_pairs().into_owned().collect();
    assert_eq!(
        params,
        [
            ("refId".to_string(), "browser-ok-1".to_string()),
            ("utm_source".to_string(), "browser-test".to_string()),
        ],
        "every original parameter and nothing else"
    );
    assert_eq!(text_of(&client, "#ref-id").await, "browser-ok-1");
    let table = text_of(&client, "table.params").await;
    assert!(
        table.contains("utm_source") && table.contains("browser-test"),
        "{table}"
    );
    screenshot(&client, "redirect-landing.png", 1000).await;

    eprintln!("success walked after {:?}", t0.elapsed());
    // 2. Error case from a flow's selector: Error page, Confirm, back at the selector.
    client
        .goto(&format!(
            "{base}/demo/ca-utilities/?refId=browser-err-1&requestedUtilities=PGE"
        ))
        .await
        .expect("selector loads");
    assert_eq!(text_of(&client, "h1").await, "Choose your utility");
    screenshot(&client, "utility-selector.png", 1000).await;
    click(&client, "label[for='u-LEAP_TEST_CAISO']").await;
    click(&client, "form button[type=submit]").await;
    wait_for_path(&client, "/staging-test-utility/getting-started").await;
    click(&client, "label[for='tc-caiso_connect_invalid_credentials']").await;
    click(&client, "form button[type=submit]").await;
    wait_for_path(&client, "/error/caiso_connect_invalid_credentials").await;
    assert_eq!(text_of(&client, "h1").await, "Error");
    assert!(
        text_of(&client, "[role=alert]")
            .await
            .contains("did not succeed")
    );
    screenshot(&client, "error.png", 1000).await;
    click(&client, "form button[type=submit]").await;
    let back = wait_for_path(&client, "/demo/ca-utilities/").await;
    assert_eq!(
        back.query(),
        Some("refId=browser-err-1&requestedUtilities=PGE")
    );
    assert_eq!(text_of(&client, "h1").await, "Choose your utility");

    eprintln!("error walked after {:?}", t0.elapsed());
    // 3. The other page types, for the screenshots.
    client
        .goto(&format!("{base}/demo/tx-address/?refId=browser-tx-1"))
        .await
        .expect("form loads");
    client
        .find(Locator::Id("street_1"))
        .await
        .expect("street field")
        .send_keys("Congress Ave")
        .await
        .expect("typing");
    client
        .find(Locator::Id("city"))
        .await
        .expect("city field")
        .send_keys("Austin")
        .await
        .expect("typing");
    client
        .find(Locator::Id("state"))
        .await
        .expect("state field")
        .send_keys("CA")
        .await
        .expect("typing");
    click(&client, "form button[type=submit]").await;
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(".field.invalid"))
        .await
        .expect("field errors shown");
    screenshot(&client, "address-form-errors.png", 1000).await;
    client
        .goto(&format!(
            "{base}/demo/pjm-utilities/pjm-demo/login?refId=browser-pjm-1"
        ))
        .await
        .expect("pjm login loads");
    screenshot(&client, "pjm-demo-login.png", 1000).await;
    client
        .goto(&format!("{base}/acme/ca-utilities/?refId=browser-404"))
        .await
        .expect("404 page loads");
    assert_eq!(text_of(&client, "h1").await, "Org not configured");
    screenshot(&client, "org-not-found.png", 1000).await;

    eprintln!("all pages after {:?}", t0.elapsed());
    client.close().await.expect("browser closes");
    drop(driver);
    let _ = std::fs::remove_dir_all(&profile);

    // What the browser did is what the APIs saw.
    let events = lines(&app, "demo").await;
    assert!(events.contains(&"session COMPLETED".to_string()));
    assert!(events.contains(&"authorization_updated LEAP_TEST_CAISO FAILED".to_string()));
}
