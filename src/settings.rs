//! Typed settings: embedded `config/default.toml` < optional TOML file < `LEAP_MOCK__*` env vars.
//!
//! Everything is parsed and checked here, once, so the rest of the program only ever sees valid
//! values. A bad value becomes a [`SettingsError`] naming the key, which `main` turns into exit 2.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use config::{Config, Environment, File, FileFormat};
use serde::Deserialize;
use url::Url;

use crate::domain::enums::TransmissionRegion;

/// The defaults, embedded so the binary needs no files next to it.
pub const DEFAULT_TOML: &str = include_str!("../config/default.toml");

/// Prefix of the environment variables that override settings (`LEAP_MOCK__SERVER__PORT`).
pub const ENV_PREFIX: &str = "LEAP_MOCK";
/// Environment variable naming an optional settings file (same as `--config`).
pub const ENV_CONFIG_FILE: &str = "LEAP_MOCK_CONFIG";

/// Keys whose environment value is a comma-separated list.
const ENV_LIST_KEYS: &[&str] = &["webhooks.retry_schedule", "webhooks.allowed_hosts"];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Multiplies every delay the mock makes (retries, delayed status changes, expiry).
    pub time_scale: f64,
    pub server: ServerSettings,
    pub log: LogSettings,
    pub limits: LimitSettings,
    pub admin: AdminSettings,
    pub scenarios: ScenarioSettings,
    pub create_meters: CreateMetersSettings,
    pub webhooks: WebhookSettings,
    /// Orgs keyed by name; disabled ones are removed during validation.
    pub orgs: BTreeMap<String, OrgSettings>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    /// Empty means "derive from the bound port"; see [`Settings::public_url`].
    pub public_url: String,
    pub shutdown_timeout_secs: u64,
}

impl ServerSettings {
    /// `http://<host>:<port>` for a client on this machine (the `healthcheck` subcommand):
    /// a wildcard address becomes its loopback (`0.0.0.0` -> `127.0.0.1`, `::` -> `[::1]`), any
    /// other address or name is used as configured, IPv6 in brackets.
    pub fn local_url(&self) -> String {
        format!("http://{}:{}", self.url_host(true), self.port)
    }

    /// The host as it goes in a URL (IPv6 in brackets). With `loopback_for_wildcard`, `0.0.0.0`
    /// and `::` become `127.0.0.1` and `[::1]`; otherwise they stay as they are.
    pub fn url_host(&self, loopback_for_wildcard: bool) -> String {
        use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
        let host = self.host.trim();
        match host.parse::<IpAddr>() {
            Ok(IpAddr::V4(ip)) if ip.is_unspecified() && loopback_for_wildcard => {
                Ipv4Addr::LOCALHOST.to_string()
            }
            Ok(IpAddr::V6(ip)) if ip.is_unspecified() && loopback_for_wildcard => {
                format!("[{}]", Ipv6Addr::LOCALHOST)
            }
            Ok(IpAddr::V6(ip)) => format!("[{ip}]"),
            Ok(IpAddr::V4(ip)) => ip.to_string(),
            Err(_) => host.to_string(),
        }
    }

