#!/usr/bin/env bash
# Webhook delivery benchmark (not a test). Builds leap-mock in release mode, starts it, and runs
# examples/webhook_bench.rs: a fast local receiver subscribed SUBS times, EVENTS meter.created
# events fired through POST /v1.1/meters with CONCURRENCY requests in flight; prints
# deliveries/s and event-to-delivery latency p50/p99 (outbox commit -> first successful attempt,
# from the delivery log). RATE paces the events (events/s; 0 = as fast as possible, which
# saturates the dispatcher, so latency then measures queueing).
#
#   bench/webhooks.sh                       # defaults: EVENTS=2000 SUBS=4 CONCURRENCY=16 RATE=0
#   RATE=500 bench/webhooks.sh              # latency below saturation
#   EVENTS=5000 SUBS=8 bench/webhooks.sh
set -euo pipefail

EVENTS=${EVENTS:-2000}
SUBS=${SUBS:-4}
CONCURRENCY=${CONCURRENCY:-16}
RATE=${RATE:-0}
PORT=${PORT:-18080}
MAX_CONCURRENCY=${MAX_CONCURRENCY:-32}

cd "$(dirname "$0")/.."
cargo build --release --quiet --bin leap-mock --example webhook_bench

LEAP_MOCK__SERVER__HOST=127.0.0.1 \
LEAP_MOCK__SERVER__PORT="$PORT" \
LEAP_MOCK__LOG__LEVEL=warn \
LEAP_MOCK__WEBHOOKS__MAX_CONCURRENCY="$MAX_CONCURRENCY" \
LEAP_MOCK__WEBHOOKS__LOG_MAX_FINISHED=$((EVENTS * SUBS)) \
  target/release/leap-mock &
MOCK_PID=$!
trap 'kill "$MOCK_PID" 2>/dev/null || true; wait "$MOCK_PID" 2>/dev/null || true' EXIT

for _ in $(seq 1 100); do
  if target/release/leap-mock healthcheck --url "http://127.0.0.1:$PORT" >/dev/null 2>&1; then
    break
  fi
  sleep 0.1
done

echo "leap-mock $(target/release/leap-mock --version | awk '{print $2}') on $(nproc) cores;" \
  "webhooks.max_concurrency=$MAX_CONCURRENCY"
target/release/examples/webhook_bench \
  --url "http://127.0.0.1:$PORT" \
  --events "$EVENTS" \
  --subscriptions "$SUBS" \
  --concurrency "$CONCURRENCY" \
  --rate "$RATE"
