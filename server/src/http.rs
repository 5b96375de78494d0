//! The HTTP side: the router and the middleware every request passes through.
//!
//! Order, from the outside in: tracing → compression → client address →
//! security headers (CSP nonce) → cross-origin guard → session →
//! server-function gate → route.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::Result;
use app::audit::writer::AuditWriter;
use app::auth::cache::AuthCache;
use app::auth::session_store::DbSessionStore;
use app::context::ClientAddr;
use app::state::ServerContext;
use app::{shell, App, CspNonce};
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRef, State};
use axum::http::{header, HeaderValue, Method, Request, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::Engine;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use rand::RngCore;
use sea_orm::DatabaseConnection;
use shared::AppError;
use tower::Layer;
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;
use tower_http::set_header::{SetResponseHeader, SetResponseHeaderLayer};
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::{Key, SameSite};
use tower_sessions::SessionManagerLayer;

use crate::config::ServeConfig;
use crate::db::Connections;
use crate::pwa;
use crate::secrets::Secrets;

/// Axum state: Leptos needs its options; the rest reaches server functions as context.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: DatabaseConnection,
    pub service_worker: Arc<String>,
}

/// What the request guards need to know about the deployment.
#[derive(Clone)]
struct Guards {
    trust_proxy: bool,
    /// The origin accepted for state-changing requests, if configured; otherwise
    /// the request's own `Host` is the only accepted origin.
    public_origin: Option<String>,
    hsts: bool,
}

