//! Connect pages over HTTP: the staging test utilities, Connect flows (CAISO, NYISO, PJM, ERCOT),
//! error pages and Confirm, preserved query parameters, unknown orgs, missing refIds and
//! hostile input.

use std::time::Duration;

use crate::flow_support::{events, eventually, lines, location, post_form, send_in_browser, text};
use crate::helpers::{spawn_app, spawn_app_with};

const CAISO: &str = "staging-test-utility-caiso";
const NYISO: &str = "staging-test-utility-nyiso";

#[tokio::test]
async fn test_utility_menu_groups_cases_and_opens_the_session() {
    let app = spawn_app().await;
    let resp = app
        .get(&format!(
            "/demo/{CAISO}/getting-started?refId=menu-1&utm=a%26b"
        ))
        .await;
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = text(resp).await;
    for needle in [
        "Staging Test Utility (CAISO)",
        "<legend>Connect test cases</legend>",
        "<legend>Meters test cases</legend>",
        "value=\"caiso_connect_auth_success\"",
        "value=\"caiso_meters_multiple\"",
        "<code>menu-1</code>",
        ">Send</button>",
        // The form and the back link keep the original query, escaped for HTML.
        "action=\"/demo/staging-test-utility-caiso/send?refId=menu-1&#38;utm=a%26b\"",
        "href=\"/demo/ca-utilities/?refId=menu-1&#38;utm=a%26b\"",
        "<label for=\"tc-caiso_meters_active\">",
    ] {
        assert!(html.contains(needle), "missing {needle:?}");
    }
    assert!(
        !html.contains("nyiso_"),
        "only CAISO cases on the CAISO menu"
    );
    assert!(!html.contains("<script"), "no JavaScript");
    assert_eq!(lines(&app, "demo").await, ["session CREATED"]);

    // Opening it again within 24 h is the same session: no new event.
    app.get(&format!("/demo/{CAISO}/getting-started?refId=menu-1"))
        .await;
    assert_eq!(lines(&app, "demo").await.len(), 1);

    let html = text(
        app.get(&format!("/demo/{NYISO}/getting-started?refId=menu-2"))
            .await,
    )
    .await;
    assert!(html.contains("value=\"nyiso_meters_existing_scr_resource\""));
    assert!(html.contains("href=\"/demo/ny-utilities/?refId=menu-2\""));
}

#[tokio::test]
async fn success_redirects_to_the_final_url_with_every_original_parameter() {
    let app = spawn_app().await;
    let query = "refId=ok-1&utm_source=mail&campaign=spring%202025&x=%3Cy%3E";
    let resp = send_in_browser(&app, "demo", CAISO, query, "caiso_connect_auth_success").await;
    let to = location(&resp);
    assert_eq!(
        to,
        format!(
            "http://localhost:{}/_mock/redirect-landing?{query}",
            app.port
        )
    );
    assert_eq!(
        lines(&app, "demo").await,
        [
            "session CREATED",
            "session UPDATED",
            "authorization_updated LEAP_TEST_CAISO INITIATED",
            "authorization_updated LEAP_TEST_CAISO COMPLETED",
            "session COMPLETED",
        ]
    );
    for e in events(&app, "demo").await {
        assert_eq!(e["payload"]["partner_reference"], "ok-1");
    }

    // The built-in landing page shows the refId and every parameter (escaped).
    let landing = text(app.get(&format!("/_mock/redirect-landing?{query}")).await).await;
    assert!(landing.contains("<code id=\"ref-id\">ok-1</code>"));
    assert!(landing.contains("<code>utm_source</code>"));
    assert!(landing.contains("<code>spring 2025</code>"));
    assert!(landing.contains("&#60;y&#62;") || landing.contains("&lt;y&gt;"));
    assert!(!landing.contains("<y>"));
}

