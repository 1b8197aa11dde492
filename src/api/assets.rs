//! Reading Leap's `CreateMeter` assets from request bodies: one JSON value at a time (with every
//! problem named by its field path), and CSV uploads turned into the same JSON values first.
//!
//! CSV layout: a header row of `CreateMeter` field paths joined by dots (`partner_reference`,
//! `customer.street_1`, `site.site_devices.0.device_type`), one asset per row. Empty cells are
//! absent fields. Arrays are either one column with `;`-separated values (`load_types` =
//! `HVAC;EV_CHARGING`) or indexed columns (`load_types.0`, `load_types.1`); both may be mixed.
//! Numeric and boolean fields are converted by name. Rows are numbered as lines of the file
//! (the header is row 1), so `csv_row` points at the line to fix.

use serde_json::{Map, Value};

use crate::domain::meter::MeterData;
use crate::domain::validate::Problems;

/// Fields of `CreateMeter` (any block) holding a JSON number.
const NUMBER_FIELDS: &[&str] = &[
    "battery_power_capacity_kw",
    "battery_energy_capacity_kwh",
    "battery_max_discharge_rate_kw",
    "battery_max_charge_rate_kw",
    "battery_max_state_of_charge_percentage",
    "battery_min_state_of_charge_percentage",
    "energy_capacity_kwh",
    "power_capacity_kw",
    "max_energy_production_rate_kw",
    "max_energy_consumption_rate_kw",
    "generator_capacity_kw",
];

/// Fields holding a JSON integer.
const INTEGER_FIELDS: &[&str] = &[
    "battery_duration_hours",
    "number_of_devices",
    "generator_model_year",
    "energy_capacity_duration_hours",
    "model_year",
];

/// Fields holding a JSON boolean.
const BOOLEAN_FIELDS: &[&str] = &[
    "is_in_wholesale_capacity_market",
    "on_site_fossil_generator",
    "renewable_generator",
    "is_receiving_sgip_funding",
    "in_connected_solutions",
    "pv_connected",
    "is_connected_to_solar",
];

/// Fields that are arrays of strings (a single column splits on `;`).
const LIST_FIELDS: &[&str] = &["load_types"];

/// Parses one `CreateMeter`, reporting every schema problem serde finds (the first per asset)
/// and every field check of [`MeterData::validate`]. `prefix` prefixes field paths.
pub fn parse_create_meter(value: &Value, prefix: &str) -> Result<MeterData, Problems> {
    let mut p = Problems::default();
    if !value.is_object() {
        p.push(prefix, "must be a JSON object (a CreateMeter)");
        return Err(p);
    }
    match serde_path_to_error::deserialize::<_, MeterData>(value) {
        Ok(data) => data.validate(prefix).map(|()| data),
        Err(e) => {
            let path = e.path().to_string();
            let message = e.into_inner().to_string();
            let at = if path == "." {
                prefix.to_string()
            } else {
                Problems::path(prefix, &path)
            };
            match missing_field(&message) {
                Some(name) => p.push(Problems::path(&at, name), "Missing required parameter"),
                None => p.push(at, message),
            }
            Err(p)
        }
    }
}

/// `missing field `x`` -> `x`.
fn missing_field(message: &str) -> Option<&str> {
    message
        .strip_prefix("missing field `")?
        .split('`')
        .next()
        .filter(|s| !s.is_empty())
}

/// One CSV row as a `CreateMeter` JSON value, with its line number.
pub struct CsvAsset {
    pub row: usize,
    pub value: Value,
}

/// A CSV problem: the line (`csv_row`) and the column / field at fault.
pub struct CsvProblem {
    pub row: Option<usize>,
    pub field: String,
    pub message: String,
}