/// Builds the whole application router.
pub fn router(
    config: &ServeConfig,
    connections: &Connections,
    secrets: &Secrets,
) -> Result<Router> {
    let db = connections.main.clone();
    let leptos_options = LeptosOptions::builder()
        .output_name("hms")
        .site_root(config.site_root.to_string_lossy().to_string())
        .site_pkg_dir("pkg")
        .site_addr(config.bind)
        .hash_files(hash_file_present())
        .build();
    let service_worker = Arc::new(pwa::service_worker(&config.site_root)?);
    let state = AppState {
        leptos_options: leptos_options.clone(),
        db: db.clone(),
        service_worker,
    };
    let auth_cache = Arc::new(AuthCache::new(config.auth_cache()));
    crate::workers::spawn_auth_listener(&db, auth_cache.clone());
    let bed_events = Arc::new(app::beds::live::BedEvents::default());
    crate::workers::spawn_bed_listener(&db, bed_events.clone());
    crate::workers::spawn_wal_checkpointer(
        connections.checkpoint.clone(),
        std::time::Duration::from_secs(1),
    );
    crate::workers::spawn_key_reloader(secrets.clone(), crate::workers::KEY_RELOAD_PERIOD);
    let ctx = ServerContext {
        db: db.clone(),
        policy: config.policy(),
        timezone: config.timezone,
        currency: config.currency,
        cancel_cutoff: std::time::Duration::from_secs(config.cancel_cutoff_hours * 3600),
        hospital_name: config.hospital_name.clone(),
        reminder_leads: config.reminder_leads.0.clone(),
        search_db: connections.search.clone(),
        audit: AuditWriter::spawn(connections.audit.clone()),
        auth_cache: auth_cache.clone(),
        clock: config.clock.clone(),
        cipher: secrets.cipher(),
        public_url: config.public_base(),
        files: Arc::new(app::files::FileStore::new(config.attachments_dir())),
        payments: config.payments()?,
        bed_events,
    };
    let routes = generate_route_list(App);

    let sessions = SessionManagerLayer::new(DbSessionStore::new(db, auth_cache))
        .with_name("hms_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.secure_cookies())
        .with_signed(Key::from(&secrets.session_key));
    let guards = Guards {
        trust_proxy: config.trust_proxy,
        public_origin: config
            .public_url
            .as_deref()
            .map(|u| u.trim_end_matches('/').to_string()),
        hsts: config.secure_cookies(),
    };

    let router = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/sw.js", get(serve_service_worker))
        .nest_service("/pkg", built_assets(&config.site_root))
        .route(
            "/api/records/mine/{format}",
            get(app::chart::export::download_mine).layer(axum::Extension(ctx.clone())),
        )
        .route(
            shared::audit::AUDIT_EXPORT_PATH,
            get(app::admin::audit_export::export_csv).layer(axum::Extension(ctx.clone())),
        )
        .route(
            app::auth::api::SIGN_OUT_PATH,
            post(app::auth::sign_out::sign_out).layer(axum::Extension(ctx.clone())),
        )
        .route(
            "/api/admissions/{id}/discharge.pdf",
            get(app::beds::export::download_discharge).layer(axum::Extension(ctx.clone())),
        )
        .route(
            "/api/prescriptions/{id}/pdf",
            get(app::prescriptions::export::download_pdf).layer(axum::Extension(ctx.clone())),
        )
        .route(
            "/uploads/lab/results/{id}/attachments",
            post(app::lab::attachments::upload)
                .layer::<_, std::convert::Infallible>(axum::extract::DefaultBodyLimit::max(
                    shared::lab_visits::MAX_ATTACHMENT_BYTES + 64 * 1024,
                ))
                .layer(axum::Extension(ctx.clone())),
        )
        .route(
            "/api/lab/attachments/{id}",
            get(app::lab::attachments::download).layer(axum::Extension(ctx.clone())),
        )
        .route(
            "/api/billing/invoices/{id}/pdf",
            get(app::billing::documents::download_invoice).layer(axum::Extension(ctx.clone())),
        )
        .route(
            "/api/billing/payments/{id}/receipt",
            get(app::billing::documents::download_receipt).layer(axum::Extension(ctx.clone())),
        )
        .route(
            "/uploads/billing/claims/{id}/documents",
            post(app::billing::claim_documents::upload)
                .layer::<_, std::convert::Infallible>(axum::extract::DefaultBodyLimit::max(
                    shared::lab_visits::MAX_ATTACHMENT_BYTES + 64 * 1024,
                ))
                .layer(axum::Extension(ctx.clone())),
        )
        .route(
            "/api/billing/claim-documents/{id}",
            get(app::billing::claim_documents::download).layer(axum::Extension(ctx.clone())),
        )
        .route(
            "/api/billing/claims/{id}/fhir",
            get(app::billing::claim_documents::fhir).layer(axum::Extension(ctx.clone())),
        )
        .route(
            "/api/reports/revenue.csv",
            get(app::reports::downloads::revenue_csv).layer(axum::Extension(ctx.clone())),
        )
        .route(
            "/api/reports/aging.csv",
            get(app::reports::downloads::aging_csv).layer(axum::Extension(ctx.clone())),
        )
        .route(
            "/api/reports/claims.csv",
            get(app::reports::downloads::claims_csv).layer(axum::Extension(ctx.clone())),
        )
        .route(
            "/api/reports/occupancy.csv",
            get(app::reports::downloads::occupancy_csv).layer(axum::Extension(ctx.clone())),
        )
        .route(
            "/api/reports/movements.csv",
            get(app::reports::downloads::movements_csv).layer(axum::Extension(ctx.clone())),
        )
        .route(
            "/api/reports/ed_waits.csv",
            get(app::reports::downloads::ed_waits_csv).layer(axum::Extension(ctx.clone())),
        )
        .route(
            app::billing::online::WEBHOOK_PATH,
            post(app::billing::online::webhook).layer(axum::Extension(ctx.clone())),
        )
        .route(
            "/api/lab/orders/{id}/pdf",
            get(app::lab::report::download_pdf).layer(axum::Extension(ctx.clone())),
        )
        .route(
            app::beds::live::EVENTS_PATH,
            get(app::beds::live::events).layer(axum::Extension(ctx.clone())),
        )
        .route(
            "/api/appointments/{id}/ics",
            get(app::appointments::api::download_ics).layer(axum::Extension(ctx.clone())),
        )
        .leptos_routes_with_context(
            &state,
            routes,
            {
                let ctx = ctx.clone();
                move || provide_context(ctx.clone())
            },
            {
                let options = leptos_options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn_with_state(ctx.clone(), server_fn_gate))
        .layer(sessions)
        .layer(middleware::from_fn_with_state(
            guards.clone(),
            cross_origin_guard,
        ))
        .layer(middleware::from_fn_with_state(
            guards.clone(),
            security_headers,
        ))
        .layer(middleware::from_fn_with_state(guards, client_addr))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state);
    Ok(router)
}

/// The build's hashed assets under `/pkg/` (wasm, js, css). A release build
/// leaves each one compressed beside it at the highest levels (`.ci/precompress`
/// writes `.br` and `.gz`); ServeDir sends the one the browser accepts as it is,
/// with its `Content-Encoding`, so the CompressionLayer leaves it alone. Without
/// them (a dev build) the file goes out raw and is compressed on the fly, as
/// before. `Vary` because one URL has several encodings in shared caches. A
/// missing file is a plain 404, not the app's page. (Other files of the site
/// root, icons and the offline page, are served by Leptos' fallback.)
fn built_assets(site_root: &Path) -> SetResponseHeader<ServeDir, HeaderValue> {
    SetResponseHeaderLayer::if_not_present(
        header::VARY,
        HeaderValue::from_static("accept-encoding"),
    )
    .layer(
        ServeDir::new(site_root.join("pkg"))
            .precompressed_br()
            .precompressed_gzip(),
    )
}

/// The path of every page the router serves, as written in the route table
/// (`/clinic/patients/{id}`): what the every-page tests load.
pub fn page_routes() -> Vec<String> {
    let mut paths: Vec<String> = generate_route_list(App)
        .iter()
        .map(|route| route.path().to_string())
        .collect();
    paths.sort();
    paths.dedup();
    paths
}

/// cargo-leptos writes `hash.txt` (the content hashes in the asset names) next
/// to the server binary; Leptos reads it to link the hashed wasm, js and css.
fn hash_file_present() -> bool {
    let present = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("hash.txt").exists()))
        .unwrap_or(false);
    if !present {
        tracing::warn!("no hash.txt beside the binary: pages link unhashed asset names (fine for tests, not for a build from cargo-leptos)");
    }
    present
}

