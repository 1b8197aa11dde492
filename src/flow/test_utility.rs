//! The Staging Test Utility pages (CAISO, NYISO): the test-case menu, Send (runs the case through
//! the scenario engine), the Error page and its Confirm. Reached directly
//! (`/<org>/staging-test-utility-<iso>/getting-started`) or from a flow's utility selector
//! (`/<org>/<flow>/staging-test-utility/getting-started`); both keep the original query.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;

use super::pages::{CaseGroup, CaseOption, ErrorPage, TestUtilityMenu, bad_request, see_other};
use super::render;
use super::request::{Ctx, field};
use crate::scenarios::{Group, Iso, Outcome, RunRequest, TestCase, Trigger};
use crate::state::AppState;

/// Where a test utility lives and where its Confirm / back link go.
pub struct TestUtility {
    pub iso: Iso,
    /// Path prefix of its pages, without a trailing slash.
    pub base: String,
    /// Path of the utility selector to go back to.
    pub selector: String,
}

impl TestUtility {
    /// Reached by its own link: back goes to the org's first flow for the ISO (or the menu).
    pub fn direct(state: &AppState, org: &str, iso: Iso) -> TestUtility {
        let base = format!("/{org}/{}", iso.slug());
        let selector = state
            .settings
            .orgs
            .get(org)
            .and_then(|o| {
                o.flows()
                    .into_iter()
                    .find(|(_, region)| *region == iso.region())
            })
            .map(|(title, _)| format!("/{org}/{title}/"))
            .unwrap_or_else(|| format!("{base}/getting-started"));
        TestUtility {
            iso,
            base,
            selector,
        }
    }

    /// Reached from a flow's selector: back goes to that selector.
    pub fn in_flow(org: &str, flow: &str, iso: Iso) -> TestUtility {
        TestUtility {
            iso,
            base: format!("/{org}/{flow}/staging-test-utility"),
            selector: format!("/{org}/{flow}/"),
        }
    }
}

/// The path of a test case's Error page (before the query).
pub fn error_path(base: &str, case_id: &str) -> String {
    format!("{base}/error/{case_id}")
}

fn ends_on(case: &TestCase) -> &'static str {
    match case.outcome {
        Outcome::Redirect => "your final redirect URL",
        Outcome::Error => "the Error page",
    }
}

/// `GET .../getting-started`: the menu. Opening it opens the Connect session.
pub fn menu(state: &AppState, ctx: &Ctx, tu: &TestUtility) -> HttpResponse {
    if let Some(ref_id) = &ctx.ref_id {
        state.scenarios.open_session(&ctx.org, ref_id, &[]);
    }
    render_menu(state, ctx, tu, None, None, StatusCode::OK)
}

fn render_menu(
    state: &AppState,
    ctx: &Ctx,
    tu: &TestUtility,
    checked: Option<&str>,
    error: Option<String>,
    status: StatusCode,
) -> HttpResponse {
    let group = |group: Group, title| CaseGroup {
        title,
        cases: state
            .scenarios
            .catalogue()
            .for_iso(tu.iso)
            .filter(|c| c.group == group)
            .map(|c| CaseOption {
                id: c.id.clone(),
                label: c.label.clone(),
                description: c.description.clone(),
                ends_on: ends_on(c),
                checked: checked == Some(c.id.as_str()),
            })
            .collect(),
    };
    let groups = vec![
        group(Group::Connect, "Connect test cases"),
        group(Group::Meters, "Meters test cases"),
    ]
    .into_iter()
    .filter(|g| !g.cases.is_empty())
    .collect();
    render(
        status,
        &TestUtilityMenu {
            org: ctx.org.clone(),
            iso: tu.iso.as_str(),
            ref_id: ctx.ref_str(),
            action: ctx.with_query(&format!("{}/send", tu.base)),
            back_href: ctx.with_query(&tu.selector),
            groups,
            error,
        },
    )
}

/// `POST .../send`: runs the chosen test case, then 303 to the final redirect or the Error page.
pub async fn send(
    state: &AppState,
    ctx: &Ctx,
    tu: &TestUtility,
    form: &[(String, String)],
) -> HttpResponse {
    let chosen = field(form, "test_case").unwrap_or("");
    let case = state
        .scenarios
        .catalogue()
        .get(chosen)
        .filter(|c| c.iso == tu.iso)
        .cloned();
    let Some(case) = case else {
        let message = if chosen.is_empty() {
            "Choose a test case, then press Send.".to_string()
        } else {
            format!(
                "There is no {} test case \"{}\". Choose one from the list.",
                tu.iso.as_str(),
                chosen.chars().take(64).collect::<String>()
            )
        };
        return render_menu(
            state,
            ctx,
            tu,
            None,
            Some(message),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    let location = match case.outcome {
        Outcome::Redirect => ctx.final_redirect(),
        Outcome::Error => ctx.with_query(&error_path(&tu.base, &case.id)),
    };
    let request = RunRequest {
        org: ctx.org.clone(),
        ref_id: ctx.ref_id.clone(),
        case,
        trigger: Trigger::Browser,
        outcome_url: location.clone(),
    };
    match state.scenarios.run(request).await {
        Ok(_) => see_other(&location),
        Err(e) => bad_request(
            StatusCode::CONFLICT,
            "The test case could not run",
            e.to_string(),
            Some("Open the link again to start a new Connect session, then send the test case again.".into()),
        ),
    }
}

/// `GET .../error/{case}`: Leap's Error page for a test case that did not authorize.
pub fn error_page(state: &AppState, ctx: &Ctx, tu: &TestUtility, case_id: &str) -> HttpResponse {
    let Some(case) = state
        .scenarios
        .catalogue()
        .get(case_id)
        .filter(|c| c.iso == tu.iso)
    else {
        return super::pages::not_found(
            &error_path(&tu.base, case_id),
            Some("No such test case for this utility.".into()),
        );
    };
    render(
        StatusCode::OK,
        &ErrorPage {
            org: ctx.org.clone(),
            ref_id: ctx.ref_str(),
            headline: "The authorization did not succeed.".into(),
            message: "Your utility account could not be connected.".into(),
            detail: Some(format!("Test case “{}”: {}", case.label, case.description)),
            confirm_action: ctx.with_query(&format!("{}/confirm", tu.base)),
        },
    )
}

/// `POST .../confirm`: back to the utility selector with the original query.
pub fn confirm(ctx: &Ctx, tu: &TestUtility) -> HttpResponse {
    see_other(&ctx.with_query(&tu.selector))
}
