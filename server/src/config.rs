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
    /// Trust the last `X-Forwarded-For` hop (only behind your own reverse proxy).
    #[arg(long, env = "HMS_TRUST_PROXY", default_value_t = false)]
    pub trust_proxy: bool,
    /// The built site (cargo-leptos output): HTML assets, wasm, js, css.
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,
    /// Idle timeout of staff sessions, in seconds.
    #[arg(long, env = "HMS_STAFF_IDLE_SECS", default_value_t = 15 * 60)]
    pub staff_idle_secs: u64,
    /// Idle timeout of patient sessions, in seconds.
    #[arg(long, env = "HMS_PATIENT_IDLE_SECS", default_value_t = 30 * 60)]
    pub patient_idle_secs: u64,
    /// Absolute session lifetime, in seconds.
    #[arg(long, env = "HMS_SESSION_LIFETIME_SECS", default_value_t = 12 * 3600)]
    pub session_lifetime_secs: u64,
    /// Failed sign-ins from one client address (per 15 minutes) before it is throttled.
    #[arg(long, env = "HMS_ADDRESS_LOGIN_LIMIT", default_value_t = 100)]
    pub address_login_limit: u64,
    /// The hospital's time zone (IANA name, e.g. Europe/Berlin): availability
    /// templates and appointment times are in it; everything is stored in UTC.
    #[arg(long, env = "HMS_TIMEZONE", default_value = "UTC", value_parser = parse_timezone)]
    pub timezone: chrono_tz::Tz,
    /// Patients cannot cancel or reschedule within this many hours of the
    /// start; staff can, with a reason that is audited.
    #[arg(long, env = "HMS_CANCEL_CUTOFF_HOURS", default_value_t = 2)]
    pub cancel_cutoff_hours: u64,
    /// The hospital's name, used in calendar files and messages to patients.
    #[arg(long, env = "HMS_HOSPITAL_NAME", default_value = "HMS Hospital")]
    pub hospital_name: String,
    /// Load the demo data (accounts for every role, sample patients) if it is not there yet.
    #[arg(long, env = "HMS_SEED_DEMO", default_value_t = false)]
    pub seed_demo: bool,
}

fn parse_timezone(name: &str) -> Result<chrono_tz::Tz, String> {
    name.parse::<chrono_tz::Tz>()
        .map_err(|_| format!("'{name}' is not an IANA time zone name (e.g. Europe/Berlin)"))
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
            ..SecurityPolicy::default()
        }
    }

    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }
}
