//! Meters: the blocks Leap's Meter Details API returns (customer, device, site, region blocks,
//! utility, audit), the `CreateMeter` input partners send, and the two read views
//! (`MeterDetailsResponse`, `MeterEnrollmentResponse`).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::enrollment::{Enrollment, EnrollmentChange};
use super::enums::*;
use super::events::EventPayload;
use super::validate::Problems;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Billing {
    pub street_1: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street_2: Option<String>,
    pub postal_code: String,
    pub city: String,
    pub state_or_province_code: String,
    #[serde(default = "default_country")]
    pub country_code: String,
}

fn default_country() -> String {
    "US".to_string()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    pub street_1: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street_2: Option<String>,
    pub postal_code: String,
    pub city: String,
    pub state_or_province_code: String,
    #[serde(default = "default_country")]
    pub country_code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_customer_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_customer_title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_customer_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_customer_phone_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_customer_company_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_offering_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_offering_date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_in_wholesale_capacity_market: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispatch_option: Option<DispatchOption>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing: Option<Billing>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_customer_reference: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Device {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_type: Option<DeviceType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_serial_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_manufacturer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install_date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub battery_power_capacity_kw: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub battery_energy_capacity_kwh: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub battery_duration_hours: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permission_to_operate_date: Option<NaiveDate>,
    // Fields of the newer capture of Leap's spec (api-evangelist/leapfrog-power).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub battery_max_discharge_rate_kw: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub battery_max_charge_rate_kw: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub battery_max_state_of_charge_percentage: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub battery_min_state_of_charge_percentage: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_connected_to_solar: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceInfo {
    pub device_type: DeviceType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub energy_capacity_kwh: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power_capacity_kw: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub energy_capacity_duration_hours: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voltage_level: Option<VoltageLevel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_year: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fuel_type: Option<FuelType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_energy_production_rate_kw: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_energy_consumption_rate_kw: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub battery_max_state_of_charge_percentage: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub battery_min_state_of_charge_percentage: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pv_connected: Option<bool>,
    // Newer-capture names of three of the fields above.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub battery_max_discharge_rate_kw: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub battery_max_charge_rate_kw: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_connected_to_solar: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Site {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_zone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_of_devices: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_site_fossil_generator: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renewable_generator: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator_capacity_kw: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator_model_year: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator_manufacturer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator_fuel_type: Option<FuelType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator_serial_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_devices: Option<Vec<DeviceInfo>>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Caiso {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_receiving_sgip_funding: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nem_type: Option<NemType>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Isone {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_connected_solutions: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Nyiso {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cbl_method: Option<CblMethod>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_type: Option<CompanyType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing_nyiso_resource_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_nyiso_resource_name: Option<String>,
}

/// `CommonUtility` plus the two read-only `bill_*` numbers (`ReadUtility`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct UtilityBlock {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utility_name: Option<UtilityName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_serving_entity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub electric_service_account_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tariff: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voltage: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utility_meter_serial_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_service_agreement_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_customer_account_number: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Audit {
    pub created_by: CreatedBy,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Leap's `CreateMeter`: what a partner sends to create (or, with `update_existing`, update) a
/// meter. Unknown fields are ignored, as a lenient API would.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeterData {
    pub partner_reference: String,
    pub transmission_region: TransmissionRegion,
    pub customer_classification: CustomerClassification,
    pub load_types: Vec<LoadType>,
    pub meter_type: MeterType,
    pub customer: Customer,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<Device>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<Site>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caiso: Option<Caiso>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isone: Option<Isone>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nyiso: Option<Nyiso>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utility: Option<UtilityBlock>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_group: Option<String>,
}

