//! Health checks, security headers and the service worker.

#![recursion_limit = "512"]

mod common;

use common::*;

async fn health_and_readiness(backend: Backend) {
    let app = spawn_app(backend).await;
    let live = reqwest::get(format!("{}/healthz", app.base)).await.unwrap();
    assert_eq!(live.status(), 200);
    let ready = reqwest::get(format!("{}/readyz", app.base)).await.unwrap();
    assert_eq!(ready.status(), 200);
    app.db.clone().close().await.unwrap();
    let ready = reqwest::get(format!("{}/readyz", app.base)).await.unwrap();
    assert_eq!(ready.status(), 503);
}

async fn pages_carry_security_headers(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = reqwest::get(format!("{}/", app.base)).await.unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    let csp = headers["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("'wasm-unsafe-eval'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "same-origin");
    assert_eq!(headers["cache-control"], "no-store");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap()
        .to_string();
    let html = response.text().await.unwrap();
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "the page's scripts carry this response's nonce"
    );

    // Each response gets its own nonce.
    let again = reqwest::get(format!("{}/", app.base)).await.unwrap();
    assert!(!again.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains(&nonce));

    let missing = reqwest::get(format!("{}/no/such/page", app.base))
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

async fn the_service_worker_is_served_uncached(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = reqwest::get(format!("{}/sw.js", app.base)).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/javascript"));
    assert_eq!(response.headers()["cache-control"], "no-cache");
    let body = response.text().await.unwrap();
    assert!(body.contains("/offline.html") && body.contains("addEventListener(\"fetch\""));
}

on_both_databases!(
    health_and_readiness,
    pages_carry_security_headers,
    the_service_worker_is_served_uncached
);
