//! Webhook delivery: turns outbox events into HTTP POSTs of Leap's envelope to subscribed
//! receivers, with Leap's timeout and retry schedule (compressible through `time_scale`), and
//! the mock-only extras: delivery log, signing, faults, strict receiver rules.
//!
//! Laid out after svix-server's worker: the dispatcher worker is separate from the API; the
//! HTTP client, retry schedule, signing, faults and delivery log each have a small module.

pub mod client;
pub mod dispatcher;
pub mod engine;
pub mod faults;
pub mod log;
pub mod metrics;
pub mod policy;
pub mod schedule;
pub mod signing;

pub use dispatcher::Dispatcher;
pub use engine::{RedeliverError, Webhooks};

/// The `[webhooks]` settings as the binary loads them (env lists, durations, exit-2 checks).
#[cfg(test)]
mod settings_tests {
    use std::collections::HashMap;
    use std::time::Duration;

    use crate::settings::Settings;

    fn load(pairs: &[(&str, &str)]) -> Result<Settings, crate::settings::SettingsError> {
        let env: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::load_from(None, env)
    }

    #[test]
    fn defaults_are_leaps_rules_with_every_extra_off() {
        let s = load(&[]).unwrap().webhooks;
        assert_eq!(s.timeout, Duration::from_secs(10));
        assert_eq!(s.retry_schedule, super::schedule::LEAP_SCHEDULE.to_vec());
        assert!(!s.strict && s.allowed_hosts.is_empty() && s.signing_secret.is_empty());
        assert!(!s.accept_invalid_certs && s.ca_file.is_empty());
        assert_eq!(s.faults.duplicate_probability, 0.0);
        assert_eq!(s.faults.reorder_probability, 0.0);
        assert!(s.faults.delay_max.is_zero());
    }

    #[test]
    fn env_values_are_comma_separated_lists_and_humantime_durations() {
        let s = load(&[
            ("LEAP_MOCK__WEBHOOKS__RETRY_SCHEDULE", "0s,200ms, 1m"),
            ("LEAP_MOCK__WEBHOOKS__TIMEOUT", "200ms"),
            (
                "LEAP_MOCK__WEBHOOKS__ALLOWED_HOSTS",
                "127.0.0.1,*.example.com",
            ),
            ("LEAP_MOCK__WEBHOOKS__FAULTS__DELAY_MAX", "2s"),
        ])
        .unwrap()
        .webhooks;
        assert_eq!(
            s.retry_schedule,
            [
                Duration::ZERO,
                Duration::from_millis(200),
                Duration::from_secs(60)
            ]
        );
        assert_eq!(s.timeout, Duration::from_millis(200));
        assert_eq!(s.allowed_hosts, ["127.0.0.1", "*.example.com"]);
        assert_eq!(s.faults.delay_max, Duration::from_secs(2));
        // A single number arrives as an integer: seconds, one entry.
        let s = load(&[("LEAP_MOCK__WEBHOOKS__RETRY_SCHEDULE", "0")]).unwrap();
        assert_eq!(s.webhooks.retry_schedule, [Duration::ZERO]);
    }

    #[test]
    fn bad_webhook_settings_name_their_key() {
        let too_long = vec!["1s"; 51].join(",");
        let cases: &[(&str, &str, &str)] = &[
            (
                "LEAP_MOCK__WEBHOOKS__RETRY_SCHEDULE",
                "",
                "webhooks.retry_schedule",
            ),
            (
                "LEAP_MOCK__WEBHOOKS__RETRY_SCHEDULE",
                &too_long,
                "webhooks.retry_schedule",
            ),
            (
                "LEAP_MOCK__WEBHOOKS__RETRY_SCHEDULE",
                "0s,soon",
                "webhooks.retry_schedule",
            ),
            ("LEAP_MOCK__WEBHOOKS__TIMEOUT", "0s", "webhooks.timeout"),
            ("LEAP_MOCK__WEBHOOKS__TIMEOUT", "ten", "webhooks.timeout"),
            (
                "LEAP_MOCK__WEBHOOKS__MAX_CONCURRENCY",
                "0",
                "webhooks.max_concurrency",
            ),
            (
                "LEAP_MOCK__WEBHOOKS__CA_FILE",
                "/nonexistent/ca.pem",
                "webhooks.ca_file",
            ),
            (
                "LEAP_MOCK__WEBHOOKS__SIGNING_SECRET",
                "hunter2",
                "webhooks.signing_secret",
            ),
            (
                "LEAP_MOCK__ORGS__DEMO__SIGNING_SECRET",
                "whsec_!!",
                "orgs.demo.signing_secret",
            ),
            (
                "LEAP_MOCK__WEBHOOKS__ALLOWED_HOSTS",
                "https://x.com/",
                "webhooks.allowed_hosts",
            ),
            (
                "LEAP_MOCK__WEBHOOKS__FAULTS__DUPLICATE_PROBABILITY",
                "1.5",
                "webhooks.faults.duplicate_probability",
            ),
            (
                "LEAP_MOCK__WEBHOOKS__FAULTS__DELAY_MIN",
                "5s",
                "webhooks.faults.delay_min",
            ),
        ];
        for (var, value, key) in cases {
            let err = load(&[(var, value)]).expect_err(&format!("{var}={value} is refused"));
            assert_eq!(err.key, *key, "{var}={value}: {err}");
        }
    }

    #[test]
    fn strict_mode_and_allowlist_apply_to_an_orgs_webhook_url_at_start_up() {
        let err = load(&[
            ("LEAP_MOCK__WEBHOOKS__STRICT", "true"),
            (
                "LEAP_MOCK__ORGS__DEMO__WEBHOOK_URL",
                "http://localhost:9000/hooks",
            ),
        ])
        .unwrap_err();
        assert_eq!(err.key, "orgs.demo.webhook_url");
        assert!(err.to_string().contains("not https"), "{err}");
        assert!(
            load(&[
                ("LEAP_MOCK__WEBHOOKS__STRICT", "true"),
                (
                    "LEAP_MOCK__ORGS__DEMO__WEBHOOK_URL",
                    "https://hooks.example.com:8443/x"
                ),
            ])
            .is_ok()
        );
        let err = load(&[
            ("LEAP_MOCK__WEBHOOKS__ALLOWED_HOSTS", "hooks.example.com"),
            ("LEAP_MOCK__ORGS__DEMO__WEBHOOK_URL", "http://10.0.0.1/x"),
        ])
        .unwrap_err();
        assert_eq!(err.key, "orgs.demo.webhook_url");
    }
}

#[cfg(test)]
mod tests;