#[tokio::test]
async fn final_redirect_keeps_the_partners_own_query_and_adds_nothing() {
    let app = spawn_app_with(&[(
        "LEAP_MOCK__ORGS__DEMO__REDIRECT_URL",
        "https://partner.example/connected?src=leap",
    )])
    .await;
    let resp = send_in_browser(
        &app,
        "demo",
        NYISO,
        "refId=ok-2&lang=en",
        "nyiso_connect_auth_success",
    )
    .await;
    assert_eq!(
        location(&resp),
        "https://partner.example/connected?src=leap&refId=ok-2&lang=en"
    );
}

#[tokio::test]
async fn error_case_shows_the_error_page_and_confirm_returns_to_the_selector() {
    let app = spawn_app().await;
    let query = "refId=err-1&utm=z";
    let resp = send_in_browser(&app, "demo", CAISO, query, "caiso_connect_mfa_error").await;
    let error_url = location(&resp);
    assert_eq!(
        error_url,
        format!("/demo/{CAISO}/error/caiso_connect_mfa_error?{query}")
    );
    let html = text(app.get(&error_url).await).await;
    assert!(html.contains("<h1>Error</h1>"));
    assert!(html.contains("The authorization did not succeed."));
    assert!(html.contains("MFA error"));
    assert!(html.contains(&format!(
        "action=\"/demo/{CAISO}/confirm?refId=err-1&#38;utm=z\""
    )));
    assert!(html.contains(">Confirm</button>"));

    let resp = post_form(&app, &format!("/demo/{CAISO}/confirm?{query}"), &[]).await;
    let selector = location(&resp);
    assert_eq!(selector, format!("/demo/ca-utilities/?{query}"));
    let html = text(app.get(&selector).await).await;
    assert!(html.contains("Choose your utility"));

    // Sending another case from the same session: only the authorization events follow.
    let resp = post_form(
        &app,
        &format!("/demo/{CAISO}/send?{query}"),
        &[("test_case", "caiso_connect_auth_success")],
    )
    .await;
    assert!(location(&resp).contains("/_mock/redirect-landing?refId=err-1&utm=z"));
    assert_eq!(
        lines(&app, "demo").await,
        [
            "session CREATED",
            "session UPDATED",
            "authorization_updated LEAP_TEST_CAISO INITIATED",
            "authorization_updated LEAP_TEST_CAISO FAILED",
            "authorization_updated LEAP_TEST_CAISO INITIATED",
            "authorization_updated LEAP_TEST_CAISO COMPLETED",
            "session COMPLETED",
        ]
    );
}

#[tokio::test]
async fn selector_narrows_to_requested_utilities_and_keeps_the_test_utility() {
    let app = spawn_app().await;
    let html = text(
        app.get(
            "/demo/ca-utilities/?requestedUtilities=PGE,sdge&requestedUtilities=COMED&refId=sel-1",
        )
        .await,
    )
    .await;
    assert!(html.contains("value=\"LEAP_TEST_CAISO\""));
    assert!(html.contains("value=\"PGE\""));
    assert!(html.contains("value=\"SDGE\""));
    assert!(!html.contains("value=\"SCE\""), "narrowed");
    assert_eq!(
        html.matches("<span class=\"tag\">requested</span>").count(),
        2
    );
    assert!(
        html.contains("<code>COMED</code>"),
        "ignored values are named"
    );
    assert_eq!(lines(&app, "demo").await, ["session CREATED"]);

    // Without requestedUtilities every CAISO utility is offered.
    let html = text(app.get("/demo/ca-utilities/?refId=sel-2").await).await;
    for u in [
        "PGE",
        "SCE",
        "SDGE",
        "SMUD",
        "LADWP",
        "SVP",
        "LEAP_TEST_CAISO",
    ] {
        assert!(html.contains(&format!("value=\"{u}\"")), "{u}");
    }
    let html = text(app.get("/demo/ny-utilities/?refId=sel-3").await).await;
    for u in [
        "CECONY",
        "ORU",
        "PSEGLI",
        "NYS",
        "NATGRID",
        "LEAP_TEST_NYISO",
    ] {
        assert!(html.contains(&format!("value=\"{u}\"")), "{u}");
    }
}