    /// The host of the default `public_url`: `localhost` for a wildcard or loopback address
    /// (what a browser on this machine opens), else the configured address or name.
    fn public_host(&self) -> String {
        match self.host.trim().parse::<std::net::IpAddr>() {
            Ok(ip)
                if ip.is_unspecified()
                    || ip == std::net::Ipv4Addr::LOCALHOST
                    || ip == std::net::Ipv6Addr::LOCALHOST =>
            {
                "localhost".to_string()
            }
            _ => self.url_host(false),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum LogFormat {
    Pretty,
    Json,
}

impl TryFrom<String> for LogFormat {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        match value.as_str() {
            "pretty" => Ok(LogFormat::Pretty),
            "json" => Ok(LogFormat::Json),
            other => Err(format!("expected \"pretty\" or \"json\", got {other:?}")),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub format: LogFormat,
    pub level: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitSettings {
    pub max_body_bytes: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminSettings {
    /// Empty = the `/_mock/*` API needs no token.
    pub token: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioSettings {
    /// Empty = the built-in test-case catalogue only; else a TOML file that adds or replaces
    /// test cases (checked at start-up).
    pub file: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateMetersSettings {
    /// Leap-time seconds a batch job stays PROCESSING (scaled by `time_scale`).
    pub job_processing_secs: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgSettings {
    pub api_key: String,
    #[serde(default)]
    pub redirect_url: String,
    #[serde(default)]
    pub webhook_url: String,
    /// Mock-only Standard Webhooks signing secret (`whsec_...`) for this org; wins over
    /// `webhooks.signing_secret`. Empty = the global one (if any).
    #[serde(default)]
    pub signing_secret: String,
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// Connect flows by URL title; empty = [`DEFAULT_FLOWS`]. Use [`OrgSettings::flows`].
    #[serde(default)]
    pub flows: FlowsSetting,
}

/// The Connect flows an org gets when it configures none: URL title and region.
pub const DEFAULT_FLOWS: &[(&str, TransmissionRegion)] = &[
    ("ca-utilities", TransmissionRegion::Caiso),
    ("ny-utilities", TransmissionRegion::Nyiso),
    ("pjm-utilities", TransmissionRegion::Pjm),
    ("tx-address", TransmissionRegion::Ercot),
];

/// Regions the mock has Connect flows for.
pub const FLOW_REGIONS: &[TransmissionRegion] = &[
    TransmissionRegion::Caiso,
    TransmissionRegion::Nyiso,
    TransmissionRegion::Pjm,
    TransmissionRegion::Ercot,
];

/// Path segments that cannot be flow titles: the test utilities live there.
pub const RESERVED_FLOW_TITLES: &[&str] =
    &["staging-test-utility-caiso", "staging-test-utility-nyiso"];

/// An org's `flows`: a TOML table `{ <url-title> = "<REGION>" }`, or (handy in env vars) a string
/// `"<url-title>=<REGION>,..."`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FlowsSetting(pub BTreeMap<String, TransmissionRegion>);

impl<'de> Deserialize<'de> for FlowsSetting {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Map(BTreeMap<String, String>),
            Text(String),
        }
        let pairs: Vec<(String, String)> = match Raw::deserialize(d)? {
            Raw::Map(map) => map.into_iter().collect(),
            Raw::Text(text) => text
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|pair| match pair.split_once('=') {
                    Some((title, region)) => {
                        Ok((title.trim().to_string(), region.trim().to_string()))
                    }
                    None => Err(serde::de::Error::custom(format!(
                        "expected <url-title>=<REGION> pairs separated by commas, got {pair:?}"
                    ))),
                })
                .collect::<Result<_, D::Error>>()?,
        };
        let mut flows = BTreeMap::new();
        for (title, region) in pairs {
            let region: TransmissionRegion = region
                .trim()
                .to_ascii_uppercase()
                .parse()
                .map_err(serde::de::Error::custom)?;
            flows.insert(title, region);
        }
        Ok(FlowsSetting(flows))
    }
}

impl OrgSettings {
    /// The org's Connect flows (URL title -> region), the defaults when it sets none.
    pub fn flows(&self) -> BTreeMap<String, TransmissionRegion> {
        if self.flows.0.is_empty() {
            DEFAULT_FLOWS
                .iter()
                .map(|(title, region)| (title.to_string(), *region))
                .collect()
        } else {
            self.flows.0.clone()
        }
    }
}

fn default_true() -> bool {
    true
}

/// Webhook delivery: Leap's timeout and retry schedule, plus mock-only extras (strict receiver
/// rules, TLS options, signing, fault injection). Durations are humantime strings ("10s", "1m").
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSettings {
    /// Longest wait for a receiver's answer. A limit, not a delay: never scaled by `time_scale`.
    #[serde(deserialize_with = "de_duration")]
    pub timeout: Duration,
    /// Wait before each attempt (the first entry is the wait before the first attempt); its
    /// length is the number of attempts. Scaled by `time_scale`.
    #[serde(deserialize_with = "de_durations")]
    pub retry_schedule: Vec<Duration>,
    /// Most webhook requests in flight at once, across all receivers.
    pub max_concurrency: usize,
    /// Finished deliveries kept in the delivery log (pending ones are never dropped).
    pub log_max_finished: usize,
    /// Refuse receiver URLs Leap would refuse (not https, or a port other than 443/8443/8843).
    pub strict: bool,
    /// Receiver hosts subscriptions may point at (`example.com`, `*.example.com`); empty = any.
    #[serde(deserialize_with = "de_strings")]
    pub allowed_hosts: Vec<String>,
    /// Extra PEM CA certificate(s) trusted for https receivers; empty = bundled roots only.
    pub ca_file: String,
    /// Accept any TLS certificate from receivers (self-signed test receivers).
    pub accept_invalid_certs: bool,
    /// Mock-only Standard Webhooks signing secret (`whsec_...`) for every org; empty = no signing.
    pub signing_secret: String,
    pub faults: WebhookFaultSettings,
}

/// Receiver-robustness faults, each off by default and recorded in the delivery log.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookFaultSettings {
    /// Probability (0..1) that an event is delivered twice to a subscription.
    pub duplicate_probability: f64,
    /// Probability (0..1) that a batch of waiting events goes out in reverse order.
    pub reorder_probability: f64,
    /// Random extra wait before each attempt, between these bounds (scaled by `time_scale`).
    #[serde(deserialize_with = "de_duration")]
    pub delay_min: Duration,
    #[serde(deserialize_with = "de_duration")]
    pub delay_max: Duration,
}

/// Most entries `webhooks.retry_schedule` may have.
pub const MAX_RETRY_SCHEDULE: usize = 50;

/// A duration as a humantime string ("10s", "1m 30s", "200ms"); a bare number is seconds (the
/// environment source turns "0" into an integer).
#[derive(Deserialize)]
#[serde(untagged)]
enum RawDuration {
    Text(String),
    Seconds(u64),
}

impl RawDuration {
    fn parse(self) -> Result<Duration, String> {
        match self {
            RawDuration::Seconds(s) => Ok(Duration::from_secs(s)),
            RawDuration::Text(t) => humantime::parse_duration(t.trim()).map_err(|e| {
                format!("expected a duration such as \"10s\", \"1m\" or \"200ms\", got {t:?} ({e})")
            }),
        }
    }
}

/// A list from TOML, or one comma-separated env value (which may arrive as a single scalar).
#[derive(Deserialize)]
#[serde(untagged)]
enum RawList<T> {
    Many(Vec<T>),
    One(T),
}

impl<T> RawList<T> {
    fn into_vec(self) -> Vec<T> {
        match self {
            RawList::Many(v) => v,
            RawList::One(x) => vec![x],
        }
    }
}

fn de_duration<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    RawDuration::deserialize(d)?
        .parse()
        .map_err(serde::de::Error::custom)
}

fn de_durations<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Duration>, D::Error> {
    RawList::<RawDuration>::deserialize(d)?
        .into_vec()
        .into_iter()
        // An empty env value arrives as one empty string: it means an empty list.
        .filter(|r| !matches!(r, RawDuration::Text(t) if t.trim().is_empty()))
        .map(|r| r.parse().map_err(serde::de::Error::custom))
        .collect()
}

fn de_strings<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(RawList::<String>::deserialize(d)?
        .into_vec()
        .into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect())
}

/// A setting that could not be accepted: which key, where its value came from, and what was
/// expected instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsError {
    pub key: String,
    /// `env LEAP_MOCK__...` when that variable is set, `file <path>` when the settings file holds
    /// the key, else the variable that would set it (a hint for a key that is missing).
    pub origin: String,
    pub message: String,
}

impl std::fmt::Display for SettingsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.key.is_empty() {
            write!(f, "invalid settings: {}", self.message)
        } else {
            write!(
                f,
                "invalid setting `{}` ({}): {}",
                self.key, self.origin, self.message
            )
        }
    }
}

