//! Create Meters v1.1 jobs: a job, its provisional assets (one per submitted `CreateMeter`) and
//! the outcome of each asset, decided when the job completes.
//!
//! A job is accepted in PROCESSING with every asset PROCESSING; [`Job::complete`] then applies
//! the mock's business rules to each asset in order, creating or updating meters:
//!
//! 1. `VALIDATION_ERROR` (status FAILED) when the data breaks a rule the schema cannot express:
//!    the customer's state is outside the transmission region, or the utility does not serve it.
//!    `failed_fields` names each field.
//! 2. `DUPLICATE_METER` (status DUPLICATE) when the same `partner_reference` came earlier in the
//!    same job: it would be the same meter twice.
//! 3. With `update_existing=false`: `DUPLICATE_REF_ID` (DUPLICATE) when a meter already has the
//!    `partner_reference`; otherwise the meter is created (`METER_CREATED`, COMPLETED).
//! 4. With `update_existing=true`: `MULTIPLE_PARTNER_REFERENCE` when several meters share the
//!    reference, `METER_UPDATED` (COMPLETED) when one does, `METER_CREATED` when none does.
//!
//! The job ends COMPLETED (no asset failed), FAILED (none succeeded) or COMPLETED_WITH_ERRORS.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::enums::{
    CreatedBy, JobStatus, ProvisionalAssetStatus, StatusDetailName, TransmissionRegion, UtilityName,
};
use super::events::EventPayload;
use super::meter::{Meter, MeterData};
use crate::store::Meters;

/// `AssetUploadStatus.status_detail`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StatusDetail {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<StatusDetailName>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub failed_fields: BTreeMap<String, String>,
}

impl StatusDetail {
    fn new(name: Option<StatusDetailName>, description: impl Into<String>) -> Self {
        StatusDetail {
            name,
            description: Some(description.into()),
            failed_fields: BTreeMap::new(),
        }
    }
}

/// One submitted `CreateMeter` and what became of it (Leap's `ProvisionalAsset`).
#[derive(Debug, Clone, PartialEq)]
pub struct ProvisionalAsset {
    pub job_id: Uuid,
    pub partner_reference: String,
    pub status: ProvisionalAssetStatus,
    pub status_detail: StatusDetail,
    pub created_at: DateTime<Utc>,
    pub meter_id: Option<Uuid>,
    /// Shared: the list views hand it out without copying the submitted data.
    pub data: Arc<MeterData>,
}

impl ProvisionalAsset {
    /// Leap's `AssetUploadStatus` (the items of `JobAndAssets.assets`).
    pub fn upload_status(&self) -> serde_json::Value {
        let mut v = serde_json::json!({
            "partner_reference": self.partner_reference,
            "status": self.status,
            "status_detail": self.status_detail,
            "created_at": self.created_at,
        });
        if let Some(id) = self.meter_id {
            v["meter_id"] = serde_json::json!(id);
        }
        v
    }

    /// Leap's `ProvisionalAsset`: the upload status plus `job_id` and the submitted `data`.
    pub fn view(&self) -> serde_json::Value {
        let mut v = self.upload_status();
        v["job_id"] = serde_json::json!(self.job_id);
        v["data"] = serde_json::to_value(&*self.data).unwrap_or_default();
        v
    }

    /// Whether the asset counts as failed in the job's counts.
    fn failed(&self) -> bool {
        matches!(
            self.status,
            ProvisionalAssetStatus::Failed
                | ProvisionalAssetStatus::Duplicate
                | ProvisionalAssetStatus::MultiplePartnerReference
        )
    }
}

/// How a job's assets reached the mock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobSource {
    Json,
    Csv,
    /// `POST /v1.1/meters`: a one-asset job completed at once.
    Single,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub job_id: Uuid,
    pub status: JobStatus,
    pub file_name: Option<String>,
    pub update_existing: bool,
    pub source: JobSource,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub assets: Vec<ProvisionalAsset>,
    pub created_count: usize,
    pub updated_count: usize,
    pub failed_count: usize,
}