#[tokio::test]
async fn real_utility_fails_and_confirm_returns_to_the_selector() {
    let app = spawn_app().await;
    let query = "refId=real-1&requestedUtilities=PGE";
    app.get(&format!("/demo/ca-utilities/?{query}")).await;
    let resp = post_form(
        &app,
        &format!("/demo/ca-utilities/select?{query}"),
        &[("utility", "PGE")],
    )
    .await;
    let error_url = location(&resp);
    assert_eq!(
        error_url,
        format!("/demo/ca-utilities/utility-error/PGE?{query}")
    );
    let html = text(app.get(&error_url).await).await;
    assert!(html.contains("<h1>Error</h1>"));
    assert!(
        html.contains("Pacific Gas &#38; Electric") || html.contains("Pacific Gas &amp; Electric")
    );
    let resp = post_form(&app, &format!("/demo/ca-utilities/confirm?{query}"), &[]).await;
    assert_eq!(location(&resp), format!("/demo/ca-utilities/?{query}"));
    assert_eq!(
        lines(&app, "demo").await,
        [
            "session CREATED",
            "session UPDATED",
            "authorization_updated PGE INITIATED",
            "authorization_updated PGE FAILED",
        ]
    );

    // No choice, or a utility of another region: the selector again, with an error.
    for pairs in [
        vec![],
        vec![("utility", "COMED")],
        vec![("utility", "<b>x</b>")],
    ] {
        let resp = post_form(&app, &format!("/demo/ca-utilities/select?{query}"), &pairs).await;
        assert_eq!(resp.status(), 422);
        let html = text(resp).await;
        assert!(html.contains("role=\"alert\""));
        assert!(!html.contains("<b>x</b>"));
    }
}

#[tokio::test]
async fn test_utility_reached_from_a_flow_returns_to_that_flow() {
    let app = spawn_app().await;
    let query = "refId=via-flow-1&partner_user=42";
    app.get(&format!("/demo/ny-utilities/?{query}")).await;
    let resp = post_form(
        &app,
        &format!("/demo/ny-utilities/select?{query}"),
        &[("utility", "LEAP_TEST_NYISO")],
    )
    .await;
    let menu = location(&resp);
    assert_eq!(
        menu,
        format!("/demo/ny-utilities/staging-test-utility/getting-started?{query}")
    );
    let html = text(app.get(&menu).await).await;
    assert!(html.contains("Staging Test Utility (NYISO)"));
    assert!(html.contains("href=\"/demo/ny-utilities/?refId=via-flow-1&#38;partner_user=42\""));

    let resp = post_form(
        &app,
        &format!("/demo/ny-utilities/staging-test-utility/send?{query}"),
        &[("test_case", "nyiso_connect_invalid_credentials")],
    )
    .await;
    let error_url = location(&resp);
    assert!(error_url.starts_with("/demo/ny-utilities/staging-test-utility/error/"));
    let resp = post_form(
        &app,
        &format!("/demo/ny-utilities/staging-test-utility/confirm?{query}"),
        &[],
    )
    .await;
    assert_eq!(location(&resp), format!("/demo/ny-utilities/?{query}"));
    let resp = post_form(
        &app,
        &format!("/demo/ny-utilities/staging-test-utility/send?{query}"),
        &[("test_case", "nyiso_connect_auth_success")],
    )
    .await;
    assert!(location(&resp).ends_with(&format!("/_mock/redirect-landing?{query}")));
    assert_eq!(
        lines(&app, "demo").await,
        [
            "session CREATED",
            "session UPDATED",
            "authorization_updated LEAP_TEST_NYISO INITIATED",
            "authorization_updated LEAP_TEST_NYISO FAILED",
            "authorization_updated LEAP_TEST_NYISO INITIATED",
            "authorization_updated LEAP_TEST_NYISO COMPLETED",
            "session COMPLETED",
        ]
    );
}