impl std::error::Error for SettingsError {}

impl SettingsError {
    fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        let key = key.into();
        let origin = format!("env {}", env_name(&key));
        Self {
            key,
            origin,
            message: one_line(&message.into()),
        }
    }

    /// Names where the bad value came from: the environment variable if it is set (env wins over
    /// the file), else the settings file if it holds the key. A key that is in neither (a
    /// required key left out) is traced to the org or table that holds it, so `[orgs.acme]` in
    /// the file without `api_key` names the file.
    fn located(mut self, file: Option<&Path>, env: &HashMap<String, String>) -> Self {
        if self.key.is_empty() {
            return self;
        }
        let table = file
            .and_then(|path| std::fs::read_to_string(path).ok())
            .and_then(|text| text.parse::<toml::Table>().ok());
        // `webhooks.retry_schedule[2]` is set as a whole.
        let key = self.key.split('[').next().unwrap_or_default();
        let segments: Vec<&str> = key.split('.').collect();
        let shortest = segments.len().min(2);
        for len in (shortest..=segments.len()).rev() {
            let candidate = segments[..len].join(".");
            let var = env_name(&candidate);
            let nested = format!("{var}__");
            if env.keys().any(|name| {
                let name = name.to_ascii_uppercase();
                name == var || (len < segments.len() && name.starts_with(&nested))
            }) {
                self.origin = format!("env {}", env_name(key));
                return self;
            }
            if let (Some(table), Some(path)) = (&table, file) {
                if toml_has(table, &segments[..len]) {
                    self.origin = format!("file {}", path.display());
                    return self;
                }
            }
        }
        self
    }
}

