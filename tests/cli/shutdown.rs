//! Graceful shutdown of the real process on SIGTERM.

use std::io::{Read, Write};
use std::net::TcpStream;

use crate::helpers::{
    DEMO_KEY, PATIENCE, Server, leap_mock, poll, read_response, request_head, wait_for_exit,
};

#[test]
fn sigterm_stops_accepting_then_exits_0() {
    let mut cmd = leap_mock();
    cmd.env("LEAP_MOCK__SERVER__PORT", "0");
    let mut server = Server::start(cmd);
    assert_eq!(server.get("/healthz").status, 200);

    server.sigterm();
    let status = wait_for_exit(&mut server.child);
    assert_eq!(status.code(), Some(0), "{}", server.stderr());
    server.wait_for_log("leap-mock stopped");
    let stdout = server.stdout();
    let stopping = stdout
        .find("stopping background workers")
        .expect("workers stopped");
    let stopped = stdout.find("leap-mock stopped").expect("final line");
    assert!(
        stopping < stopped,
        "workers are stopped before the final line"
    );
    poll("the port to be closed", || {
        TcpStream::connect(("127.0.0.1", server.port))
            .is_err()
            .then_some(())
    });
}

#[test]
fn a_request_in_flight_at_sigterm_still_completes() {
    request_in_flight_completes_after("TERM");
}

#[test]
fn a_request_in_flight_at_ctrl_c_still_completes() {
    // actix-server's own handling made SIGINT a forced stop that cut the request off unanswered.
    request_in_flight_completes_after("INT");
}

/// A request half-sent when the signal arrives: new connections are refused at once, yet the
/// request gets its answer and the process then exits 0.
fn request_in_flight_completes_after(signal: &str) {
    let mut cmd = leap_mock();
    cmd.env("LEAP_MOCK__SERVER__PORT", "0");
    let mut server = Server::start(cmd);

    let body =
        br#"{"receiver_url": "https://example.com/hooks", "event_types": ["meter.created"]}"#;
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
    stream.set_read_timeout(Some(PATIENCE)).expect("timeout");
    let head = request_head(
        "POST",
        "/v1.1/webhooks",
        &[
            ("Authorization", &format!("Bearer {DEMO_KEY}")),
            ("Content-Type", "application/json"),
            // The interim 100 proves the server has parsed the request and is handling it.
            ("Expect", "100-continue"),
        ],
        body.len(),
    );
    stream.write_all(head.as_bytes()).expect("send head");
    let mut interim = [0u8; 25];
    stream.read_exact(&mut interim).expect("100 Continue");
    assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
    let (first, rest) = body.split_at(body.len() / 2);
    stream.write_all(first).expect("first half");

    server.signal(signal);
    poll("new connections to be refused", || {
        TcpStream::connect(("127.0.0.1", server.port))
            .is_err()
            .then_some(())
    });
    stream.write_all(rest).expect("second half");
    let resp = read_response(&mut stream).expect("a response");
    assert_eq!(resp.status, 200, "{}", resp.body);
    assert!(resp.json()["webhook_id"].is_string(), "{}", resp.body);

    let status = wait_for_exit(&mut server.child);
    assert_eq!(status.code(), Some(0));
    server.wait_for_log(&format!("SIG{signal} received"));
    server.wait_for_log("leap-mock stopped");
}
