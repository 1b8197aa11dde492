//! Request pieces shared by the REST API modules: path ids, repeated query parameters, opaque
//! page tokens, and `Problems` rendered as a 400 in the path's envelope.

use actix_web::HttpRequest;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::domain::validate::Problems;
use crate::error::{ApiError, Family};

/// A path id that must be a UUID: 400 naming the parameter when it is not (Leap's
/// `{"title": "Meter id is not a UUID", "details": {"meter_id": "abcdef"}}`).
pub fn path_uuid(family: Family, name: &str, title: &str, raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| {
        let message = match family {
            Family::Leap => title.to_string(),
            Family::Webhooks => format!("{name} is not a UUID: {raw:?}"),
        };
        ApiError::bad_request(family, message).with_details(json!({ name: raw }))
    })
}

/// 400 for collected field problems. The Leap envelope gets `details` = `{field: message}`
/// (Leap's own examples key details by the field at fault); the webhook envelope, which has no
/// details, gets every problem in its message.
pub fn problems_error(family: Family, what: &str, problems: &Problems) -> ApiError {
    let listed: Vec<String> = problems
        .0
        .iter()
        .map(|p| {
            if p.field.is_empty() {
                p.message.clone()
            } else {
                format!("{}: {}", p.field, p.message)
            }
        })
        .collect();
    let mut details = Map::new();
    for p in &problems.0 {
        let key = if p.field.is_empty() {
            "error"
        } else {
            &p.field
        };
        details
            .entry(key.to_string())
            .or_insert_with(|| Value::String(p.message.clone()));
    }
    ApiError::bad_request(family, format!("{what}: {}", listed.join("; ")))
        .with_details(Value::Object(details))
}

/// Query parameters as `(name, value)` pairs, repeated names kept (`?filter=a&filter=b`).
pub fn query_pairs(req: &HttpRequest) -> Vec<(String, String)> {
    url::form_urlencoded::parse(req.query_string().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Every value of a parameter, repeated and/or comma-separated, trimmed, empties dropped.
pub fn list_param(pairs: &[(String, String)], name: &str) -> Vec<String> {
    pairs
        .iter()
        .filter(|(k, _)| k == name)
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
}

/// The single value of a parameter; `Err` names it when it is given more than once.
pub fn single_param<'a>(
    pairs: &'a [(String, String)],
    name: &str,
    p: &mut Problems,
) -> Option<&'a str> {
    let mut values = pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v);
    let first = values.next();
    if values.next().is_some() {
        p.push(name, "must be given at most once");
    }
    first.map(String::as_str)
}

/// `true` / `false` (absent = `default`).
pub fn bool_param(pairs: &[(String, String)], name: &str, default: bool, p: &mut Problems) -> bool {
    match single_param(pairs, name, p) {
        None => default,
        Some(v) if v.eq_ignore_ascii_case("true") => true,
        Some(v) if v.eq_ignore_ascii_case("false") => false,
        Some(v) => {
            p.push(name, format!("must be true or false (got {v:?})"));
            default
        }
    }
}

/// An integer in `min..=max` (absent = `default`).
pub fn int_param(
    pairs: &[(String, String)],
    name: &str,
    default: usize,
    (min, max): (usize, usize),
    p: &mut Problems,
) -> usize {
    match single_param(pairs, name, p) {
        None => default,
        Some(v) => match v.trim().parse::<i64>() {
            Ok(n) if n >= min as i64 && n <= max as i64 => n as usize,
            _ => {
                p.push(
                    name,
                    format!("must be an integer from {min} to {max} (got {v:?})"),
                );
                default
            }
        },
    }
}

/// Opaque cursor tokens: a kind (so a token of one list cannot page another) and position
/// numbers, base64url-encoded. Clients must treat them as opaque strings.
pub struct PageToken;

impl PageToken {
    pub fn encode(kind: &str, position: &[u64]) -> String {
        let parts: Vec<String> = position.iter().map(u64::to_string).collect();
        URL_SAFE_NO_PAD.encode(format!("{kind}:{}", parts.join(".")))
    }

    /// The position numbers of a token of `kind`, or `None` when it is not one of ours.
    pub fn decode(kind: &str, token: &str) -> Option<Vec<u64>> {
        let bytes = URL_SAFE_NO_PAD.decode(token.trim()).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let rest = text.strip_prefix(kind)?.strip_prefix(':')?;
        rest.split('.').map(|n| n.parse().ok()).collect()
    }

    /// Like [`PageToken::decode`] for a token of exactly `n` numbers, recording a problem under
    /// `field` when it is not valid.
    pub fn parse(
        kind: &str,
        token: &str,
        n: usize,
        field: &str,
        p: &mut Problems,
    ) -> Option<Vec<u64>> {
        match Self::decode(kind, token) {
            Some(position) if position.len() == n => Some(position),
            _ => {
                p.push(
                    field,
                    "is not a valid page token: pass the next_page_token of a previous response unchanged",
                );
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_round_trip_and_are_kind_bound() {
        let t = PageToken::encode("meters", &[42]);
        assert_eq!(PageToken::decode("meters", &t), Some(vec![42]));
        assert_eq!(PageToken::decode("jobs", &t), None);
        assert_eq!(PageToken::decode("meters", "not-a-token"), None);
        let t = PageToken::encode("assets", &[3, 7]);
        assert_eq!(PageToken::decode("assets", &t), Some(vec![3, 7]));
    }

    #[test]
    fn list_params_accept_repeats_and_commas() {
        let pairs = vec![
            ("ref_ids".to_string(), "a,b".to_string()),
            ("ref_ids".to_string(), " c ".to_string()),
            ("other".to_string(), "x".to_string()),
        ];
        assert_eq!(list_param(&pairs, "ref_ids"), ["a", "b", "c"]);
    }
}
