//! Property test: for random meters and random `MeterFilterRequest`s, paging the search to the
//! end returns exactly the meters a straightforward filter over all meters returns, in creation
//! order, without duplicates or gaps.
//!
//! It runs in-process on the domain and the store's `Meters` (not over HTTP): the filterable
//! state includes what only Leap sets (enrollment status, required actions, tags, archive,
//! Connect refIds), and hundreds of cases with dozens of meters each stay fast. The HTTP layer
//! on top (tokens, envelopes) is covered by the integration tests in `meters.rs`.

use chrono::{DateTime, Duration, Utc};
use leap_mock::domain::enrollment::RequiredAction;
use leap_mock::domain::enums::*;
use leap_mock::domain::meter::{Customer, Meter, MeterData};
use leap_mock::domain::search::{MeterFilterRequest, search};
use leap_mock::store::Meters;
use proptest::prelude::*;
use proptest::sample::subsequence;
use uuid::Uuid;

const REGIONS: &[TransmissionRegion] = TransmissionRegion::ALL;
const LOADS: &[LoadType] = &[LoadType::Hvac, LoadType::EvCharging, LoadType::Lighting];
const STATUSES: &[EnrollmentStatus] = EnrollmentStatus::ALL;
const ACTIONS: &[ActionType] = &[
    ActionType::IsAuthorized,
    ActionType::HasAmi,
    ActionType::DocumentsSigned,
];
const GROUPS: &[&str] = &["g1", "g2", "g3"];
const TAGS: &[&str] = &["t1", "t2", "t3"];
const REFS: &[&str] = &["ref-a", "ref-b", "ref-c"];

/// What varies between generated meters.
#[derive(Debug, Clone)]
struct MeterSpec {
    reference: u8,
    region: usize,
    commercial: bool,
    meter_type: usize,
    loads: Vec<LoadType>,
    group: Option<usize>,
    tags: Vec<&'static str>,
    archived: bool,
    connection_refs: Vec<&'static str>,
    status: usize,
    partner_actions: Vec<ActionType>,
    leap_actions: Vec<ActionType>,
    modified_after_secs: i64,
}

fn meter_spec() -> impl Strategy<Value = MeterSpec> {
    (
        (0u8..12, 0..REGIONS.len(), any::<bool>(), 0..3usize),
        (
            subsequence(LOADS, 1..=LOADS.len()),
            proptest::option::of(0..GROUPS.len()),
            subsequence(TAGS, 0..=TAGS.len()),
            any::<bool>(),
        ),
        (
            subsequence(REFS, 0..=REFS.len()),
            0..STATUSES.len(),
            subsequence(ACTIONS, 0..=2),
            subsequence(ACTIONS, 0..=2),
            0i64..50,
        ),
    )
        .prop_map(
            |(
                (reference, region, commercial, meter_type),
                (loads, group, tags, archived),
                (connection_refs, status, partner_actions, leap_actions, modified_after_secs),
            )| MeterSpec {
                reference,
                region,
                commercial,
                meter_type,
                loads,
                group,
                tags,
                archived,
                connection_refs,
                status,
                partner_actions,
                leap_actions,
                modified_after_secs,
            },
        )
}

fn base_time() -> DateTime<Utc> {
    DateTime::from_timestamp(1_730_000_000, 0).expect("valid time")
}

fn action(action_type: ActionType) -> RequiredAction {
    RequiredAction {
        program_identifier: Program::Cca,
        delivery_period: "CAISO-CCA_2024_NOV".into(),
        enrollment_deadline_date_time: base_time(),
        action_type,
        action_description: "do it".into(),
        action_code: "AUTH_0001".into(),
    }
}

