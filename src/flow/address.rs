//! The ERCOT Connect form's service address: what counts as a valid Texas address in staging
//! (street with a house number, city, state TX, a Texas 5-digit ZIP with optional +4).

use crate::domain::validate::is_us_postal_code;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressForm {
    pub street_1: String,
    pub street_2: String,
    pub city: String,
    pub state: String,
    pub postal_code: String,
}

/// A field the customer must fix, with a message to show next to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl AddressForm {
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.trim().to_string())
                .unwrap_or_default()
        };
        AddressForm {
            street_1: get("street_1"),
            street_2: get("street_2"),
            city: get("city"),
            state: get("state"),
            postal_code: get("postal_code"),
        }
    }

    /// Every problem with the address (empty = valid).
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut push = |field, message: &str| {
            errors.push(FieldError {
                field,
                message: message.to_string(),
            })
        };
        let street_ok = |s: &str| {
            s.chars()
                .all(|c| c.is_alphanumeric() || c.is_whitespace() || "'’#.,/&-".contains(c))
        };
        if self.street_1.is_empty() {
            push("street_1", "Enter the street address.");
        } else if self.street_1.chars().count() > 128 {
            push("street_1", "Use at most 128 characters.");
        } else if !street_ok(&self.street_1) {
            push(
                "street_1",
                "Use letters, digits, spaces and # . , / & ' - only.",
            );
        } else if !(self.street_1.chars().any(|c| c.is_ascii_digit())
            && self.street_1.chars().any(char::is_alphabetic))
        {
            push(
                "street_1",
                "Enter a house number and street name, e.g. 1100 Congress Ave.",
            );
        }
        if self.street_2.chars().count() > 64 {
            push("street_2", "Use at most 64 characters.");
        } else if !street_ok(&self.street_2) {
            push(
                "street_2",
                "Use letters, digits, spaces and # . , / & ' - only.",
            );
        }
        let city_ok = self.city.chars().any(char::is_alphabetic)
            && self
                .city
                .chars()
                .all(|c| c.is_alphabetic() || c == ' ' || ".'’-".contains(c));
        if self.city.is_empty() {
            push("city", "Enter the city.");
        } else if self.city.chars().count() > 64 || !city_ok {
            push("city", "Enter a city name, e.g. Austin.");
        }
        if self.state.is_empty() {
            push("state", "Enter the state: TX.");
        } else if self.normalized_state().is_none() {
            push(
                "state",
                "ERCOT serves Texas: the service address must be in TX.",
            );
        }
        if self.postal_code.is_empty() {
            push("postal_code", "Enter the ZIP code.");
        } else if !is_us_postal_code(&self.postal_code) {
            push(
                "postal_code",
                "Enter a 5-digit ZIP code, optionally followed by -NNNN (e.g. 78701 or 78701-1234).",
            );
        } else if !is_texas_zip(&self.postal_code) {
            push(
                "postal_code",
                "This ZIP code is not in Texas (Texas ZIP codes start with 75-79, 733 or 885).",
            );
        }
        errors
    }

    /// `TX` for "TX", "tx" or "Texas".
    pub fn normalized_state(&self) -> Option<&'static str> {
        let s = self.state.trim();
        (s.eq_ignore_ascii_case("TX") || s.eq_ignore_ascii_case("Texas")).then_some("TX")
    }
}

/// Texas ZIP prefixes: 750-799, 733 (Austin IRS) and 885 (El Paso).
pub fn is_texas_zip(zip: &str) -> bool {
    let Some(prefix) = zip.get(..3).and_then(|p| p.parse::<u16>().ok()) else {
        return false;
    };
    (750..=799).contains(&prefix) || prefix == 733 || prefix == 885
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(street: &str, city: &str, state: &str, zip: &str) -> AddressForm {
        AddressForm {
            street_1: street.into(),
            street_2: String::new(),
            city: city.into(),
            state: state.into(),
            postal_code: zip.into(),
        }
    }

    #[test]
    fn texas_addresses_pass() {
        for f in [
            form("1100 Congress Ave", "Austin", "TX", "78701"),
            form("500 W 2nd St", "Austin", "tx", "78701-1234"),
            form("1 Main St", "El Paso", "Texas", "88510"),
            form("2400 N Pearl St", "Dallas", "TX", "75201"),
        ] {
            assert_eq!(f.validate(), vec![], "{f:?}");
        }
    }

    #[test]
    fn other_addresses_name_the_fields() {
        let fields = |f: AddressForm| f.validate().iter().map(|e| e.field).collect::<Vec<_>>();
        assert_eq!(
            fields(form("", "", "", "")),
            ["street_1", "city", "state", "postal_code"]
        );
        assert_eq!(
            fields(form("Congress Ave", "Austin", "TX", "78701")),
            ["street_1"]
        );
        assert_eq!(
            fields(form("1 Main St", "Austin", "CA", "78701")),
            ["state"]
        );
        assert_eq!(
            fields(form("1 Main St", "Austin", "TX", "10001")),
            ["postal_code"]
        );
        assert_eq!(
            fields(form("1 Main St", "Austin", "TX", "7870")),
            ["postal_code"]
        );
        assert_eq!(
            fields(form("<script>alert(1)</script>", "Austin", "TX", "78701")),
            ["street_1"]
        );
    }
}
