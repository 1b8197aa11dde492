//! Graceful shutdown of the real process on SIGTERM.

use std::net::TcpStream;

use crate::helpers::{Server, leap_mock, poll, wait_for_exit};

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
