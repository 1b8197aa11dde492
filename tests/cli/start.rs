//! Zero-config start, the start-up banner, logs, and the `healthcheck` subcommand.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use crate::helpers::{DEMO_KEY, Server, leap_mock, run_to_end};

#[test]
fn zero_config_serves_healthz_and_prints_the_demo_org() {
    // No settings at all except port 0: the real default (8080) cannot be used by parallel tests.
    // That the defaults themselves are 0.0.0.0:8080 is checked in `tests/api/settings.rs`.
    let mut cmd = leap_mock();
    cmd.env("LEAP_MOCK__SERVER__PORT", "0");
    let server = Server::start(cmd);

    let resp = server.get("/healthz");
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json()["status"], "ok");

    let banner = server.stdout();
    let url = format!("http://localhost:{}", server.port);
    for expected in [
        format!("listening on 0.0.0.0:{}", server.port),
        format!("{url}   (stands in for https://api.staging.leap.energy)"),
        format!("{url}   (stands in for https://staging.addleap.com)"),
        format!("API key           {DEMO_KEY}"),
        format!("{url}/demo/staging-test-utility-caiso/getting-started?refId=my-ref-1"),
        format!("final redirect    {url}/_mock/redirect-landing"),
        format!("curl -H 'Authorization: Bearer {DEMO_KEY}' {url}/v1.1/webhooks"),
    ] {
        assert!(
            banner.contains(&expected),
            "banner lacks {expected:?}:\n{banner}"
        );
    }
    assert_eq!(server.stderr(), "", "nothing on stderr for a clean start");
}

#[test]
fn json_log_format_writes_one_object_per_line_with_the_request_span() {
    let mut cmd = leap_mock();
    cmd.env("LEAP_MOCK__SERVER__PORT", "0")
        .env("LEAP_MOCK__LOG__FORMAT", "json");
    let server = Server::start(cmd);
    let resp = crate::helpers::http(
        server.port,
        "GET",
        "/v1.1/webhooks/not-a-uuid",
        &[("x-request-id", "cli-json-log-1")],
        b"",
    )
    .expect("answer");
    assert_eq!(resp.status, 405);
    assert_eq!(resp.header("x-request-id"), Some("cli-json-log-1"));

    server.wait_for_log("cli-json-log-1");
    let stdout = server.stdout();
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let request = lines
        .iter()
        .find(|l| l["span"]["request_id"] == "cli-json-log-1")
        .expect("a log line for the request");
    assert_eq!(request["span"]["method"], "GET");
    assert_eq!(request["span"]["route"], "/v1.1/webhooks/{webhook_id}");
    assert_eq!(request["span"]["status"], 405);
    assert!(request["span"]["latency_ms"].is_number(), "{request}");
    assert!(
        lines
            .iter()
            .any(|l| l["message"].as_str().is_some_and(|m| m.contains(DEMO_KEY))),
        "the banner is one JSON message"
    );
}

#[test]
fn pretty_logs_carry_the_request_id_and_route() {
    let mut cmd = leap_mock();
    cmd.env("LEAP_MOCK__SERVER__PORT", "0");
    let server = Server::start(cmd);
    crate::helpers::http(
        server.port,
        "GET",
        "/v1.1/webhooks",
        &[("x-request-id", "pretty-1")],
        b"",
    )
    .expect("answer");
    server.wait_for_log("request_id=pretty-1");
    let line = server
        .stdout()
        .lines()
        .find(|l| l.contains("request_id=pretty-1"))
        .map(str::to_string)
        .expect("request line");
    for field in [
        "method=GET",
        "route=\"/v1.1/webhooks\"",
        "status=401",
        "latency_ms=",
    ] {
        assert!(line.contains(field), "{field} missing from {line}");
    }
}

#[test]
fn healthcheck_exits_0_against_a_live_server() {
    let mut cmd = leap_mock();
    cmd.env("LEAP_MOCK__SERVER__PORT", "0");
    let server = Server::start(cmd);

    let mut check = leap_mock();
    check.args(["healthcheck", "--url", &server.address()]);
    let (status, stdout, _) = run_to_end(check);
    assert_eq!(status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("/healthz"), "{stdout}");

    // Without --url it checks the configured port, as the container's HEALTHCHECK does.
    let mut check = leap_mock();
    check
        .arg("healthcheck")
        .env("LEAP_MOCK__SERVER__PORT", server.port.to_string());
    let (status, _, stderr) = run_to_end(check);
    assert_eq!(status.code(), Some(0), "{stderr}");
}

