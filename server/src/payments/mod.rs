//! The card-payment provider: the HTTP adapter HMS uses in production
//! ([`stripe`]) and the local double that speaks the same protocol
//! ([`double`]) for tests and trials. What HMS asks of a provider is the
//! trait `app::billing::provider::PaymentProvider`.

pub mod double;
pub mod stripe;
