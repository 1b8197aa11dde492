//! Leap's enums with their exact wire spellings. Each is a Rust enum, so a value Leap does not
//! define cannot be constructed; parsing a wrong one names the accepted values.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Declares a string enum: variants, wire spellings, `ALL`, `as_str`, `Display`, `FromStr` and
/// serde (de)serialisation through the spelling.
macro_rules! leap_enum {
    ($(#[$meta:meta])* $name:ident ($what:literal) { $($variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// What the value is called in error messages.
            pub const WHAT: &'static str = $what;

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, UnknownValue> {
                match s {
                    $($wire => Ok($name::$variant),)+
                    _ => Err(UnknownValue {
                        what: $what,
                        got: s.chars().take(64).collect(),
                        expected: &[$($wire),+],
                    }),
                }
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = std::borrow::Cow::<str>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

/// A string that is not one of an enum's values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownValue {
    pub what: &'static str,
    pub got: String,
    pub expected: &'static [&'static str],
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown {} {:?}; expected one of: {}",
            self.what,
            self.got,
            self.expected.join(", ")
        )
    }
}

impl std::error::Error for UnknownValue {}

leap_enum!(TransmissionRegion ("transmission_region") {
    Caiso = "CAISO", Ercot = "ERCOT", Nyiso = "NYISO", Isone = "ISONE", Pjm = "PJM",
    Serc = "SERC", WeccSw = "WECC_SW", WeccPc = "WECC_PC",
});

leap_enum!(CustomerClassification ("customer_classification") {
    Residential = "RESIDENTIAL", Commercial = "COMMERCIAL",
});

leap_enum!(MeterType ("meter_type") {
    UtilityMeter = "UTILITY_METER", Submeter = "SUBMETER", Device = "DEVICE",
});

leap_enum!(LoadType ("load_type") {
    Hvac = "HVAC", EvCharging = "EV_CHARGING", BatteryStorage = "BATTERY_STORAGE",
    ColdStorage = "COLD_STORAGE", Pumping = "PUMPING", WaterHeating = "WATER_HEATING",
    BuildingAutomation = "BUILDING_AUTOMATION", Generation = "GENERATION",
    Manufacturing = "MANUFACTURING", Lighting = "LIGHTING", Other = "OTHER",
});

leap_enum!(EnrollmentStatus ("enrollment status") {
    Active = "ACTIVE", Eligible = "ELIGIBLE", Ineligible = "INELIGIBLE",
    NotParticipating = "NOT_PARTICIPATING", Pending = "PENDING",
});

leap_enum!(ParticipationPreference ("participation_preference") {
    Participate = "PARTICIPATE", Idle = "IDLE", Disenroll = "DISENROLL",
});

leap_enum!(ActionType ("action_type") {
    IsAuthorized = "IS_AUTHORIZED", DocumentsSigned = "DOCUMENTS_SIGNED", HasAmi = "HAS_AMI",
    NotEnrolledInConflictingProgram = "NOT_ENROLLED_IN_CONFLICTING_PROGRAM",
    Participating = "PARTICIPATING", HasMarketRegistration = "HAS_MARKET_REGISTRATION",
    NoMissingFields = "NO_MISSING_FIELDS", Generator = "GENERATOR", Address = "ADDRESS",
    HasNominations = "HAS_NOMINATIONS", HasBiddingStrategy = "HAS_BIDDING_STRATEGY",
    IsEligible = "IS_ELIGIBLE", IsAssignedToAResource = "IS_ASSIGNED_TO_A_RESOURCE",
    MeetsExtraProgramRequirements = "MEETS_EXTRA_PROGRAM_REQUIREMENTS",
});

leap_enum!(CreatedBy ("audit.created_by") {
    Partner = "PARTNER", Leap = "LEAP", Utility = "UTILITY",
});

leap_enum!(DeviceType ("device_type") {
    Battery = "BATTERY", Generator = "GENERATOR", Ev = "EV", EvCharger = "EV_CHARGER",
    BidirectionalEvCharger = "BIDIRECTIONAL_EV_CHARGER", SmartThermostat = "SMART_THERMOSTAT",
    AirConditioner = "AIR_CONDITIONER", HeatPump = "HEAT_PUMP",
});

