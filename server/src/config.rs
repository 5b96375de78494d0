//! Configuration from flags and environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use app::context::SecurityPolicy;
use clap::Args;

/// Settings shared by every subcommand.
#[derive(Args, Clone, Debug)]
pub struct CommonConfig {
    /// Where the database file (SQLite default) and the generated secrets live.
    #[arg(long, env = "HMS_DATA_DIR", default_value = "data", global = true)]
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`. Defaults to a SQLite file in the data directory.
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,
}

impl CommonConfig {
    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("hms.db").display()
            )
        })
    }
}

/// Settings of `hms serve`.
#[derive(Args, Clone, Debug)]
pub struct ServeConfig {
    /// Address and port to listen on.
    #[arg(long, env = "HMS_BIND", default_value = "127.0.0.1:3000")]
    pub bind: SocketAddr,
    /// The public URL users reach (e.g. https://hms.example.org). Sets Secure
    /// cookies and HSTS when https, and is the origin accepted for changes.
    #[arg(long, env = "HMS_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Serve HTTPS with this certificate chain (PEM, leaf first); needs
    /// `--tls-key`. Cookies are then `Secure` and HSTS is sent.
    #[arg(long, env = "HMS_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The private key of `--tls-cert` (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(long, env = "HMS_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Trust the last `X-Forwarded-For` hop (only behind your own reverse proxy).
    #[arg(long, env = "HMS_TRUST_PROXY", default_value_t = false)]
    pub trust_proxy: bool,
    /// The built site (cargo-leptos output): HTML assets, wasm, js, css.
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,
    /// Where imaging attachments are kept (encrypted), outside the database.
    /// Defaults to `attachments` in the data directory. With several `hms`
    /// processes, a directory they all share (a network volume).
    #[arg(long, env = "HMS_ATTACHMENTS_DIR")]
    pub attachments_dir: Option<PathBuf>,
    /// Idle timeout of staff sessions, in seconds.
    #[arg(long, env = "HMS_STAFF_IDLE_SECS", default_value_t = 15 * 60)]
    pub staff_idle_secs: u64,
    /// Idle timeout of patient sessions, in seconds.
    #[arg(long, env = "HMS_PATIENT_IDLE_SECS", default_value_t = 30 * 60)]
    pub patient_idle_secs: u64,
    /// Absolute session lifetime, in seconds.
    #[arg(long, env = "HMS_SESSION_LIFETIME_SECS", default_value_t = 12 * 3600)]
    pub session_lifetime_secs: u64,
    /// How long after a user gave their password (and code) sensitive
    /// actions go ahead without asking again, in seconds.
    #[arg(long, env = "HMS_REAUTH_GRACE_SECS", default_value_t = 5 * 60)]
    pub reauth_grace_secs: u64,
    /// Failed sign-ins from one client address (per 15 minutes) before it is throttled.
    #[arg(long, env = "HMS_ADDRESS_LOGIN_LIMIT", default_value_t = 100)]
    pub address_login_limit: u64,
    /// The hospital's time zone (IANA name, e.g. Europe/Berlin): availability
    /// templates and appointment times are in it; everything is stored in UTC.
    #[arg(long, env = "HMS_TIMEZONE", default_value = "UTC", value_parser = parse_timezone)]
    pub timezone: chrono_tz::Tz,
    /// The hospital's currency (ISO 4217 code, e.g. EUR, KES, INR): prices,
    /// invoices and payments are in it, in integer minor units.
    #[arg(long, env = "HMS_CURRENCY", default_value = "EUR", value_parser = shared::money::Currency::parse)]
    pub currency: shared::money::Currency,
    /// Patients cannot cancel or reschedule within this many hours of the
    /// start; staff can, with a reason that is audited.
    #[arg(long, env = "HMS_CANCEL_CUTOFF_HOURS", default_value_t = 2)]
    pub cancel_cutoff_hours: u64,
    /// The hospital's name, used in calendar files and messages to patients.
    #[arg(long, env = "HMS_HOSPITAL_NAME", default_value = "HMS Hospital")]
    pub hospital_name: String,
    /// When appointment reminders go out, before the start: a comma-separated
    /// list of lead times such as `24h,2h` (units: d, h, m). Empty: no reminders.
    #[arg(long, env = "HMS_REMINDER_LEADS", default_value = "24h,2h", value_parser = parse_leads)]
    pub reminder_leads: LeadTimes,
    /// Where "now" comes from: the system clock (tests put a clock they move).
    #[arg(skip = app::clock::system())]
    pub clock: app::clock::SharedClock,
    /// The SMTP server for e-mail to patients:
    /// `smtps://user:pass@host:465` (TLS) or `smtp://user:pass@host:587?tls=required`
    /// (STARTTLS). Unset: e-mails are written as .eml files to `<data-dir>/outbox/mail`.
    #[arg(long, env = "HMS_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// The sender of e-mails to patients.
    #[arg(
        long,
        env = "HMS_MAIL_FROM",
        default_value = "HMS Hospital <no-reply@hms.invalid>"
    )]
    pub mail_from: String,
    /// The SMS gateway's HTTP/JSON endpoint (see docs/notifications.md). Unset:
    /// text messages are written as JSON files to `<data-dir>/outbox/sms`.
    #[arg(long, env = "HMS_SMS_URL")]
    pub sms_url: Option<String>,
    /// The bearer token for the SMS gateway.
    #[arg(long, env = "HMS_SMS_TOKEN", hide_env_values = true)]
    pub sms_token: Option<String>,
    /// The sender name or number the SMS gateway shows.
    #[arg(long, env = "HMS_SMS_SENDER", default_value = "HMS")]
    pub sms_sender: String,
    /// How often the outbox worker looks for due messages, in seconds.
    #[arg(long, env = "HMS_OUTBOX_POLL_SECS", default_value_t = 5)]
    pub outbox_poll_secs: u64,
    /// Delivery attempts per message before it is marked failed.
    #[arg(long, env = "HMS_OUTBOX_MAX_ATTEMPTS", default_value_t = 8)]
    pub outbox_max_attempts: i32,
    /// How long, in milliseconds, a process may reuse a session and its account
    /// read from the database before reading them again. Changes made through
    /// this process take effect at once; a sign-out, deactivation or role
    /// change made through another process sharing the database takes effect
    /// here within this time. 0 reads both on every request.
    #[arg(long, env = "HMS_AUTH_CACHE_MS", default_value_t = 1000)]
    pub auth_cache_ms: u64,
    /// The card-payment provider's API, for patients paying online: Stripe's
    /// (`https://api.stripe.com`) or another speaking its protocol (see
    /// docs/operations.md). Unset: patients pay at the desk, unless the
    /// local test double runs (`--payments-double`, or `--seed-demo`).
    #[arg(long, env = "HMS_PAYMENTS_URL")]
    pub payments_url: Option<String>,
    /// The provider's secret API key (`sk_live_…`).
    #[arg(long, env = "HMS_PAYMENTS_KEY", hide_env_values = true)]
    pub payments_key: Option<String>,
    /// The secret the provider signs its webhook events with (`whsec_…`).
    #[arg(long, env = "HMS_PAYMENTS_WEBHOOK_SECRET", hide_env_values = true)]
    pub payments_webhook_secret: Option<String>,
    /// Runs a local stand-in for the payment provider (no money moves), for
    /// trials and tests; `--seed-demo` runs it too when no provider is set.
    #[arg(long, env = "HMS_PAYMENTS_DOUBLE", default_value_t = false)]
    pub payments_double: bool,
    /// Load the demo data (accounts for every role, sample patients) if it is not there yet.
    #[arg(long, env = "HMS_SEED_DEMO", default_value_t = false)]
    pub seed_demo: bool,
}