#[test]
fn healthcheck_without_url_checks_the_configured_host() {
    // Loopback addresses other than 127.0.0.1 (the old fixed target), IPv6 when this machine has it.
    let mut hosts = vec!["127.0.0.2"];
    if TcpListener::bind("[::1]:0").is_ok() {
        hosts.push("::1");
    }
    for host in hosts {
        let mut cmd = leap_mock();
        cmd.env("LEAP_MOCK__SERVER__PORT", "0")
            .env("LEAP_MOCK__SERVER__HOST", host);
        let server = Server::start(cmd);

        let mut check = leap_mock();
        check
            .arg("healthcheck")
            .env("LEAP_MOCK__SERVER__HOST", host)
            .env("LEAP_MOCK__SERVER__PORT", server.port.to_string());
        let (status, stdout, stderr) = run_to_end(check);
        assert_eq!(status.code(), Some(0), "{host}: {stdout}{stderr}");
        let url = match host {
            "::1" => format!("http://[::1]:{}/healthz", server.port),
            _ => format!("http://{host}:{}/healthz", server.port),
        };
        assert_eq!(stdout.trim(), format!("healthy: {url}"));
    }
}

#[test]
fn healthcheck_exits_1_against_a_dead_port() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    }; // closed again: nothing listens there now
    let mut check = leap_mock();
    check.args(["healthcheck", "--url", &format!("http://127.0.0.1:{port}")]);
    let (status, _, stderr) = run_to_end(check);
    assert_eq!(status.code(), Some(1));
    assert!(stderr.contains("unhealthy"), "{stderr}");
}

#[test]
fn healthcheck_gives_up_after_2_seconds_on_a_server_that_never_answers() {
    // The kernel completes the handshake for the backlog; nobody ever reads or replies.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let mut check = leap_mock();
    check.args([
        "healthcheck",
        "--url",
        &format!("http://127.0.0.1:{port}/healthz"),
    ]);
    let started = Instant::now();
    let (status, _, stderr) = run_to_end(check);
    let took = started.elapsed();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(
        took >= Duration::from_millis(1900),
        "gave up too early: {took:?}"
    );
    assert!(
        took < Duration::from_secs(5),
        "took {took:?}, promised ~2 s"
    );
    drop(listener);
}

#[test]
fn version_flag_prints_the_crate_version() {
    let mut cmd = leap_mock();
    cmd.arg("--version");
    let (status, stdout, _) = run_to_end(cmd);
    assert!(status.success());
    assert_eq!(
        stdout.trim(),
        format!("leap-mock {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn unknown_meter_search_fields_are_ignored_with_a_warning_naming_them_and_the_route() {
    let mut cmd = leap_mock();
    cmd.env("LEAP_MOCK__SERVER__PORT", "0");
    let server = Server::start(cmd);
    let auth = format!("Bearer {DEMO_KEY}");
    let search = |path: &str, request_id: &str, body: &str| {
        let resp = crate::helpers::http(
            server.port,
            "POST",
            path,
            &[
                ("Authorization", &auth),
                ("Content-Type", "application/json"),
                ("x-request-id", request_id),
            ],
            body.as_bytes(),
        )
        .expect("answer");
        // Leap's schema allows additional members: still a 200 with the (empty) result.
        assert_eq!(resp.status, 200, "{path}: {}", resp.body);
        assert_eq!(resp.json(), serde_json::json!({"meters": []}));
    };
    search(
        "/v2/meters/search",
        "typo-1",
        r#"{"transmision_region": "CAISO", "page_size": 10}"#,
    );
    search(
        "/v2/meters/enrollments/search",
        "typo-2",
        r#"{"exclude_archived": true, "global_status": ["ACTIVE"], "zzz": null}"#,
    );
    search(
        "/v2/meters/search",
        "no-typo",
        r#"{"transmission_region": "CAISO"}"#,
    );
    server.wait_for_log("request_id=no-typo");

    let stdout = server.stdout();
    let warning = |request_id: &str| {
        stdout
            .lines()
            .find(|l| l.contains("WARN") && l.contains(&format!("request_id={request_id}")))
            .map(str::to_string)
    };
    let line = warning("typo-1").unwrap_or_else(|| panic!("no warning for typo-1:\n{stdout}"));
    for expected in ["/v2/meters/search", "transmision_region"] {
        assert!(line.contains(expected), "{expected} missing from {line}");
    }
    assert!(
        !line.contains("page_size"),
        "a known field is named: {line}"
    );
    let line = warning("typo-2").unwrap_or_else(|| panic!("no warning for typo-2:\n{stdout}"));
    for expected in ["/v2/meters/enrollments/search", "global_status, zzz"] {
        assert!(line.contains(expected), "{expected} missing from {line}");
    }
    assert_eq!(warning("no-typo"), None, "known fields only: no warning");
}
