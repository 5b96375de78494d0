//! `hms`: the hospital management server and its administrative commands.

#![recursion_limit = "512"]

use anyhow::Result;
use clap::{Parser, Subcommand};
use server::config::{CommonConfig, ServeConfig};
use server::{db, http, notify, secrets, seed, workers};
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
    /// Create an administrator account with a one-time password.
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
    },
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
    let db = db::connect(&url).await?;
    db::migrate(&db).await?;
    match command {
        Command::Routes | Command::DemoCode { .. } => unreachable!("answered before connecting"),
        Command::Migrate => {
            println!("Database at {} is up to date.", db::redact(&url));
        }
        Command::SeedDemo => {
            // The hospital's time zone, as `hms serve` would read it.
            let tz = ServeConfig::from_args(&[])?.timezone;
            let cipher = secrets::load_or_create(&cli.common.data_dir)?.cipher();
            let accounts = seed::seed_demo(&db, tz, &cipher).await?;
            print_demo_accounts(&accounts);
        }
        Command::CreateAdmin { email, name } => {
            let password = seed::create_admin(&db, &email, &name).await?;
            println!("Administrator {email} created. One-time password: {password}");
            println!("It must be changed at first sign-in.");
        }
        Command::Serve(config) => {
            let secrets = secrets::load_or_create(&cli.common.data_dir)?;
            if config.seed_demo {
                let accounts = seed::seed_demo(&db, config.timezone, &secrets.cipher()).await?;
                print_demo_accounts(&accounts);
            }
            workers::spawn_session_purger(db.clone(), config.policy(), config.clock.clone());
            workers::spawn_statistics_refresher(db.clone());
            let transports = notify::Transports::from_config(&config, &cli.common.data_dir)?;
            println!(
                "Messages to patients: e-mail via {}, SMS via {}.",
                transports.email.describe(),
                transports.sms.describe()
            );
            notify::spawn_worker(
                db.clone(),
                transports,
                notify::WorkerPolicy::new(config.outbox_max_attempts),
                std::time::Duration::from_secs(config.outbox_poll_secs),
                config.clock.clone(),
            );
            let connections = db::Connections::open(&url, db.clone()).await?;
            let router = http::router(&config, &connections, &secrets)?;
            let listener = tokio::net::TcpListener::bind(config.bind).await?;
            let addr = listener.local_addr()?;
            tracing::info!(%addr, database = %db::redact(&url), "hms listening");
            println!("HMS is running at http://{addr}");
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(shutdown_signal())
            .await?;
        }
    }
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
