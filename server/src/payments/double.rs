//! A local stand-in for the card-payment provider that speaks the part of
//! Stripe's HTTP protocol HMS uses, so the tests, the end-to-end run and
//! `make run` exercise the real adapter (`super::stripe`) and the real
//! webhook without a provider account. No money moves.
//!
//! - `POST /v1/checkout/sessions`, `GET /v1/checkout/sessions/{id}` and
//!   `POST /v1/refunds`, with the bearer key checked and Stripe's
//!   idempotency rules: a key sent again with the same parameters gets the
//!   first answer (`Idempotent-Replayed: true`), with other parameters a 400.
//! - `GET /checkout/{id}`: the hosted payment page. Card 4242 4242 4242 4242
//!   pays, 4000 0000 0000 0002 is declined; paying sends the signed
//!   `checkout.session.completed` event to the webhook (retried, as a
//!   provider does, until it answers 2xx) and sends the patient back.
//!
//! Written here rather than taken from a crate: no maintained crate serves
//! Stripe's protocol locally (stripe-mock is a Go program on GitHub, which
//! these machines cannot download).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use app::billing::provider::{sign_webhook, SIGNATURE_HEADER};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde_json::{json, Value};
use uuid::Uuid;

/// The card that pays, and the one that is declined (Stripe's test cards).
pub const CARD_OK: &str = "4242424242424242";
pub const CARD_DECLINED: &str = "4000000000000002";

#[derive(Clone)]
struct Session {
    id: String,
    amount: i64,
    currency: String,
    name: String,
    reference: Option<String>,
    success_url: String,
    cancel_url: String,
    paid: bool,
    payment_intent: Option<String>,
}

impl Session {
    fn json(&self, base: &str) -> Value {
        json!({
            "id": self.id,
            "object": "checkout.session",
            "mode": "payment",
            "amount_total": self.amount,
            "currency": self.currency,
            "client_reference_id": self.reference,
            "status": if self.paid { "complete" } else { "open" },
            "payment_status": if self.paid { "paid" } else { "unpaid" },
            "payment_intent": self.payment_intent,
            "url": if self.paid { Value::Null } else { json!(format!("{base}/checkout/{}", self.id)) },
        })
    }
}

/// A request's parameters (sorted), and the status and body it was answered.
type Answered = (Vec<(String, String)>, StatusCode, Value);

#[derive(Default)]
struct Book {
    sessions: HashMap<String, Session>,
    /// Per payment intent: its amount and what was refunded.
    intents: HashMap<String, (i64, i64)>,
    /// Idempotency key → the request it was first used with, and its answer.
    keys: HashMap<String, Answered>,
    /// Every event sent, as sent (body), for tests that send one again.
    events: Vec<String>,
}

struct Inner {
    base: String,
    key: String,
    webhook_secret: String,
    webhook_url: Mutex<Option<String>>,
    book: Mutex<Book>,
    http: reqwest::Client,
}

/// A running double.
#[derive(Clone)]
pub struct PaymentDouble {
    inner: Arc<Inner>,
}

impl PaymentDouble {
    /// Listens on a free loopback port. `webhook_url` may be set later
    /// ([`Self::set_webhook_url`]) when the server's address is not known yet.
    pub async fn start(
        key: &str,
        webhook_secret: &str,
        webhook_url: Option<String>,
    ) -> anyhow::Result<PaymentDouble> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let inner = Arc::new(Inner {
            base,
            key: key.to_string(),
            webhook_secret: webhook_secret.to_string(),
            webhook_url: Mutex::new(webhook_url),
            book: Mutex::new(Book::default()),
            http: reqwest::Client::new(),
        });
        let router = Router::new()
            .route("/v1/checkout/sessions", post(create_session))
            .route("/v1/checkout/sessions/{id}", get(get_session))
            .route("/v1/refunds", post(create_refund))
            .route("/checkout/{id}", get(page).post(pay))
            .with_state(inner.clone());
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, router).await {
                tracing::error!(error = %e, "the payment double stopped");
            }
        });
        Ok(PaymentDouble { inner })
    }

    /// Its API key, for `--payments-key`.
    pub fn key(&self) -> String {
        self.inner.key.clone()
    }

    /// The secret it signs its events with, for `--payments-webhook-secret`.
    pub fn webhook_secret(&self) -> String {
        self.inner.webhook_secret.clone()
    }

    /// Its base URL, for `--payments-url`.
    pub fn url(&self) -> String {
        self.inner.base.clone()
    }

    pub fn set_webhook_url(&self, url: &str) {
        *self.inner.webhook_url.lock().unwrap() = Some(url.to_string());
    }

    /// The events sent so far, as their bodies.
    pub fn events(&self) -> Vec<String> {
        self.inner.book.lock().unwrap().events.clone()
    }

    /// What was refunded of a payment intent.
    pub fn refunded(&self, payment_intent: &str) -> i64 {
        let book = self.inner.book.lock().unwrap();
        book.intents.get(payment_intent).map_or(0, |i| i.1)
    }
}

/// A fresh webhook secret, as a provider gives one (`whsec_…`).
pub fn random_secret() -> String {
    format!("whsec_{}", Uuid::new_v4().simple())
}