impl Job {
    /// A job accepted for processing. Without a `file_name`, a batch job is named
    /// `<job_id>.json` / `<job_id>.csv`, as Leap does.
    pub fn new(
        assets: Vec<MeterData>,
        source: JobSource,
        file_name: Option<String>,
        update_existing: bool,
        now: DateTime<Utc>,
    ) -> Job {
        let job_id = Uuid::new_v4();
        let file_name = file_name.or(match source {
            JobSource::Json => Some(format!("{job_id}.json")),
            JobSource::Csv => Some(format!("{job_id}.csv")),
            JobSource::Single => None,
        });
        let assets = assets
            .into_iter()
            .map(|data| ProvisionalAsset {
                job_id,
                partner_reference: data.partner_reference.clone(),
                status: ProvisionalAssetStatus::Processing,
                status_detail: StatusDetail::default(),
                created_at: now,
                meter_id: None,
                data: Arc::new(data),
            })
            .collect();
        Job {
            job_id,
            status: JobStatus::Processing,
            file_name,
            update_existing,
            source,
            created_at: now,
            updated_at: now,
            assets,
            created_count: 0,
            updated_count: 0,
            failed_count: 0,
        }
    }

    /// The distinct transmission regions of the job's assets, in first-seen order.
    pub fn transmission_regions(&self) -> Vec<TransmissionRegion> {
        let mut regions = Vec::new();
        for a in &self.assets {
            if !regions.contains(&a.data.transmission_region) {
                regions.push(a.data.transmission_region);
            }
        }
        regions
    }

