//! Webhook delivery benchmark driver (run by `bench/webhooks.sh`, not a test): starts a fast local
//! receiver, subscribes it to a running leap-mock several times, fires meter.created events
//! through `POST /v1.1/meters`, waits for every delivery, and prints deliveries/s plus
//! event-to-delivery latency percentiles taken from the mock's delivery log.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use actix_web::{App, HttpResponse, HttpServer, web};
use clap::Parser;
use futures_util::StreamExt;
use serde_json::{Value, json};

#[derive(Parser)]
struct Args {
    /// Base URL of a running leap-mock.
    #[arg(long, default_value = "http://127.0.0.1:18080")]
    url: String,
    #[arg(long, default_value = "leap-mock-demo-key")]
    key: String,
    /// Events (meters created).
    #[arg(long, default_value_t = 2000)]
    events: usize,
    /// Subscriptions to the receiver (deliveries = events x subscriptions).
    #[arg(long, default_value_t = 4)]
    subscriptions: usize,
    /// Concurrent create requests.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Events per second (0 = as fast as possible, which measures a saturated dispatcher).
    #[arg(long, default_value_t = 0)]
    rate: u64,
}

struct Received {
    count: AtomicUsize,
    last: std::sync::Mutex<Option<Instant>>,
}

async fn receive(state: web::Data<Received>, _body: web::Bytes) -> HttpResponse {
    state.count.fetch_add(1, Ordering::Relaxed);
    if let Ok(mut last) = state.last.lock() {
        *last = Some(Instant::now());
    }
    HttpResponse::NoContent().finish()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let received = web::Data::new(Received {
        count: AtomicUsize::new(0),
        last: std::sync::Mutex::new(None),
    });
    let state = received.clone();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .default_service(web::to(receive))
    })
    .workers(1)
    .bind(("127.0.0.1", 0))?;
    let port = server.addrs()[0].port();
    tokio::spawn(server.run());

    let client = reqwest::Client::new();
    for i in 0..args.subscriptions {
        let resp = client
            .post(format!("{}/v1.1/webhooks", args.url))
            .bearer_auth(&args.key)
            .json(
                &json!({"receiver_url": format!("http://127.0.0.1:{port}/hooks/{i}"),
                          "event_types": ["meter.created"]}),
            )
            .send()
            .await?;
        assert!(resp.status().is_success(), "subscribe: {}", resp.status());
    }
    let expected = args.events * args.subscriptions;

    let started = Instant::now();
    let rate = args.rate;
    let start = tokio::time::Instant::now();
    let creates = futures_util::stream::iter(0..args.events)
        .then(move |i| async move {
            // Event i is due at i / rate seconds; requests still overlap up to `concurrency`.
            if rate > 0 {
                tokio::time::sleep_until(start + Duration::from_secs_f64(i as f64 / rate as f64))
                    .await;
            }
            i
        })
        .map(|i| {
            let client = client.clone();
            let url = format!("{}/v1.1/meters", args.url);
            let key = args.key.clone();
            async move {
                let body = json!({"onboarding_token": "bench", "provisional_asset": {
                    "partner_reference": format!("bench-{i}-{}", uuid::Uuid::new_v4()),
                    "transmission_region": "CAISO", "customer_classification": "RESIDENTIAL",
                    "load_types": ["HVAC"], "meter_type": "UTILITY_METER",
                    "customer": {"street_1": "132 My Street", "postal_code": "94105",
                        "city": "San Francisco", "state_or_province_code": "CA", "country_code": "US"}}});
                client.post(url).bearer_auth(key).json(&body).send().await.map(|r| r.status())
            }
        })
        .buffer_unordered(args.concurrency);
    let statuses: Vec<_> = creates.collect().await;
    let fired = started.elapsed();
    let failed_creates = statuses
        .iter()
        .filter(|s| !matches!(s, Ok(code) if code.is_success()))
        .count();
    assert_eq!(failed_creates, 0, "some creates failed");

    let deadline = Instant::now() + Duration::from_secs(300);
    while received.count.load(Ordering::Relaxed) < expected {
        assert!(
            Instant::now() < deadline,
            "deliveries did not arrive in 5 minutes"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let last = received
        .last
        .lock()
        .ok()
        .and_then(|l| *l)
        .unwrap_or_else(Instant::now);
    let total = last - started;

    // Event-to-delivery latency, from the mock's own timestamps (commit -> first success).
    let mut latencies = Vec::with_capacity(expected);
    let mut token: Option<String> = None;
    loop {
        let mut url = format!(
            "{}/_mock/deliveries?status=succeeded&page_size=500",
            args.url
        );
        if let Some(t) = &token {
            url.push_str(&format!("&page_token={t}"));
        }
        let page: Value = client.get(url).send().await?.json().await?;
        for d in page["deliveries"].as_array().into_iter().flatten() {
            let at = |k: &str| {
                d[k].as_str()
                    .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
            };
            if let (Some(created), Some(delivered)) = (at("event_created_at"), at("delivered_at")) {
                latencies
                    .push((delivered - created).num_microseconds().unwrap_or(0) as f64 / 1000.0);
            }
        }
        match page["next_page_token"].as_str() {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
    }
    latencies.sort_by(|a, b| a.total_cmp(b));

    let received_n = received.count.load(Ordering::Relaxed);
    println!("| metric | value |");
    println!("| --- | --- |");
    println!("| events (meter.created) | {} |", args.events);
    println!("| subscriptions | {} |", args.subscriptions);
    println!("| deliveries received | {received_n} |");
    println!("| create concurrency | {} |", args.concurrency);
    let rate = if args.rate == 0 {
        "max".to_string()
    } else {
        format!("{}/s", args.rate)
    };
    println!("| target event rate | {rate} |");
    println!(
        "| events fired in | {:.2} s ({:.0} creates/s) |",
        fired.as_secs_f64(),
        args.events as f64 / fired.as_secs_f64()
    );
    println!(
        "| first create -> last delivery | {:.2} s |",
        total.as_secs_f64()
    );
    println!(
        "| deliveries/s | {:.0} |",
        received_n as f64 / total.as_secs_f64()
    );
    println!("| latency samples (log) | {} |", latencies.len());
    println!(
        "| event-to-delivery p50 | {:.2} ms |",
        percentile(&latencies, 50.0)
    );
    println!(
        "| event-to-delivery p99 | {:.2} ms |",
        percentile(&latencies, 99.0)
    );
    println!(
        "| event-to-delivery max | {:.2} ms |",
        latencies.last().copied().unwrap_or(f64::NAN)
    );
    Ok(())
}