#[tokio::test]
async fn pjm_demo_can_be_walked_but_not_completed() {
    let app = spawn_app().await;
    let query = "refId=pjm-1";
    let html = text(app.get(&format!("/demo/pjm-utilities/?{query}")).await).await;
    assert!(html.contains("value=\"PJM_DEMO\""));
    assert!(html.contains("value=\"COMED\""));
    let resp = post_form(
        &app,
        &format!("/demo/pjm-utilities/select?{query}"),
        &[("utility", "PJM_DEMO")],
    )
    .await;
    let login = location(&resp);
    assert_eq!(login, format!("/demo/pjm-utilities/pjm-demo/login?{query}"));
    let html = text(app.get(&login).await).await;
    assert!(html.contains("cannot be completed in staging"));
    assert!(html.contains("<label for=\"password\">Password</label>"));
    let resp = post_form(
        &app,
        &login,
        &[("username", "demo"), ("password", "hunter2")],
    )
    .await;
    let unavailable = location(&resp);
    assert_eq!(
        unavailable,
        format!("/demo/pjm-utilities/pjm-demo/unavailable?{query}")
    );
    let html = text(app.get(&unavailable).await).await;
    assert!(html.contains("This flow cannot be completed"));
    assert!(
        !html.contains("redirect-landing"),
        "no path to the final redirect"
    );
    assert!(!html.contains("hunter2"));
    assert!(html.contains("action=\"/demo/pjm-utilities/confirm?refId=pjm-1\""));
    let lines = lines(&app, "demo").await;
    assert_eq!(
        lines,
        [
            "session CREATED",
            "session UPDATED",
            "authorization_updated PJM_DEMO INITIATED",
            "authorization_updated PJM_DEMO FAILED",
        ]
    );
    assert!(!lines.iter().any(|l| l.ends_with("COMPLETED")));
}

#[tokio::test]
async fn ercot_form_completes_with_a_texas_address() {
    let app = spawn_app().await;
    let query = "refId=tx-1&plan=green";
    let html = text(app.get(&format!("/demo/tx-address/?{query}")).await).await;
    for label in [
        "<label for=\"street_1\">Street address",
        "<label for=\"city\">City",
        "<label for=\"state\">State",
        "<label for=\"postal_code\">ZIP code",
    ] {
        assert!(html.contains(label), "{label}");
    }
    let resp = post_form(
        &app,
        &format!("/demo/tx-address/address?{query}"),
        &[
            ("street_1", "1100 Congress Ave"),
            ("street_2", ""),
            ("city", "Austin"),
            ("state", "TX"),
            ("postal_code", "78701-2428"),
        ],
    )
    .await;
    assert_eq!(
        location(&resp),
        format!(
            "http://localhost:{}/_mock/redirect-landing?{query}",
            app.port
        )
    );
    assert_eq!(
        lines(&app, "demo").await,
        ["session CREATED", "session UPDATED", "session COMPLETED"],
        "no utility login and no meter for the form flow"
    );
}

#[tokio::test]
async fn ercot_form_rejects_other_addresses_keeping_what_was_typed() {
    let app = spawn_app().await;
    let query = "refId=tx-2";
    app.get(&format!("/demo/tx-address/?{query}")).await;
    let resp = post_form(
        &app,
        &format!("/demo/tx-address/address?{query}"),
        &[
            ("street_1", "<script>alert(1)</script>"),
            ("city", "Sacramento"),
            ("state", "CA"),
            ("postal_code", "95814"),
        ],
    )
    .await;
    assert_eq!(resp.status(), 422);
    let html = text(resp).await;
    assert!(html.contains("Check the address"));
    assert!(
        html.contains("value=\"Sacramento\""),
        "typed values are kept"
    );
    assert!(html.contains("value=\"CA\""));
    assert!(
        html.contains("&#60;script&#62;alert(1)&#60;/script&#62;")
            || html.contains("&lt;script&gt;")
    );
    assert!(!html.contains("<script>alert(1)"), "escaped");
    assert!(html.contains("ERCOT serves Texas"));
    assert!(html.contains("not in Texas"));
    assert!(html.contains("id=\"state\" name=\"state\" value=\"CA\" autocomplete=\"address-level1\" required aria-required=\"true\" aria-invalid=\"true\" aria-describedby=\"state-hint state-error\""));
    assert_eq!(
        lines(&app, "demo").await,
        ["session CREATED"],
        "nothing completes"
    );
}