fn parse_timezone(name: &str) -> Result<chrono_tz::Tz, String> {
    name.parse::<chrono_tz::Tz>()
        .map_err(|_| format!("'{name}' is not an IANA time zone name (e.g. Europe/Berlin)"))
}

/// Reminder lead times, longest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeadTimes(pub Vec<chrono::Duration>);

fn parse_leads(list: &str) -> Result<LeadTimes, String> {
    let mut leads = Vec::new();
    for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (number, unit) = item.split_at(item.len() - 1);
        let n: i64 = number
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("'{item}' is not a lead time such as 24h, 90m or 2d"))?;
        leads.push(match unit {
            "d" => chrono::Duration::days(n),
            "h" => chrono::Duration::hours(n),
            "m" => chrono::Duration::minutes(n),
            _ => return Err(format!("'{item}': use d, h or m as the unit, e.g. 24h")),
        });
    }
    leads.sort_by(|a, b| b.cmp(a));
    leads.dedup();
    Ok(LeadTimes(leads))
}

impl ServeConfig {
    /// Parses serve settings from flags (and the environment), as `hms serve ARGS` would.
    pub fn from_args(args: &[&str]) -> Result<ServeConfig, clap::Error> {
        #[derive(clap::Parser)]
        struct Only {
            #[command(flatten)]
            serve: ServeConfig,
        }
        let argv = std::iter::once("hms").chain(args.iter().copied());
        <Only as clap::Parser>::try_parse_from(argv).map(|o| o.serve)
    }

