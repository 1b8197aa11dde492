//! The test-case catalogue: parsed from `config/scenarios.toml` (embedded) plus an optional user
//! file, checked once at start-up, and turned into ready-to-run domain commands. Every problem
//! names the file, the test case and the step at fault.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::domain::enrollment::{
    Enrollment, EnrollmentChange, EnrollmentDeadline, ParticipationPeriod, ProgramEnrollment,
    RequiredAction, RequiredActions,
};
use crate::domain::enums::{
    ActionType, AuthorizationStatus, EnrollmentStatus, ParticipationPreference, Program,
    SessionStatus, TransmissionRegion, UtilityName,
};
use crate::domain::meter::{MeterData, MeterIdentity};

/// The catalogue built into the binary.
pub const BUILTIN_TOML: &str = include_str!("../../config/scenarios.toml");

/// A catalogue that could not be accepted, located as precisely as we can.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueError {
    /// `built-in catalogue` or the user file's path.
    pub source: String,
    pub test_case: Option<String>,
    /// 1-based step number.
    pub step: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for CatalogueError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.source)?;
        if let Some(case) = &self.test_case {
            write!(f, ": test case `{case}`")?;
        }
        if let Some(step) = self.step {
            write!(f, ", step {step}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for CatalogueError {}

/// The ISOs that have a staging test utility.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Iso {
    #[serde(rename = "CAISO")]
    Caiso,
    #[serde(rename = "NYISO")]
    Nyiso,
}

impl Iso {
    pub const ALL: [Iso; 2] = [Iso::Caiso, Iso::Nyiso];

    pub fn as_str(self) -> &'static str {
        match self {
            Iso::Caiso => "CAISO",
            Iso::Nyiso => "NYISO",
        }
    }

    pub fn region(self) -> TransmissionRegion {
        match self {
            Iso::Caiso => TransmissionRegion::Caiso,
            Iso::Nyiso => TransmissionRegion::Nyiso,
        }
    }

    pub fn from_region(region: TransmissionRegion) -> Option<Iso> {
        match region {
            TransmissionRegion::Caiso => Some(Iso::Caiso),
            TransmissionRegion::Nyiso => Some(Iso::Nyiso),
            _ => None,
        }
    }

    /// The test utility's `utility_name`.
    pub fn test_utility(self) -> UtilityName {
        match self {
            Iso::Caiso => UtilityName::LeapTestCaiso,
            Iso::Nyiso => UtilityName::LeapTestNyiso,
        }
    }

    /// The test utility's id in Leap's URLs (`/<org>/<id>/getting-started`).
    pub fn slug(self) -> &'static str {
        match self {
            Iso::Caiso => "staging-test-utility-caiso",
            Iso::Nyiso => "staging-test-utility-nyiso",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Iso> {
        Iso::ALL.into_iter().find(|iso| iso.slug() == slug)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    Connect,
    Meters,
}

/// Where the browser goes once the steps before the outcome have run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The org's final redirect URL, with the original query.
    Redirect,
    /// Leap's Error page, whose Confirm returns to the utility selector.
    Error,
}

/// A program delivery period (`[programs.<name>]`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    pub program_identifier: Program,
    pub delivery_period: String,
    pub delivery_period_start_date_time: DateTime<Utc>,
    pub delivery_period_end_date_time: DateTime<Utc>,
    pub enrollment_deadlines: Vec<EnrollmentDeadline>,
}

/// A participation period; the start defaults to the moment the step runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParticipationPlan {
    pub participation_preference: ParticipationPreference,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// An enrollment change with every name resolved; only the participation start waits for the
/// moment the step runs.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EnrollmentPlan {
    pub global_enrollment_status: Option<EnrollmentStatus>,
    pub program_enrollment: Option<Vec<ProgramEnrollment>>,
    pub required_actions: Option<RequiredActions>,
    pub participation: Option<ParticipationPlan>,
}

impl EnrollmentPlan {
    pub fn is_empty(&self) -> bool {
        self == &EnrollmentPlan::default()
    }

    /// The domain change this plan makes when run at `now`.
    pub fn change(&self, now: DateTime<Utc>) -> EnrollmentChange {
        EnrollmentChange {
            global_enrollment_status: self.global_enrollment_status,
            participation: self.participation.as_ref().map(|p| ParticipationPeriod {
                participation_preference: p.participation_preference,
                start_time: p.start_time.unwrap_or(now),
                end_time: p.end_time,
                reason: p.reason.clone(),
            }),
            required_actions: self.required_actions.clone(),
            program_enrollment: self.program_enrollment.clone(),
        }
    }