fn error(status: StatusCode, kind: &str, message: &str) -> Response {
    (
        status,
        Json(json!({ "error": { "type": kind, "message": message } })),
    )
        .into_response()
}

/// The refusal of a request without the double's key, if it has not.
fn unauthorized(inner: &Inner, headers: &HeaderMap) -> Option<Response> {
    let expected = format!("Bearer {}", inner.key);
    let given = headers.get("authorization").and_then(|v| v.to_str().ok());
    (given != Some(expected.as_str())).then(|| {
        error(
            StatusCode::UNAUTHORIZED,
            "invalid_request_error",
            "Invalid API Key provided.",
        )
    })
}

/// Runs `create` once per idempotency key: the same key with the same
/// parameters answers what the first request got.
fn idempotent(
    inner: &Inner,
    headers: &HeaderMap,
    mut params: Vec<(String, String)>,
    create: impl FnOnce(&mut Book, &HashMap<String, String>) -> (StatusCode, Value),
) -> Response {
    if let Some(refused) = unauthorized(inner, headers) {
        return refused;
    }
    let Some(key) = headers.get("idempotency-key").and_then(|v| v.to_str().ok()) else {
        // Stripe accepts requests without one; HMS always sends one, and
        // this double holds it to that.
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "An Idempotency-Key header is required.",
        );
    };
    params.sort();
    let mut book = inner.book.lock().unwrap();
    if let Some((first, status, answer)) = book.keys.get(key) {
        if *first != params {
            return error(
                StatusCode::BAD_REQUEST,
                "idempotency_error",
                "Keys for idempotent requests can only be used with the same parameters they were first used with.",
            );
        }
        let mut response = (*status, Json(answer.clone())).into_response();
        response
            .headers_mut()
            .insert("idempotent-replayed", "true".parse().unwrap());
        return response;
    }
    let map: HashMap<String, String> = params.iter().cloned().collect();
    let (status, answer) = create(&mut book, &map);
    book.keys
        .insert(key.to_string(), (params, status, answer.clone()));
    (status, Json(answer)).into_response()
}

fn missing(param: &str) -> (StatusCode, Value) {
    (
        StatusCode::BAD_REQUEST,
        json!({ "error": { "type": "invalid_request_error", "code": "parameter_missing",
            "message": format!("Missing required param: {param}.") } }),
    )
}

async fn create_session(
    State(inner): State<Arc<Inner>>,
    headers: HeaderMap,
    Form(params): Form<Vec<(String, String)>>,
) -> Response {
    let base = inner.base.clone();
    idempotent(&inner, &headers, params, |book, p| {
        let get = |k: &str| p.get(k).cloned();
        let Some(amount) = get("line_items[0][price_data][unit_amount]")
            .and_then(|a| a.parse::<i64>().ok())
            .filter(|a| *a > 0)
        else {
            return missing("line_items[0][price_data][unit_amount]");
        };
        let Some(currency) = get("line_items[0][price_data][currency]").filter(|c| c.len() == 3)
        else {
            return missing("line_items[0][price_data][currency]");
        };
        let (Some(success_url), Some(cancel_url)) = (get("success_url"), get("cancel_url")) else {
            return missing("success_url");
        };
        let session = Session {
            id: format!("cs_test_{}", Uuid::new_v4().simple()),
            amount,
            currency,
            name: get("line_items[0][price_data][product_data][name]").unwrap_or_default(),
            reference: get("client_reference_id"),
            success_url,
            cancel_url,
            paid: false,
            payment_intent: None,
        };
        let answer = session.json(&base);
        book.sessions.insert(session.id.clone(), session);
        (StatusCode::OK, answer)
    })
}

async fn get_session(
    State(inner): State<Arc<Inner>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Some(refused) = unauthorized(&inner, &headers) {
        return refused;
    }
    let book = inner.book.lock().unwrap();
    match book.sessions.get(&id) {
        Some(s) => Json(s.json(&inner.base)).into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            "invalid_request_error",
            &format!("No such checkout.session: '{id}'"),
        ),
    }
}