/// Ready when the database answers.
async fn readyz(State(db): State<DatabaseConnection>) -> Response {
    match db.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

async fn serve_service_worker(State(state): State<AppState>) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/javascript; charset=utf-8",
            ),
            // Browsers must always check for a new worker, or old assets stick.
            (header::CACHE_CONTROL, "no-cache"),
        ],
        state.service_worker.as_str().to_owned(),
    )
        .into_response()
}

/// Records the caller's address for the audit trail and rate limits.
async fn client_addr(
    State(guards): State<Guards>,
    mut request: Request<Body>,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string());
    let forwarded = guards
        .trust_proxy
        .then(|| request.headers().get("x-forwarded-for"))
        .flatten()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    let addr = forwarded.or(peer).unwrap_or_else(|| "unknown".into());
    request.extensions_mut().insert(ClientAddr(addr));
    next.run(request).await
}

/// The gate in front of every server function, before its arguments are read:
/// the access declared beside the function (`app::auth::gate`) decides who
/// gets through (401 for nobody signed in, 403 for a role without the
/// permission, audited; a function that declares nothing is refused). After
/// the function, an error that the framework answered as 500 but that is the
/// client's (arguments that cannot be read: [`AppError::BadRequest`]) gets
/// its own status.
async fn server_fn_gate(
    State(ctx): State<ServerContext>,
    request: Request<Body>,
    next: Next,
) -> Response {
    use app::auth::gate::{declared, Access};
    let path = request.uri().path();
    if request.method() != Method::POST || !path.starts_with("/api/") {
        return next.run(request).await;
    }
    match declared(path) {
        Some(Access::Public) => {}
        None => {
            tracing::error!(
                path,
                "server function without an access declaration refused"
            );
            return error_response(&AppError::Forbidden);
        }
        Some(access) => {
            let (mut parts, body) = request.into_parts();
            let Some(session) = parts.extensions.get::<tower_sessions::Session>().cloned() else {
                tracing::error!("session layer missing in front of the server-function gate");
                return error_response(&AppError::Internal);
            };
            let meta = app::context::RequestMeta::from_parts(&parts);
            let caller = match app::auth::guard::authenticate_with(ctx, meta, session).await {
                Ok(caller) => caller,
                Err(e) => return error_response(&e),
            };
            // A temporary password, or a staff account without two-step
            // sign-in, blocks everything but the caller's own account.
            if access != Access::AnyOf(&[shared::Permission::ManageOwnAccount]) {
                if let Err(pending) = app::auth::guard::first_steps_done(&caller.user) {
                    return error_response(&pending);
                }
            }
            if !access.allows(caller.user.role) {
                // The refusal names the patient the request named, so
                // "who tried to reach this record" stays answerable.
                let named = axum::body::to_bytes(body, 256 * 1024)
                    .await
                    .ok()
                    .and_then(|bytes| named_patient(&bytes));
                let refused =
                    match app::auth::guard::deny_call(&caller, parts.uri.path(), named).await {
                        Ok(()) => AppError::Forbidden,
                        Err(e) => e,
                    };
                return error_response(&refused);
            }
            // A sensitive action asks for the password again after a while.
            if app::auth::gate::needs_reauth(parts.uri.path()) {
                if let Err(e) = app::auth::guard::recently_confirmed(&caller).await {
                    return error_response(&e);
                }
            }
            parts
                .extensions
                .insert(app::auth::guard::Admitted(caller.user));
            return client_errors_keep_their_status(
                next.run(Request::from_parts(parts, body)).await,
            )
            .await;
        }
    }
    client_errors_keep_their_status(next.run(request).await).await
}