/// Whether a TOML table holds the dotted key (case-insensitively, as the settings loader reads it).
fn toml_has(table: &toml::Table, segments: &[&str]) -> bool {
    let Some((first, rest)) = segments.split_first() else {
        return false;
    };
    let Some((_, value)) = table.iter().find(|(k, _)| k.eq_ignore_ascii_case(first)) else {
        return false;
    };
    match value {
        _ if rest.is_empty() => true,
        toml::Value::Table(inner) => toml_has(inner, rest),
        _ => false,
    }
}

/// Start-up errors are promised as one line (log pipelines split on newlines), but TOML parse
/// errors come with a multi-line source excerpt; keep the text and drop the excerpt.
fn one_line(message: &str) -> String {
    let is_excerpt = |line: &str| {
        let line = line.trim_start_matches(|c: char| c.is_ascii_digit() || c == ' ');
        line.starts_with('|')
    };
    message
        .lines()
        .filter(|line| !is_excerpt(line))
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(": ")
        .replace(": in ", " in ")
}

/// `server.port` -> `LEAP_MOCK__SERVER__PORT`.
pub fn env_name(key: &str) -> String {
    if key.is_empty() {
        return format!("{ENV_PREFIX}__*");
    }
    format!(
        "{ENV_PREFIX}__{}",
        key.replace('.', "__")
            .replace(['[', ']'], "")
            .to_uppercase()
    )
}

impl Settings {
    /// Settings from the embedded defaults, an optional file and the process environment.
    pub fn load(file: Option<&Path>) -> Result<Self, SettingsError> {
        let env: HashMap<String, String> = std::env::vars().collect();
        Self::load_from(file, env)
    }

    /// Settings from the embedded defaults, an optional file and the given environment map (tests
    /// pass their own map instead of touching the process environment).
    pub fn load_from(
        file: Option<&Path>,
        env: HashMap<String, String>,
    ) -> Result<Self, SettingsError> {
        let names = env.clone();
        Self::build(file, env).map_err(|e| e.located(file, &names))
    }

