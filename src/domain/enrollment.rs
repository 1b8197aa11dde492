//! A meter's enrollment: global status, participation preferences, program enrollments and
//! required actions — and the one place where they change, returning the webhooks the change
//! causes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::enums::{ActionType, EnrollmentStatus, ParticipationPreference, Program};
use super::events::EventPayload;
use super::meter::MeterIdentity;
use super::validate::Problems;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParticipationPeriod {
    pub participation_preference: ParticipationPreference,
    pub start_time: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnrollmentDeadline {
    pub enrollment_deadline_date_time: DateTime<Utc>,
    pub activation_date_time: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgramEnrollment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program_identifier: Option<Program>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_period: Option<String>,
    pub delivery_period_start_date_time: DateTime<Utc>,
    pub delivery_period_end_date_time: DateTime<Utc>,
    pub enrollment_status: EnrollmentStatus,
    pub enrollment_deadlines: Vec<EnrollmentDeadline>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub market_group_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub market_group_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequiredAction {
    pub program_identifier: Program,
    pub delivery_period: String,
    pub enrollment_deadline_date_time: DateTime<Utc>,
    pub action_type: ActionType,
    pub action_description: String,
    pub action_code: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RequiredActions {
    #[serde(default)]
    pub partner: Vec<RequiredAction>,
    #[serde(default)]
    pub leap: Vec<RequiredAction>,
}

/// The partner half of the required actions, as the required-actions webhook carries it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PartnerRequiredActions {
    #[serde(default)]
    pub partner: Vec<RequiredAction>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Enrollment {
    pub global_enrollment_status: EnrollmentStatus,
    #[serde(default)]
    pub participation_preferences: Vec<ParticipationPeriod>,
    #[serde(default)]
    pub program_enrollment: Vec<ProgramEnrollment>,
    #[serde(default)]
    pub required_actions: RequiredActions,
}

/// A change to a meter's enrollment; absent members stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrollmentChange {
    #[serde(default)]
    pub global_enrollment_status: Option<EnrollmentStatus>,
    /// A new participation period; it closes the open period it overlaps (Leap keeps history).
    #[serde(default)]
    pub participation: Option<ParticipationPeriod>,
    /// Replaces the required actions.
    #[serde(default)]
    pub required_actions: Option<RequiredActions>,
    /// Replaces the program enrollments.
    #[serde(default)]
    pub program_enrollment: Option<Vec<ProgramEnrollment>>,
}

impl Enrollment {
    /// A meter Leap has just created: PENDING, nothing else yet.
    pub fn new_pending() -> Self {
        Enrollment {
            global_enrollment_status: EnrollmentStatus::Pending,
            participation_preferences: Vec::new(),
            program_enrollment: Vec::new(),
            required_actions: RequiredActions::default(),
        }
    }

    fn validate(change: &EnrollmentChange) -> Result<(), Problems> {
        let mut p = Problems::default();
        if let Some(period) = &change.participation {
            if period.end_time.is_some_and(|end| end <= period.start_time) {
                p.push("participation.end_time", "must be after start_time");
            }
        }
        for (i, program) in change.program_enrollment.iter().flatten().enumerate() {
            if program.delivery_period_end_date_time <= program.delivery_period_start_date_time {
                p.push(
                    format!("program_enrollment[{i}].delivery_period_end_date_time"),
                    "must be after delivery_period_start_date_time",
                );
            }
            if program.market_group_id.is_some() != program.market_group_name.is_some() {
                p.push(
                    format!("program_enrollment[{i}].market_group_name"),
                    "market_group_id and market_group_name go together",
                );
            }
        }
        if change == &EnrollmentChange::default() {
            p.push(
                "",
                "nothing to change: give global_enrollment_status, participation, required_actions or program_enrollment",
            );
        }
        p.into_result()
    }

    /// Applies `change` (all or nothing) and returns the webhooks it causes:
    /// global-status (if the status changed), required-actions (if the partner's list changed),
    /// participation-status (if a period was given), group (for each market group the meter
    /// newly joins with an ACTIVE enrollment).
    pub fn apply(
        &mut self,
        change: EnrollmentChange,
        id: &MeterIdentity,
    ) -> Result<Vec<EventPayload>, Problems> {
        Self::validate(&change)?;
        let mut events = Vec::new();

        if let Some(status) = change.global_enrollment_status {
            if status != self.global_enrollment_status {
                self.global_enrollment_status = status;
                events.push(EventPayload::GlobalStatusUpdated {
                    meter_id: id.meter_id,
                    partner_reference: id.partner_reference.clone(),
                    transmission_region: id.transmission_region,
                    meter_type: id.meter_type,
                    global_enrollment_status: status,
                });
            }
        }

        if let Some(actions) = change.required_actions {
            let partner_changed = actions.partner != self.required_actions.partner;
            self.required_actions = actions;
            if partner_changed {
                events.push(EventPayload::RequiredActionsUpdated {
                    meter_id: id.meter_id,
                    partner_reference: id.partner_reference.clone(),
                    transmission_region: id.transmission_region,
                    meter_type: id.meter_type,
                    global_enrollment_status: self.global_enrollment_status,
                    required_actions: PartnerRequiredActions {
                        partner: self.required_actions.partner.clone(),
                    },
                });
            }
        }

        if let Some(period) = change.participation {
            for open in self.participation_preferences.iter_mut() {
                let still_open = open.end_time.is_none_or(|end| end > period.start_time);
                if open.start_time < period.start_time && still_open {
                    open.end_time = Some(period.start_time);
                }
            }
            self.participation_preferences
                .retain(|p| p.start_time < period.start_time);
            events.push(EventPayload::ParticipationStatusUpdated {
                meter_id: id.meter_id,
                partner_reference: id.partner_reference.clone(),
                transmission_region: id.transmission_region,
                meter_type: id.meter_type,
                participation_preference: period.participation_preference,
                start_time: period.start_time,
                end_time: period.end_time,
            });
            self.participation_preferences.push(period);
        }

        if let Some(programs) = change.program_enrollment {
            let active_groups = |list: &[ProgramEnrollment]| -> Vec<Uuid> {
                list.iter()
                    .filter(|p| p.enrollment_status == EnrollmentStatus::Active)
                    .filter_map(|p| p.market_group_id)
                    .collect()
            };
            let before = active_groups(&self.program_enrollment);
            for program in &programs {
                let (Some(group_id), Some(name)) =
                    (program.market_group_id, program.market_group_name.as_ref())
                else {
                    continue;
                };
                if program.enrollment_status == EnrollmentStatus::Active
                    && !before.contains(&group_id)
                {
                    events.push(EventPayload::GroupUpdated {
                        market_group_id: group_id,
                        market_group_name: name.clone(),
                        start_date_time: program.delivery_period_start_date_time,
                        end_date_time: program.delivery_period_end_date_time,
                        meter_ids: vec![id.meter_id],
                    });
                }
            }
            self.program_enrollment = programs;
        }

        Ok(events)
    }
}