/// The `patient_id` a server function's JSON arguments name, if any.
fn named_patient(body: &[u8]) -> Option<uuid::Uuid> {
    let args: serde_json::Value = serde_json::from_slice(body).ok()?;
    args.get("patient_id")?.as_str()?.parse().ok()
}

/// A server function's error as the framework sends it: the JSON of
/// [`AppError`] with the status that fits it.
fn error_response(error: &AppError) -> Response {
    (
        app::context::http_status(error),
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::to_string(error).unwrap_or_default(),
    )
        .into_response()
}

/// The framework answers every server-function error that the function did
/// not give a status (arguments it could not decode, above all) with 500.
/// Those that are the client's get the status of their [`AppError`].
async fn client_errors_keep_their_status(response: Response) -> Response {
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return error_response(&AppError::Internal);
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = app::context::http_status(&error);
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Refuses state-changing requests that come from another origin (CSRF):
/// the `Origin` header (or, failing that, `Referer`) must name this site.
async fn cross_origin_guard(
    State(guards): State<Guards>,
    request: Request<Body>,
    next: Next,
) -> Response {
    // The payment provider's webhook comes from the provider, not a
    // browser: it proves itself by its signature (`billing::online::webhook`).
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) || request.uri().path() == app::billing::online::WEBHOOK_PATH
    {
        return next.run(request).await;
    }
    let headers = request.headers();
    let claimed = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .filter(|o| *o != "null")
        .map(str::to_string)
        .or_else(|| {
            headers
                .get(header::REFERER)
                .and_then(|v| v.to_str().ok())
                .and_then(|r| {
                    let after_scheme = r.find("://")? + 3;
                    let end = r[after_scheme..]
                        .find('/')
                        .map_or(r.len(), |i| after_scheme + i);
                    Some(r[..end].to_string())
                })
        });
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let allowed = match (&claimed, &guards.public_origin) {
        (Some(origin), Some(public)) => origin == public,
        (Some(origin), None) => origin
            .split_once("://")
            .is_some_and(|(_, authority)| authority == host),
        (None, _) => false,
    };
    if allowed {
        return next.run(request).await;
    }
    tracing::warn!(origin = ?claimed, host, path = %request.uri().path(), "refused cross-origin request");
    let error = AppError::BadRequest(
        "This request did not come from this site, so it was refused. Reload the page and try again.".into(),
    );
    (
        StatusCode::FORBIDDEN,
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::to_string(&error).unwrap_or_default(),
    )
        .into_response()
}

/// Security headers on every response, with a fresh CSP nonce per request
/// that the page's hydration scripts carry.
async fn security_headers(
    State(guards): State<Guards>,
    mut request: Request<Body>,
    next: Next,
) -> Response {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let nonce = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    request.extensions_mut().insert(CspNonce(nonce.clone()));
    let path = request.uri().path().to_string();
    let mut response = next.run(request).await;
    let status = response.status();
    let headers = response.headers_mut();
    let csp = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; font-src 'self'; connect-src 'self'; manifest-src 'self'; worker-src 'self'; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    );
    let set = |headers: &mut axum::http::HeaderMap, name: &'static str, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(name, v);
        }
    };
    set(headers, "content-security-policy", &csp);
    set(headers, "x-content-type-options", "nosniff");
    set(headers, "referrer-policy", "same-origin");
    set(headers, "x-frame-options", "DENY");
    set(
        headers,
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), payment=()",
    );
    set(headers, "cross-origin-opener-policy", "same-origin");
    if guards.hsts {
        set(
            headers,
            "strict-transport-security",
            "max-age=63072000; includeSubDomains",
        );
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        // Hashed build outputs never change (but a missing one may appear with
        // the next deploy); everything else may hold patient data and must not
        // linger in shared caches or on shared devices.
        let found = status.is_success() || status == StatusCode::NOT_MODIFIED;
        let policy = if path.starts_with("/pkg/") && found {
            "public, max-age=31536000, immutable"
        } else if path.starts_with("/icons/")
            || path == "/manifest.webmanifest"
            || path == "/offline.html"
            || path == "/offline.css"
        {
            "public, max-age=3600"
        } else {
            "no-store"
        };
        set(headers, "cache-control", policy);
    }
    response
}