async fn create_refund(
    State(inner): State<Arc<Inner>>,
    headers: HeaderMap,
    Form(params): Form<Vec<(String, String)>>,
) -> Response {
    idempotent(&inner, &headers, params, |book, p| {
        let Some(intent) = p.get("payment_intent").cloned() else {
            return missing("payment_intent");
        };
        let Some(&(paid, refunded)) = book.intents.get(&intent) else {
            return (
                StatusCode::NOT_FOUND,
                json!({ "error": { "type": "invalid_request_error",
                    "message": format!("No such payment_intent: '{intent}'") } }),
            );
        };
        let left = paid - refunded;
        let amount = match p.get("amount").map(|a| a.parse::<i64>()) {
            None => left,
            Some(Ok(a)) if a > 0 => a,
            Some(_) => return missing("amount"),
        };
        if amount > left {
            return (
                StatusCode::BAD_REQUEST,
                json!({ "error": { "type": "invalid_request_error", "code": "amount_too_large",
                    "message": format!("Refund amount ({amount}) is greater than unrefunded amount on charge ({left})") } }),
            );
        }
        book.intents
            .insert(intent.clone(), (paid, refunded + amount));
        (
            StatusCode::OK,
            json!({ "id": format!("re_test_{}", Uuid::new_v4().simple()), "object": "refund",
                "amount": amount, "payment_intent": intent, "status": "succeeded" }),
        )
    })
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn page_html(s: &Session, message: Option<&str>) -> String {
    let amount = shared::money::Currency::parse(&s.currency.to_uppercase())
        .map(|c| shared::money::Money::new(s.amount, c).to_string())
        .unwrap_or_else(|_| format!("{} {}", s.amount, s.currency));
    let alert = message
        .map(|m| format!(r#"<p role="alert" class="error">{}</p>"#, escape(m)))
        .unwrap_or_default();
    format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Test payment</title>
<link rel="icon" href="data:,">
<style>body{{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem}}
label,input,button{{display:block;width:100%;font-size:1.1rem;margin:.4rem 0}}input,button{{padding:.6rem;box-sizing:border-box}}
.error{{color:#a00}}.note{{color:#555}}</style></head>
<body><main><h1>Test payment</h1>
<p class="note">A local stand-in for the card-payment provider: no money moves.</p>
<p><span dir="auto">{name}</span>: <strong>{amount}</strong></p>{alert}
<form method="post"><label for="card">Card number</label>
<input id="card" name="card" inputmode="numeric" autocomplete="cc-number" value="4242 4242 4242 4242">
<button type="submit" name="action" value="pay">Pay {amount}</button>
<button type="submit" name="action" value="cancel">Cancel</button></form></main></body></html>"#,
        name = escape(&s.name),
    )
}

async fn page(State(inner): State<Arc<Inner>>, Path(id): Path<String>) -> Response {
    let book = inner.book.lock().unwrap();
    match book.sessions.get(&id) {
        Some(s) if s.paid => {
            Html("<!doctype html><title>Paid</title><p>This checkout is paid.</p>").into_response()
        }
        Some(s) => Html(page_html(s, None)).into_response(),
        None => (StatusCode::NOT_FOUND, "no such checkout").into_response(),
    }
}

#[derive(serde::Deserialize)]
struct PayForm {
    card: String,
    action: String,
}

async fn pay(
    State(inner): State<Arc<Inner>>,
    Path(id): Path<String>,
    Form(form): Form<PayForm>,
) -> Response {
    let (session, event) = {
        let mut book = inner.book.lock().unwrap();
        let Some(session) = book.sessions.get(&id).cloned() else {
            return (StatusCode::NOT_FOUND, "no such checkout").into_response();
        };
        if form.action != "pay" {
            return Redirect::to(&session.cancel_url).into_response();
        }
        if session.paid {
            return Redirect::to(&success_url(&session)).into_response();
        }
        let card: String = form.card.chars().filter(char::is_ascii_digit).collect();
        if card != CARD_OK {
            let message = if card == CARD_DECLINED {
                "Your card was declined."
            } else {
                "Use the test card 4242 4242 4242 4242."
            };
            return (
                StatusCode::PAYMENT_REQUIRED,
                Html(page_html(&session, Some(message))),
            )
                .into_response();
        }
        let intent = format!("pi_test_{}", Uuid::new_v4().simple());
        let paid = Session {
            paid: true,
            payment_intent: Some(intent.clone()),
            ..session
        };
        book.intents.insert(intent, (paid.amount, 0));
        book.sessions.insert(id, paid.clone());
        let event = json!({
            "id": format!("evt_test_{}", Uuid::new_v4().simple()),
            "object": "event",
            "type": "checkout.session.completed",
            "created": chrono::Utc::now().timestamp(),
            "data": { "object": paid.json(&inner.base) },
        })
        .to_string();
        book.events.push(event.clone());
        (paid, event)
    };
    tokio::spawn(deliver(inner.clone(), event));
    Redirect::to(&success_url(&session)).into_response()
}

fn success_url(s: &Session) -> String {
    s.success_url.replace("{CHECKOUT_SESSION_ID}", &s.id)
}

/// Sends an event to the webhook, signed at the moment of each attempt,
/// until it answers 2xx (a few attempts, backing off, as providers do).
async fn deliver(inner: Arc<Inner>, body: String) {
    let Some(url) = inner.webhook_url.lock().unwrap().clone() else {
        tracing::warn!("the payment double has no webhook address: the event is not sent");
        return;
    };
    for attempt in 0..6u32 {
        let signature = sign_webhook(
            &inner.webhook_secret,
            chrono::Utc::now().timestamp(),
            body.as_bytes(),
        );
        let sent = inner
            .http
            .post(&url)
            .header(SIGNATURE_HEADER, signature)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await;
        match sent {
            Ok(r) if r.status().is_success() => return,
            Ok(r) => tracing::warn!(status = %r.status(), attempt, "the webhook refused an event"),
            Err(e) => tracing::warn!(error = %e, attempt, "the webhook is unreachable"),
        }
        tokio::time::sleep(std::time::Duration::from_millis(200 << attempt)).await;
    }
}