leap_enum!(FuelType ("fuel_type") {
    Diesel = "DIESEL", NaturalGas = "NATURAL_GAS", DualFuel = "DUAL_FUEL", CoGen = "CO_GEN",
    EnergyStorage = "ENERGY_STORAGE", Other = "OTHER",
});

leap_enum!(NemType ("nem_type") { Nem2 = "NEM2", Nem3 = "NEM3" });

leap_enum!(CblMethod ("cbl_method") {
    AverageDay = "AVERAGE_DAY", WeatherAdjusted = "WEATHER_ADJUSTED",
});

leap_enum!(CompanyType ("company_type") {
    IndividualOrSoleProprietor = "INDIVIDUAL_OR_SOLE_PROPRIETOR",
    LimitedLiabilityCompany = "LIMITED_LIABILITY_COMPANY", Partnership = "PARTNERSHIP",
    Corporation = "CORPORATION", Other = "OTHER", ExemptPayee = "EXEMPT_PAYEE",
});

leap_enum!(DispatchOption ("dispatch_option") { Daily = "DAILY", Targeted = "TARGETED" });

leap_enum!(VoltageLevel ("voltage_level") {
    EvseLevel1 = "EVSE_LEVEL_1", EvseLevel2 = "EVSE_LEVEL_2",
});

leap_enum!(
    /// Leap's `utility` enum (utility_name).
    UtilityName ("utility_name") {
    Pge = "PGE", Sce = "SCE", Sdge = "SDGE", Smud = "SMUD", Ladwp = "LADWP", Svp = "SVP",
    Cecony = "CECONY", Oru = "ORU", Psegli = "PSEGLI", Nys = "NYS", Rie = "RIE",
    Eversource = "EVERSOURCE", Natgrid = "NATGRID", Unitil = "UNITIL", Ppl = "PPL",
    Capelight = "CAPELIGHT", Uplight = "UPLIGHT", UnitedIlluminated = "UNITED_ILLUMINATED",
    Smt = "SMT", AepCentral = "AEP_CENTRAL", AepNorth = "AEP_NORTH",
    NuecesElectric = "NUECES_ELECTRIC", Oncor = "ONCOR", Centerpoint = "CENTERPOINT",
    EntergyGulf = "ENTERGY_GULF", Swepco = "SWEPCO", Tnmp = "TNMP", Demo = "DEMO",
    Demo2 = "DEMO2", LeapTestCaiso = "LEAP_TEST_CAISO", LeapTestNyiso = "LEAP_TEST_NYISO",
    Comed = "COMED", Bge = "BGE", Peco = "PECO", Meted = "METED", Penelec = "PENELEC",
    Pseg = "PSEG", Dominion = "DOMINION", Westpenn = "WESTPENN", Pennpower = "PENNPOWER",
    Pepco = "PEPCO", PjmDemo = "PJM_DEMO", Other = "OTHER", Nes = "NES", Mlgw = "MLGW",
    Kub = "KUB", Npu = "NPU", Mtemc = "MTEMC", Precc = "PRECC", Hsvu = "HSVU", Srp = "SRP",
    Pse = "PSE", Tva = "TVA",
});

leap_enum!(
    /// Leap's `PublicProgram.program_identifier` enum.
    Program ("program_identifier") {
    CaisoCcaScOnly = "CAISO-CCA-SC_ONLY", Cca = "CCA", CecDsgsOption4 = "CEC-DSGS-OPTION4",
    CecDsgs = "CEC-DSGS", ConedCsrp = "CONED-CSRP", ConedDlrp = "CONED-DLRP", Dram = "DRAM",
    Elrp = "ELRP", EnergyOnly = "ENERGY-ONLY", ErcotErs = "ERCOT-ERS",
    EversourceCs = "EVERSOURCE-CS", MaDoerCps = "MA_DOER-CPS", NatgridCs = "NATGRID-CS",
    NrgRealtime = "NRG-REALTIME", NrgRed = "NRG-RED", NyisoScr = "NYISO-SCR",
    OncorClm = "ONCOR-CLM", PgeArt = "PGE-ART", PgeCbp = "PGE-CBP",
    PjmCapacity = "PJM-CAPACITY", PsegliCsrp = "PSEGLI-CSRP", PsegliDlrp = "PSEGLI-DLRP",
    RieCs = "RIE-CS", UnitilCs = "UNITIL-CS", PseRpo = "PSE-RPO", SrpRpo = "SRP-RPO",
    TvaRpo = "TVA-RPO", CaisoElrpA4 = "CAISO-ELRP-A4", CecDsgsOption2 = "CEC-DSGS-OPTION2",
    EnergyhubCs = "ENERGYHUB-CS", CtGbEss = "CT_GB-ESS",
});