/// Turns a CSV upload into JSON assets. Structural problems (bad header, ragged rows, not
/// UTF-8) are returned instead; field values are checked later, like JSON ones.
pub fn csv_assets(bytes: &[u8]) -> Result<Vec<CsvAsset>, Vec<CsvProblem>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(bytes);
    let problem = |row: Option<usize>, field: &str, message: String| CsvProblem {
        row,
        field: field.to_string(),
        message,
    };
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|s| s.trim().to_string()).collect(),
        Err(e) => {
            return Err(vec![problem(
                Some(1),
                "",
                format!("Unreadable CSV header: {e}"),
            )]);
        }
    };
    let mut problems = Vec::new();
    if headers.iter().all(String::is_empty) {
        return Err(vec![problem(
            Some(1),
            "",
            "The CSV file is empty; the first row must name the CreateMeter fields".into(),
        )]);
    }
    for (i, h) in headers.iter().enumerate() {
        if h.is_empty() || h.split('.').any(str::is_empty) {
            problems.push(problem(
                Some(1),
                h,
                format!("Column {} has no valid field path in the header", i + 1),
            ));
        } else if headers[..i].contains(h) {
            problems.push(problem(
                Some(1),
                h,
                "Column appears twice in the header".into(),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut assets = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let row = e.position().map(|p| line_of(bytes, p.byte() as usize));
                problems.push(problem(row, "", format!("Malformed CSV row: {e}")));
                continue;
            }
        };
        let row = record
            .position()
            .map_or(0, |p| line_of(bytes, p.byte() as usize));
        let mut value = Value::Object(Map::new());
        for (header, cell) in headers.iter().zip(record.iter()) {
            let cell = cell.trim();
            if cell.is_empty() {
                continue;
            }
            let segments: Vec<&str> = header.split('.').collect();
            let leaf = segments.iter().rev().find(|s| s.parse::<usize>().is_err());
            let typed = typed_cell(leaf.copied().unwrap_or(""), cell, segments.last());
            if let Err(message) = set_path(&mut value, &segments, typed) {
                problems.push(problem(Some(row), header, message));
            }
        }
        compact_arrays(&mut value);
        if value.as_object().is_some_and(Map::is_empty) {
            continue; // a blank line
        }
        assets.push(CsvAsset { row, value });
    }
    if problems.is_empty() {
        Ok(assets)
    } else {
        Err(problems)
    }
}

/// The 1-based line where a record at a byte offset starts (the csv crate's own line count, and
/// its offsets, include the blank lines it skips before a record).
fn line_of(bytes: &[u8], offset: usize) -> usize {
    let mut end = offset.min(bytes.len());
    while end < bytes.len() && matches!(bytes[end], b'\n' | b'\r') {
        end += 1;
    }
    bytes[..end].iter().filter(|b| **b == b'\n').count() + 1
}

/// A cell as the JSON type its field has; values that do not convert stay strings, so the
/// schema check names the field with a type error.
fn typed_cell(leaf: &str, cell: &str, last: Option<&&str>) -> Value {
    let indexed = last.is_some_and(|s| s.parse::<usize>().is_ok());
    if LIST_FIELDS.contains(&leaf) && !indexed {
        return Value::Array(
            cell.split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_string()))
                .collect(),
        );
    }
    if NUMBER_FIELDS.contains(&leaf) {
        if let Some(n) = cell
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
        {
            return Value::Number(n);
        }
    } else if INTEGER_FIELDS.contains(&leaf) {
        if let Ok(n) = cell.parse::<i64>() {
            return Value::from(n);
        }
    } else if BOOLEAN_FIELDS.contains(&leaf) {
        match cell.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => return Value::Bool(true),
            "false" | "no" | "0" => return Value::Bool(false),
            _ => {}
        }
    }
    Value::String(cell.to_string())
}

/// Largest array index a CSV column may use (keeps a hostile header from allocating much).
const MAX_INDEX: usize = 999;

