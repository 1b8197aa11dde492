//! Orgs (tenants) as configured: looked up by name for Connect pages and by API key for the REST
//! APIs. Every piece of state is partitioned by org name.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::settings::Settings;

/// The API key of the built-in demo org; the start-up banner shows it in full.
pub const DEMO_API_KEY: &str = "leap-mock-demo-key";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    pub name: String,
    pub api_key: String,
    /// The partner's final redirect URL (resolved: never empty).
    pub redirect_url: String,
    /// A receiver subscribed to every event type at start-up.
    pub webhook_url: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Tenants {
    by_name: BTreeMap<String, Arc<Tenant>>,
    by_key: HashMap<String, Arc<Tenant>>,
}

impl Tenants {
    pub fn from_settings(settings: &Settings, public_url: &str) -> Self {
        let mut tenants = Tenants::default();
        for (name, org) in &settings.orgs {
            let redirect_url = if org.redirect_url.is_empty() {
                format!("{public_url}/_mock/redirect-landing")
            } else {
                org.redirect_url.clone()
            };
            let tenant = Arc::new(Tenant {
                name: name.clone(),
                api_key: org.api_key.clone(),
                redirect_url,
                webhook_url: (!org.webhook_url.is_empty()).then(|| org.webhook_url.clone()),
            });
            tenants.by_key.insert(org.api_key.clone(), tenant.clone());
            tenants.by_name.insert(name.clone(), tenant);
        }
        tenants
    }

    pub fn by_name(&self, name: &str) -> Option<&Arc<Tenant>> {
        self.by_name.get(name)
    }

    pub fn by_key(&self, key: &str) -> Option<&Arc<Tenant>> {
        self.by_key.get(key)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<Tenant>> {
        self.by_name.values()
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }
}