    fn build(file: Option<&Path>, env: HashMap<String, String>) -> Result<Self, SettingsError> {
        let mut builder =
            Config::builder().add_source(File::from_str(DEFAULT_TOML, FileFormat::Toml));
        if let Some(path) = file {
            if !path.is_file() {
                return Err(SettingsError::new(
                    "",
                    format!("settings file {} does not exist", path.display()),
                ));
            }
            builder = builder.add_source(File::from(PathBuf::from(path)).format(FileFormat::Toml));
        }
        let mut environment = Environment::with_prefix(ENV_PREFIX)
            .prefix_separator("__")
            .separator("__")
            .try_parsing(true)
            .source(Some(env));
        if !ENV_LIST_KEYS.is_empty() {
            environment = environment.list_separator(",");
            for key in ENV_LIST_KEYS {
                environment = environment.with_list_parse_key(key);
            }
        }
        let raw = builder
            .add_source(environment)
            .build()
            .map_err(|e| SettingsError::new("", e.to_string()))?;
        let value: config::Value = raw
            .try_deserialize()
            .map_err(|e| SettingsError::new("", e.to_string()))?;
        let settings: Settings = serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            let raw = e.into_inner().to_string();
            SettingsError::new(key_of(&path, &raw), clean_serde_message(&raw))
        })?;
        settings.validated()
    }

    /// Checks what types alone cannot express, and drops disabled orgs.
    fn validated(mut self) -> Result<Self, SettingsError> {
        if !(self.time_scale.is_finite() && self.time_scale > 0.0) {
            return Err(SettingsError::new(
                "time_scale",
                format!(
                    "expected a number greater than 0 (1.0 = real time), got {}",
                    self.time_scale
                ),
            ));
        }
        if self.server.host.trim().is_empty() {
            return Err(SettingsError::new(
                "server.host",
                "expected an address to listen on, e.g. 0.0.0.0",
            ));
        }
        if !self.server.public_url.is_empty() {
            check_http_url("server.public_url", &self.server.public_url)?;
            self.server.public_url = self.server.public_url.trim_end_matches('/').to_string();
        }
        let job_secs = self.create_meters.job_processing_secs;
        if !(job_secs.is_finite() && (0.0..=86_400.0).contains(&job_secs)) {
            return Err(SettingsError::new(
                "create_meters.job_processing_secs",
                format!("expected seconds from 0 to 86400, got {job_secs}"),
            ));
        }
        if self.limits.max_body_bytes == 0 {
            return Err(SettingsError::new(
                "limits.max_body_bytes",
                "expected a positive number of bytes",
            ));
        }
        if let Err(e) = tracing_subscriber::EnvFilter::builder().parse(&self.log.level) {
            return Err(SettingsError::new(
                "log.level",
                format!(
                    "expected a level (error, warn, info, debug, trace) or filter directives: {e}"
                ),
            ));
        }
        self.webhooks.validate()?;
        self.orgs.retain(|_, org| org.enabled);
        let mut seen_keys: HashMap<&str, &str> = HashMap::new();
        for (name, org) in &self.orgs {
            if !is_valid_org_name(name) {
                return Err(SettingsError::new(
                    format!("orgs.{name}"),
                    "expected an org name of 1-64 letters, digits, '-' or '_' (it is used in URLs)",
                ));
            }
            if org.api_key.trim().is_empty() {
                return Err(SettingsError::new(
                    format!("orgs.{name}.api_key"),
                    "expected a non-empty API key",
                ));
            }
            if let Some(other) = seen_keys.insert(org.api_key.as_str(), name.as_str()) {
                return Err(SettingsError::new(
                    format!("orgs.{name}.api_key"),
                    format!(
                        "expected a key unique to this org, but org `{other}` uses the same key"
                    ),
                ));
            }
            if !org.redirect_url.is_empty() {
                check_http_url(&format!("orgs.{name}.redirect_url"), &org.redirect_url)?;
            }
            if !org.webhook_url.is_empty() {
                let key = format!("orgs.{name}.webhook_url");
                check_http_url(&key, &org.webhook_url)?;
                check_receiver(&key, &org.webhook_url, &self.webhooks)?;
            }
            if !org.signing_secret.is_empty() {
                crate::webhooks::signing::SigningKey::parse(&org.signing_secret)
                    .map_err(|e| SettingsError::new(format!("orgs.{name}.signing_secret"), e))?;
            }
            for (title, region) in &org.flows.0 {
                let key = format!("orgs.{name}.flows");
                if !is_valid_flow_title(title) {
                    return Err(SettingsError::new(
                        key,
                        format!(
                            "flow title {title:?}: expected 1-64 lower-case letters, digits, '-' or '_' (it is used in URLs)"
                        ),
                    ));
                }
                if RESERVED_FLOW_TITLES.contains(&title.as_str()) {
                    return Err(SettingsError::new(
                        key,
                        format!("flow title {title:?} is reserved for the staging test utility"),
                    ));
                }
                if !FLOW_REGIONS.contains(region) {
                    return Err(SettingsError::new(
                        key,
                        format!(
                            "flow {title:?}: the mock has Connect flows for CAISO, NYISO, PJM and ERCOT, not {region}"
                        ),
                    ));
                }
            }
        }
        if !self.scenarios.file.is_empty() {
            crate::scenarios::Catalogue::load(Some(Path::new(&self.scenarios.file)))
                .map_err(|e| SettingsError::new("scenarios.file", e.to_string()))?;
        }
        Ok(self)
    }

    /// The base URL for links and redirects, given the port actually bound.
    pub fn public_url(&self, bound_port: u16) -> String {
        if self.server.public_url.is_empty() {
            format!("http://{}:{bound_port}", self.server.public_host())
        } else {
            self.server.public_url.clone()
        }
    }
}