    pub fn policy(&self) -> SecurityPolicy {
        SecurityPolicy {
            staff_idle: Duration::from_secs(self.staff_idle_secs),
            patient_idle: Duration::from_secs(self.patient_idle_secs),
            absolute_lifetime: Duration::from_secs(self.session_lifetime_secs),
            address_threshold: self.address_login_limit,
            reauth_grace: Duration::from_secs(self.reauth_grace_secs),
            ..SecurityPolicy::default()
        }
    }

    pub fn auth_cache(&self) -> Duration {
        Duration::from_millis(self.auth_cache_ms)
    }

    /// The address users reach: `--public-url`, or else this server's own
    /// listening address (a loopback one when it listens on every interface),
    /// which is right for a trial on one machine only. Links in e-mails
    /// start with it.
    pub fn attachments_dir(&self) -> PathBuf {
        self.attachments_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from("data/attachments"))
    }

    /// The payment provider as configured: all three of its settings, or
    /// none (online payment is then not offered).
    pub fn payments(&self) -> anyhow::Result<Option<app::billing::provider::Payments>> {
        match (
            &self.payments_url,
            &self.payments_key,
            &self.payments_webhook_secret,
        ) {
            (None, None, None) => Ok(None),
            (Some(url), Some(key), Some(secret)) => Ok(Some(app::billing::provider::Payments {
                provider: std::sync::Arc::new(crate::payments::stripe::StripeApi::new(url, key)?),
                webhook_secret: secret.clone(),
            })),
            _ => anyhow::bail!(
                "online payment needs all of --payments-url, --payments-key and --payments-webhook-secret"
            ),
        }
    }

    pub fn public_base(&self) -> String {
        if let Some(url) = &self.public_url {
            return url.trim_end_matches('/').to_string();
        }
        let scheme = if self.tls_cert.is_some() {
            "https"
        } else {
            "http"
        };
        let mut addr = self.bind;
        if addr.ip().is_unspecified() {
            addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
        }
        format!("{scheme}://{addr}")
    }

    /// Whether users reach the server over HTTPS: it serves TLS itself, or
    /// its public URL (a reverse proxy's) is https.
    pub fn secure_cookies(&self) -> bool {
        self.tls_cert.is_some()
            || self
                .public_url
                .as_deref()
                .is_some_and(|u| u.starts_with("https://"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_needs_both_files_and_makes_cookies_secure() {
        assert!(!ServeConfig::from_args(&[]).unwrap().secure_cookies());
        let tls = ServeConfig::from_args(&["--tls-cert", "c.pem", "--tls-key", "k.pem"]).unwrap();
        assert!(tls.secure_cookies());
        assert!(ServeConfig::from_args(&["--tls-cert", "c.pem"]).is_err());
        assert!(ServeConfig::from_args(&["--tls-key", "k.pem"]).is_err());
        let proxied = ServeConfig::from_args(&["--public-url", "https://hms.example.org"]).unwrap();
        assert!(proxied.secure_cookies());
    }

    #[test]
    fn links_start_with_the_public_address_never_a_wildcard() {
        let proxied =
            ServeConfig::from_args(&["--public-url", "https://hms.example.org/"]).unwrap();
        assert_eq!(proxied.public_base(), "https://hms.example.org");
        let everywhere = ServeConfig::from_args(&["--bind", "0.0.0.0:8080"]).unwrap();
        assert_eq!(everywhere.public_base(), "http://127.0.0.1:8080");
        let tls = ServeConfig::from_args(&[
            "--bind",
            "10.0.0.5:8443",
            "--tls-cert",
            "c.pem",
            "--tls-key",
            "k.pem",
        ])
        .unwrap();
        assert_eq!(tls.public_base(), "https://10.0.0.5:8443");
    }

    #[test]
    fn lead_times_parse_sort_and_refuse_nonsense() {
        let leads = parse_leads("2h, 24h,90m,2h").unwrap().0;
        assert_eq!(
            leads,
            vec![
                chrono::Duration::hours(24),
                chrono::Duration::hours(2),
                chrono::Duration::minutes(90)
            ]
        );
        assert_eq!(parse_leads("").unwrap().0, vec![]);
        assert!(parse_leads("24").unwrap_err().contains("unit"));
        assert!(parse_leads("0h").unwrap_err().contains("24h"));
        assert!(parse_leads("xh").is_err());
    }
}
