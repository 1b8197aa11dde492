//! Leap Connect flows (`/<org>/<url-title>/?requestedUtilities=..&refId=..`): the utility
//! selector (CAISO, NYISO, PJM), what choosing a utility does in staging, the PJM demo
//! utility's pages, and the ERCOT address form. Session moves go through the scenario engine.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;

use super::address::AddressForm;
use super::pages::{
    AddressField, AddressPage, ErrorPage, PjmLogin, PjmUnavailable, Selector, UtilityOption,
    see_other,
};
use super::render;
use super::request::{Ctx, field};
use super::utilities::{self, Kind};
use crate::domain::enums::{AuthorizationStatus, SessionStatus, TransmissionRegion, UtilityName};
use crate::scenarios::Command;
use crate::state::AppState;

/// One of the org's configured flows.
pub struct Flow {
    pub title: String,
    pub region: TransmissionRegion,
}

impl Flow {
    pub fn path(&self, org: &str) -> String {
        format!("/{org}/{}/", self.title)
    }

    fn page(&self, org: &str, page: &str) -> String {
        format!("/{org}/{}/{page}", self.title)
    }
}

/// `GET /<org>/<flow>/`: the first screen (selector or address form); it opens the session and
/// records `requestedUtilities`.
pub fn entry(state: &AppState, ctx: &Ctx, flow: &Flow) -> HttpResponse {
    let (requested, ignored) = utilities::parse_requested(flow.region, &ctx.requested);
    if let Some(ref_id) = &ctx.ref_id {
        state.scenarios.open_session(&ctx.org, ref_id, &requested);
    }
    if flow.region == TransmissionRegion::Ercot {
        return address_page(ctx, flow, &AddressForm::default(), &[], StatusCode::OK);
    }
    selector(ctx, flow, &requested, ignored, None, StatusCode::OK)
}

fn hint(kind: Kind) -> &'static str {
    match kind {
        Kind::TestUtility(_) => {
            "For testing: pick a test case and see its statuses in the Connect and Meters APIs."
        }
        Kind::PjmDemo => "Shows the utility sign-in pages; it cannot be completed in staging.",
        Kind::Real => {
            "Staging cannot reach this utility's sign-in, so choosing it ends on the Error page."
        }
    }
}

fn selector(
    ctx: &Ctx,
    flow: &Flow,
    requested: &[UtilityName],
    ignored: Vec<String>,
    error: Option<String>,
    status: StatusCode,
) -> HttpResponse {
    // requestedUtilities narrows the list; the test / demo utility always stays so staging
    // can still be walked to the end.
    let offered = utilities::for_region(flow.region)
        .iter()
        .filter(|u| requested.is_empty() || u.kind != Kind::Real || requested.contains(&u.name))
        .map(|u| UtilityOption {
            value: u.name.as_str(),
            label: u.label,
            hint: hint(u.kind),
            required: requested.contains(&u.name),
        })
        .collect();
    render(
        status,
        &Selector {
            org: ctx.org.clone(),
            region: utilities::region_label(flow.region),
            ref_id: ctx.ref_str(),
            action: ctx.with_query(&flow.page(&ctx.org, "select")),
            utilities: offered,
            ignored,
            error,
        },
    )
}

/// Applies Connect commands for the link's refId (none without one, as on Leap).
fn apply(state: &AppState, ctx: &Ctx, commands: &[Command]) {
    let Some(ref_id) = &ctx.ref_id else { return };
    for command in commands {
        if let Err(e) = state.scenarios.apply(&ctx.org, ref_id, command, &[]) {
            tracing::warn!(org = %ctx.org, ref_id = %ref_id, error = %e, "Connect page step refused");
        }
    }
}

