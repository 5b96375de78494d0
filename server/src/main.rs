//! `hms`: the hospital management server and its administrative commands.

#![recursion_limit = "512"]

use anyhow::Result;
use clap::{Parser, Subcommand};
use server::config::{CommonConfig, ServeConfig};
use server::{backup, db, http, notify, secrets, seed, tls, workers};
use std::net::SocketAddr;

#[derive(Parser, Debug)]
#[command(
    name = "hms",
    version,
    about = "Hospital management system: patient, clinic and admin portals"
)]
struct Cli {
    #[command(flatten)]
    common: CommonConfig,
    /// Log as JSON lines (for log shippers) instead of human-readable text.
    #[arg(long, env = "HMS_LOG_JSON", global = true, default_value_t = false)]
    log_json: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the web server (the default).
    Serve(Box<ServeConfig>),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load demo accounts (one per role) and sample patients, then print the accounts.
    SeedDemo,
    /// Print the path of every page of every portal, from the router, as a
    /// JSON array (the end-to-end tests load each one).
    Routes,
    /// Print the current sign-in code of a demo staff account (demo data
    /// only: their authenticator keys are derived from their e-mail).
    DemoCode { email: String },
    /// Copy the SQLite database, while the server runs, into FILE (a new
    /// file): one consistent snapshot, then checked (integrity and the
    /// audit chain). On PostgreSQL, use pg_dump (docs/operations.md).
    Backup { file: std::path::PathBuf },
    /// Replace the SQLite database with the backup in FILE, once the file
    /// checks out. The server must be stopped. On PostgreSQL, use pg_restore.
    Restore { file: std::path::PathBuf },
    /// The audit trail's hash chain.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// The encryption keys of note bodies, histories and stored secrets.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Create an administrator account with a one-time password.
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Walk the whole chain and report the first broken link: exits 0 when
    /// it holds, 1 when it does not. Prints the head (last place and hash);
    /// keep it somewhere the database's users cannot write, and a later run
    /// can show the history up to it was not rewritten.
    Verify {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
enum KeysCommand {
    /// Make a new encryption key and seal every encrypted value with it,
    /// while servers run (they load the new key from the shared secrets
    /// directory). The old key files stay, for older backups.
    Rotate {
        /// Seconds to wait between the steps, for running servers to load
        /// the keys (default: twice their reload period).
        #[arg(long)]
        wait_secs: Option<u64>,
    },
    /// How many values each encrypted column holds under each key version.
    Status,
}

fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn,tower_http=info".into());
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn print_demo_accounts(accounts: &[(String, shared::Role)]) {
    println!(
        "\nDemo accounts (password for all: {}):",
        seed::DEMO_PASSWORD
    );
    for (email, role) in accounts {
        if role.is_staff() {
            let key = app::auth::mfa::base32(&seed::demo_totp_secret(email));
            println!(
                "  {:<16} {:<34} authenticator key {key}",
                role.label(),
                email
            );
        } else {
            println!("  {:<16} {email}", role.label());
        }
    }
    println!(
        "Staff sign in with a code as well: add the key to an authenticator app, or run\n  hms demo-code <e-mail>\nfor the code of the moment.\n"
    );
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    init_logging(cli.log_json);
    server::exit::leave_teardown_to_the_os();
    tls::install_crypto_provider();
    if let Some(Command::Routes) = cli.command {
        println!("{}", serde_json::to_string(&http::page_routes())?);
        return Ok(());
    }
    if let Some(Command::DemoCode { email }) = &cli.command {
        if !seed::DEMO_STAFF.iter().any(|(e, _, _)| e == email) {
            anyhow::bail!("{email} is not a demo staff account");
        }
        let code = app::auth::mfa::code_at(&seed::demo_totp_secret(email), chrono::Utc::now());
        println!("{code}");
        return Ok(());
    }
    let url = cli.common.database_url();
    // `hms` alone serves, with settings from the environment.
    let command = match cli.command {
        Some(c) => c,
        None => Command::Serve(Box::new(ServeConfig::from_args(&[])?)),
    };
    // Before the database: its key is one of them.
    let secrets = secrets::load_or_create(&cli.common.data_dir)?;
    let target = db::Target::new(url.clone(), secrets.database_key());
    if let Command::Restore { file } = &command {
        // Before anything opens the database it replaces.
        let checked = backup::restore(&target, file).await?;
        println!(
            "Restored {} from {}: {checked}.",
            db::redact(&url),
            file.display()
        );
        return Ok(());
    }
    // One server per SQLite file, held until this process ends.
    let _serve_lock = match &command {
        Command::Serve(_) => backup::lock_for_serving(&url)?,
        _ => None,
    };
    let db = db::connect(&target).await?;
    db::migrate(&db).await?;
    match command {
        Command::Routes | Command::DemoCode { .. } | Command::Restore { .. } => {
            unreachable!("answered before connecting")
        }
        Command::Backup { file } => {
            let checked = backup::backup(&db, &target, &file).await?;
            println!("Backup written to {}: {checked}.", file.display());
        }
        Command::Migrate => {
            println!("Database at {} is up to date.", db::redact(&url));
        }
        Command::SeedDemo => {
            // The hospital's time zone and currency, as `hms serve` would read them.
            let hospital = ServeConfig::from_args(&[])?;
            let accounts =
                seed::seed_demo(&db, hospital.timezone, hospital.currency, &secrets.cipher())
                    .await?;
            print_demo_accounts(&accounts);
        }
        Command::Audit(AuditCommand::Verify { json }) => {
            let report = app::audit::chain::verify(&db).await?;
            if json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                println!("{report}");
            }
            if !report.holds() {
                std::process::exit(1);
            }
        }
        Command::Keys(KeysCommand::Status) => {
            let status = server::keys::status(&db).await?;
            println!(
                "New values are sealed with key v{}.\n{status}",
                secrets.cipher().current_version()
            );
        }
        Command::Keys(KeysCommand::Rotate { wait_secs }) => {
            let wait = wait_secs
                .map(std::time::Duration::from_secs)
                .unwrap_or(2 * workers::KEY_RELOAD_PERIOD);
            println!(
                "Rotating: a new key, then {} s for running servers to load it, twice.",
                wait.as_secs()
            );
            let rotation = server::keys::rotate(&db, &secrets, wait).await?;
            let left = rotation.status.not_under(rotation.version);
            println!(
                "Key v{} is current: {} value(s) sealed again, {left} left under other keys.\n{}",
                rotation.version, rotation.resealed, rotation.status
            );
            println!("Keep the older key files until no backup older than today is kept.");
            if left > 0 {
                std::process::exit(1);
            }
        }
        Command::CreateAdmin { email, name } => {
            let password = seed::create_admin(&db, &email, &name).await?;
            println!("Administrator {email} created. One-time password: {password}");
            println!("It must be changed at first sign-in.");
        }
        Command::Serve(mut config) => {
            if config.attachments_dir.is_none() {
                config.attachments_dir = Some(cli.common.data_dir.join("attachments"));
            }
            if config.seed_demo {
                let accounts =
                    seed::seed_demo(&db, config.timezone, config.currency, &secrets.cipher())
                        .await?;
                print_demo_accounts(&accounts);
            }
            if config.payments_url.is_none() && (config.payments_double || config.seed_demo) {
                let double = server::payments::double::PaymentDouble::start(
                    "sk_test_hms_double",
                    &server::payments::double::random_secret(),
                    Some(format!(
                        "{}{}",
                        config.public_base(),
                        app::billing::online::WEBHOOK_PATH
                    )),
                )
                .await?;
                println!(
                    "Online payments: the local test double at {} (no money moves; card 4242 4242 4242 4242 pays).",
                    double.url()
                );
                config.payments_url = Some(double.url());
                config.payments_key = Some(double.key());
                config.payments_webhook_secret = Some(double.webhook_secret());
            }
            workers::spawn_session_purger(db.clone(), config.policy(), config.clock.clone());
            workers::spawn_plan_reminders(
                db.clone(),
                config.hospital_name.clone(),
                config.timezone,
                config.clock.clone(),
            );
            workers::spawn_bed_days(db.clone(), config.timezone, config.clock.clone());
            workers::spawn_statistics_refresher(db.clone());
            let transports = notify::Transports::from_config(&config, &cli.common.data_dir)?;
            println!(
                "Messages to patients: e-mail via {}, SMS via {}.",
                transports.email.describe(),
                transports.sms.describe()
            );
            notify::spawn_worker(
                db.clone(),
                secrets.cipher(),
                transports,
                notify::WorkerPolicy::new(config.outbox_max_attempts),
                std::time::Duration::from_secs(config.outbox_poll_secs),
                config.clock.clone(),
            );
            let connections = db::Connections::open(&target, db.clone()).await?;
            let router = http::router(&config, &connections, &secrets)?;
            // Read before binding, so a bad certificate stops the start.
            let tls_config = match (&config.tls_cert, &config.tls_key) {
                (Some(cert), Some(key)) => Some(tls::server_config(cert, key)?),
                _ => None,
            };
            let listener = tokio::net::TcpListener::bind(config.bind).await?;
            let addr = listener.local_addr()?;
            let scheme = if tls_config.is_some() {
                "https"
            } else {
                "http"
            };
            tracing::info!(%addr, scheme, database = %db::redact(&url), "hms listening");
            println!("HMS is running at {scheme}://{addr}");
            let service = router.into_make_service_with_connect_info::<SocketAddr>();
            match tls_config {
                Some(tls_config) => {
                    use axum::serve::ListenerExt;
                    // tap_io: the TLS listener's peer address reaches the
                    // handlers as ConnectInfo, as the plain one's does.
                    axum::serve(tls::listener(listener, tls_config).tap_io(|_| {}), service)
                        .with_graceful_shutdown(shutdown_signal())
                        .await?
                }
                None => {
                    axum::serve(listener, service)
                        .with_graceful_shutdown(shutdown_signal())
                        .await?
                }
            }
            connections.close().await;
        }
    }
    // Every connection closed before the process ends: a connection's
    // thread still closing its database while the process exits crashed
    // it (SIGSEGV in SQLCipher's clean-up) after its work was done.
    db::close(db).await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