leap_enum!(JobStatus ("job status") {
    Processing = "PROCESSING", Failed = "FAILED", Completed = "COMPLETED",
    CompletedWithErrors = "COMPLETED_WITH_ERRORS",
});

leap_enum!(ProvisionalAssetStatus ("provisional asset status") {
    Processing = "PROCESSING", Failed = "FAILED", Duplicate = "DUPLICATE",
    Completed = "COMPLETED", MultiplePartnerReference = "MULTIPLE_PARTNER_REFERENCE",
});

leap_enum!(StatusDetailName ("status_detail.name") {
    AccountMismatch = "ACCOUNT_MISMATCH", AddressIncomplete = "ADDRESS_INCOMPLETE",
    AddressNotFound = "ADDRESS_NOT_FOUND",
    AddressNotRegisteredForEsiid = "ADDRESS_NOT_REGISTERED_FOR_ESIID",
    DuplicateMeter = "DUPLICATE_METER", DuplicateRefId = "DUPLICATE_REF_ID",
    MeterCreated = "METER_CREATED", MeterUpdated = "METER_UPDATED",
    MultipleAccounts = "MULTIPLE_ACCOUNTS", UnsupportedAddress = "UNSUPPORTED_ADDRESS",
    UnsupportedZipCode = "UNSUPPORTED_ZIP_CODE", ValidationError = "VALIDATION_ERROR",
    ProcessingError = "PROCESSING_ERROR",
});

leap_enum!(
    /// `connect_session.updated` status.
    SessionStatus ("connect session status") {
    Created = "CREATED", Updated = "UPDATED", Closed = "CLOSED", Completed = "COMPLETED",
});

leap_enum!(
    /// `connect_session.authorization_updated` status.
    AuthorizationStatus ("authorization status") {
    Initiated = "INITIATED", Completed = "COMPLETED", Failed = "FAILED",
});

leap_enum!(WebhookEventType ("webhook event type") {
    MeterCreated = "meter.created",
    ConnectSessionUpdated = "connect_session.updated",
    ConnectSessionAuthorizationUpdated = "connect_session.authorization_updated",
    MeterEnrollmentGlobalStatusUpdated = "meter.enrollment.global-status.updated",
    MeterEnrollmentParticipationStatusUpdated = "meter.enrollment.participation-status.updated",
    MeterEnrollmentRequiredActionsUpdated = "meter.enrollment.required-actions.updated",
    MeterEnrollmentGroupUpdated = "meter.enrollment.group.updated",
});

impl SessionStatus {
    /// CLOSED and COMPLETED end a session; a new one must start for further changes.
    pub fn is_final(self) -> bool {
        matches!(self, SessionStatus::Closed | SessionStatus::Completed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_wire_spellings() {
        for r in TransmissionRegion::ALL {
            let json = serde_json::to_string(r).unwrap();
            assert_eq!(
                serde_json::from_str::<TransmissionRegion>(&json).unwrap(),
                *r
            );
        }
        assert_eq!(
            serde_json::to_string(&WebhookEventType::MeterEnrollmentGroupUpdated).unwrap(),
            "\"meter.enrollment.group.updated\""
        );
        assert_eq!(UtilityName::ALL.len(), 53);
        assert_eq!(Program::ALL.len(), 31);
    }

    #[test]
    fn rejects_unknown_values_listing_the_valid_ones() {
        let err = serde_json::from_str::<MeterType>("\"METER\"").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("unknown meter_type \"METER\""), "{msg}");
        assert!(msg.contains("UTILITY_METER, SUBMETER, DEVICE"), "{msg}");
    }
}