/// `POST /<org>/<flow>/select`: the customer picked a utility.
pub fn select(state: &AppState, ctx: &Ctx, flow: &Flow, form: &[(String, String)]) -> HttpResponse {
    let chosen = field(form, "utility").unwrap_or("");
    let utility = chosen
        .parse::<UtilityName>()
        .ok()
        .and_then(|name| utilities::find(flow.region, name));
    let Some(utility) = utility else {
        let (requested, ignored) = utilities::parse_requested(flow.region, &ctx.requested);
        let message = if chosen.is_empty() {
            "Choose your utility, then press Continue.".to_string()
        } else {
            "That utility is not offered here. Choose one from the list.".to_string()
        };
        return selector(
            ctx,
            flow,
            &requested,
            ignored,
            Some(message),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    if let Some(ref_id) = &ctx.ref_id {
        state.scenarios.move_on(&ctx.org, ref_id);
    }
    let authorization = |status| Command::Authorization {
        utility: utility.name,
        status,
    };
    match utility.kind {
        Kind::TestUtility(_) => {
            see_other(&ctx.with_query(&flow.page(&ctx.org, "staging-test-utility/getting-started")))
        }
        Kind::PjmDemo => {
            // Reaching the utility's sign-in screen is what INITIATED means.
            apply(state, ctx, &[authorization(AuthorizationStatus::Initiated)]);
            see_other(&ctx.with_query(&flow.page(&ctx.org, "pjm-demo/login")))
        }
        Kind::Real => {
            // Staging cannot reach real utility logins: Leap ends on its Error page.
            apply(
                state,
                ctx,
                &[
                    authorization(AuthorizationStatus::Initiated),
                    authorization(AuthorizationStatus::Failed),
                ],
            );
            see_other(&ctx.with_query(&flow.page(
                &ctx.org,
                &format!("utility-error/{}", utility.name.as_str()),
            )))
        }
    }
}

/// `GET /<org>/<flow>/utility-error/<UTILITY>`: the Error page after a real utility.
pub fn utility_error(ctx: &Ctx, flow: &Flow, utility: &str) -> HttpResponse {
    let Some(utility) = utility
        .parse::<UtilityName>()
        .ok()
        .and_then(|name| utilities::find(flow.region, name))
        .filter(|u| u.kind == Kind::Real)
    else {
        return super::pages::not_found(
            &flow.page(&ctx.org, "utility-error"),
            Some("No such utility in this flow.".into()),
        );
    };
    render(
        StatusCode::OK,
        &ErrorPage {
            org: ctx.org.clone(),
            ref_id: ctx.ref_str(),
            headline: "The authorization did not succeed.".into(),
            message: format!(
                "We could not connect to {}. Please try again later.",
                utility.label
            ),
            detail: Some(
                "leap-mock, like Leap's staging, cannot reach real utility sign-in pages. Use the Staging Test Utility to test a successful authorization.".into(),
            ),
            confirm_action: ctx.with_query(&flow.page(&ctx.org, "confirm")),
        },
    )
}

/// `POST /<org>/<flow>/confirm`: back to the selector.
pub fn confirm(ctx: &Ctx, flow: &Flow) -> HttpResponse {
    see_other(&ctx.with_query(&flow.path(&ctx.org)))
}

/// `GET /<org>/<flow>/pjm-demo/login`.
pub fn pjm_login(ctx: &Ctx, flow: &Flow) -> HttpResponse {
    render(
        StatusCode::OK,
        &PjmLogin {
            org: ctx.org.clone(),
            ref_id: ctx.ref_str(),
            action: ctx.with_query(&flow.page(&ctx.org, "pjm-demo/login")),
            back_href: ctx.with_query(&flow.path(&ctx.org)),
        },
    )
}

/// `POST /<org>/<flow>/pjm-demo/login`: no credentials work (Leap has none for PJM), so the
/// authorization FAILS and the customer lands on a page that says the flow cannot complete.
/// What was typed is neither stored nor shown.
pub fn pjm_submit(state: &AppState, ctx: &Ctx, flow: &Flow) -> HttpResponse {
    apply(
        state,
        ctx,
        &[Command::Authorization {
            utility: UtilityName::PjmDemo,
            status: AuthorizationStatus::Failed,
        }],
    );
    see_other(&ctx.with_query(&flow.page(&ctx.org, "pjm-demo/unavailable")))
}

/// `GET /<org>/<flow>/pjm-demo/unavailable`.
pub fn pjm_unavailable(ctx: &Ctx, flow: &Flow) -> HttpResponse {
    render(
        StatusCode::OK,
        &PjmUnavailable {
            org: ctx.org.clone(),
            ref_id: ctx.ref_str(),
            confirm_action: ctx.with_query(&flow.page(&ctx.org, "confirm")),
        },
    )
}

fn address_page(
    ctx: &Ctx,
    flow: &Flow,
    form: &AddressForm,
    errors: &[super::address::FieldError],
    status: StatusCode,
) -> HttpResponse {
    let error_for = |name: &str| {
        errors
            .iter()
            .find(|e| e.field == name)
            .map(|e| e.message.clone())
    };
    let f = |name: &'static str,
             label: &'static str,
             value: &str,
             autocomplete: &'static str,
             required: bool,
             hint: Option<&'static str>| {
        let error = error_for(name);
        let ids: Vec<String> = [
            hint.map(|_| format!("{name}-hint")),
            error.as_ref().map(|_| format!("{name}-error")),
        ]
        .into_iter()
        .flatten()
        .collect();
        AddressField {
            name,
            label,
            value: value.to_string(),
            autocomplete,
            required,
            hint,
            error,
            described_by: (!ids.is_empty()).then(|| ids.join(" ")),
        }
    };
    let fields = vec![
        f(
            "street_1",
            "Street address",
            &form.street_1,
            "address-line1",
            true,
            Some("House number and street, e.g. 1100 Congress Ave"),
        ),
        f(
            "street_2",
            "Apartment, suite or unit",
            &form.street_2,
            "address-line2",
            false,
            None,
        ),
        f("city", "City", &form.city, "address-level2", true, None),
        f(
            "state",
            "State",
            &form.state,
            "address-level1",
            true,
            Some("Texas addresses only: TX"),
        ),
        f(
            "postal_code",
            "ZIP code",
            &form.postal_code,
            "postal-code",
            true,
            Some("5 digits, optionally followed by -NNNN"),
        ),
    ];
    render(
        status,
        &AddressPage {
            org: ctx.org.clone(),
            ref_id: ctx.ref_str(),
            action: ctx.with_query(&flow.page(&ctx.org, "address")),
            fields,
            errors: errors.iter().map(|e| e.message.clone()).collect(),
        },
    )
}

/// `POST /<org>/<flow>/address`: a valid Texas address completes the session and redirects; an
/// invalid one re-renders the form with field errors and what was typed. No meter is created
/// (Leap creates ERCOT meters from the utility's ESIID data later; use the Create Meters API).
pub fn address_submit(
    state: &AppState,
    ctx: &Ctx,
    flow: &Flow,
    form: &[(String, String)],
) -> HttpResponse {
    let address = AddressForm::from_pairs(form);
    let errors = address.validate();
    if !errors.is_empty() {
        return address_page(
            ctx,
            flow,
            &address,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    if let Some(ref_id) = &ctx.ref_id {
        state.scenarios.move_on(&ctx.org, ref_id);
    }
    apply(state, ctx, &[Command::Session(SessionStatus::Completed)]);
    see_other(&ctx.final_redirect())
}