impl Customer {
    pub fn validate(&self, prefix: &str, p: &mut Problems) {
        let f = |name: &str| Problems::path(prefix, name);
        for (name, value) in [
            ("street_1", Some(&self.street_1)),
            ("street_2", self.street_2.as_ref()),
        ] {
            if let Some(v) = value {
                p.len_between(&f(name), v, 1, 128);
                p.text_charset(&f(name), v, true);
            }
        }
        p.postal_code(&f("postal_code"), &self.postal_code);
        p.len_between(&f("city"), &self.city, 1, 128);
        p.text_charset(&f("city"), &self.city, false);
        p.len_between(
            &f("state_or_province_code"),
            &self.state_or_province_code,
            2,
            2,
        );
        p.len_between(&f("country_code"), &self.country_code, 2, 2);
        if let Some(name) = &self.end_customer_name {
            p.len_between(&f("end_customer_name"), name, 1, 128);
            if name.contains(['\u{00A0}', '\u{FFFD}', '?']) {
                p.push(
                    f("end_customer_name"),
                    "must not contain '?', U+00A0 or U+FFFD",
                );
            }
        }
        if let Some(title) = &self.end_customer_title {
            p.len_between(&f("end_customer_title"), title, 1, 15);
            p.text_charset(&f("end_customer_title"), title, false);
        }
        if let Some(email) = &self.end_customer_email {
            p.len_between(&f("end_customer_email"), email, 3, 128);
            let valid = email
                .split_once('@')
                .is_some_and(|(a, b)| !a.is_empty() && b.contains('.') && !b.starts_with('.'));
            if !valid {
                p.push(f("end_customer_email"), "must be an email address");
            }
        }
        p.opt_len(
            &f("end_customer_phone_number"),
            &self.end_customer_phone_number,
            3,
            32,
        );
        if let Some(company) = &self.end_customer_company_name {
            p.len_between(&f("end_customer_company_name"), company, 1, 128);
            p.text_charset(&f("end_customer_company_name"), company, false);
        }
        p.opt_len(
            &f("partner_offering_name"),
            &self.partner_offering_name,
            1,
            128,
        );
        if let Some(reference) = &self.partner_customer_reference {
            p.partner_reference(&f("partner_customer_reference"), reference);
        }
        if let Some(b) = &self.billing {
            let bf = |name: &str| Problems::path(&f("billing"), name);
            for (name, value) in [
                ("street_1", Some(&b.street_1)),
                ("street_2", b.street_2.as_ref()),
            ] {
                if let Some(v) = value {
                    p.len_between(&bf(name), v, 1, 128);
                    p.text_charset(&bf(name), v, true);
                }
            }
            p.postal_code(&bf("postal_code"), &b.postal_code);
            p.len_between(&bf("city"), &b.city, 1, 128);
            p.text_charset(&bf("city"), &b.city, false);
            p.len_between(
                &bf("state_or_province_code"),
                &b.state_or_province_code,
                2,
                2,
            );
            p.len_between(&bf("country_code"), &b.country_code, 2, 2);
        }
    }
}

impl Device {
    pub fn validate(&self, prefix: &str, p: &mut Problems) {
        let f = |name: &str| Problems::path(prefix, name);
        p.opt_len(
            &f("device_serial_number"),
            &self.device_serial_number,
            1,
            256,
        );
        p.opt_len(&f("device_model"), &self.device_model, 1, 128);
        p.opt_len(&f("device_manufacturer"), &self.device_manufacturer, 1, 128);
        p.range(
            &f("battery_power_capacity_kw"),
            self.battery_power_capacity_kw,
            0.0,
            999_999.0,
        );
        p.range(
            &f("battery_energy_capacity_kwh"),
            self.battery_energy_capacity_kwh,
            0.0,
            999_999.0,
        );
        p.int_range(
            &f("battery_duration_hours"),
            self.battery_duration_hours,
            0,
            100,
        );
        p.range(
            &f("battery_max_discharge_rate_kw"),
            self.battery_max_discharge_rate_kw,
            0.0,
            999_999.0,
        );
        p.range(
            &f("battery_max_charge_rate_kw"),
            self.battery_max_charge_rate_kw,
            0.0,
            999_999.0,
        );
        p.range(
            &f("battery_max_state_of_charge_percentage"),
            self.battery_max_state_of_charge_percentage,
            2.0,
            100.0,
        );
        p.range(
            &f("battery_min_state_of_charge_percentage"),
            self.battery_min_state_of_charge_percentage,
            0.0,
            100.0,
        );
        p.opt_len(&f("installer"), &self.installer, 1, 256);
    }
}

