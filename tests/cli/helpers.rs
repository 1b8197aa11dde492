//! Run the `leap-mock` binary: start it on port 0, learn the port from its banner, talk raw
//! HTTP/1.1 to it (no client library between the test and the bytes), stop it with signals.

#![allow(dead_code)] // each test module uses a different subset of the helpers

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub const DEMO_KEY: &str = "leap-mock-demo-key";

/// How long anything in these tests may take before it counts as hung (the debug binary on a busy
/// 2-core CI machine starts in well under a second; this only bounds failures).
pub const PATIENCE: Duration = Duration::from_secs(20);

/// The binary with no `LEAP_MOCK*` variables inherited from the developer's shell.
pub fn leap_mock() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_leap-mock"));
    for (name, _) in std::env::vars() {
        if name.starts_with("LEAP_MOCK") {
            cmd.env_remove(name);
        }
    }
    cmd.stdin(Stdio::null());
    cmd
}

/// A settings file in the temp dir, removed when dropped.
pub struct TempToml(pub PathBuf);

impl TempToml {
    pub fn new(contents: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("leap-mock-test-{}.toml", uuid::Uuid::new_v4()));
        std::fs::write(&path, contents).expect("write temp settings file");
        Self(path)
    }
}

impl Drop for TempToml {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Polls `check` every 20 ms until it returns `Some`, panicking with `what` after [`PATIENCE`].
pub fn poll<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits for a child to exit, killing it (and failing) if it takes longer than [`PATIENCE`].
pub fn wait_for_exit(child: &mut Child) -> ExitStatus {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            panic!("leap-mock did not exit within {PATIENCE:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs a command that must finish on its own: exit status, stdout, stderr.
pub fn run_to_end(mut cmd: Command) -> (ExitStatus, String, String) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn leap-mock");
    let (out, out_reader) = capture(child.stdout.take().expect("stdout"));
    let (err, err_reader) = capture(child.stderr.take().expect("stderr"));
    let status = wait_for_exit(&mut child);
    // The readers stop at EOF, which comes with the exit.
    let _ = (out_reader.join(), err_reader.join());
    let text = |buf: Arc<Mutex<String>>| buf.lock().expect("lock").clone();
    (status, text(out), text(err))
}

/// Copies a pipe into a shared string on a thread of its own, line by line.
fn capture(pipe: impl Read + Send + 'static) -> (Arc<Mutex<String>>, JoinHandle<()>) {
    let buf = Arc::new(Mutex::new(String::new()));
    let sink = buf.clone();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            let mut s = sink.lock().expect("lock");
            s.push_str(&line);
            s.push('\n');
        }
    });
    (buf, reader)
}

/// A running server process; killed when dropped if a test left it running.
pub struct Server {
    pub child: Child,
    pub port: u16,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
}

impl Server {
    /// Starts the binary (the caller sets the port, usually `LEAP_MOCK__SERVER__PORT=0`) and waits
    /// for the start-up banner.
    pub fn start(mut cmd: Command) -> Server {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn leap-mock");
        let (stdout, _) = capture(child.stdout.take().expect("stdout"));
        let (stderr, _) = capture(child.stderr.take().expect("stderr"));
        let mut server = Server {
            child,
            port: 0,
            stdout,
            stderr,
        };
        server.port = poll("the start-up banner", || {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!(
                    "leap-mock exited early ({status}): {}{}",
                    server.stdout(),
                    server.stderr()
                );
            }
            banner_port(&server.stdout())
        });
        server
    }

    pub fn stdout(&self) -> String {
        self.stdout.lock().expect("lock").clone()
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().expect("lock").clone()
    }

    /// Waits until stdout contains `needle` (a log line).
    pub fn wait_for_log(&self, needle: &str) {
        poll(&format!("log {needle:?}"), || {
            self.stdout().contains(needle).then_some(())
        });
    }

    pub fn address(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn get(&self, path: &str) -> Response {
        http(self.port, "GET", path, &[], b"").expect("server answers")
    }

    /// `kill -TERM <pid>`, as a container runtime or `systemctl stop` would send it.
    pub fn sigterm(&self) {
        self.signal("TERM");
    }

    /// `kill -<name> <pid>`, e.g. `INT` for Ctrl-C.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{name} failed");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The port in the banner line "leap-mock <version> listening on <host>:<port> (time_scale ..)".
fn banner_port(stdout: &str) -> Option<u16> {
    let start = stdout.find("leap-mock ")?;
    let rest = &stdout[start..];
    let rest = &rest[rest.find(" listening on ")? + " listening on ".len()..];
    let addr = rest.split_whitespace().next()?;
    addr.rsplit(':').next()?.parse().ok()
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("{}: body is not JSON ({e}): {}", self.status, self.body))
    }
}

/// One HTTP/1.1 request on a fresh connection (`Connection: close`); `None` if nobody answers.
pub fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Option<Response> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(PATIENCE)).ok()?;
    stream
        .write_all(request_head(method, path, headers, body.len()).as_bytes())
        .ok()?;
    stream.write_all(body).ok()?;
    read_response(&mut stream)
}

pub fn request_head(method: &str, path: &str, headers: &[(&str, &str)], len: usize) -> String {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if len > 0 || method != "GET" {
        head.push_str(&format!("Content-Length: {len}\r\n"));
    }
    head.push_str("\r\n");
    head
}

/// Reads a `Connection: close` response to EOF and parses it.
pub fn read_response(stream: &mut TcpStream) -> Option<Response> {
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).ok()?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let mut lines = head.lines();
    let status = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    Some(Response {
        status,
        headers,
        body: body.to_string(),
    })
}
