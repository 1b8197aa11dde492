//! Mock-only receiver faults (duplicates, reordering, delays), each visible in the delivery log.

use std::collections::HashMap;

use serde_json::Value;
use wiremock::ResponseTemplate;

use crate::helpers::{DEMO_KEY, spawn_app_with};
use crate::webhooks_support::{Receiver, create_meters, settled};

fn kinds(d: &Value) -> Vec<String> {
    d["faults"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn duplicates_are_sent_twice_and_linked_in_the_log() {
    let receiver = Receiver::ok().await;
    let app = spawn_app_with(&[
        ("LEAP_MOCK__WEBHOOKS__FAULTS__DUPLICATE_PROBABILITY", "1.0"),
        ("LEAP_MOCK__ORGS__DEMO__WEBHOOK_URL", &receiver.uri()),
    ])
    .await;
    create_meters(&app, DEMO_KEY, 2).await;
    let log = settled(&app, "", 4).await;
    receiver.wait_for(4).await;
    let mut per_event: HashMap<String, usize> = HashMap::new();
    for id in receiver.event_ids() {
        *per_event.entry(id).or_default() += 1;
    }
    assert_eq!(per_event.len(), 2);
    assert!(per_event.values().all(|n| *n == 2), "{per_event:?}");
    for d in &log {
        match kinds(d).as_slice() {
            [k] if k == "duplicated" => {
                let copy = &d["faults"][0]["duplicate_delivery_id"];
                let twin = log
                    .iter()
                    .find(|o| o["delivery_id"] == *copy)
                    .expect("the copy");
                assert_eq!(twin["faults"][0]["original_delivery_id"], d["delivery_id"]);
                assert_eq!(twin["webhook_event_id"], d["webhook_event_id"]);
            }
            [k] if k == "duplicate_of" => {}
            other => panic!("unexpected faults {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_waiting_batch_goes_out_in_reverse_order_and_says_so() {
    // A slow first answer lets later events queue up behind it in the subscription's lane.
    let receiver = Receiver::with(|n| {
        let slow = if n == 0 { 300 } else { 0 };
        ResponseTemplate::new(200).set_delay(std::time::Duration::from_millis(slow))
    })
    .await;
    let app = spawn_app_with(&[
        ("LEAP_MOCK__WEBHOOKS__FAULTS__REORDER_PROBABILITY", "1.0"),
        ("LEAP_MOCK__ORGS__DEMO__WEBHOOK_URL", &receiver.uri()),
    ])
    .await;
    let first = create_meters(&app, DEMO_KEY, 1).await;
    receiver.wait_for(1).await;
    let queued = create_meters(&app, DEMO_KEY, 3).await;
    settled(&app, "", 4).await;
    let order: Vec<String> = receiver
        .bodies()
        .iter()
        .map(|b| b["payload"]["meter_id"].as_str().unwrap().to_string())
        .collect();
    let expected: Vec<String> = first.iter().chain(queued.iter().rev()).cloned().collect();
    assert_eq!(
        order, expected,
        "the three queued events went out in reverse"
    );
    let log = settled(&app, "", 4).await;
    let reordered: Vec<&Value> = log.iter().filter(|d| kinds(d) == ["reordered"]).collect();
    assert_eq!(reordered.len(), 3);
    for d in reordered {
        let f = &d["faults"][0];
        assert_eq!(f["batch_size"], 3);
        assert_eq!(
            f["sent_position"].as_u64().unwrap() + f["outbox_position"].as_u64().unwrap(),
            2
        );
    }
}

#[tokio::test]
async fn random_delays_are_added_and_recorded() {
    let receiver = Receiver::ok().await;
    let app = spawn_app_with(&[
        ("LEAP_MOCK__TIME_SCALE", "0.01"),
        ("LEAP_MOCK__WEBHOOKS__FAULTS__DELAY_MIN", "5s"),
        ("LEAP_MOCK__WEBHOOKS__FAULTS__DELAY_MAX", "10s"),
        ("LEAP_MOCK__ORGS__DEMO__WEBHOOK_URL", &receiver.uri()),
    ])
    .await;
    create_meters(&app, DEMO_KEY, 1).await;
    let d = settled(&app, "", 1).await.remove(0);
    let fault = &d["faults"][0];
    assert_eq!(fault["kind"], "delayed");
    assert_eq!(fault["attempt"], 1);
    let leap_ms = fault["delay_ms"].as_u64().unwrap();
    assert!((5000..=10000).contains(&leap_ms), "{fault}");
    assert_eq!(fault["scaled_delay_ms"].as_u64().unwrap(), leap_ms / 100);
    let created =
        chrono::DateTime::parse_from_rfc3339(d["event_created_at"].as_str().unwrap()).unwrap();
    let delivered =
        chrono::DateTime::parse_from_rfc3339(d["delivered_at"].as_str().unwrap()).unwrap();
    assert!(
        (delivered - created).num_milliseconds() >= 50,
        "the delay was waited"
    );
}
