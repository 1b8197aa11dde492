//! Rules receiver URLs must meet when a subscription is made (and for an org's `webhook_url`
//! setting at start-up): Leap's own rules under strict mode, and an optional host allowlist.

use url::Url;

use crate::domain::subscription::ReceiverPolicy;
use crate::settings::WebhookSettings;

/// TCP ports Leap delivers to (D:webhook-setup).
pub const LEAP_PORTS: [u16; 3] = [443, 8443, 8843];

#[derive(Debug, Clone, Default)]
pub struct ReceiverRules {
    /// Leap's rules: https on 443, 8443 or 8843.
    pub strict: bool,
    /// Lower-cased host patterns; empty = any host.
    pub allowed_hosts: Vec<String>,
}

impl ReceiverRules {
    pub fn from_settings(settings: &WebhookSettings) -> Self {
        Self {
            strict: settings.strict,
            allowed_hosts: settings
                .allowed_hosts
                .iter()
                .map(|h| h.to_ascii_lowercase())
                .collect(),
        }
    }

    fn host_allowed(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.allowed_hosts.iter().any(|pattern| {
            match pattern.strip_prefix("*.") {
                // "*.example.com" matches any subdomain, not example.com itself.
                Some(suffix) => host
                    .strip_suffix(suffix)
                    .is_some_and(|rest| rest.ends_with('.') && rest.len() > 1),
                None => host == *pattern,
            }
        })
    }
}

impl ReceiverPolicy for ReceiverRules {
    fn check(&self, url: &Url) -> Result<(), String> {
        if self.strict {
            if url.scheme() != "https" {
                return Err(format!(
                    "Leap only delivers webhooks over HTTPS (TLS 1.2 or 1.3) to port 443, 8443 or \
                     8843; {url} is not https (strict mode, setting webhooks.strict)"
                ));
            }
            let port = url.port_or_known_default().unwrap_or(0);
            if !LEAP_PORTS.contains(&port) {
                return Err(format!(
                    "Leap only delivers webhooks to TCP port 443, 8443 or 8843; {url} uses port \
                     {port} (strict mode, setting webhooks.strict)"
                ));
            }
        }
        if !self.allowed_hosts.is_empty() {
            let host = url.host_str().unwrap_or_default();
            let host = host.trim_start_matches('[').trim_end_matches(']');
            if !self.host_allowed(host) {
                return Err(format!(
                    "receiver host {host:?} is not in this mock's allowlist (setting \
                     webhooks.allowed_hosts: {})",
                    self.allowed_hosts.join(", ")
                ));
            }
        }
        Ok(())
    }
}

/// `hooks.example.com`, `*.example.com`, `127.0.0.1`, `::1`: no scheme, port, path or spaces.
pub fn is_valid_host_pattern(pattern: &str) -> bool {
    let host = pattern.strip_prefix("*.").unwrap_or(pattern);
    !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ':' | '_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn strict_mode_enforces_https_and_leaps_ports() {
        let rules = ReceiverRules {
            strict: true,
            allowed_hosts: vec![],
        };
        for ok in [
            "https://hooks.example.com/leap",
            "https://hooks.example.com:8443/leap",
            "https://hooks.example.com:8843/leap",
        ] {
            assert!(rules.check(&url(ok)).is_ok(), "{ok}");
        }
        let e = rules
            .check(&url("http://hooks.example.com/leap"))
            .unwrap_err();
        assert!(
            e.contains("not https") && e.contains("443, 8443 or 8843"),
            "{e}"
        );
        let e = rules
            .check(&url("https://hooks.example.com:9000/"))
            .unwrap_err();
        assert!(e.contains("port 9000"), "{e}");
        assert!(
            ReceiverRules::default()
                .check(&url("http://localhost:1/"))
                .is_ok()
        );
    }

    #[test]
    fn allowlist_matches_exact_hosts_and_subdomain_wildcards() {
        let rules = ReceiverRules {
            strict: false,
            allowed_hosts: vec!["127.0.0.1".into(), "*.example.com".into(), "::1".into()],
        };
        assert!(rules.check(&url("http://127.0.0.1:9/x")).is_ok());
        assert!(rules.check(&url("http://[::1]:9/x")).is_ok());
        assert!(rules.check(&url("https://a.b.Example.com/x")).is_ok());
        let e = rules.check(&url("https://example.com/x")).unwrap_err();
        assert!(
            e.contains("\"example.com\" is not in this mock's allowlist"),
            "{e}"
        );
        assert!(rules.check(&url("http://169.254.169.254/latest")).is_err());
        assert!(rules.check(&url("https://evilexample.com/")).is_err());
    }

    #[test]
    fn host_patterns() {
        assert!(is_valid_host_pattern("hooks.example.com"));
        assert!(is_valid_host_pattern("*.example.com"));
        assert!(!is_valid_host_pattern("https://x.com"));
        assert!(!is_valid_host_pattern("*."));
    }
}
