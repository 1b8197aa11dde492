#!/usr/bin/env bash
# Benchmark (not a test) of the REST API on a release build with 100,000 meters.
#
#   bench/api.sh                 # defaults: 100000 meters, 32 connections, 10 s per run
#   METERS=20000 DURATION=5 bench/api.sh
#
# Starts the server on 127.0.0.1 (time_scale small so batch jobs finish at once), loads the
# meters through the batch API (POST /v1.1/jobs/meters, 5,000 per job), then drives with wrk:
# GET /healthz (baseline), GET /v2/meters/{id} (random ids), POST /v2/meters/search (one filter,
# page_size 100). Prints req/s, p50, p99 and the server's RSS. Needs python3 and wrk (installed
# with apt-get when missing).
set -euo pipefail
cd "$(dirname "$0")/.."

METERS=${METERS:-100000}
BATCH=${BATCH:-5000}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
DURATION=${DURATION:-10}
PORT=${PORT:-18431}
KEY=leap-mock-demo-key
BASE="http://127.0.0.1:$PORT"

if ! command -v wrk >/dev/null; then
    echo "installing wrk" >&2
    apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi
command -v python3 >/dev/null || { echo "python3 is required" >&2; exit 1; }

echo "==> cargo build --release" >&2
cargo build --release --quiet

WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

echo "==> starting leap-mock on $BASE" >&2
LEAP_MOCK__SERVER__HOST=127.0.0.1 LEAP_MOCK__SERVER__PORT=$PORT LEAP_MOCK__TIME_SCALE=0.001 \
LEAP_MOCK__LOG__LEVEL=warn ./target/release/leap-mock >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
    curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -fsS "$BASE/healthz" >/dev/null || { cat "$WORK/server.log" >&2; exit 1; }

rss_mib() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$SERVER_PID/status"; }
echo "    RSS at start: $(rss_mib) MiB" >&2

echo "==> loading $METERS meters through the batch API ($BATCH per job)" >&2
load_start=$(date +%s.%N)
python3 - "$BASE" "$KEY" "$METERS" "$BATCH" "$WORK/ids.txt" <<'PY'
import json, sys, time, urllib.request

base, key, total, batch, ids_path = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
regions = [("CAISO", "CA"), ("NYISO", "NY"), ("PJM", "PA"), ("ERCOT", "TX"),
           ("ISONE", "MA"), ("SERC", "GA"), ("WECC_SW", "AZ"), ("WECC_PC", "OR")]

def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as resp:
        return json.load(resp)

jobs = []
for start in range(0, total, batch):
    assets = []
    for i in range(start, min(start + batch, total)):
        region, state = regions[i % len(regions)]
        assets.append({
            "partner_reference": f"bench-meter-{i:07d}", "transmission_region": region,
            "customer_classification": "RESIDENTIAL" if i % 3 else "COMMERCIAL",
            "load_types": ["HVAC", "BATTERY_STORAGE"] if i % 2 else ["EV_CHARGING"],
            "meter_type": "UTILITY_METER",
            "customer": {"street_1": f"{i} Main Street", "postal_code": "94105", "city": "Springfield",
                         "state_or_province_code": state, "country_code": "US",
                         "end_customer_name": f"Customer {i}", "end_customer_email": f"c{i}@example.com"},
            "device": {"device_type": "BATTERY", "device_serial_number": f"SN-{i:07d}",
                       "battery_power_capacity_kw": 5.0, "battery_energy_capacity_kwh": 13.5},
            "utility": {"electric_service_account_number": f"{i:010d}-001"},
        })
    jobs.append(call("POST", f"/v1.1/jobs/meters?file_name=bench-{start}.json", {"assets": assets})["job_id"])
for job in jobs:
    while True:
        status = call("GET", f"/v1.1/jobs/meters/{job}")
        if status["status"] != "PROCESSING":
            if status["status"] != "COMPLETED":
                sys.exit(f"job {job} ended {status['status']}")
            break
        time.sleep(0.05)
ids, token = [], None
while True:
    body = {"page_size": 500}
    if token:
        body["page_token"] = token
    page = call("POST", "/v2/meters/search", body)
    ids.extend(m["meter_id"] for m in page["meters"])
    token = page.get("next_page_token")
    if not token:
        break
if len(ids) != total:
    sys.exit(f"expected {total} meters, search paged through {len(ids)}")
with open(ids_path, "w") as f:
    f.write("\n".join(ids) + "\n")
PY
load_end=$(date +%s.%N)
load_secs=$(python3 -c "print(f'{$load_end - $load_start:.1f}')")
echo "    loaded and paged through $METERS meters in ${load_secs}s; RSS $(rss_mib) MiB" >&2

cat >"$WORK/get_meter.lua" <<LUA
local ids = {}
for line in io.lines("$WORK/ids.txt") do ids[#ids + 1] = line end
local counter = 0
function setup(thread) counter = counter + 1; thread:set("seed", counter) end
function init(args) math.randomseed(os.time() + (seed or 0)) end
request = function()
  return wrk.format("GET", "/v2/meters/" .. ids[math.random(#ids)], {["Authorization"] = "Bearer $KEY"})
end
LUA
cat >"$WORK/search.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"transmission_region": "NYISO", "page_size": 100}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $KEY"
LUA

# run NAME ARGS... -> "req/s p50 p99" from wrk --latency
run() {
    local out
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@")
    echo "$out" >>"$WORK/wrk.log"
    local rps p50 p99 non2xx
    rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
    p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
    if [ -n "$non2xx" ]; then echo "    warning: $non2xx non-2xx responses" >&2; fi
    echo "$rps $p50 $p99"
}

echo "==> wrk: $THREADS threads, $CONNECTIONS connections, ${DURATION}s each" >&2
health=$(run "$BASE/healthz")
get=$(run -s "$WORK/get_meter.lua" "$BASE")
search=$(run -s "$WORK/search.lua" "$BASE/v2/meters/search")
rss=$(rss_mib)

printf '\nleap-mock REST API, release build, %s meters, wrk %s connections, %ss per run\n\n' "$METERS" "$CONNECTIONS" "$DURATION"
printf '| %-52s | %10s | %9s | %9s |\n' "endpoint" "req/s" "p50" "p99"
printf '|%s|%s|%s|%s|\n' "------------------------------------------------------" "------------" "-----------" "-----------"
row() { read -r rps p50 p99 <<<"$2"; printf '| %-52s | %10s | %9s | %9s |\n' "$1" "$rps" "$p50" "$p99"; }
row 'GET /healthz (baseline)' "$health"
row 'GET /v2/meters/{id} (random id)' "$get"
row 'POST /v2/meters/search (region filter, page_size 100)' "$search"
printf '\nserver RSS after the runs: %s MiB (load + paging through all meters: %ss)\n' "$rss" "$load_secs"
