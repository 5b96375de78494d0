//! The card-payment provider, behind a trait: what HMS asks of it is
//! modelled on Stripe's API (Checkout Sessions over PaymentIntents, Refunds,
//! signed webhook events), so a real account plugs in through the server's
//! HTTP adapter (`server/src/payments`) and the tests and the demo use a
//! local double that speaks the same protocol.
//!
//! The patient pays on the provider's own hosted page: card numbers never
//! reach HMS (which keeps a hospital's card-data scope small). A payment is
//! recorded when the provider says it succeeded, by its signed webhook or by
//! the return page asking for the checkout, whichever comes first; both go
//! through [`super::online::record_paid`], which records it once.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// What a hosted checkout is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutRequest {
    /// Minor units of `currency`.
    pub amount: i64,
    /// ISO 4217, as the provider writes it (lower case for Stripe).
    pub currency: String,
    /// What the patient's card statement and the page show: the invoice's
    /// number, never anything clinical.
    pub description: String,
    /// HMS's checkout id: the provider hands it back (`client_reference_id`).
    pub reference: String,
    /// Where the provider sends the patient after paying
    /// (`{CHECKOUT_SESSION_ID}` is replaced by the checkout's id).
    pub success_url: String,
    /// Where the provider sends the patient who gives up.
    pub cancel_url: String,
}

/// Where a checkout stands at the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckoutState {
    /// Waiting for the patient.
    Open,
    /// Paid: the money is the hospital's.
    Paid,
    /// Given up, or timed out at the provider.
    Expired,
}

/// A checkout as the provider describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkout {
    /// The provider's id (`cs_…`).
    pub id: String,
    /// The hosted page, while open.
    pub url: Option<String>,
    pub state: CheckoutState,
    /// The payment behind it once paid (`pi_…`): refunds name it.
    pub payment_intent: Option<String>,
    pub amount: i64,
    pub currency: String,
    /// HMS's checkout id, as sent in [`CheckoutRequest::reference`].
    pub reference: Option<String>,
}

/// A refund as the provider answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderRefund {
    /// The provider's id (`re_…`).
    pub id: String,
    pub amount: i64,
    /// `succeeded` or `pending` count as done (the provider owes the card);
    /// anything else is a failure.
    pub succeeded: bool,
}

/// Why a call to the provider failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// The provider refused the request (its message, for the log and the clerk).
    #[error("the payment provider refused: {0}")]
    Refused(String),
    /// The provider could not be reached or failed; the same request, with
    /// the same idempotency key, may be sent again.
    #[error("the payment provider is unavailable: {0}")]
    Unavailable(String),
}

/// The calls HMS makes to a card-payment provider. Every call that creates
/// something carries an idempotency key: sent twice, it creates one thing.
#[async_trait]
pub trait PaymentProvider: Send + Sync {
    /// Opens a hosted payment page.
    async fn create_checkout(
        &self,
        request: &CheckoutRequest,
        idempotency_key: &str,
    ) -> Result<Checkout, ProviderError>;
    /// A checkout as it stands now.
    async fn checkout(&self, id: &str) -> Result<Checkout, ProviderError>;
    /// Gives `amount` of a payment back to its card.
    async fn refund(
        &self,
        payment_intent: &str,
        amount: i64,
        idempotency_key: &str,
    ) -> Result<ProviderRefund, ProviderError>;
    /// For logs and the operations page: which provider, where (never a key).
    fn describe(&self) -> String;
}

/// The provider as configured: its API and the secret its webhooks are signed with.
#[derive(Clone)]
pub struct Payments {
    pub provider: std::sync::Arc<dyn PaymentProvider>,
    pub webhook_secret: String,
}

/// Names the provider, never its secrets (the context is logged when debugging).
impl std::fmt::Debug for Payments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Payments")
            .field("provider", &self.provider.describe())
            .finish_non_exhaustive()
    }
}

/// How old a webhook's signature may be: Stripe's default tolerance. An
/// older one (a replay of a captured request) is refused.
pub const WEBHOOK_TOLERANCE_SECS: i64 = 300;

/// The header a webhook's signature comes in.
pub const SIGNATURE_HEADER: &str = "stripe-signature";

/// Why a webhook was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("the signature header is missing or unreadable")]
    Malformed,
    #[error("the signature does not match")]
    BadSignature,
    #[error("the signature is too old or from the future")]
    Stale,
}

