//! The card-payment provider over HTTP, in Stripe's API: form-encoded
//! requests with a bearer secret key and an `Idempotency-Key` header on
//! every request that creates something; JSON answers; errors as
//! `{"error": {"message": …}}`. The base URL is Stripe's own
//! (`https://api.stripe.com`) or the local double's (`super::double`).

use app::billing::provider::{
    checkout_of_json, Checkout, CheckoutRequest, PaymentProvider, ProviderError, ProviderRefund,
};
use async_trait::async_trait;
use serde_json::Value;

pub struct StripeApi {
    base: String,
    key: String,
    http: reqwest::Client,
}

impl StripeApi {
    pub fn new(base: &str, key: &str) -> anyhow::Result<StripeApi> {
        Ok(StripeApi {
            base: base.trim_end_matches('/').to_string(),
            key: key.to_string(),
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(20))
                .build()?,
        })
    }

    async fn answer(response: reqwest::Response) -> Result<Value, ProviderError> {
        let status = response.status();
        let body: Value = response
            .json()
            .await
            .map_err(|e| ProviderError::Unavailable(e.to_string()))?;
        if status.is_success() {
            return Ok(body);
        }
        let message = body
            .pointer("/error/message")
            .and_then(Value::as_str)
            .unwrap_or("no message")
            .to_string();
        // 409: the same key is still being processed; 429: too many
        // requests; 5xx: the provider failed. The same request may be sent again.
        if status.is_server_error() || status.as_u16() == 409 || status.as_u16() == 429 {
            Err(ProviderError::Unavailable(format!("{status}: {message}")))
        } else {
            Err(ProviderError::Refused(message))
        }
    }

    async fn post(
        &self,
        path: &str,
        form: &[(String, String)],
        idempotency_key: &str,
    ) -> Result<Value, ProviderError> {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .header("Idempotency-Key", idempotency_key)
            .form(form)
            .send()
            .await
            .map_err(|e| ProviderError::Unavailable(e.to_string()))?;
        Self::answer(response).await
    }
}

fn pair(k: &str, v: impl ToString) -> (String, String) {
    (k.to_string(), v.to_string())
}

#[async_trait]
impl PaymentProvider for StripeApi {
    async fn create_checkout(
        &self,
        r: &CheckoutRequest,
        idempotency_key: &str,
    ) -> Result<Checkout, ProviderError> {
        let form = [
            pair("mode", "payment"),
            pair("client_reference_id", &r.reference),
            pair("success_url", &r.success_url),
            pair("cancel_url", &r.cancel_url),
            pair("line_items[0][quantity]", 1),
            pair(
                "line_items[0][price_data][currency]",
                r.currency.to_lowercase(),
            ),
            pair("line_items[0][price_data][unit_amount]", r.amount),
            pair(
                "line_items[0][price_data][product_data][name]",
                &r.description,
            ),
            pair("metadata[hms_checkout]", &r.reference),
            pair("payment_intent_data[metadata][hms_checkout]", &r.reference),
        ];
        let body = self
            .post("/v1/checkout/sessions", &form, idempotency_key)
            .await?;
        checkout_of_json(&body)
            .ok_or_else(|| ProviderError::Unavailable("an unreadable checkout session".into()))
    }

    async fn checkout(&self, id: &str) -> Result<Checkout, ProviderError> {
        if !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(ProviderError::Refused("not a checkout id".into()));
        }
        let response = self
            .http
            .get(format!("{}/v1/checkout/sessions/{id}", self.base))
            .bearer_auth(&self.key)
            .send()
            .await
            .map_err(|e| ProviderError::Unavailable(e.to_string()))?;
        let body = Self::answer(response).await?;
        checkout_of_json(&body)
            .ok_or_else(|| ProviderError::Unavailable("an unreadable checkout session".into()))
    }

    async fn refund(
        &self,
        payment_intent: &str,
        amount: i64,
        idempotency_key: &str,
    ) -> Result<ProviderRefund, ProviderError> {
        let form = [
            pair("payment_intent", payment_intent),
            pair("amount", amount),
        ];
        let body = self.post("/v1/refunds", &form, idempotency_key).await?;
        let text = |k: &str| body.get(k).and_then(Value::as_str).unwrap_or_default();
        Ok(ProviderRefund {
            id: text("id").to_string(),
            amount: body.get("amount").and_then(Value::as_i64).unwrap_or(0),
            succeeded: matches!(text("status"), "succeeded" | "pending"),
        })
    }

    fn describe(&self) -> String {
        format!("the Stripe API at {}", self.base)
    }
}