    /// Decides every asset, creating and updating meters, and returns the `meter.created` events
    /// of the meters created (in asset order). Completing a job twice changes nothing.
    pub fn complete(&mut self, meters: &mut Meters, now: DateTime<Utc>) -> Vec<EventPayload> {
        if self.status != JobStatus::Processing {
            return Vec::new();
        }
        let mut events = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (index, asset) in self.assets.iter_mut().enumerate() {
            let data = asset.data.clone();
            let earlier = seen.get(&data.partner_reference).copied();
            seen.entry(data.partner_reference.clone()).or_insert(index);
            let failed_fields = business_problems(&data);
            let (status, detail, meter_id) = if !failed_fields.is_empty() {
                let mut detail = StatusDetail::new(
                    Some(StatusDetailName::ValidationError),
                    "The asset failed validation; see failed_fields.",
                );
                detail.failed_fields = failed_fields;
                (ProvisionalAssetStatus::Failed, detail, None)
            } else if let Some(earlier) = earlier {
                (
                    ProvisionalAssetStatus::Duplicate,
                    StatusDetail::new(
                        Some(StatusDetailName::DuplicateMeter),
                        format!(
                            "Partner reference {} already appears at index {earlier} of this job; a meter is created once.",
                            data.partner_reference
                        ),
                    ),
                    None,
                )
            } else {
                let existing: Vec<Uuid> = meters
                    .with_partner_reference(&data.partner_reference)
                    .iter()
                    .map(|m| m.meter_id)
                    .collect();
                match (self.update_existing, existing.as_slice()) {
                    (_, []) => {
                        let (meter, created) =
                            Meter::create((*data).clone(), CreatedBy::Partner, now);
                        let id = meter.meter_id;
                        meters.insert(meter);
                        events.extend(created);
                        (
                            ProvisionalAssetStatus::Completed,
                            StatusDetail::new(
                                Some(StatusDetailName::MeterCreated),
                                "A new meter was created.",
                            ),
                            Some(id),
                        )
                    }
                    (false, [id, ..]) => (
                        ProvisionalAssetStatus::Duplicate,
                        StatusDetail::new(
                            Some(StatusDetailName::DuplicateRefId),
                            format!(
                                "Partner reference ID found on meter ID {id}. A unique reference ID is required."
                            ),
                        ),
                        None,
                    ),
                    (true, [id]) => {
                        meters.update(id, |m| m.update_from((*data).clone(), now));
                        (
                            ProvisionalAssetStatus::Completed,
                            StatusDetail::new(
                                Some(StatusDetailName::MeterUpdated),
                                "The existing meter was updated.",
                            ),
                            Some(*id),
                        )
                    }
                    (true, ids) => (
                        ProvisionalAssetStatus::MultiplePartnerReference,
                        StatusDetail::new(
                            None,
                            format!(
                                "Partner reference {} is used by {} meters ({}); none was updated.",
                                data.partner_reference,
                                ids.len(),
                                ids.iter()
                                    .map(Uuid::to_string)
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        ),
                        None,
                    ),
                }
            };
            asset.status = status;
            asset.status_detail = detail;
            asset.meter_id = meter_id;
        }
        self.created_count = self
            .assets
            .iter()
            .filter(|a| a.status_detail.name == Some(StatusDetailName::MeterCreated))
            .count();
        self.updated_count = self
            .assets
            .iter()
            .filter(|a| a.status_detail.name == Some(StatusDetailName::MeterUpdated))
            .count();
        self.failed_count = self.assets.iter().filter(|a| a.failed()).count();
        self.status = if self.failed_count == 0 {
            JobStatus::Completed
        } else if self.failed_count == self.assets.len() {
            JobStatus::Failed
        } else {
            JobStatus::CompletedWithErrors
        };
        self.updated_at = now;
        events
    }

    /// Leap's `Job`.
    pub fn view(&self) -> serde_json::Value {
        let mut v = serde_json::json!({
            "job_id": self.job_id,
            "status": self.status,
            "assets_count": self.assets.len(),
            "assets_created_count": self.created_count,
            "assets_updated_count": self.updated_count,
            "assets_failed_count": self.failed_count,
            "transmission_regions": self.transmission_regions(),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        });
        if let Some(name) = &self.file_name {
            v["file_name"] = serde_json::json!(name);
        }
        v
    }

    /// Leap's `JobAndAssets`.
    pub fn view_with_assets(&self) -> serde_json::Value {
        let mut v = self.view();
        v["assets"] = self
            .assets
            .iter()
            .map(ProvisionalAsset::upload_status)
            .collect();
        v
    }
}

/// An org's jobs in submission order, with position keys for cursors.
#[derive(Debug, Default)]
pub struct Jobs {
    by_key: BTreeMap<u64, Job>,
    key_of: HashMap<Uuid, u64>,
    next_key: u64,
}

impl Jobs {
    pub fn insert(&mut self, job: Job) -> u64 {
        let key = self.next_key;
        self.next_key += 1;
        self.key_of.insert(job.job_id, key);
        self.by_key.insert(key, job);
        key
    }

    pub fn get(&self, id: &Uuid) -> Option<&Job> {
        self.key_of.get(id).and_then(|k| self.by_key.get(k))
    }

    pub fn get_mut(&mut self, id: &Uuid) -> Option<&mut Job> {
        let key = self.key_of.get(id)?;
        self.by_key.get_mut(key)
    }

    /// Jobs newest first, starting below `before` (exclusive) when given.
    pub fn newest_first(&self, before: Option<u64>) -> impl Iterator<Item = (u64, &Job)> {
        let end = before.unwrap_or(u64::MAX);
        self.by_key.range(..end).rev().map(|(k, j)| (*k, j))
    }

    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }
}