fn mac(secret: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The signature header of `body` at `timestamp` (Unix seconds), as the
/// provider writes it: `t=<timestamp>,v1=<hex HMAC-SHA-256 of "t.body">`.
pub fn sign_webhook(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let digest = mac(secret, timestamp, body).finalize().into_bytes();
    format!("t={timestamp},v1={}", hex::encode(digest))
}

/// Checks a webhook's signature header against its raw body: one of its
/// `v1` signatures must be the body's (compared in constant time), and its
/// timestamp within [`WEBHOOK_TOLERANCE_SECS`] of `now`, so a request
/// captured and sent again later is refused. (Duplicates within the window
/// are caught by the event's id: see `payment_events`.)
pub fn verify_webhook(
    secret: &str,
    header: &str,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<(), WebhookError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", s)) => signatures.push(s),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(WebhookError::Malformed)?;
    if signatures.is_empty() {
        return Err(WebhookError::Malformed);
    }
    if (now.timestamp() - timestamp).abs() > WEBHOOK_TOLERANCE_SECS {
        return Err(WebhookError::Stale);
    }
    let matches = signatures.iter().any(|s| {
        hex::decode(s).is_ok_and(|bytes| mac(secret, timestamp, body).verify_slice(&bytes).is_ok())
    });
    if matches {
        Ok(())
    } else {
        Err(WebhookError::BadSignature)
    }
}

/// An event the webhook received, as far as HMS reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderEvent {
    /// The provider's id (`evt_…`): an event is acted on once.
    pub id: String,
    /// `checkout.session.completed`, `checkout.session.expired`, …
    pub kind: String,
    /// The checkout it is about, for the two kinds above.
    pub checkout: Option<Checkout>,
}

/// Reads a Checkout Session object of the provider's JSON.
pub fn checkout_of_json(object: &serde_json::Value) -> Option<Checkout> {
    let text = |k: &str| object.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let paid = text("payment_status").as_deref() == Some("paid");
    let state = match text("status").as_deref() {
        Some("complete") if paid => CheckoutState::Paid,
        Some("expired") => CheckoutState::Expired,
        _ => CheckoutState::Open,
    };
    Some(Checkout {
        id: text("id")?,
        url: text("url"),
        state,
        payment_intent: text("payment_intent"),
        amount: object.get("amount_total")?.as_i64()?,
        currency: text("currency")?,
        reference: text("client_reference_id"),
    })
}

/// Reads an event's JSON: `None` when it is not an event.
pub fn event_of_json(body: &[u8]) -> Option<ProviderEvent> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let id = v.get("id")?.as_str()?.to_string();
    let kind = v.get("type")?.as_str()?.to_string();
    let checkout = if kind.starts_with("checkout.session.") {
        Some(checkout_of_json(v.get("data")?.get("object")?)?)
    } else {
        None
    };
    Some(ProviderEvent { id, kind, checkout })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const SECRET: &str = "whsec_test_secret";

    #[test]
    fn a_signature_matches_one_computed_independently() {
        // python3 -c 'import hmac,hashlib;print(hmac.new(b"whsec_test_secret",
        //   b"1733400000.{\"id\":\"evt_1\"}", hashlib.sha256).hexdigest())'
        let header = sign_webhook(SECRET, 1_733_400_000, br#"{"id":"evt_1"}"#);
        assert_eq!(
            header,
            "t=1733400000,v1=7df1605490bda051b29cfbb477ee55ddeff8096025ec431534901f97e1d1ef24"
        );
    }

    #[test]
    fn a_webhook_is_accepted_once_signed_and_fresh() {
        let now = Utc.timestamp_opt(1_733_400_100, 0).unwrap();
        let body = br#"{"id":"evt_1","type":"checkout.session.completed"}"#;
        let header = sign_webhook(SECRET, 1_733_400_000, body);
        assert_eq!(verify_webhook(SECRET, &header, body, now), Ok(()));
        // A rotated secret: the provider sends a signature under each.
        let both = format!("{header},v1=00ff");
        assert_eq!(verify_webhook(SECRET, &both, body, now), Ok(()));
    }

    #[test]
    fn a_changed_body_another_secret_or_an_old_signature_is_refused() {
        let now = Utc.timestamp_opt(1_733_400_100, 0).unwrap();
        let body = br#"{"id":"evt_1"}"#;
        let header = sign_webhook(SECRET, 1_733_400_000, body);
        assert_eq!(
            verify_webhook(SECRET, &header, br#"{"id":"evt_2"}"#, now),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify_webhook("whsec_other", &header, body, now),
            Err(WebhookError::BadSignature)
        );
        let later = Utc
            .timestamp_opt(1_733_400_000 + WEBHOOK_TOLERANCE_SECS + 1, 0)
            .unwrap();
        assert_eq!(
            verify_webhook(SECRET, &header, body, later),
            Err(WebhookError::Stale)
        );
        for bad in [
            "",
            "t=abc,v1=00",
            "v1=00",
            "t=1733400000",
            "t=1733400000,v1=zz",
        ] {
            assert!(verify_webhook(SECRET, bad, body, now).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_completed_checkout_event_is_read() {
        let body = br#"{"id":"evt_9","type":"checkout.session.completed","data":{"object":{
            "id":"cs_1","object":"checkout.session","status":"complete","payment_status":"paid",
            "payment_intent":"pi_1","amount_total":1250,"currency":"eur","client_reference_id":"abc","url":null}}}"#;
        let event = event_of_json(body).unwrap();
        assert_eq!(event.id, "evt_9");
        let c = event.checkout.unwrap();
        assert_eq!(c.state, CheckoutState::Paid);
        assert_eq!(c.payment_intent.as_deref(), Some("pi_1"));
        assert_eq!((c.amount, c.currency.as_str()), (1250, "eur"));
        assert_eq!(c.reference.as_deref(), Some("abc"));
        assert!(event_of_json(b"not json").is_none());
    }
}
