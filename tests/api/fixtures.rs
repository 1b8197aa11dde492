//! Meter data for the REST API tests: valid `CreateMeter` bodies and quick ways to create meters
//! over HTTP.

#![allow(dead_code)] // each test module uses a different subset

use serde_json::{Value, json};

use crate::helpers::{DEMO_KEY, TestApp, json};

/// A valid `CreateMeter` in CAISO (customer in California).
pub fn create_meter(reference: &str) -> Value {
    json!({
        "partner_reference": reference,
        "transmission_region": "CAISO",
        "customer_classification": "RESIDENTIAL",
        "load_types": ["HVAC"],
        "meter_type": "UTILITY_METER",
        "customer": {
            "street_1": "132 My Street",
            "postal_code": "94105",
            "city": "San Francisco",
            "state_or_province_code": "CA",
            "country_code": "US"
        },
        "utility": {"utility_name": "PGE", "electric_service_account_number": "12243243-121"}
    })
}

/// A `CreateMeter` with every block filled in (Leap's own example values, in NYISO).
pub fn full_create_meter(reference: &str) -> Value {
    json!({
        "partner_reference": reference,
        "transmission_region": "NYISO",
        "customer_classification": "COMMERCIAL",
        "load_types": ["HVAC", "BATTERY_STORAGE"],
        "meter_type": "UTILITY_METER",
        "customer": {
            "street_1": "132 My Street",
            "street_2": "Apartment 32",
            "postal_code": "10001",
            "city": "New York",
            "state_or_province_code": "NY",
            "country_code": "US",
            "end_customer_name": "Customer Name",
            "end_customer_title": "Mrs.",
            "end_customer_email": "email@address.com",
            "end_customer_phone_number": "(123) 123-4567",
            "end_customer_company_name": "Company Name Inc.",
            "partner_offering_name": "Offering Name",
            "partner_offering_date": "2000-01-23",
            "is_in_wholesale_capacity_market": true,
            "dispatch_option": "DAILY",
            "billing": {
                "street_1": "132 My Billing Street",
                "street_2": "Apartment 32",
                "postal_code": "90210",
                "city": "Los Angeles",
                "state_or_province_code": "CA",
                "country_code": "US"
            },
            "partner_customer_reference": "partner-customer-reference-1"
        },
        "device": {
            "device_type": "BATTERY",
            "device_serial_number": "device-serial-number",
            "device_model": "device-model",
            "device_manufacturer": "device-manufacturer",
            "install_date": "2000-01-23",
            "battery_power_capacity_kw": 1.233,
            "battery_energy_capacity_kwh": 9.876,
            "battery_duration_hours": 4,
            "permission_to_operate_date": "2000-01-23"
        },
        "site": {
            "load_zone": "load-zone",
            "number_of_devices": 1,
            "on_site_fossil_generator": true,
            "renewable_generator": true,
            "generator_capacity_kw": 1.234,
            "generator_model_year": 2020,
            "generator_manufacturer": "Manufacturer of the generator",
            "generator_fuel_type": "DIESEL",
            "generator_serial_number": "generator-serial-number",
            "site_devices": [{
                "device_type": "BATTERY",
                "model": "device-model",
                "manufacturer": "device-manufacturer",
                "serial_number": "device-serial-number",
                "energy_capacity_kwh": 39.504,
                "power_capacity_kw": 9.876,
                "energy_capacity_duration_hours": 4,
                "voltage_level": "EVSE_LEVEL_1",
                "model_year": 2020,
                "fuel_type": "DIESEL",
                "max_energy_production_rate_kw": 7.5,
                "max_energy_consumption_rate_kw": 7.5,
                "battery_max_state_of_charge_percentage": 95.0,
                "battery_min_state_of_charge_percentage": 10.0,
                "installer": "Acme Installations Inc.",
                "pv_connected": true
            }]
        },
        "caiso": {"is_receiving_sgip_funding": true, "nem_type": "NEM2"},
        "isone": {"in_connected_solutions": true},
        "nyiso": {
            "cbl_method": "AVERAGE_DAY",
            "company_type": "INDIVIDUAL_OR_SOLE_PROPRIETOR",
            "existing_nyiso_resource_id": "666266",
            "partner_nyiso_resource_name": "666266"
        },
        "utility": {
            "utility_name": "CECONY",
            "load_serving_entity": "CECONY",
            "electric_service_account_number": "12243243-121",
            "tariff": "tariff code",
            "voltage": ">= 600 V",
            "utility_meter_serial_number": "utility-meter-serial-number"
        },
        "customer_group": "customer_group"
    })
}

/// `POST /v1.1/meters` body.
pub fn single_create_body(asset: Value) -> Value {
    json!({"onboarding_token": "mock-onboarding-token", "provisional_asset": asset})
}

/// Creates one meter through `POST /v1.1/meters` as the demo org; returns its `meter_id`.
pub async fn create_meter_over_http(app: &TestApp, asset: Value) -> String {
    let resp = app
        .post_json_as(DEMO_KEY, "/v1.1/meters", &single_create_body(asset))
        .await;
    assert_eq!(resp.status(), 200);
    let body = json(resp).await;
    assert_eq!(body["status"], "COMPLETED", "{body}");
    body["meter_id"]
        .as_str()
        .unwrap_or_else(|| panic!("meter_id in {body}"))
        .to_string()
}

/// The demo org's outbox events of one type, oldest first.
pub async fn events_of_type(app: &TestApp, event_type: &str) -> Vec<Value> {
    let body = json(app.get("/_mock/events?org=demo&limit=1000").await).await;
    body["events"]
        .as_array()
        .expect("events array")
        .iter()
        .filter(|e| e["payload"]["webhook_event_type"] == event_type)
        .cloned()
        .collect()
}
