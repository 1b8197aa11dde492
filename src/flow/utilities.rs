//! Which utilities a region's utility selector offers, with the names customers know them by
//! (grouping from LEAP-API.md section 3), and what choosing each one does in staging.

use crate::domain::enums::{TransmissionRegion, UtilityName};
use crate::scenarios::Iso;

/// What happens when the customer picks a utility in the selector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The ISO's Staging Test Utility: leads to the test-case menu.
    TestUtility(Iso),
    /// The PJM demo utility: walkable login pages that cannot complete.
    PjmDemo,
    /// A real utility: its login is unreachable from staging, so authorization fails.
    Real,
}

#[derive(Debug, Clone, Copy)]
pub struct Utility {
    pub name: UtilityName,
    pub label: &'static str,
    pub kind: Kind,
}

const fn real(name: UtilityName, label: &'static str) -> Utility {
    Utility {
        name,
        label,
        kind: Kind::Real,
    }
}

const CAISO: &[Utility] = &[
    Utility {
        name: UtilityName::LeapTestCaiso,
        label: "Staging Test Utility (CAISO)",
        kind: Kind::TestUtility(Iso::Caiso),
    },
    real(UtilityName::Pge, "Pacific Gas & Electric (PG&E)"),
    real(UtilityName::Sce, "Southern California Edison (SCE)"),
    real(UtilityName::Sdge, "San Diego Gas & Electric (SDG&E)"),
    real(
        UtilityName::Smud,
        "Sacramento Municipal Utility District (SMUD)",
    ),
    real(
        UtilityName::Ladwp,
        "Los Angeles Department of Water and Power (LADWP)",
    ),
    real(UtilityName::Svp, "Silicon Valley Power (SVP)"),
];

const NYISO: &[Utility] = &[
    Utility {
        name: UtilityName::LeapTestNyiso,
        label: "Staging Test Utility (NYISO)",
        kind: Kind::TestUtility(Iso::Nyiso),
    },
    real(UtilityName::Cecony, "ConEd (NY)"),
    real(UtilityName::Oru, "Orange & Rockland"),
    real(UtilityName::Psegli, "PSEG Long Island"),
    real(UtilityName::Nys, "NYSEG"),
    real(UtilityName::Natgrid, "National Grid"),
];

const PJM: &[Utility] = &[
    Utility {
        name: UtilityName::PjmDemo,
        label: "PJM Demo Utility",
        kind: Kind::PjmDemo,
    },
    real(UtilityName::Comed, "ComEd (IL)"),
    real(UtilityName::Bge, "Baltimore Gas & Electric (BGE)"),
    real(UtilityName::Peco, "PECO"),
    real(UtilityName::Meted, "Met-Ed"),
    real(UtilityName::Penelec, "Penelec"),
    real(UtilityName::Pseg, "PSE&G (NJ)"),
    real(UtilityName::Dominion, "Dominion Virginia"),
    real(UtilityName::Westpenn, "West Penn Power"),
    real(UtilityName::Pennpower, "Penn Power"),
    real(UtilityName::Pepco, "Pepco (D.C.)"),
    real(UtilityName::Ppl, "PPL Electric Utilities"),
];

/// The selector's utilities for a region (ERCOT has an address form instead: none).
pub fn for_region(region: TransmissionRegion) -> &'static [Utility] {
    match region {
        TransmissionRegion::Caiso => CAISO,
        TransmissionRegion::Nyiso => NYISO,
        TransmissionRegion::Pjm => PJM,
        _ => &[],
    }
}

pub fn find(region: TransmissionRegion, name: UtilityName) -> Option<&'static Utility> {
    for_region(region).iter().find(|u| u.name == name)
}

/// A region's name as customers read it.
pub fn region_label(region: TransmissionRegion) -> &'static str {
    match region {
        TransmissionRegion::Caiso => "California (CAISO)",
        TransmissionRegion::Nyiso => "New York (NYISO)",
        TransmissionRegion::Pjm => "Mid-Atlantic and Midwest (PJM)",
        TransmissionRegion::Ercot => "Texas (ERCOT)",
        _ => "your region",
    }
}

/// `requestedUtilities` values: comma-separated and/or repeated, Leap's spellings in any case.
/// Returns the utilities this region offers and the values it ignored.
pub fn parse_requested(
    region: TransmissionRegion,
    values: &[String],
) -> (Vec<UtilityName>, Vec<String>) {
    let mut found = Vec::new();
    let mut ignored = Vec::new();
    for value in values.iter().flat_map(|v| v.split(',')) {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        match value.to_ascii_uppercase().parse::<UtilityName>() {
            Ok(name) if find(region, name).is_some() => {
                if !found.contains(&name) {
                    found.push(name);
                }
            }
            _ => ignored.push(value.chars().take(64).collect()),
        }
    }
    (found, ignored)
}