/// States (US) a transmission region covers — generous where an ISO straddles states, since
/// the mock should only fail data that is plainly inconsistent.
fn region_states(region: TransmissionRegion) -> &'static [&'static str] {
    use TransmissionRegion as R;
    match region {
        R::Caiso => &["CA", "NV"],
        R::Ercot => &["TX"],
        R::Nyiso => &["NY"],
        R::Isone => &["CT", "MA", "ME", "NH", "RI", "VT"],
        R::Pjm => &[
            "DC", "DE", "IL", "IN", "KY", "MD", "MI", "NC", "NJ", "OH", "PA", "TN", "VA", "WV",
        ],
        R::Serc => &[
            "AL", "AR", "FL", "GA", "KY", "LA", "MO", "MS", "NC", "SC", "TN", "TX", "VA",
        ],
        R::WeccSw => &["AZ", "CO", "NM", "NV", "TX"],
        R::WeccPc => &["CA", "ID", "MT", "OR", "UT", "WA", "WY"],
    }
}

/// The regions a utility serves (inferred from the utilities' identity; the enum has no region
/// attribute). `None` = generic or demo utilities, accepted in any region.
fn utility_regions(utility: UtilityName) -> Option<&'static [TransmissionRegion]> {
    use TransmissionRegion as R;
    use UtilityName as U;
    Some(match utility {
        U::Pge | U::Sce | U::Sdge | U::Smud | U::Ladwp | U::Svp | U::LeapTestCaiso => &[R::Caiso],
        U::Cecony | U::Oru | U::Psegli | U::Nys | U::LeapTestNyiso => &[R::Nyiso],
        U::Natgrid => &[R::Nyiso, R::Isone],
        U::Rie | U::Eversource | U::Unitil | U::Capelight | U::UnitedIlluminated => &[R::Isone],
        U::Comed
        | U::Bge
        | U::Peco
        | U::Meted
        | U::Penelec
        | U::Pseg
        | U::Dominion
        | U::Westpenn
        | U::Pennpower
        | U::Pepco
        | U::Ppl
        | U::PjmDemo => &[R::Pjm],
        U::Smt
        | U::AepCentral
        | U::AepNorth
        | U::NuecesElectric
        | U::Oncor
        | U::Centerpoint
        | U::EntergyGulf
        | U::Swepco
        | U::Tnmp => &[R::Ercot],
        U::Nes | U::Mlgw | U::Kub | U::Npu | U::Mtemc | U::Precc | U::Hsvu | U::Tva => &[R::Serc],
        U::Srp => &[R::WeccSw],
        U::Pse => &[R::WeccPc],
        U::Demo | U::Demo2 | U::Other | U::Uplight => return None,
    })
}

/// The mock's business rules (beyond the schema), as `failed_fields` (field -> why).
pub fn business_problems(data: &MeterData) -> BTreeMap<String, String> {
    let mut failed = BTreeMap::new();
    let region = data.transmission_region;
    let state = data.customer.state_or_province_code.to_ascii_uppercase();
    if data.customer.country_code.eq_ignore_ascii_case("US")
        && !region_states(region).contains(&state.as_str())
    {
        failed.insert(
            "customer.state_or_province_code".to_string(),
            format!(
                "{state} is not served by transmission region {region} (expected one of: {})",
                region_states(region).join(", ")
            ),
        );
    }
    if let Some(utility) = data.utility.as_ref().and_then(|u| u.utility_name) {
        if let Some(regions) = utility_regions(utility) {
            if !regions.contains(&region) {
                failed.insert(
                    "utility.utility_name".to_string(),
                    format!("{utility} does not serve transmission region {region}"),
                );
            }
        }
    }
    failed
}