/// Flow titles are the second path segment of Connect URLs.
pub fn is_valid_flow_title(title: &str) -> bool {
    !title.is_empty()
        && title.len() <= 64
        && title
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

impl WebhookSettings {
    fn validate(&self) -> Result<(), SettingsError> {
        if self.timeout.is_zero() {
            return Err(SettingsError::new(
                "webhooks.timeout",
                "expected a duration greater than 0 (Leap: \"10s\")",
            ));
        }
        let n = self.retry_schedule.len();
        if n == 0 || n > MAX_RETRY_SCHEDULE {
            return Err(SettingsError::new(
                "webhooks.retry_schedule",
                format!(
                    "expected 1 to {MAX_RETRY_SCHEDULE} waits (one per attempt, the first before the \
                     first attempt), got {n}; Leap's is \"0s,1m,2m,4m,8m,16m,29m,1h,2h,4h\""
                ),
            ));
        }
        if self.max_concurrency == 0 {
            return Err(SettingsError::new(
                "webhooks.max_concurrency",
                "expected at least 1 request in flight",
            ));
        }
        for (key, p) in [
            (
                "webhooks.faults.duplicate_probability",
                self.faults.duplicate_probability,
            ),
            (
                "webhooks.faults.reorder_probability",
                self.faults.reorder_probability,
            ),
        ] {
            if !(0.0..=1.0).contains(&p) {
                return Err(SettingsError::new(
                    key,
                    format!("expected a probability from 0 to 1, got {p}"),
                ));
            }
        }
        if self.faults.delay_min > self.faults.delay_max {
            return Err(SettingsError::new(
                "webhooks.faults.delay_min",
                "expected delay_min <= delay_max",
            ));
        }
        for host in &self.allowed_hosts {
            if !crate::webhooks::policy::is_valid_host_pattern(host) {
                return Err(SettingsError::new(
                    "webhooks.allowed_hosts",
                    format!(
                        "expected host names such as \"hooks.example.com\" or \"*.example.com\", got {host:?}"
                    ),
                ));
            }
        }
        if !self.ca_file.is_empty() {
            crate::webhooks::client::read_ca_file(Path::new(&self.ca_file))
                .map_err(|e| SettingsError::new("webhooks.ca_file", e))?;
        }
        if !self.signing_secret.is_empty() {
            crate::webhooks::signing::SigningKey::parse(&self.signing_secret)
                .map_err(|e| SettingsError::new("webhooks.signing_secret", e))?;
        }
        Ok(())
    }
}

/// Under strict mode or a host allowlist, an org's `webhook_url` must pass the same rules as a
/// subscription made through the API: start-up fails rather than delivering where Leap would not.
fn check_receiver(key: &str, value: &str, webhooks: &WebhookSettings) -> Result<(), SettingsError> {
    use crate::domain::subscription::ReceiverPolicy;
    let rules = crate::webhooks::policy::ReceiverRules::from_settings(webhooks);
    match Url::parse(value) {
        Ok(url) => rules
            .check(&url)
            .map_err(|why| SettingsError::new(key, why)),
        Err(_) => Ok(()),
    }
}

/// Org names appear in URL paths, so they are restricted to URL-safe characters.
pub fn is_valid_org_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn check_http_url(key: &str, value: &str) -> Result<(), SettingsError> {
    match Url::parse(value) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(()),
        _ => Err(SettingsError::new(
            key,
            format!("expected an absolute http:// or https:// URL, got {value:?}"),
        )),
    }
}

/// The full key of a deserialisation error: serde reports missing and unknown fields at the
/// enclosing table, so the field named in the message is appended.
fn key_of(path: &str, message: &str) -> String {
    // The config crate names missing fields by their full key itself.
    if let Some(rest) = message.strip_prefix(MISSING_PREFIX) {
        return rest.trim_end_matches('"').to_string();
    }
    let path = if path == "." { "" } else { path };
    let field = ["missing field `", "unknown field `"]
        .iter()
        .find_map(|p| message.strip_prefix(p))
        .and_then(|rest| rest.split('`').next());
    match field {
        Some(f) if !path.ends_with(f) && path.is_empty() => f.to_string(),
        Some(f) if !path.ends_with(f) => format!("{path}.{f}"),
        _ => path.to_string(),
    }
}

