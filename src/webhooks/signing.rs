//! Mock-only Standard Webhooks signatures (https://www.standardwebhooks.com). Leap itself does
//! not sign its webhooks; this exists, off by default, for partners who want to rehearse
//! verification. Headers: `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>`,
//! where the signature is HMAC-SHA256 over `{id}.{timestamp}.{body}` with the decoded secret.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

const PREFIX: &str = "whsec_";

/// A parsed `whsec_<base64>` secret.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKey(Vec<u8>);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(..)")
    }
}

impl SigningKey {
    /// Accepts `whsec_<base64>` (the prefix is optional, as in the reference libraries); the
    /// spec asks for 24 to 64 random bytes.
    pub fn parse(secret: &str) -> Result<Self, String> {
        let encoded = secret.trim();
        let encoded = encoded.strip_prefix(PREFIX).unwrap_or(encoded);
        let key = STANDARD.decode(encoded).map_err(|e| {
            format!(
                "expected \"whsec_\" followed by base64 ({e}); generate one with: \
                 echo \"whsec_$(openssl rand -base64 32)\""
            )
        })?;
        if !(24..=64).contains(&key.len()) {
            return Err(format!(
                "expected a secret of 24 to 64 bytes (Standard Webhooks), got {} bytes; \
                 generate one with: echo \"whsec_$(openssl rand -base64 32)\"",
                key.len()
            ));
        }
        Ok(Self(key))
    }

    /// `v1,<base64 HMAC-SHA256("{msg_id}.{timestamp}.{body}")>`
    pub fn sign(&self, msg_id: &str, timestamp: i64, body: &[u8]) -> String {
        // new_from_slice accepts keys of any length for HMAC; the error arm is unreachable.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.0) else {
            return String::new();
        };
        mac.update(msg_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }

    /// The three headers for one attempt.
    pub fn headers(
        &self,
        msg_id: &str,
        timestamp: i64,
        body: &[u8],
    ) -> [(&'static str, String); 3] {
        [
            ("webhook-id", msg_id.to_string()),
            ("webhook-timestamp", timestamp.to_string()),
            ("webhook-signature", self.sign(msg_id, timestamp, body)),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Test vectors published in the standard-webhooks repository:
    /// - libraries/javascript/src/webhook.test.ts, test "sign function works":
    ///   key "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", msgId "msg_p5jXN8AQM9LWM0D4loKWxJek",
    ///   timestamp 1614265330, payload '{"test": 2432232314}',
    ///   expected "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    /// - libraries/rust/src/lib.rs, test `test_sign`:
    ///   "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD", "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
    ///   1649367553, br#"{"email":"test@example.com","username":"test_user"}"#,
    ///   "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="
    #[test]
    fn reproduces_the_standard_webhooks_test_vectors() {
        let key = SigningKey::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(
            key.sign(
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1614265330,
                br#"{"test": 2432232314}"#
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        let key = SigningKey::parse("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap();
        assert_eq!(
            key.sign(
                "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
                1649367553,
                br#"{"email":"test@example.com","username":"test_user"}"#
            ),
            "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="
        );
    }

    #[test]
    fn prefix_is_optional_and_bad_secrets_are_explained() {
        assert_eq!(
            SigningKey::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap(),
            SigningKey::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap()
        );
        assert!(
            SigningKey::parse("whsec_not base64!")
                .unwrap_err()
                .contains("base64")
        );
        assert!(
            SigningKey::parse("whsec_c2hvcnQ=")
                .unwrap_err()
                .contains("24 to 64")
        );
    }
}