/// Meter `i` is created at base + 10 i seconds (creation order = time order, as in the store).
fn build(i: usize, s: &MeterSpec) -> Meter {
    let created = base_time() + Duration::seconds(10 * i as i64);
    let data = MeterData {
        partner_reference: format!("meter-ref-{}", s.reference),
        transmission_region: REGIONS[s.region],
        customer_classification: if s.commercial {
            CustomerClassification::Commercial
        } else {
            CustomerClassification::Residential
        },
        load_types: s.loads.clone(),
        meter_type: MeterType::ALL[s.meter_type],
        customer: Customer {
            street_1: "1 Main St".into(),
            street_2: None,
            postal_code: "94105".into(),
            city: "San Francisco".into(),
            state_or_province_code: "CA".into(),
            country_code: "US".into(),
            end_customer_name: None,
            end_customer_title: None,
            end_customer_email: None,
            end_customer_phone_number: None,
            end_customer_company_name: None,
            partner_offering_name: None,
            partner_offering_date: None,
            is_in_wholesale_capacity_market: None,
            dispatch_option: None,
            billing: None,
            partner_customer_reference: None,
        },
        device: None,
        site: None,
        caiso: None,
        isone: None,
        nyiso: None,
        utility: None,
        customer_group: s.group.map(|g| GROUPS[g].to_string()),
    };
    let (mut m, _) = Meter::create(data, CreatedBy::Partner, created);
    m.tags = s.tags.iter().map(|t| t.to_string()).collect();
    m.is_archived = s.archived;
    m.connection_references = s.connection_refs.iter().map(|r| r.to_string()).collect();
    m.enrollment.global_enrollment_status = STATUSES[s.status];
    m.enrollment.required_actions.partner = s.partner_actions.iter().copied().map(action).collect();
    m.enrollment.required_actions.leap = s.leap_actions.iter().copied().map(action).collect();
    m.audit.updated_at = created + Duration::seconds(s.modified_after_secs);
    m
}

/// A random filter over the same value pools (each member present or not).
fn filter(ids: Vec<Uuid>) -> impl Strategy<Value = MeterFilterRequest> {
    let some_ids = if ids.is_empty() {
        Just(Vec::new()).boxed()
    } else {
        subsequence(ids.clone(), 0..=ids.len().min(6)).boxed()
    };
    let t = |secs: i64| base_time() + Duration::seconds(secs);
    (
        (
            1i64..8,
            proptest::option::of(0..REGIONS.len()),
            proptest::option::of(any::<bool>()),
            proptest::option::of((some_ids, any::<bool>())),
            proptest::option::of(subsequence((0u8..14).collect::<Vec<_>>(), 1..4)),
            proptest::option::of(subsequence(STATUSES, 1..3)),
        ),
        (
            proptest::option::of(subsequence(MeterType::ALL, 1..3)),
            proptest::option::of(subsequence(LOADS, 1..3)),
            proptest::option::of(subsequence(GROUPS, 1..3)),
            proptest::option::of(subsequence(TAGS, 1..3)),
            proptest::option::of(0i64..400),
            proptest::option::of(0i64..400),
        ),
        (
            proptest::option::of(0i64..400),
            proptest::option::of(any::<bool>()),
            proptest::option::of(any::<bool>()),
            proptest::option::of(subsequence(REFS, 1..3)),
            proptest::option::of(subsequence(ACTIONS, 1..3)),
        ),
    )
        .prop_map(
            move |(
                (page_size, region, commercial, ids, refs, statuses),
                (types, loads, groups, tags, modified, after),
                (before, partner_action, exclude_archived, connection_refs, actions),
            )| MeterFilterRequest {
                page_token: None,
                page_size: Some(page_size),
                transmission_region: region.map(|r| REGIONS[r]),
                customer_classification: commercial.map(|c| {
                    if c {
                        CustomerClassification::Commercial
                    } else {
                        CustomerClassification::Residential
                    }
                }),
                meter_ids: ids.map(|(mut ids, with_unknown)| {
                    if with_unknown {
                        ids.push(Uuid::new_v4());
                    }
                    ids
                }),
                partner_references: refs
                    .map(|r| r.into_iter().map(|n| format!("meter-ref-{n}")).collect()),
                global_enrollment_statuses: statuses,
                meter_types: types,
                load_types: loads,
                customer_groups: groups.map(|g| g.into_iter().map(String::from).collect()),
                tags: tags.map(|g| g.into_iter().map(String::from).collect()),
                last_modified_date_time: modified.map(t),
                created_after_date_time: after.map(t),
                created_before_date_time: before.map(t),
                partner_action_required: partner_action,
                exclude_archived,
                connection_reference_ids: connection_refs
                    .map(|g| g.into_iter().map(String::from).collect()),
                action_type: actions,
            },
        )
}