    fn summary(&self) -> String {
        let mut parts = Vec::new();
        if let Some(s) = self.global_enrollment_status {
            parts.push(s.to_string());
        }
        for p in self.program_enrollment.iter().flatten() {
            let mut text = format!(
                "{} {}",
                p.delivery_period.as_deref().unwrap_or("-"),
                p.enrollment_status
            );
            if let Some(group) = &p.market_group_name {
                text.push_str(&format!(" (group {group})"));
            }
            parts.push(text);
        }
        if let Some(actions) = &self.required_actions {
            for a in actions.partner.iter().chain(&actions.leap) {
                parts.push(format!("action {} {}", a.action_type, a.action_code));
            }
            if actions.partner.is_empty() && actions.leap.is_empty() {
                parts.push("no required actions".into());
            }
        }
        if let Some(p) = &self.participation {
            parts.push(format!("participation {}", p.participation_preference));
        }
        parts.join(", ")
    }
}

/// One ready-to-run domain command.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Session(SessionStatus),
    Authorization {
        utility: UtilityName,
        status: AuthorizationStatus,
    },
    CreateMeter {
        profile: String,
        /// The profile with a placeholder `partner_reference` (the run's refId replaces it).
        data: Box<MeterData>,
        enrollment: EnrollmentPlan,
    },
    ChangeEnrollment {
        /// 1-based: the n-th meter created by the same run.
        meter: usize,
        enrollment: EnrollmentPlan,
    },
}

impl Command {
    pub fn name(&self) -> &'static str {
        match self {
            Command::Session(_) => "session",
            Command::Authorization { .. } => "authorization",
            Command::CreateMeter { .. } => "create_meter",
            Command::ChangeEnrollment { .. } => "change_enrollment",
        }
    }

    /// One line for people: the menu, `leap-mock test-cases`, the run view.
    pub fn summary(&self) -> String {
        match self {
            Command::Session(s) => format!("connect_session.updated {s}"),
            Command::Authorization { utility, status } => {
                format!("connect_session.authorization_updated {utility} {status}")
            }
            Command::CreateMeter {
                profile,
                data,
                enrollment,
            } => {
                let mut text = format!(
                    "create meter `{profile}` ({}, {})",
                    data.transmission_region, data.customer.city
                );
                if !enrollment.is_empty() {
                    text.push_str(": ");
                    text.push_str(&enrollment.summary());
                }
                text
            }
            Command::ChangeEnrollment { meter, enrollment } => {
                format!("change meter {meter}: {}", enrollment.summary())
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Leap time to wait before the step (scaled by `time_scale`).
    pub delay: Duration,
    pub command: Command,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TestCase {
    pub id: String,
    pub iso: Iso,
    pub group: Group,
    pub label: String,
    pub description: String,
    pub outcome: Outcome,
    pub steps: Vec<Step>,
}

impl TestCase {
    /// How many leading steps must run before the browser is answered: up to and including the
    /// last Connect (session / authorization) step.
    pub fn outcome_steps(&self) -> usize {
        self.steps
            .iter()
            .rposition(|s| {
                matches!(
                    s.command,
                    Command::Session(_) | Command::Authorization { .. }
                )
            })
            .map_or(0, |i| i + 1)
    }

    /// The catalogue entry as JSON (`GET /_mock/test-cases`).
    pub fn view(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id,
            "iso": self.iso,
            "group": self.group,
            "label": self.label,
            "description": self.description,
            "outcome": self.outcome,
            "steps": self.steps.iter().map(|s| serde_json::json!({
                "delay": humantime::format_duration(s.delay).to_string(),
                "command": s.command.name(),
                "summary": s.command.summary(),
            })).collect::<Vec<_>>(),
        })
    }
}

/// Every test case, in menu order.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    cases: Vec<Arc<TestCase>>,
}

