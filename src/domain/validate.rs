//! Field checks shared by every input that carries Leap's meter blocks: lengths, ranges and the
//! character sets of Leap's patterns. Problems are collected, not thrown, so one answer can name
//! every field at fault.

use serde::Serialize;

/// One field that failed a check, by its path in the request (`customer.postal_code`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem {
            field: field.into(),
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_result(self) -> Result<(), Problems> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }

    /// `prefix.field` for nested blocks.
    pub fn path(prefix: &str, field: &str) -> String {
        if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        }
    }

    pub fn len_between(&mut self, field: &str, value: &str, min: usize, max: usize) {
        let n = value.chars().count();
        if n < min || n > max {
            self.push(
                field,
                format!("must be {min} to {max} characters long (got {n})"),
            );
        }
    }

    pub fn opt_len(&mut self, field: &str, value: &Option<String>, min: usize, max: usize) {
        if let Some(v) = value {
            self.len_between(field, v, min, max);
        }
    }

    pub fn range(&mut self, field: &str, value: Option<f64>, min: f64, max: f64) {
        if let Some(v) = value {
            if !(v.is_finite() && v >= min && v <= max) {
                self.push(field, format!("must be between {min} and {max} (got {v})"));
            }
        }
    }

    pub fn int_range(&mut self, field: &str, value: Option<i64>, min: i64, max: i64) {
        if let Some(v) = value {
            if v < min || v > max {
                self.push(field, format!("must be between {min} and {max} (got {v})"));
            }
        }
    }

    /// Leap's free-text charset (street, city, names of companies): letters incl. Latin
    /// accents, digits, whitespace and `’'+#"@()/&.,;-` (plus `|\` where `extra_pipe`).
    pub fn text_charset(&mut self, field: &str, value: &str, extra_pipe: bool) {
        let ok = value.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || c.is_whitespace()
                || "’'+#\"@()/&.,;-".contains(c)
                || (extra_pipe && (c == '|' || c == '\\'))
                || ('\u{00C0}'..='\u{024F}').contains(&c)
                || ('\u{1E00}'..='\u{1EFF}').contains(&c)
        });
        if !ok {
            self.push(
                field,
                "contains characters Leap does not accept here (allowed: letters, digits, spaces and ’'+#\"@()/&.,;-)",
            );
        }
    }

    /// Leap's `PartnerReference`: 3-256 characters, none of `/\?[]{}!#$%^&*()<>|`.
    pub fn partner_reference(&mut self, field: &str, value: &str) {
        if let Err(message) = check_partner_reference(value) {
            self.push(field, message);
        }
    }

    pub fn postal_code(&mut self, field: &str, value: &str) {
        if !is_us_postal_code(value) {
            self.push(
                field,
                "must be a 5-digit ZIP code, optionally followed by -NNNN",
            );
        }
    }
}

/// Characters Leap's `PartnerReference` pattern excludes.
pub const PARTNER_REFERENCE_FORBIDDEN: &str = "/\\?[]{}!#$%^&*()<>|";

pub fn check_partner_reference(value: &str) -> Result<(), String> {
    let n = value.chars().count();
    if !(3..=256).contains(&n) {
        return Err(format!("must be 3 to 256 characters long (got {n})"));
    }
    if let Some(c) = value
        .chars()
        .find(|c| PARTNER_REFERENCE_FORBIDDEN.contains(*c))
    {
        return Err(format!(
            "must not contain {c:?} (none of {PARTNER_REFERENCE_FORBIDDEN} is allowed)"
        ));
    }
    Ok(())
}

/// `^[0-9]{5}(?:-[0-9]{4})?$`
pub fn is_us_postal_code(value: &str) -> bool {
    let b = value.as_bytes();
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    match b.len() {
        5 => digits(b),
        10 => digits(&b[..5]) && b[5] == b'-' && digits(&b[6..]),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partner_reference_rules() {
        assert!(check_partner_reference("customer-site-123").is_ok());
        assert!(check_partner_reference("ab").is_err());
        assert!(check_partner_reference("a/b/c").is_err());
        assert!(check_partner_reference(&"x".repeat(257)).is_err());
    }

    #[test]
    fn postal_codes() {
        assert!(is_us_postal_code("94105"));
        assert!(is_us_postal_code("94105-1234"));
        assert!(!is_us_postal_code("9410"));
        assert!(!is_us_postal_code("94105-12"));
        assert!(!is_us_postal_code("ABCDE"));
    }

    #[test]
    fn charset() {
        let mut p = Problems::default();
        p.text_charset("street_1", "132 My Street, Apt #3", false);
        p.text_charset("city", "São Paulo", false);
        assert!(p.is_empty(), "{p:?}");
        p.text_charset("street_1", "<script>", false);
        assert_eq!(p.0.len(), 1);
    }
}