const MISSING_PREFIX: &str = "missing configuration field \"";

/// serde messages carry a trailing location from the config crate; keep the useful part.
fn clean_serde_message(message: &str) -> String {
    if message.starts_with(MISSING_PREFIX) || message.starts_with("missing field") {
        return "this key is required but was not set".to_string();
    }
    let message = message.split(" for key `").next().unwrap_or(message);
    let message = message
        .split(" in the environment")
        .next()
        .unwrap_or(message);
    message.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_load_with_demo_org() {
        let s = Settings::load_from(None, HashMap::new()).expect("defaults are valid");
        assert_eq!(s.server.port, 8080);
        assert_eq!(s.server.host, "0.0.0.0");
        assert_eq!(s.time_scale, 1.0);
        assert_eq!(s.orgs["demo"].api_key, "leap-mock-demo-key");
        assert_eq!(s.public_url(8080), "http://localhost:8080");
    }

    #[test]
    fn local_url_uses_the_configured_host_or_the_wildcards_loopback() {
        for (host, url) in [
            ("0.0.0.0", "http://127.0.0.1:8080"),
            ("::", "http://[::1]:8080"),
            ("127.0.0.2", "http://127.0.0.2:8080"),
            ("::1", "http://[::1]:8080"),
            ("fd00::2", "http://[fd00::2]:8080"),
            ("localhost", "http://localhost:8080"),
        ] {
            let s = Settings::load_from(None, env(&[("LEAP_MOCK__SERVER__HOST", host)]))
                .expect("valid");
            assert_eq!(s.server.local_url(), url, "{host}");
        }
    }

    #[test]
    fn default_public_url_is_localhost_unless_bound_to_another_address() {
        for (host, url) in [
            ("0.0.0.0", "http://localhost:8080"),
            ("::", "http://localhost:8080"),
            ("127.0.0.1", "http://localhost:8080"),
            ("::1", "http://localhost:8080"),
            ("127.0.0.2", "http://127.0.0.2:8080"),
            ("fd00::2", "http://[fd00::2]:8080"),
            ("mock.internal", "http://mock.internal:8080"),
        ] {
            let s = Settings::load_from(None, env(&[("LEAP_MOCK__SERVER__HOST", host)]))
                .expect("valid");
            assert_eq!(s.public_url(8080), url, "{host}");
        }
        let s = Settings::load_from(
            None,
            env(&[
                ("LEAP_MOCK__SERVER__HOST", "127.0.0.2"),
                ("LEAP_MOCK__SERVER__PUBLIC_URL", "https://mock.example/"),
            ]),
        )
        .expect("valid");
        assert_eq!(
            s.public_url(8080),
            "https://mock.example",
            "a set public_url wins"
        );
    }

    #[test]
    fn env_overrides_and_adds_orgs() {
        let s = Settings::load_from(
            None,
            env(&[
                ("LEAP_MOCK__SERVER__PORT", "9999"),
                ("LEAP_MOCK__TIME_SCALE", "0.001"),
                ("LEAP_MOCK__ORGS__ACME__API_KEY", "acme-key"),
                (
                    "LEAP_MOCK__ORGS__ACME__REDIRECT_URL",
                    "https://acme.test/done",
                ),
            ]),
        )
        .expect("valid");
        assert_eq!(s.server.port, 9999);
        assert_eq!(s.time_scale, 0.001);
        assert_eq!(s.orgs["acme"].redirect_url, "https://acme.test/done");
        assert!(s.orgs.contains_key("demo"));
    }

    #[test]
    fn numeric_api_key_from_env_stays_a_string() {
        let s = Settings::load_from(None, env(&[("LEAP_MOCK__ORGS__N__API_KEY", "12345")]))
            .expect("valid");
        assert_eq!(s.orgs["n"].api_key, "12345");
    }

    #[test]
    fn bad_values_name_their_key() {
        let cases = [
            ("LEAP_MOCK__SERVER__PORT", "abc", "server.port"),
            ("LEAP_MOCK__SERVER__PORT", "70000", "server.port"),
            ("LEAP_MOCK__TIME_SCALE", "-1", "time_scale"),
            ("LEAP_MOCK__TIME_SCALE", "fast", "time_scale"),
            ("LEAP_MOCK__SERVER__PROT", "1", "server.prot"),
            ("LEAP_MOCK__LOG__FORMAT", "xml", "log.format"),
            ("LEAP_MOCK__LOG__LEVEL", "loud=[", "log.level"),
            (
                "LEAP_MOCK__ORGS__DEMO__REDIRECT_URL",
                "not a url",
                "orgs.demo.redirect_url",
            ),
            (
                "LEAP_MOCK__ORGS__X__REDIRECT_URL",
                "https://x.test",
                "orgs.x.api_key",
            ),
            (
                "LEAP_MOCK__LIMITS__MAX_BODY_BYTES",
                "0",
                "limits.max_body_bytes",
            ),
        ];
        for (var, value, key) in cases {
            let err = Settings::load_from(None, env(&[(var, value)]))
                .expect_err(&format!("{var}={value} must be rejected"));
            eprintln!("{err}");
            assert!(
                err.key.starts_with(key),
                "{var}={value}: expected key {key}, got {err}"
            );
        }
    }

    #[test]
    fn toml_syntax_errors_fit_on_one_line() {
        let path = std::env::temp_dir().join(format!("leap-mock-{}.toml", uuid::Uuid::new_v4()));
        std::fs::write(&path, "[server\nport = 1\n").expect("temp file");
        let err = Settings::load_from(Some(&path), HashMap::new()).expect_err("syntax error");
        let _ = std::fs::remove_file(&path);
        let line = err.to_string();
        assert!(!line.contains('\n'), "{line}");
        assert!(line.contains("line 1, column 8"), "{line}");
        assert!(line.contains("expected `]`"), "{line}");
    }

    #[test]
    fn disabled_org_is_removed() {
        let s = Settings::load_from(None, env(&[("LEAP_MOCK__ORGS__DEMO__ENABLED", "false")]))
            .expect("valid");
        assert!(s.orgs.is_empty());
    }

    #[test]
    fn flows_default_and_parse_from_env_string_or_table() {
        let s = Settings::load_from(None, HashMap::new()).expect("valid");
        let flows = s.orgs["demo"].flows();
        assert_eq!(flows["ca-utilities"], TransmissionRegion::Caiso);
        assert_eq!(flows["tx-address"], TransmissionRegion::Ercot);
        assert_eq!(flows.len(), 4);

        let s = Settings::load_from(
            None,
            env(&[(
                "LEAP_MOCK__ORGS__DEMO__FLOWS",
                "solar-ca=CAISO, solar-ny=nyiso",
            )]),
        )
        .expect("valid");
        let flows = s.orgs["demo"].flows();
        assert_eq!(flows.len(), 2, "an org's own flows replace the defaults");
        assert_eq!(flows["solar-ny"], TransmissionRegion::Nyiso);

        let s = Settings::load_from(
            None,
            env(&[("LEAP_MOCK__ORGS__DEMO__FLOWS__HOME_TX", "ERCOT")]),
        )
        .expect("valid");
        assert_eq!(s.orgs["demo"].flows()["home_tx"], TransmissionRegion::Ercot);
    }

    #[test]
    fn bad_flows_and_scenario_files_name_their_key() {
        for value in [
            "x=MARS",
            "nopair",
            "Big=CAISO",
            "a=ISONE",
            "staging-test-utility-caiso=CAISO",
        ] {
            let err = Settings::load_from(None, env(&[("LEAP_MOCK__ORGS__DEMO__FLOWS", value)]))
                .expect_err(value);
            assert!(err.key.starts_with("orgs.demo.flows"), "{value}: {err}");
        }
        let err = Settings::load_from(
            None,
            env(&[("LEAP_MOCK__SCENARIOS__FILE", "/nonexistent/scenarios.toml")]),
        )
        .expect_err("missing file");
        assert_eq!(err.key, "scenarios.file", "{err}");
    }

    #[test]
    fn env_name_maps_keys() {
        assert_eq!(env_name("server.port"), "LEAP_MOCK__SERVER__PORT");
        assert_eq!(
            env_name("orgs.acme.api_key"),
            "LEAP_MOCK__ORGS__ACME__API_KEY"
        );
    }
}