#[tokio::test]
async fn missing_ref_id_works_and_the_page_says_nothing_is_recorded() {
    let app = spawn_app().await;
    let html = text(app.get(&format!("/demo/{CAISO}/getting-started")).await).await;
    assert!(html.contains("This link has no refId"));
    assert!(html.contains("Connect API"));
    let resp = post_form(
        &app,
        &format!("/demo/{CAISO}/send?utm=1"),
        &[("test_case", "caiso_meters_active")],
    )
    .await;
    assert!(location(&resp).ends_with("/_mock/redirect-landing?utm=1"));
    let html = text(app.get("/demo/tx-address/").await).await;
    assert!(html.contains("This link has no refId"));
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        events(&app, "demo").await.is_empty(),
        "nothing reaches the outbox"
    );
}

#[tokio::test]
async fn unknown_org_flow_and_pages_answer_404() {
    let app = spawn_app().await;
    let resp = app
        .get(&format!("/acme/{CAISO}/getting-started?refId=x-123"))
        .await;
    assert_eq!(resp.status(), 404);
    let html = text(resp).await;
    assert!(html.contains("Org not configured"));
    assert!(html.contains("LEAP_MOCK__ORGS__ACME__API_KEY="));
    assert!(html.contains("[orgs.acme]"));

    let resp = app.get("/%3Cscript%3E/ca-utilities/").await;
    assert_eq!(resp.status(), 404);
    let html = text(resp).await;
    assert!(!html.contains("<script>"));
    assert!(html.contains("LEAP_MOCK__ORGS__&#60;NAME&#62;") || html.contains("&lt;NAME&gt;"));

    for path in [
        "/demo/no-such-flow/",
        "/demo/ca-utilities/nothing-here",
        &format!("/demo/{CAISO}/error/not_a_case"),
        &format!("/demo/{CAISO}/error/nyiso_connect_mfa_error"),
        "/demo/tx-address/pjm-demo/login",
    ] {
        let resp = app.get(path).await;
        assert_eq!(resp.status(), 404, "{path}");
        assert!(
            resp.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
    }

    // API-looking paths keep the API's JSON 404, however deep.
    for path in [
        "/v1/x/y",
        "/v1.1/foo/bar",
        "/v2/meters/a/b/c",
        "/_mock/nothing/here",
        "/v2/x",
    ] {
        let resp = app.get(path).await;
        assert_eq!(resp.status(), 404, "{path}");
        assert!(
            resp.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json"),
            "{path}"
        );
    }
    let resp = app.client.post(app.url("/v2/x/y")).send().await.unwrap();
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn hostile_and_over_long_input_is_escaped_or_refused_politely() {
    let app = spawn_app().await;
    // A refId breaking Leap's PartnerReference rules: a 400 page, value escaped.
    let resp = app
        .get(&format!(
            "/demo/{CAISO}/getting-started?refId=%3Cscript%3Ealert(1)%3C%2Fscript%3E"
        ))
        .await;
    assert_eq!(resp.status(), 400);
    let html = text(resp).await;
    assert!(html.contains("refId is not valid"));
    assert!(!html.contains("<script>alert"));
    let resp = app
        .get(&format!(
            "/demo/{CAISO}/getting-started?refId={}",
            "r".repeat(300)
        ))
        .await;
    assert_eq!(resp.status(), 400);

    // Extra parameters with markup are carried, never interpreted.
    let html = text(
        app.get(&format!(
            "/demo/{CAISO}/getting-started?refId=ok-h1&x=%22%3E%3Cscript%3Ealert(1)%3C/script%3E"
        ))
        .await,
    )
    .await;
    assert!(!html.contains("<script>"));
    assert!(!html.contains("\"><script"));

    // Over-long query, form value and form body.
    let resp = app
        .get(&format!(
            "/demo/{CAISO}/getting-started?refId=ok-h2&pad={}",
            "a".repeat(3000)
        ))
        .await;
    assert_eq!(resp.status(), 400);
    assert!(text(resp).await.contains("too long"));
    let long = "x".repeat(300);
    let resp = post_form(
        &app,
        "/demo/tx-address/address?refId=ok-h3",
        &[
            ("street_1", &long),
            ("city", "Austin"),
            ("state", "TX"),
            ("postal_code", "78701"),
        ],
    )
    .await;
    assert_eq!(resp.status(), 400);
    assert!(text(resp).await.contains("A value is too long"));
    let huge = "y".repeat(200);
    let many: Vec<(&str, &str)> = (0..60).map(|_| ("pad", huge.as_str())).collect();
    let resp = post_form(&app, "/demo/tx-address/address?refId=ok-h3", &many).await;
    assert_eq!(resp.status(), 413);

    // An unknown test case id is named back, escaped.
    let resp = post_form(
        &app,
        &format!("/demo/{CAISO}/send?refId=ok-h4"),
        &[("test_case", "<img src=x onerror=alert(1)>")],
    )
    .await;
    assert_eq!(resp.status(), 422);
    let html = text(resp).await;
    assert!(!html.contains("<img"));
    assert!(html.contains("There is no CAISO test case"));
    let resp = post_form(&app, &format!("/demo/{CAISO}/send?refId=ok-h4"), &[]).await;
    assert_eq!(resp.status(), 422);
    assert!(text(resp).await.contains("Choose a test case"));

    // Wrong methods get an HTML 405 with Allow.
    let resp = app.get(&format!("/demo/{CAISO}/send?refId=ok-h5")).await;
    assert_eq!(resp.status(), 405);
    assert_eq!(resp.headers()["allow"], "POST");
    let resp = app
        .client
        .delete(app.url("/demo/ca-utilities/"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);
}

#[tokio::test]
async fn org_index_lists_the_links_and_flows_follow_the_setting() {
    let app = spawn_app_with(&[(
        "LEAP_MOCK__ORGS__DEMO__FLOWS",
        "solar-ca=CAISO,home-tx=ERCOT",
    )])
    .await;
    let html = text(app.get("/demo").await).await;
    assert!(
        html.contains("href=\"/demo/staging-test-utility-caiso/getting-started?refId=my-ref-1\"")
    );
    assert!(html.contains("href=\"/demo/solar-ca/?refId=my-ref-1\""));
    assert!(html.contains("href=\"/demo/home-tx/?refId=my-ref-1\""));
    assert!(
        !html.contains("ca-utilities"),
        "an org's own flows replace the defaults"
    );
    assert_eq!(app.get("/demo/ca-utilities/").await.status(), 404);
    assert_eq!(app.get("/demo/solar-ca/?refId=s-1").await.status(), 200);
    // The direct test utility's back link goes to the org's CAISO flow.
    let html = text(
        app.get(&format!("/demo/{CAISO}/getting-started?refId=s-1"))
            .await,
    )
    .await;
    assert!(html.contains("href=\"/demo/solar-ca/?refId=s-1\""));
    // No NYISO flow: back goes to the menu itself.
    let html = text(
        app.get(&format!("/demo/{NYISO}/getting-started?refId=s-1"))
            .await,
    )
    .await;
    assert!(html.contains(&format!("href=\"/demo/{NYISO}/getting-started?refId=s-1\"")));
}

#[tokio::test]
async fn trailing_slashes_serve_the_same_pages() {
    let app = spawn_app().await;
    // The org index, with or without a slash (and a query, which it ignores).
    let index = text(app.get("/demo").await).await;
    assert!(index.contains("href=\"/demo/ca-utilities/?refId=my-ref-1\""));
    for path in ["/demo/", "/demo/?refId=r-1"] {
        let resp = app.get(path).await;
        assert_eq!(resp.status(), 200, "{path}");
        assert_eq!(text(resp).await, index, "{path}");
    }
    // An unknown org is the same HTML 404 either way; API prefixes keep their JSON 404.
    for path in ["/acme", "/acme/"] {
        let resp = app.get(path).await;
        assert_eq!(resp.status(), 404, "{path}");
        assert!(text(resp).await.contains("Org not configured"), "{path}");
    }
    for path in ["/v2/", "/v1.1/", "/_mock/"] {
        let resp = app.get(path).await;
        assert_eq!(resp.status(), 404, "{path}");
        assert!(
            resp.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json"),
            "{path}"
        );
    }
    let resp = app.client.post(app.url("/demo/")).send().await.unwrap();
    assert_eq!(resp.status(), 405);
    assert_eq!(resp.headers()["allow"], "GET");

    // A flow: the selector either way, its form posting to the same absolute action.
    for path in [
        "/demo/ca-utilities?refId=slash-1",
        "/demo/ca-utilities/?refId=slash-1",
    ] {
        let resp = app.get(path).await;
        assert_eq!(resp.status(), 200, "{path}");
        let html = text(resp).await;
        assert!(
            html.contains("action=\"/demo/ca-utilities/select?refId=slash-1\""),
            "{path}: {html}"
        );
    }
    // A test utility's root redirects to its menu either way.
    for path in [
        format!("/demo/{CAISO}?refId=slash-2"),
        format!("/demo/{CAISO}/?refId=slash-2"),
    ] {
        let resp = app.get(&path).await;
        assert_eq!(resp.status(), 303, "{path}");
        assert_eq!(
            location(&resp),
            format!("/demo/{CAISO}/getting-started?refId=slash-2")
        );
    }
}

#[tokio::test]
async fn idle_sessions_close_after_24_hours_of_leap_time() {
    // 24 h at this scale is ~0.86 s.
    let app = spawn_app_with(&[("LEAP_MOCK__TIME_SCALE", "0.00001")]).await;
    let resp = send_in_browser(
        &app,
        "demo",
        CAISO,
        "refId=idle-1",
        "caiso_connect_abandoned_at_login",
    )
    .await;
    assert_eq!(resp.status(), 303);
    app.get("/demo/ny-utilities/?refId=idle-2").await;
    // A completed session is not touched by expiry.
    send_in_browser(
        &app,
        "demo",
        CAISO,
        "refId=idle-3",
        "caiso_connect_auth_success",
    )
    .await;
    eventually(
        Duration::from_secs(5),
        "both idle sessions to close",
        || async {
            lines(&app, "demo")
                .await
                .iter()
                .filter(|l| *l == "session CLOSED")
                .count()
                == 2
        },
    )
    .await;
    let all = events(&app, "demo").await;
    let of = |r: &str| -> Vec<String> {
        all.iter()
            .filter(|e| e["payload"]["partner_reference"] == r)
            .map(crate::flow_support::line)
            .collect()
    };
    assert_eq!(
        of("idle-1"),
        [
            "session CREATED",
            "session UPDATED",
            "authorization_updated LEAP_TEST_CAISO INITIATED",
            "session CLOSED",
        ]
    );
    assert_eq!(of("idle-2"), ["session CREATED", "session CLOSED"]);
    assert_eq!(
        of("idle-3").last().map(String::as_str),
        Some("session COMPLETED")
    );

    // Opening the link again starts a new session.
    app.get(&format!("/demo/{CAISO}/getting-started?refId=idle-1"))
        .await;
    assert_eq!(of("idle-1").len() + 1, {
        let all = events(&app, "demo").await;
        all.iter()
            .filter(|e| e["payload"]["partner_reference"] == "idle-1")
            .count()
    });
}
