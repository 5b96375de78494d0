//! The administrator's audit viewer: the outcome filter, the views a review
//! asks for, and the CSV export of any filtered range (who may export, what
//! a request the server cannot read gets, and that exporting is audited).

#![recursion_limit = "512"]

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::Role;

async fn export(client: &Client, query: &str) -> (StatusCode, String, String) {
    let response = client
        .http
        .get(format!("{}/api/audit/export.csv{query}", client.base))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, content_type, response.text().await.unwrap())
}

async fn the_audit_trail_exports_as_csv(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = signed_in(&app, "admin@test.example", Role::Administrator).await;
    let nurse_email = staff(&app, "nurse@test.example", Role::Nurse).await;
    let nurse = Client::new(&app.base);
    for _ in 0..3 {
        assert_eq!(
            nurse.login(&nurse_email, "wrong password here").await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    nurse.login(&nurse_email, PASSWORD).await.1.unwrap();

    // The outcome filter.
    let (status, page) = admin
        .call::<Value>(
            "admin/audit",
            json!({"query": {"action": "auth.login", "outcome": "failure", "descending": true}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let events = page.unwrap()["events"].as_array().unwrap().clone();
    assert_eq!(events.len(), 3, "{events:?}");
    assert!(events.iter().all(|e| e["outcome"] == "failure"));

    // The same range as CSV: a header, then every event, oldest first.
    let (status, content_type, body) =
        export(&admin, "?action=auth.login&outcome=failure&user=nurse%40").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    let lines: Vec<&str> = body.lines().collect();
    assert!(lines[0].starts_with("seq,at_utc,at_hospital,actor_email,actor_role,action,"));
    assert_eq!(lines.len(), 4, "{body}");
    for line in &lines[1..] {
        assert!(line.contains(",nurse@test.example,"), "{line}");
        assert!(
            line.contains(",auth.login,") && line.contains(",failure,"),
            "{line}"
        );
    }
    // Compressed as a browser asks (the compression layer reads the stream
    // to its end and once more).
    let compressed = admin
        .http
        .get(format!("{}/api/audit/export.csv", admin.base))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(compressed.status(), StatusCode::OK);
    assert_eq!(compressed.headers()["content-encoding"], "br");
    assert!(!compressed.bytes().await.expect("the whole body").is_empty());
    // No filter: the whole trail.
    let (status, _, all) = export(&admin, "").await;
    assert_eq!(status, StatusCode::OK);
    let stored = audit_rows(&app).await.len();
    // Everything stored before this export was written (its own event is
    // stored before the file is read, so it is in it too).
    assert!(
        all.lines().count() > stored - 1,
        "{} < {stored}",
        all.lines().count()
    );

    // Exporting is audited, with the filters.
    let rows = audit_rows(&app).await;
    assert!(rows
        .iter()
        .any(|r| r.0 == "audit.export" && r.2.as_deref() == Some("admin@test.example")));

    // Nobody signed in: 401. Signed in without the permission: 403, audited.
    let anonymous = Client::new(&app.base);
    assert_eq!(export(&anonymous, "").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(export(&nurse, "").await.0, StatusCode::FORBIDDEN);
    assert!(audit_rows(&app).await.iter().any(|r| r.0 == "access.denied"
        && r.1 == "denied"
        && r.2.as_deref() == Some("nurse@test.example")));
    // A query the server cannot read: 400; filters that do not hold: 422.
    assert_eq!(
        export(&admin, "?outcome=maybe").await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        export(&anonymous, "?outcome=maybe").await.0,
        StatusCode::UNAUTHORIZED,
        "who asks is checked before the query is read"
    );
    let (status, _, body) = export(&admin, "?from=2026-12-05&to=2026-12-01").await;
    assert_eq!(status.as_u16(), 422, "{body}");
}

/// A long range streams in pages: every event once, in the chain's order.
async fn a_long_range_streams_every_event_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = signed_in(&app, "admin@test.example", Role::Administrator).await;
    let meta = app::context::RequestMeta::default();
    for i in 0..2_345 {
        app::audit::service::append(
            &app.db,
            app::audit::service::AuditEvent::new(
                app::audit::service::Actor::default(),
                "bench.event",
                shared::audit::Outcome::Success,
            )
            .detail(format!("=event {i}")),
            &meta,
        )
        .await
        .unwrap();
    }
    let (status, _, body) = export(&admin, "?action=bench.").await;
    assert_eq!(status, StatusCode::OK);
    let details: Vec<String> = body
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(12).unwrap().to_string())
        .collect();
    let expected: Vec<String> = (0..2_345).map(|i| format!("'=event {i}")).collect();
    assert_eq!(details, expected, "a formula-like cell is defused");
}

/// The viewer pages by keyset in every sort order: each event once, in
/// order, ties (same time, same actor, no actor) broken by id.
async fn the_viewer_pages_through_every_order(backend: Backend) {
    use shared::audit::Outcome;
    let app = spawn_app(backend).await;
    let admin = signed_in(&app, "admin@test.example", Role::Administrator).await;
    let meta = app::context::RequestMeta::default();
    let base = chrono::Utc::now();
    let outcomes = [Outcome::Success, Outcome::Denied, Outcome::Failure];
    for i in 0..130i64 {
        let email = (i % 5 != 0).then(|| format!("user{}@test.example", i % 7));
        let event = app::audit::service::AuditEvent::new(
            app::audit::service::Actor {
                email,
                ..Default::default()
            },
            ["page.read", "page.write", "page.merge"][(i % 3) as usize],
            outcomes[(i % 4 % 3) as usize],
        )
        // Groups of four share one time.
        .at(base + chrono::Duration::milliseconds(i / 4));
        app::audit::service::append(&app.db, event, &meta)
            .await
            .unwrap();
    }
    for sort in ["at", "actor", "action", "outcome"] {
        for descending in [false, true] {
            let mut seen: Vec<Value> = Vec::new();
            let mut after = Value::Null;
            loop {
                let (status, page) = admin
                    .call::<Value>(
                        "admin/audit",
                        json!({"query": {"action": "page.", "sort": sort,
                            "descending": descending, "after": after}}),
                    )
                    .await;
                assert_eq!(status, StatusCode::OK, "{page:?}");
                let page = page.unwrap();
                seen.extend(page["events"].as_array().unwrap().iter().cloned());
                after = page["next"].clone();
                if after.is_null() {
                    break;
                }
            }
            let key = |e: &Value| -> String {
                match sort {
                    "at" => e["at"].as_str().unwrap().to_string(),
                    "actor" => e["actor_email"].as_str().unwrap_or("").to_string(),
                    "action" => e["action"].as_str().unwrap().to_string(),
                    _ => e["outcome"].as_str().unwrap().to_string(),
                }
            };
            let got: Vec<i64> = seen.iter().map(|e| e["id"].as_i64().unwrap()).collect();
            let mut expected: Vec<(String, i64)> = seen
                .iter()
                .map(|e| (key(e), e["id"].as_i64().unwrap()))
                .collect();
            expected.sort_by(|a, b| {
                let o = if sort == "at" {
                    chrono::DateTime::parse_from_rfc3339(&a.0)
                        .unwrap()
                        .cmp(&chrono::DateTime::parse_from_rfc3339(&b.0).unwrap())
                } else {
                    a.0.cmp(&b.0)
                };
                o.then(a.1.cmp(&b.1))
            });
            if descending {
                expected.reverse();
            }
            assert_eq!(got.len(), 130, "{sort} {descending}");
            assert_eq!(
                got,
                expected.into_iter().map(|e| e.1).collect::<Vec<_>>(),
                "{sort} descending={descending}"
            );
        }
    }
    // A cursor that is not one: 400, not 500.
    let (status, _) = admin
        .call::<Value>(
            "admin/audit",
            json!({"query": {"sort": "at", "after": {"key": "yesterday", "id": 1}}}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

on_both_databases!(
    the_audit_trail_exports_as_csv,
    a_long_range_streams_every_event_once,
    the_viewer_pages_through_every_order
);