/// Distinct values, for `filter` option lists.
pub fn distinct<T: Eq + std::hash::Hash + Copy>(items: impl Iterator<Item = T>) -> Vec<T> {
    let mut seen = HashSet::new();
    items.filter(|i| seen.insert(*i)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::enums::*;
    use crate::domain::meter::Customer;

    fn data(reference: &str, region: TransmissionRegion, state: &str) -> MeterData {
        MeterData {
            partner_reference: reference.into(),
            transmission_region: region,
            customer_classification: CustomerClassification::Residential,
            load_types: vec![LoadType::Hvac],
            meter_type: MeterType::UtilityMeter,
            customer: Customer {
                street_1: "1 Main St".into(),
                street_2: None,
                postal_code: "94105".into(),
                city: "San Francisco".into(),
                state_or_province_code: state.into(),
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
            customer_group: None,
        }
    }

    fn now() -> DateTime<Utc> {
        Utc::now()
    }

    #[test]
    fn decides_each_asset_and_counts() {
        let mut meters = Meters::default();
        let (existing, _) = Meter::create(
            data("taken-ref", TransmissionRegion::Caiso, "CA"),
            CreatedBy::Partner,
            now(),
        );
        meters.insert(existing);
        let mut job = Job::new(
            vec![
                data("new-ref", TransmissionRegion::Caiso, "CA"),
                data("new-ref", TransmissionRegion::Caiso, "CA"),
                data("taken-ref", TransmissionRegion::Caiso, "CA"),
                data("bad-state", TransmissionRegion::Nyiso, "CA"),
            ],
            JobSource::Json,
            None,
            false,
            now(),
        );
        let events = job.complete(&mut meters, now());
        assert_eq!(events.len(), 1);
        let names: Vec<_> = job
            .assets
            .iter()
            .map(|a| a.status_detail.name.map(|n| n.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                Some("METER_CREATED"),
                Some("DUPLICATE_METER"),
                Some("DUPLICATE_REF_ID"),
                Some("VALIDATION_ERROR")
            ]
        );
        assert_eq!(job.status, JobStatus::CompletedWithErrors);
        assert_eq!(
            (job.created_count, job.updated_count, job.failed_count),
            (1, 0, 3)
        );
        assert!(
            job.assets[3]
                .status_detail
                .failed_fields
                .contains_key("customer.state_or_province_code")
        );
        assert!(job.complete(&mut meters, now()).is_empty(), "idempotent");
        assert_eq!(meters.len(), 2);
    }

    #[test]
    fn update_existing_updates_one_and_refuses_several() {
        let mut meters = Meters::default();
        for _ in 0..2 {
            let (m, _) = Meter::create(
                data("shared-ref", TransmissionRegion::Caiso, "CA"),
                CreatedBy::Utility,
                now(),
            );
            meters.insert(m);
        }
        let (m, _) = Meter::create(
            data("single-ref", TransmissionRegion::Caiso, "CA"),
            CreatedBy::Partner,
            now(),
        );
        meters.insert(m);
        let mut job = Job::new(
            vec![
                data("shared-ref", TransmissionRegion::Caiso, "CA"),
                data("single-ref", TransmissionRegion::Caiso, "NV"),
            ],
            JobSource::Csv,
            Some("x.csv".into()),
            true,
            now(),
        );
        assert!(job.complete(&mut meters, now()).is_empty());
        assert_eq!(
            job.assets[0].status,
            ProvisionalAssetStatus::MultiplePartnerReference
        );
        assert_eq!(
            job.assets[1].status_detail.name,
            Some(StatusDetailName::MeterUpdated)
        );
        assert_eq!(job.status, JobStatus::CompletedWithErrors);
        let updated = meters.with_partner_reference("single-ref")[0];
        assert_eq!(updated.customer.state_or_province_code, "NV");
    }

    #[test]
    fn all_failed_is_failed_and_utilities_must_serve_the_region() {
        let mut d = data("pge-in-ny", TransmissionRegion::Nyiso, "NY");
        d.utility = Some(crate::domain::meter::UtilityBlock {
            utility_name: Some(UtilityName::Pge),
            ..Default::default()
        });
        let mut job = Job::new(vec![d], JobSource::Json, None, false, now());
        job.complete(&mut Meters::default(), now());
        assert_eq!(job.status, JobStatus::Failed);
        assert!(
            job.assets[0]
                .status_detail
                .failed_fields
                .contains_key("utility.utility_name")
        );
    }
}