impl DeviceInfo {
    pub fn validate(&self, prefix: &str, p: &mut Problems) {
        let f = |name: &str| Problems::path(prefix, name);
        p.opt_len(&f("model"), &self.model, 1, 128);
        p.opt_len(&f("manufacturer"), &self.manufacturer, 1, 128);
        p.opt_len(&f("serial_number"), &self.serial_number, 1, 256);
        p.range(
            &f("energy_capacity_kwh"),
            self.energy_capacity_kwh,
            0.0,
            999_999.0,
        );
        p.range(
            &f("power_capacity_kw"),
            self.power_capacity_kw,
            0.0,
            999_999.0,
        );
        p.int_range(
            &f("energy_capacity_duration_hours"),
            self.energy_capacity_duration_hours,
            0,
            100,
        );
        p.int_range(&f("model_year"), self.model_year, 1900, 2100);
        p.range(
            &f("max_energy_production_rate_kw"),
            self.max_energy_production_rate_kw,
            0.0,
            999_999.0,
        );
        p.range(
            &f("max_energy_consumption_rate_kw"),
            self.max_energy_consumption_rate_kw,
            0.0,
            999_999.0,
        );
        p.range(
            &f("battery_max_discharge_rate_kw"),
            self.battery_max_discharge_rate_kw,
            0.0,
            999_999.0,
        );
        p.range(
            &f("battery_max_charge_rate_kw"),
            self.battery_max_charge_rate_kw,
            0.0,
            999_999.0,
        );
        p.range(
            &f("battery_max_state_of_charge_percentage"),
            self.battery_max_state_of_charge_percentage,
            2.0,
            100.0,
        );
        p.range(
            &f("battery_min_state_of_charge_percentage"),
            self.battery_min_state_of_charge_percentage,
            0.0,
            100.0,
        );
        p.opt_len(&f("installer"), &self.installer, 1, 256);
    }
}

impl Site {
    pub fn validate(&self, prefix: &str, p: &mut Problems) {
        let f = |name: &str| Problems::path(prefix, name);
        p.opt_len(&f("load_zone"), &self.load_zone, 1, 128);
        p.int_range(&f("number_of_devices"), self.number_of_devices, 0, 99);
        p.range(
            &f("generator_capacity_kw"),
            self.generator_capacity_kw,
            0.0,
            999_999.0,
        );
        p.int_range(
            &f("generator_model_year"),
            self.generator_model_year,
            1900,
            2100,
        );
        p.opt_len(
            &f("generator_manufacturer"),
            &self.generator_manufacturer,
            1,
            128,
        );
        p.opt_len(
            &f("generator_serial_number"),
            &self.generator_serial_number,
            1,
            256,
        );
        for (i, d) in self.site_devices.iter().flatten().enumerate() {
            d.validate(&format!("{}[{i}]", f("site_devices")), p);
        }
    }
}

impl UtilityBlock {
    pub fn validate(&self, prefix: &str, p: &mut Problems) {
        let f = |name: &str| Problems::path(prefix, name);
        p.opt_len(&f("load_serving_entity"), &self.load_serving_entity, 1, 128);
        p.opt_len(
            &f("electric_service_account_number"),
            &self.electric_service_account_number,
            1,
            128,
        );
        p.opt_len(&f("tariff"), &self.tariff, 1, 128);
        p.opt_len(&f("voltage"), &self.voltage, 1, 128);
        p.opt_len(
            &f("utility_meter_serial_number"),
            &self.utility_meter_serial_number,
            1,
            256,
        );
    }
}

/// Leap's `customer_group` pattern: up to 128 of letters (incl. Latin accents), digits,
/// whitespace and `’'+#"@()/&.,;_-`.
pub fn check_customer_group(field: &str, value: &str, p: &mut Problems) {
    p.len_between(field, value, 0, 128);
    let ok = value.chars().all(|c| {
        c.is_ascii_alphanumeric()
            || c.is_whitespace()
            || "’'+#\"@()/&.,;_-".contains(c)
            || ('\u{00C0}'..='\u{024F}').contains(&c)
            || ('\u{1E00}'..='\u{1EFF}').contains(&c)
    });
    if !ok {
        p.push(
            field,
            "contains characters Leap does not accept in a customer group",
        );
    }
}

impl MeterData {
    /// Every check of Leap's `CreateMeter` schema that serde's types do not already make.
    /// `prefix` is prepended to field names (e.g. `provisional_asset`).
    pub fn validate(&self, prefix: &str) -> Result<(), Problems> {
        let mut p = Problems::default();
        let f = |name: &str| Problems::path(prefix, name);
        p.partner_reference(&f("partner_reference"), &self.partner_reference);
        if self.load_types.is_empty() {
            p.push(f("load_types"), "must list at least one load type");
        }
        self.customer.validate(&f("customer"), &mut p);
        if let Some(d) = &self.device {
            d.validate(&f("device"), &mut p);
        }
        if let Some(s) = &self.site {
            s.validate(&f("site"), &mut p);
        }
        if let Some(u) = &self.utility {
            u.validate(&f("utility"), &mut p);
        }
        if let Some(g) = &self.customer_group {
            check_customer_group(&f("customer_group"), g, &mut p);
        }
        p.into_result()
    }
}

