#!/usr/bin/env bash
# Start-up time and idle memory of the release binary (a measurement, not a test).
#
#   bench/startup.sh              # 11 starts
#   RUNS=21 bench/startup.sh
#
# Each run execs target/release/leap-mock with zero configuration (port 0 is not used: the port
# must be known to poll it, so a fixed free port is taken), polls GET /healthz every 0.5 ms until
# it answers 200, and records exec -> first 200. After the last run the server idles 2 s and its
# RSS is read from /proc. Prints min / median / max and the RSS. Needs python3.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-11}
PORT=${PORT:-18433}

echo "==> cargo build --release" >&2
cargo build --release --quiet --bin leap-mock

python3 - "$RUNS" "$PORT" <<'PY'
import os, statistics, subprocess, sys, time, urllib.request

runs, port = int(sys.argv[1]), int(sys.argv[2])
env = dict(os.environ, LEAP_MOCK__SERVER__HOST="127.0.0.1", LEAP_MOCK__SERVER__PORT=str(port),
           LEAP_MOCK__LOG__LEVEL="warn")
url = f"http://127.0.0.1:{port}/healthz"

def healthy():
    try:
        with urllib.request.urlopen(url, timeout=0.5) as r:
            return r.status == 200
    except OSError:
        return False

times, rss = [], None
for i in range(runs):
    start = time.perf_counter()
    proc = subprocess.Popen(["target/release/leap-mock"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not healthy():
        if proc.poll() is not None:
            sys.exit(f"leap-mock exited with {proc.returncode} before answering")
        if time.perf_counter() - start > 10:
            proc.kill()
            sys.exit("no 200 from /healthz within 10 s")
        time.sleep(0.0005)
    times.append((time.perf_counter() - start) * 1000)
    if i == runs - 1:
        time.sleep(2)
        with open(f"/proc/{proc.pid}/status") as f:
            rss = next(int(l.split()[1]) for l in f if l.startswith("VmRSS")) / 1024
    proc.terminate()
    proc.wait(timeout=15)

size = os.path.getsize("target/release/leap-mock") / 1e6
print(f"\nleap-mock release build ({size:.1f} MB), {runs} starts, exec -> first 200 from /healthz\n")
print("| measure | value |")
print("| --- | --- |")
print(f"| start-up min | {min(times):.1f} ms |")
print(f"| start-up median | {statistics.median(times):.1f} ms |")
print(f"| start-up max | {max(times):.1f} ms |")
print(f"| idle RSS (2 s after start) | {rss:.1f} MiB |")
PY