impl Catalogue {
    /// The built-in catalogue, plus the user file when given.
    pub fn load(user_file: Option<&Path>) -> Result<Catalogue, CatalogueError> {
        let mut raw = RawFile::parse(BUILTIN_TOML, "built-in catalogue")?;
        let mut source = "built-in catalogue".to_string();
        if let Some(path) = user_file {
            source = path.display().to_string();
            let text = std::fs::read_to_string(path).map_err(|e| CatalogueError {
                source: source.clone(),
                test_case: None,
                step: None,
                message: format!("cannot read the file: {e}"),
            })?;
            raw.merge(RawFile::parse(&text, &source)?);
        }
        raw.resolve(&source)
    }

    pub fn builtin() -> Result<Catalogue, CatalogueError> {
        Self::load(None)
    }

    pub fn cases(&self) -> &[Arc<TestCase>] {
        &self.cases
    }

    pub fn get(&self, id: &str) -> Option<&Arc<TestCase>> {
        self.cases.iter().find(|c| c.id == id)
    }

    pub fn for_iso(&self, iso: Iso) -> impl Iterator<Item = &Arc<TestCase>> {
        self.cases.iter().filter(move |c| c.iso == iso)
    }
}

/// A file as written: names not yet resolved, steps kept raw so errors can say where they are.
#[derive(Debug, Default)]
struct RawFile {
    programs: BTreeMap<String, (String, Period)>,
    profiles: BTreeMap<String, (String, toml::Table)>,
    cases: Vec<(String, toml::Table)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTop {
    #[serde(default)]
    programs: BTreeMap<String, toml::Table>,
    #[serde(default)]
    meter_profiles: BTreeMap<String, toml::Table>,
    #[serde(default)]
    test_cases: Vec<toml::Table>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    // Read from the table before (errors need it); declared so deny_unknown_fields accepts it.
    #[allow(dead_code)]
    id: String,
    iso: String,
    group: Group,
    label: String,
    description: String,
    outcome: Outcome,
    steps: Vec<toml::Value>,
}

#[derive(Deserialize)]
#[serde(tag = "command", rename_all = "snake_case", deny_unknown_fields)]
enum RawCommand {
    Session {
        status: SessionStatus,
    },
    Authorization {
        status: AuthorizationStatus,
        #[serde(default)]
        utility: Option<UtilityName>,
    },
    CreateMeter {
        profile: String,
        #[serde(flatten)]
        enrollment: RawEnrollment,
    },
    ChangeEnrollment {
        meter: usize,
        #[serde(flatten)]
        enrollment: RawEnrollment,
    },
}

#[derive(Deserialize, Default)]
struct RawEnrollment {
    #[serde(default)]
    global_enrollment_status: Option<EnrollmentStatus>,
    #[serde(default)]
    programs: Option<Vec<RawProgram>>,
    #[serde(default)]
    required_actions: Option<Vec<RawAction>>,
    #[serde(default)]
    participation: Option<ParticipationPlan>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProgram {
    period: String,
    enrollment_status: EnrollmentStatus,
    #[serde(default)]
    market_group_name: Option<String>,
    #[serde(default)]
    market_group_id: Option<Uuid>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
enum Owner {
    #[default]
    Partner,
    Leap,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAction {
    period: String,
    action_type: ActionType,
    action_code: String,
    action_description: String,
    #[serde(default)]
    owner: Owner,
}

fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// A market group's id, stable for its name (Leap's groups are shared entities).
pub fn market_group_id(name: &str) -> Uuid {
    let digest = Sha256::digest(format!("leap-mock market group {name}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// Strips serde's trailing location noise from toml messages, keeping them on one line.
fn one_line(message: impl std::fmt::Display) -> String {
    message
        .to_string()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

impl RawFile {
    fn parse(text: &str, source: &str) -> Result<RawFile, CatalogueError> {
        let err = |message: String| CatalogueError {
            source: source.to_string(),
            test_case: None,
            step: None,
            message,
        };
        let top: RawTop = toml::from_str(text).map_err(|e| err(one_line(e)))?;
        let mut raw = RawFile::default();
        for (name, table) in top.programs {
            let period: Period = toml::Value::Table(table)
                .try_into()
                .map_err(|e| err(format!("program period `{name}`: {}", one_line(e))))?;
            if period.delivery_period_end_date_time <= period.delivery_period_start_date_time {
                return Err(err(format!(
                    "program period `{name}`: delivery_period_end_date_time must be after the start"
                )));
            }
            if period.enrollment_deadlines.is_empty() {
                return Err(err(format!(
                    "program period `{name}`: list at least one enrollment deadline"
                )));
            }
            raw.programs.insert(name, (source.to_string(), period));
        }
        for (name, table) in top.meter_profiles {
            raw.profiles.insert(name, (source.to_string(), table));
        }
        for table in top.test_cases {
            let id = table
                .get("id")
                .and_then(|v| v.as_str())
                .map(str::to_string)
                .ok_or_else(|| err("a test case has no `id` string".into()))?;
            if raw.cases.iter().any(|(other, _)| *other == id) {
                return Err(CatalogueError {
                    source: source.to_string(),
                    test_case: Some(id),
                    step: None,
                    message: "defined twice in this file".into(),
                });
            }
            raw.cases.push((id, table));
        }
        Ok(raw)
    }

    /// Adds `other`'s entries, replacing same-named ones in place.
    fn merge(&mut self, other: RawFile) {
        self.programs.extend(other.programs);
        self.profiles.extend(other.profiles);
        for (id, table) in other.cases {
            match self.cases.iter_mut().find(|(existing, _)| *existing == id) {
                Some(slot) => slot.1 = table,
                None => self.cases.push((id, table)),
            }
        }
    }

    fn resolve(self, source: &str) -> Result<Catalogue, CatalogueError> {
        let mut profiles: BTreeMap<String, MeterData> = BTreeMap::new();
        for (name, (from, table)) in &self.profiles {
            let data = profile_data(table).map_err(|message| CatalogueError {
                source: from.clone(),
                test_case: None,
                step: None,
                message: format!("meter profile `{name}`: {message}"),
            })?;
            profiles.insert(name.clone(), data);
        }
        let periods: BTreeMap<String, Period> = self
            .programs
            .into_iter()
            .map(|(name, (_, period))| (name, period))
            .collect();
        let resolver = Resolver {
            profiles: &profiles,
            periods: &periods,
        };
        let mut cases = Vec::new();
        for (id, table) in self.cases {
            let case = resolver
                .case(&id, table)
                .map_err(|(step, message)| CatalogueError {
                    source: source.to_string(),
                    test_case: Some(id.clone()),
                    step,
                    message,
                })?;
            cases.push(Arc::new(case));
        }
        Ok(Catalogue { cases })
    }
}

/// A profile table as `MeterData`, with a placeholder reference, checked as Leap would.
fn profile_data(table: &toml::Table) -> Result<MeterData, String> {
    let mut table = table.clone();
    if table.contains_key("partner_reference") {
        return Err("must not set partner_reference: the run's refId is used".into());
    }
    table.insert(
        "partner_reference".into(),
        toml::Value::String("profile-check".into()),
    );
    let data: MeterData = toml::Value::Table(table).try_into().map_err(one_line)?;
    data.validate("").map_err(|p| {
        p.0.iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    Ok(data)
}

struct Resolver<'a> {
    profiles: &'a BTreeMap<String, MeterData>,
    periods: &'a BTreeMap<String, Period>,
}

type Located = (Option<usize>, String);

impl Resolver<'_> {
    fn case(&self, id: &str, table: toml::Table) -> Result<TestCase, Located> {
        if !is_valid_id(id) {
            return Err((
                None,
                "ids are 1-64 lower-case letters, digits or '_'".into(),
            ));
        }
        let raw: RawCase = toml::Value::Table(table)
            .try_into()
            .map_err(|e| (None, one_line(e)))?;
        let iso = match raw.iso.as_str() {
            "CAISO" => Iso::Caiso,
            "NYISO" => Iso::Nyiso,
            other => {
                return Err((
                    None,
                    format!("iso {other:?}: staging test utilities exist for CAISO and NYISO only"),
                ));
            }
        };
        for (field, value, max) in [
            ("label", &raw.label, 80),
            ("description", &raw.description, 300),
        ] {
            let n = value.chars().count();
            if value.trim().is_empty() || n > max {
                return Err((None, format!("{field} must be 1 to {max} characters")));
            }
        }
        if raw.steps.is_empty() {
            return Err((None, "list at least one step".into()));
        }
        let mut steps = Vec::new();
        let mut meters_created = 0usize;
        for (i, value) in raw.steps.into_iter().enumerate() {
            let at = Some(i + 1);
            let step = self
                .step(iso, value, meters_created)
                .map_err(|message| (at, message))?;
            if matches!(step.command, Command::CreateMeter { .. }) {
                meters_created += 1;
            }
            steps.push(step);
        }
        let completes = steps
            .iter()
            .any(|s| s.command == Command::Session(SessionStatus::Completed));
        match raw.outcome {
            Outcome::Redirect if !completes => {
                return Err((
                    None,
                    "outcome \"redirect\" needs a step { command = \"session\", status = \"COMPLETED\" }: Leap redirects only completed sessions".into(),
                ));
            }
            Outcome::Error if completes => {
                return Err((
                    None,
                    "outcome \"error\" cannot follow a COMPLETED session; use outcome \"redirect\""
                        .into(),
                ));
            }
            _ => {}
        }
        Ok(TestCase {
            id: id.to_string(),
            iso,
            group: raw.group,
            label: raw.label,
            description: raw.description,
            outcome: raw.outcome,
            steps,
        })
    }

    fn step(&self, iso: Iso, value: toml::Value, meters_before: usize) -> Result<Step, String> {
        let toml::Value::Table(mut table) = value else {
            return Err(
                "a step is a table such as { command = \"session\", status = \"COMPLETED\" }"
                    .into(),
            );
        };
        let delay = match table.remove("delay") {
            None => Duration::ZERO,
            Some(toml::Value::String(text)) => humantime::parse_duration(&text).map_err(|e| {
                format!("delay {text:?}: {e} (examples: \"0s\", \"30s\", \"2h\", \"1day\")")
            })?,
            Some(other) => {
                return Err(format!(
                    "delay must be a string such as \"30s\", got a {}",
                    other.type_str()
                ));
            }
        };
        let name = table
            .get("command")
            .and_then(|v| v.as_str())
            .unwrap_or("?")
            .to_string();
        let raw: RawCommand = toml::Value::Table(table)
            .try_into()
            .map_err(|e| format!("({name}) {}", one_line(e)))?;
        let command = match raw {
            RawCommand::Session { status } => {
                if status == SessionStatus::Created {
                    return Err("(session) CREATED is not a step: running a test case opens the session itself".into());
                }
                Command::Session(status)
            }
            RawCommand::Authorization { status, utility } => Command::Authorization {
                utility: utility.unwrap_or(iso.test_utility()),
                status,
            },
            RawCommand::CreateMeter {
                profile,
                enrollment,
            } => {
                let data = self.profiles.get(&profile).ok_or_else(|| {
                    format!(
                        "(create_meter) unknown meter profile `{profile}`; known: {}",
                        self.profiles.keys().cloned().collect::<Vec<_>>().join(", ")
                    )
                })?;
                if data.transmission_region != iso.region() {
                    return Err(format!(
                        "(create_meter) meter profile `{profile}` is in {}, but the test case is {}",
                        data.transmission_region,
                        iso.as_str()
                    ));
                }
                let enrollment = self
                    .enrollment(enrollment)
                    .map_err(|m| format!("(create_meter) {m}"))?;
                Command::CreateMeter {
                    profile,
                    data: Box::new(data.clone()),
                    enrollment,
                }
            }
            RawCommand::ChangeEnrollment { meter, enrollment } => {
                if meter == 0 || meter > meters_before {
                    return Err(format!(
                        "(change_enrollment) meter = {meter}: the steps before this one create {meters_before} meter(s); meter counts from 1"
                    ));
                }
                let enrollment = self
                    .enrollment(enrollment)
                    .map_err(|m| format!("(change_enrollment) {m}"))?;
                if enrollment.is_empty() {
                    return Err("(change_enrollment) nothing to change: give global_enrollment_status, programs, required_actions or participation".into());
                }
                Command::ChangeEnrollment { meter, enrollment }
            }
        };
        Ok(Step { delay, command })
    }

    fn period(&self, name: &str) -> Result<&Period, String> {
        self.periods.get(name).ok_or_else(|| {
            format!(
                "unknown program period `{name}`; known: {}",
                self.periods.keys().cloned().collect::<Vec<_>>().join(", ")
            )
        })
    }

    fn enrollment(&self, raw: RawEnrollment) -> Result<EnrollmentPlan, String> {
        let program_enrollment = match raw.programs {
            None => None,
            Some(list) => Some(
                list.into_iter()
                    .map(|p| {
                        let period = self.period(&p.period)?;
                        let group_id = match (&p.market_group_name, p.market_group_id) {
                            (Some(name), id) => Some(id.unwrap_or_else(|| market_group_id(name))),
                            (None, Some(_)) => {
                                return Err("market_group_id needs a market_group_name".into());
                            }
                            (None, None) => None,
                        };
                        Ok(ProgramEnrollment {
                            program_identifier: Some(period.program_identifier),
                            delivery_period: Some(period.delivery_period.clone()),
                            delivery_period_start_date_time: period.delivery_period_start_date_time,
                            delivery_period_end_date_time: period.delivery_period_end_date_time,
                            enrollment_status: p.enrollment_status,
                            enrollment_deadlines: period.enrollment_deadlines.clone(),
                            market_group_id: group_id,
                            market_group_name: p.market_group_name,
                        })
                    })
                    .collect::<Result<Vec<_>, String>>()?,
            ),
        };
        let required_actions = match raw.required_actions {
            None => None,
            Some(list) => {
                let mut actions = RequiredActions::default();
                for a in list {
                    let period = self.period(&a.period)?;
                    let deadline = period
                        .enrollment_deadlines
                        .first()
                        .map(|d| d.enrollment_deadline_date_time)
                        .unwrap_or(period.delivery_period_start_date_time);
                    let action = RequiredAction {
                        program_identifier: period.program_identifier,
                        delivery_period: period.delivery_period.clone(),
                        enrollment_deadline_date_time: deadline,
                        action_type: a.action_type,
                        action_description: a.action_description,
                        action_code: a.action_code,
                    };
                    match a.owner {
                        Owner::Partner => actions.partner.push(action),
                        Owner::Leap => actions.leap.push(action),
                    }
                }
                Some(actions)
            }
        };
        let plan = EnrollmentPlan {
            global_enrollment_status: raw.global_enrollment_status,
            program_enrollment,
            required_actions,
            participation: raw.participation,
        };
        if !plan.is_empty() {
            // The domain's own checks, on a scratch enrollment, so a bad plan fails at start-up.
            let scratch = MeterIdentity {
                meter_id: Uuid::nil(),
                partner_reference: None,
                transmission_region: TransmissionRegion::Caiso,
                meter_type: None,
            };
            Enrollment::new_pending()
                .apply(plan.change(Utc::now()), &scratch)
                .map_err(|p| {
                    p.0.iter()
                        .map(|e| format!("{}: {}", e.field, e.message))
                        .collect::<Vec<_>>()
                        .join("; ")
                })?;
        }
        Ok(plan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn builtin_catalogue_loads_with_both_isos() {
        let c = Catalogue::builtin().expect("built-in catalogue is valid");
        for id in [
            "caiso_connect_auth_success",
            "caiso_meters_active",
            "caiso_meters_multiple",
            "nyiso_meters_multiple",
            "nyiso_connect_agreement_rejected",
        ] {
            assert!(c.get(id).is_some(), "{id} missing");
        }
        assert!(c.for_iso(Iso::Caiso).count() >= 14);
        assert!(c.for_iso(Iso::Nyiso).count() >= 14);
        let active = c.get("caiso_meters_active").unwrap();
        assert_eq!(active.outcome_steps(), 3);
        assert_eq!(active.outcome, Outcome::Redirect);
        let Command::CreateMeter { enrollment, .. } = &active.steps[3].command else {
            panic!("step 4 creates a meter");
        };
        let program = &enrollment.program_enrollment.as_ref().unwrap()[0];
        assert_eq!(
            program.market_group_id,
            Some(market_group_id("PGSB_1_PDRP68"))
        );
    }

    fn load_user(text: &str) -> Result<Catalogue, CatalogueError> {
        let mut file = tempfile();
        file.1.write_all(text.as_bytes()).unwrap();
        Catalogue::load(Some(&file.0))
    }

    fn tempfile() -> (std::path::PathBuf, std::fs::File) {
        let path =
            std::env::temp_dir().join(format!("leap-mock-scenarios-{}.toml", Uuid::new_v4()));
        let file = std::fs::File::create(&path).unwrap();
        (path, file)
    }

    #[test]
    fn user_file_adds_and_replaces() {
        let c = load_user(
            r#"
[[test_cases]]
id = "caiso_connect_auth_success"
iso = "CAISO"
group = "connect"
label = "Replaced"
description = "Replaced by a user file."
outcome = "error"
steps = [{ command = "authorization", status = "FAILED", utility = "PGE" }]

[[test_cases]]
id = "my_case"
iso = "NYISO"
group = "meters"
label = "Mine"
description = "Added by a user file."
outcome = "redirect"
steps = [
  { command = "session", status = "COMPLETED" },
  { delay = "2h", command = "create_meter", profile = "nyiso_home_manhattan" },
  { delay = "1day", command = "change_enrollment", meter = 1, global_enrollment_status = "ACTIVE" },
]
"#,
        )
        .expect("valid user file");
        let builtin = Catalogue::builtin().unwrap();
        assert_eq!(c.cases().len(), builtin.cases().len() + 1);
        assert_eq!(c.cases()[0].label, "Replaced", "replaced in place");
        assert_eq!(c.cases().last().unwrap().id, "my_case");
        assert_eq!(
            c.get("my_case").unwrap().steps[2].delay,
            Duration::from_secs(86_400)
        );
    }

    #[test]
    fn readme_example_loads() {
        let readme = include_str!("../../README.md");
        let start = readme
            .find("# my-cases.toml")
            .expect("README has the custom test case example");
        let block = &readme[start..];
        let block = &block[..block.find("```").expect("end of the example")];
        let c = load_user(block).expect("the README example is valid");
        let case = c.get("caiso_meters_lost_authorization").unwrap();
        assert_eq!(case.steps[4].delay, Duration::from_secs(7 * 86_400));
    }

    #[test]
    fn errors_name_the_test_case_and_step() {
        let cases = [
            (
                r#"[[test_cases]]
id = "bad_profile"
iso = "CAISO"
group = "meters"
label = "x"
description = "x"
outcome = "redirect"
steps = [{ command = "session", status = "COMPLETED" }, { command = "create_meter", profile = "nope" }]"#,
                "test case `bad_profile`, step 2",
                "unknown meter profile `nope`",
            ),
            (
                r#"[[test_cases]]
id = "bad_command"
iso = "NYISO"
group = "connect"
label = "x"
description = "x"
outcome = "error"
steps = [{ command = "explode" }]"#,
                "test case `bad_command`, step 1",
                "explode",
            ),
            (
                r#"[[test_cases]]
id = "bad_delay"
iso = "NYISO"
group = "connect"
label = "x"
description = "x"
outcome = "error"
steps = [{ command = "authorization", status = "INITIATED" }, { delay = "soon", command = "session", status = "CLOSED" }]"#,
                "test case `bad_delay`, step 2",
                "delay",
            ),
            (
                r#"[[test_cases]]
id = "bad_meter_ref"
iso = "NYISO"
group = "meters"
label = "x"
description = "x"
outcome = "redirect"
steps = [{ command = "session", status = "COMPLETED" }, { command = "change_enrollment", meter = 1, global_enrollment_status = "ACTIVE" }]"#,
                "test case `bad_meter_ref`, step 2",
                "create 0 meter",
            ),
            (
                r#"[[test_cases]]
id = "wrong_region"
iso = "NYISO"
group = "meters"
label = "x"
description = "x"
outcome = "redirect"
steps = [{ command = "session", status = "COMPLETED" }, { command = "create_meter", profile = "caiso_home_sf" }]"#,
                "test case `wrong_region`, step 2",
                "is in CAISO",
            ),
            (
                r#"[[test_cases]]
id = "redirect_without_completion"
iso = "CAISO"
group = "connect"
label = "x"
description = "x"
outcome = "redirect"
steps = [{ command = "authorization", status = "INITIATED" }]"#,
                "test case `redirect_without_completion`",
                "needs a step",
            ),
            (
                r#"[[test_cases]]
id = "bad_status"
iso = "CAISO"
group = "connect"
label = "x"
description = "x"
outcome = "error"
steps = [{ command = "authorization", status = "DONE" }]"#,
                "test case `bad_status`, step 1",
                "INITIATED, COMPLETED, FAILED",
            ),
            ("this is not toml", "", "TOML"),
        ];
        for (text, place, what) in cases {
            let err = load_user(text).expect_err(place).to_string();
            assert!(err.contains(place), "{err}");
            assert!(
                err.to_lowercase().contains(&what.to_lowercase()),
                "expected {what:?} in: {err}"
            );
        }
    }
}