/// A meter as Leap stores it: identifiers, the data blocks, audit and enrollment.
#[derive(Debug, Clone, PartialEq)]
pub struct Meter {
    pub meter_id: Uuid,
    pub partner_reference: Option<String>,
    pub transmission_region: TransmissionRegion,
    pub customer_classification: Option<CustomerClassification>,
    pub load_types: Vec<LoadType>,
    pub meter_type: MeterType,
    pub connection_references: Vec<String>,
    pub customer_group: Option<String>,
    pub tags: Vec<String>,
    pub is_archived: bool,
    pub customer: Customer,
    pub device: Option<Device>,
    pub site: Option<Site>,
    pub caiso: Option<Caiso>,
    pub isone: Option<Isone>,
    pub nyiso: Option<Nyiso>,
    pub utility: Option<UtilityBlock>,
    pub audit: Audit,
    pub enrollment: Enrollment,
}

impl Meter {
    /// A meter from partner data (Create Meters API): `created_by = PARTNER`, enrollment
    /// PENDING with nothing else yet. Emits `meter.created`.
    pub fn create(
        data: MeterData,
        created_by: CreatedBy,
        now: DateTime<Utc>,
    ) -> (Meter, Vec<EventPayload>) {
        let mut utility = data.utility;
        if let Some(u) = utility.as_mut() {
            // Read-only numbers from the bill; CreateMeter does not carry them.
            u.bill_service_agreement_number = None;
            u.bill_customer_account_number = None;
        }
        let meter = Meter {
            meter_id: Uuid::new_v4(),
            partner_reference: Some(data.partner_reference),
            transmission_region: data.transmission_region,
            customer_classification: Some(data.customer_classification),
            load_types: data.load_types,
            meter_type: data.meter_type,
            connection_references: Vec::new(),
            customer_group: data.customer_group.filter(|g| !g.is_empty()),
            tags: Vec::new(),
            is_archived: false,
            customer: data.customer,
            device: data.device,
            site: data.site,
            caiso: data.caiso,
            isone: data.isone,
            nyiso: data.nyiso,
            utility,
            audit: Audit {
                created_by,
                created_at: now,
                updated_at: now,
            },
            enrollment: Enrollment::new_pending(),
        };
        let event = meter.created_event();
        (meter, vec![event])
    }

    /// Overwrites the partner-supplied blocks (`update_existing=true`). Leap sends no webhook for
    /// a data update, so none is returned.
    pub fn update_from(&mut self, data: MeterData, now: DateTime<Utc>) {
        let mut utility = data.utility;
        let bills = self.utility.as_ref().map(|u| {
            (
                u.bill_service_agreement_number.clone(),
                u.bill_customer_account_number.clone(),
            )
        });
        if let (Some(u), Some((agreement, account))) = (utility.as_mut(), bills) {
            u.bill_service_agreement_number = agreement;
            u.bill_customer_account_number = account;
        }
        self.partner_reference = Some(data.partner_reference);
        self.transmission_region = data.transmission_region;
        self.customer_classification = Some(data.customer_classification);
        self.load_types = data.load_types;
        self.meter_type = data.meter_type;
        self.customer = data.customer;
        self.device = data.device;
        self.site = data.site;
        self.caiso = data.caiso;
        self.isone = data.isone;
        self.nyiso = data.nyiso;
        self.utility = utility;
        self.customer_group = data.customer_group.filter(|g| !g.is_empty());
        self.audit.updated_at = now;
    }

    /// Applies an enrollment change and returns the enrollment webhooks it causes, in Leap's
    /// order (global status, required actions, participation, group). Nothing is changed when
    /// the change is invalid.
    pub fn change_enrollment(
        &mut self,
        change: EnrollmentChange,
        now: DateTime<Utc>,
    ) -> Result<Vec<EventPayload>, Problems> {
        let events = self.enrollment.apply(change, &self.identity())?;
        if !events.is_empty() {
            self.audit.updated_at = now;
        }
        Ok(events)
    }