fn set_path(node: &mut Value, segments: &[&str], value: Value) -> Result<(), String> {
    let Some((head, rest)) = segments.split_first() else {
        return Err("Empty field path".into());
    };
    let clash = || format!("Column clashes with another column for the same field ({head})");
    if let Ok(index) = head.parse::<usize>() {
        if index > MAX_INDEX {
            return Err(format!("Array index {index} is larger than {MAX_INDEX}"));
        }
        if node.is_null() {
            *node = Value::Array(Vec::new());
        }
        let array = node.as_array_mut().ok_or_else(clash)?;
        if array.len() <= index {
            array.resize(index + 1, Value::Null);
        }
        if rest.is_empty() {
            array[index] = value;
            Ok(())
        } else {
            set_path(&mut array[index], rest, value)
        }
    } else {
        if node.is_null() {
            *node = Value::Object(Map::new());
        }
        let object = node.as_object_mut().ok_or_else(clash)?;
        let slot = object.entry(head.to_string()).or_insert(Value::Null);
        if rest.is_empty() {
            match (slot, value) {
                (slot @ Value::Null, value) => *slot = value,
                (Value::Array(existing), Value::Array(more)) => existing.extend(more),
                _ => return Err(clash()),
            }
            Ok(())
        } else {
            set_path(slot, rest, value)
        }
    }
}

/// Drops the holes indexed columns leave (`load_types.1` empty while `.2` is set).
fn compact_arrays(value: &mut Value) {
    match value {
        Value::Array(items) => {
            items.retain(|v| !v.is_null());
            items.iter_mut().for_each(compact_arrays);
        }
        Value::Object(map) => map.values_mut().for_each(compact_arrays),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn csv_rows_become_create_meter_values() {
        let csv = "partner_reference,transmission_region,customer_classification,load_types,load_types.1,meter_type,customer.street_1,customer.postal_code,customer.city,customer.state_or_province_code,device.battery_duration_hours,site.site_devices.0.device_type,customer.is_in_wholesale_capacity_market\n\
                   ref-1,CAISO,RESIDENTIAL,HVAC;EV_CHARGING,,UTILITY_METER,1 Main St,94105,San Francisco,CA,4,BATTERY,true\n\
                   \n\
                   ref-2,CAISO,RESIDENTIAL,,HVAC,DEVICE,\"2 Main St, Unit 3\",94105,San Francisco,CA,,,\n";
        let assets = csv_assets(csv.as_bytes()).unwrap_or_else(|_| panic!("parses"));
        assert_eq!(assets.len(), 2);
        assert_eq!(assets[0].row, 2);
        assert_eq!(
            assets[0].value["load_types"],
            json!(["HVAC", "EV_CHARGING"])
        );
        assert_eq!(
            assets[0].value["device"]["battery_duration_hours"],
            json!(4)
        );
        assert_eq!(
            assets[0].value["site"]["site_devices"][0]["device_type"],
            json!("BATTERY")
        );
        assert_eq!(
            assets[0].value["customer"]["is_in_wholesale_capacity_market"],
            json!(true)
        );
        assert_eq!(assets[1].row, 4);
        assert_eq!(assets[1].value["load_types"], json!(["HVAC"]));
        assert_eq!(
            assets[1].value["customer"]["street_1"],
            json!("2 Main St, Unit 3")
        );
        for a in &assets {
            parse_create_meter(&a.value, "").unwrap_or_else(|p| panic!("{p:?}"));
        }
    }

    #[test]
    fn csv_structure_problems_name_row_and_column() {
        let Err(problems) = csv_assets(b"partner_reference,,x..y\nref\n") else {
            panic!("bad header accepted")
        };
        assert!(problems.iter().all(|p| p.row == Some(1)));
        let Err(problems) = csv_assets(b"a,b\n1,2\n1,2,3\n") else {
            panic!("ragged row accepted")
        };
        assert_eq!(problems[0].row, Some(3));
        let Err(problems) = csv_assets(b"customer,customer.city\nx,y\n") else {
            panic!("clash accepted")
        };
        assert_eq!(problems[0].field, "customer.city");
    }

    #[test]
    fn json_problems_name_the_field() {
        let p = parse_create_meter(&json!({"partner_reference": "abc"}), "provisional_asset")
            .unwrap_err();
        assert_eq!(p.0[0].field, "provisional_asset.transmission_region");
        assert_eq!(p.0[0].message, "Missing required parameter");
        let p = parse_create_meter(
            &json!({"partner_reference": "abc", "transmission_region": "MARS"}),
            "",
        )
        .unwrap_err();
        assert_eq!(p.0[0].field, "transmission_region");
        assert!(p.0[0].message.contains("CAISO"), "{}", p.0[0].message);
    }
}