/// The straightforward reading of each filter member, written independently of the search.
fn naive_matches(f: &MeterFilterRequest, m: &Meter) -> bool {
    let any_of = |list: &Option<Vec<String>>, have: &[String]| {
        list.as_ref()
            .is_none_or(|l| l.is_empty() || have.iter().any(|h| l.contains(h)))
    };
    let e = &m.enrollment;
    let actions: Vec<ActionType> = e
        .required_actions
        .partner
        .iter()
        .chain(&e.required_actions.leap)
        .map(|a| a.action_type)
        .collect();
    f.transmission_region
        .is_none_or(|r| r == m.transmission_region)
        && f.customer_classification
            .is_none_or(|c| Some(c) == m.customer_classification)
        && f.meter_ids
            .as_ref()
            .is_none_or(|ids| ids.is_empty() || ids.contains(&m.meter_id))
        && any_of(&f.partner_references, m.partner_reference.as_slice())
        && f.global_enrollment_statuses
            .as_ref()
            .is_none_or(|s| s.contains(&e.global_enrollment_status))
        && f.meter_types
            .as_ref()
            .is_none_or(|t| t.contains(&m.meter_type))
        && f.load_types
            .as_ref()
            .is_none_or(|l| m.load_types.iter().any(|x| l.contains(x)))
        && any_of(&f.customer_groups, m.customer_group.as_slice())
        && any_of(&f.tags, &m.tags)
        && f.last_modified_date_time
            .is_none_or(|t| m.audit.updated_at > t)
        && f.created_after_date_time
            .is_none_or(|t| m.audit.created_at > t)
        && f.created_before_date_time
            .is_none_or(|t| m.audit.created_at < t)
        && (f.partner_action_required != Some(true) || !e.required_actions.partner.is_empty())
        && (f.exclude_archived != Some(true) || !m.is_archived)
        && any_of(&f.connection_reference_ids, &m.connection_references)
        && f.action_type
            .as_ref()
            .is_none_or(|want| actions.iter().any(|a| want.contains(a)))
}

/// Meters, plus a filter that may name some of their ids.
fn case() -> impl Strategy<Value = (Vec<Meter>, MeterFilterRequest)> {
    proptest::collection::vec(meter_spec(), 0..40).prop_flat_map(|specs| {
        let meters: Vec<Meter> = specs.iter().enumerate().map(|(i, s)| build(i, s)).collect();
        let ids = meters.iter().map(|m| m.meter_id).collect();
        (Just(meters), filter(ids))
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn paged_search_equals_a_plain_filter((meters, request) in case()) {
        let mut store = Meters::default();
        for m in &meters {
            store.insert(m.clone());
        }
        let expected: Vec<Uuid> = meters
            .iter()
            .filter(|m| naive_matches(&request, m))
            .map(|m| m.meter_id)
            .collect();

        let query = request
            .clone()
            .check(|t| t.parse().ok())
            .expect("generated filters respect the spec's limits");
        let mut query = query;
        let mut got = Vec::new();
        let mut pages = 0;
        loop {
            let page = search(&store, &query);
            pages += 1;
            prop_assert!(page.meters.len() <= query.page_size);
            got.extend(page.meters.iter().map(|m| m.meter_id));
            match page.next_after {
                Some(key) => {
                    // A next page is promised only when one more match exists.
                    prop_assert!(got.len() < expected.len(), "empty page promised");
                    query.after = Some(key);
                }
                None => break,
            }
            prop_assert!(pages <= meters.len() + 1, "paging does not end");
        }
        prop_assert_eq!(got, expected);
    }
}