    /// The identity fields every meter event carries.
    pub fn identity(&self) -> MeterIdentity {
        MeterIdentity {
            meter_id: self.meter_id,
            partner_reference: self.partner_reference.clone(),
            transmission_region: self.transmission_region,
            meter_type: Some(self.meter_type),
        }
    }

    pub fn created_event(&self) -> EventPayload {
        let id = self.identity();
        EventPayload::MeterCreated {
            meter_id: id.meter_id,
            partner_reference: id.partner_reference,
            transmission_region: id.transmission_region,
            meter_type: id.meter_type,
        }
    }

    /// Whether any required action waits on the partner (`partner_action_required` filter).
    pub fn partner_action_required(&self) -> bool {
        !self.enrollment.required_actions.partner.is_empty()
    }

    pub fn details(&self) -> MeterDetailsView<'_> {
        MeterDetailsView { m: self }
    }

    pub fn enrollment_view(&self) -> MeterEnrollmentView<'_> {
        MeterEnrollmentView { m: self }
    }
}

/// The identity fields carried by every meter webhook.
#[derive(Debug, Clone, PartialEq)]
pub struct MeterIdentity {
    pub meter_id: Uuid,
    pub partner_reference: Option<String>,
    pub transmission_region: TransmissionRegion,
    pub meter_type: Option<MeterType>,
}

/// `MeterIdentifiers` members shared by both views.
#[derive(Serialize)]
struct Identifiers<'a> {
    meter_id: Uuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    partner_reference: &'a Option<String>,
    transmission_region: TransmissionRegion,
    #[serde(skip_serializing_if = "Option::is_none")]
    customer_classification: Option<CustomerClassification>,
    load_types: &'a [LoadType],
    meter_type: MeterType,
    connection_references: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    customer_group: &'a Option<String>,
    tags: &'a [String],
    is_archived: bool,
}

impl<'a> Identifiers<'a> {
    fn of(m: &'a Meter) -> Self {
        Identifiers {
            meter_id: m.meter_id,
            partner_reference: &m.partner_reference,
            transmission_region: m.transmission_region,
            customer_classification: m.customer_classification,
            load_types: &m.load_types,
            meter_type: m.meter_type,
            connection_references: &m.connection_references,
            customer_group: &m.customer_group,
            tags: &m.tags,
            is_archived: m.is_archived,
        }
    }
}

/// Serialises as Leap's `MeterDetailsResponse`.
pub struct MeterDetailsView<'a> {
    m: &'a Meter,
}

impl Serialize for MeterDetailsView<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Details<'a> {
            #[serde(flatten)]
            ids: Identifiers<'a>,
            customer: &'a Customer,
            #[serde(skip_serializing_if = "Option::is_none")]
            device: &'a Option<Device>,
            #[serde(skip_serializing_if = "Option::is_none")]
            site: &'a Option<Site>,
            #[serde(skip_serializing_if = "Option::is_none")]
            caiso: &'a Option<Caiso>,
            #[serde(skip_serializing_if = "Option::is_none")]
            isone: &'a Option<Isone>,
            #[serde(skip_serializing_if = "Option::is_none")]
            nyiso: &'a Option<Nyiso>,
            #[serde(skip_serializing_if = "Option::is_none")]
            utility: &'a Option<UtilityBlock>,
            audit: &'a Audit,
        }
        let m = self.m;
        Details {
            ids: Identifiers::of(m),
            customer: &m.customer,
            device: &m.device,
            site: &m.site,
            caiso: &m.caiso,
            isone: &m.isone,
            nyiso: &m.nyiso,
            utility: &m.utility,
            audit: &m.audit,
        }
        .serialize(s)
    }
}

/// Serialises as Leap's `MeterEnrollmentResponse`.
pub struct MeterEnrollmentView<'a> {
    m: &'a Meter,
}

impl Serialize for MeterEnrollmentView<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct View<'a> {
            #[serde(flatten)]
            ids: Identifiers<'a>,
            audit: &'a Audit,
            #[serde(flatten)]
            enrollment: &'a Enrollment,
        }
        View {
            ids: Identifiers::of(self.m),
            audit: &self.m.audit,
            enrollment: &self.m.enrollment,
        }
        .serialize(s)
    }
}
