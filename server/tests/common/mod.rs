//! Test harness: a fresh database (SQLite file or PostgreSQL database) per
//! test, the real router on a free port, and a client that talks to it the way
//! the browser does (cookies, same-origin `Origin` header, JSON server functions).

#![allow(dead_code)]

pub mod doubles;
pub mod schedule;

use std::net::SocketAddr;
use std::sync::Arc;

use reqwest::cookie::{CookieStore, Jar};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde::de::DeserializeOwned;
use serde_json::Value;
use server::config::ServeConfig;
use shared::AppError;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates one `#[tokio::test]` per backend for an `async fn(Backend)`.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() { super::$name($crate::common::Backend::Sqlite).await }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() { super::$name($crate::common::Backend::Postgres).await }
        }
    )*};
}

/// A database of its own for one test. The temp dir holds the SQLite file and the secrets.
pub struct TestDatabase {
    pub url: String,
    pub dir: tempfile::TempDir,
}

impl TestDatabase {
    /// The database with the key in its data directory (the key an `hms`
    /// process started with `--data-dir` on it uses).
    pub fn target(&self) -> server::db::Target {
        self.target_of(&self.url)
    }

    /// Another database (a backup, a copy) under this one's key.
    pub fn target_of(&self, url: &str) -> server::db::Target {
        let secrets = server::secrets::load_or_create(self.dir.path()).expect("secrets");
        server::db::Target::new(url, secrets.database_key())
    }

    /// A pool on the database, as `hms` opens it.
    pub async fn connect(&self) -> DatabaseConnection {
        server::db::connect(&self.target()).await.expect("connect")
    }
}

pub async fn test_database(backend: Backend) -> TestDatabase {
    server::exit::leave_teardown_to_the_os();
    let dir = tempfile::tempdir().expect("temp dir");
    let url = match backend {
        Backend::Sqlite => format!("sqlite://{}?mode=rwc", dir.path().join("hms.db").display()),
        Backend::Postgres => {
            let admin = std::env::var("HMS_TEST_PG_URL").expect(
                "HMS_TEST_PG_URL is not set: run the tests with `make test`, which starts a throwaway PostgreSQL",
            );
            let name = format!("hms_test_{}", uuid::Uuid::new_v4().simple());
            let db = sea_orm::Database::connect(&admin)
                .await
                .expect("connect to the test PostgreSQL");
            db.execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create test database");
            db.close().await.ok();
            let base = admin
                .rsplit_once('/')
                .expect("PostgreSQL URL with a database")
                .0;
            format!("{base}/{name}")
        }
    };
    TestDatabase { url, dir }
}

/// A running server with its own database.
pub struct TestApp {
    pub base: String,
    pub db: DatabaseConnection,
    /// The patient search's connections (`server::db::Connections::search`).
    pub search_db: DatabaseConnection,
    pub database: TestDatabase,
    pub backend: Backend,
    /// The server's clock: a test moves it forward instead of sleeping.
    pub clock: std::sync::Arc<app::clock::ShiftedClock>,
    /// The server's cipher (its keys are in the database's temp dir).
    pub cipher: std::sync::Arc<app::crypto::Cipher>,
    /// The webhook secret of the payment provider it was started with, if any.
    pub payments_secret: Option<String>,
}

/// The cipher over the keys in `database`'s data directory: the one an
/// `hms` process started on it, or [`spawn_app`]'s server, uses.
pub fn cipher_of(database: &TestDatabase) -> std::sync::Arc<app::crypto::Cipher> {
    let secrets = server::secrets::load_or_create(database.dir.path()).expect("secrets");
    secrets.cipher()
}

/// The authenticator secret of a test staff account (derived from its
/// e-mail), or of a demo account (`server::seed::demo_totp_secret`).
pub fn test_totp_secret(email: &str) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    if server::seed::DEMO_STAFF
        .iter()
        .any(|(demo, _, _)| *demo == email)
    {
        return server::seed::demo_totp_secret(email);
    }
    Sha256::digest(format!("test authenticator {email}").as_bytes())[..20].to_vec()
}

/// The clocks of the servers this test process started, by base URL, so a
/// [`Client`] computes its codes at the time its server reads (a server
/// not listed, an `hms` process, runs on the system clock).
fn clocks(
) -> &'static std::sync::Mutex<std::collections::HashMap<String, Arc<app::clock::ShiftedClock>>> {
    static CLOCKS: std::sync::OnceLock<
        std::sync::Mutex<std::collections::HashMap<String, Arc<app::clock::ShiftedClock>>>,
    > = std::sync::OnceLock::new();
    CLOCKS.get_or_init(Default::default)
}

/// The newest step whose code each (server, account) sent: a server
/// accepts a code once, so the next sign-in uses a later step.
fn steps() -> &'static std::sync::Mutex<std::collections::HashMap<(String, String), i64>> {
    static STEPS: std::sync::OnceLock<
        std::sync::Mutex<std::collections::HashMap<(String, String), i64>>,
    > = std::sync::OnceLock::new();
    STEPS.get_or_init(Default::default)
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, &[]).await
}

/// [`spawn_app`] with online payments through the local payment double
/// (the real HTTP adapter, the real webhook), which it answers too.
#[allow(dead_code)]
pub async fn spawn_app_paying(
    backend: Backend,
) -> (TestApp, server::payments::double::PaymentDouble) {
    let secret = server::payments::double::random_secret();
    let double = server::payments::double::PaymentDouble::start("sk_test_hms", &secret, None)
        .await
        .expect("the payment double");
    let url = double.url();
    let mut app = spawn_app_with(
        backend,
        &[
            "--payments-url",
            &url,
            "--payments-key",
            "sk_test_hms",
            "--payments-webhook-secret",
            &secret,
        ],
    )
    .await;
    app.payments_secret = Some(secret.clone());
    double.set_webhook_url(&format!(
        "{}{}",
        app.base,
        app::billing::online::WEBHOOK_PATH
    ));
    (app, double)
}

/// Starts the real router in-process, with extra `hms serve` flags.
pub async fn spawn_app_with(backend: Backend, args: &[&str]) -> TestApp {
    // Server logs go to the test's captured output, shown when it fails.
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter("warn,server=info")
        .try_init();
    let database = test_database(backend).await;
    let db = database.connect().await;
    server::db::migrate(&db).await.expect("migrate");
    let secrets = server::secrets::load_or_create(database.dir.path()).expect("secrets");
    let cipher = secrets.cipher();
    let site = database.dir.path().join("site");
    let site_arg = site.display().to_string();
    let files_arg = database
        .dir
        .path()
        .join("attachments")
        .display()
        .to_string();
    let mut all_args = vec![
        "--site-root",
        site_arg.as_str(),
        "--attachments-dir",
        files_arg.as_str(),
    ];
    all_args.extend_from_slice(args);
    let mut config = ServeConfig::from_args(&all_args).expect("config");
    let clock = std::sync::Arc::new(app::clock::ShiftedClock::default());
    config.clock = clock.clone();
    let connections = server::db::Connections::open(&database.target(), db.clone())
        .await
        .expect("connect the search pool and the audit writer");
    let router = server::http::router(&config, &connections, &secrets).expect("router");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().unwrap();
    clocks()
        .lock()
        .unwrap()
        .insert(format!("http://{addr}"), clock.clone());
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    TestApp {
        base: format!("http://{addr}"),
        search_db: connections.search,
        db,
        database,
        backend,
        clock,
        cipher,
        payments_secret: None,
    }
}

/// A browser-like client: its own cookie jar, and the site's own origin on every request.
#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub jar: Arc<Jar>,
    pub base: String,
}

impl Client {
    pub fn new(base: &str) -> Client {
        let jar = Arc::new(Jar::default());
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::ORIGIN, base.parse().unwrap());
        headers.insert(
            reqwest::header::USER_AGENT,
            "hms-integration-test".parse().unwrap(),
        );
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Client {
            http,
            jar,
            base: base.to_string(),
        }
    }

    /// The `Cookie` header this client would send now.
    pub fn cookie(&self) -> Option<String> {
        self.jar
            .cookies(&self.base.parse().unwrap())
            .map(|v| v.to_str().unwrap().to_string())
    }

    /// Calls a server function with a JSON body; answers the status and the decoded result.
    pub async fn call<T: DeserializeOwned>(
        &self,
        endpoint: &str,
        body: Value,
    ) -> (StatusCode, Result<T, AppError>) {
        let response = self
            .http
            .post(format!("{}/api/{endpoint}", self.base))
            .json(&body)
            .send()
            .await
            .expect("request");
        decode(response).await
    }

    /// Signs in like the browser: the password, then, when the account
    /// asks for it, the code its authenticator app would show now (test
    /// accounts' secrets are [`test_totp_secret`]). Answers the last step's
    /// status and result.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
    ) -> (StatusCode, Result<Value, AppError>) {
        let (status, step) = self.login_password(email, password).await;
        match &step {
            Ok(value) if value["step"] == "code_required" => {
                let code = self.next_code(email).await;
                self.call("auth/login/code", serde_json::json!({ "code": code }))
                    .await
            }
            _ => (status, step),
        }
    }

    /// The password step of signing in alone.
    pub async fn login_password(
        &self,
        email: &str,
        password: &str,
    ) -> (StatusCode, Result<Value, AppError>) {
        self.call(
            "auth/login",
            serde_json::json!({ "email": email, "password": password }),
        )
        .await
    }

    /// The server's time now (its shifted clock, or the system's).
    pub fn server_now(&self) -> chrono::DateTime<chrono::Utc> {
        use app::clock::Clock;
        match clocks().lock().unwrap().get(&self.base) {
            Some(clock) => clock.now(),
            None => chrono::Utc::now(),
        }
    }

    /// A code for `email` that its server has not taken yet: the current
    /// step's, or the next one's (one step of skew is allowed); when both
    /// are spent, it waits for the next step.
    pub async fn next_code(&self, email: &str) -> String {
        let step_of = |at: chrono::DateTime<chrono::Utc>| at.timestamp().div_euclid(30);
        loop {
            let now = step_of(self.server_now());
            let key = (self.base.clone(), email.to_string());
            let step = {
                let mut steps = steps().lock().unwrap();
                let step = steps.get(&key).map_or(now, |last| (last + 1).max(now));
                if step <= now + 1 {
                    steps.insert(key, step);
                    Some(step)
                } else {
                    None
                }
            };
            if let Some(step) = step {
                let at = chrono::DateTime::from_timestamp(step * 30, 0).unwrap();
                return app::auth::mfa::code_at(&test_totp_secret(email), at);
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
    }

    /// The signed-in user's e-mail, or `None`.
    pub async fn whoami(&self) -> Option<String> {
        let (status, me) = self
            .call::<Option<Value>>("auth/me", serde_json::json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{me:?}");
        me.unwrap()
            .map(|u| u["email"].as_str().unwrap().to_string())
    }
}

pub async fn decode<T: DeserializeOwned>(
    response: reqwest::Response,
) -> (StatusCode, Result<T, AppError>) {
    let status = response.status();
    let text = response.text().await.expect("body");
    if status.is_success() {
        let value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("cannot decode {text}: {e}"));
        (status, Ok(value))
    } else {
        let error = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("cannot decode error {text} ({status}): {e}"));
        (status, Err(error))
    }
}

pub const PASSWORD: &str = "violet canyon harbor";

/// Calls a server function that must succeed; answers its value.
pub async fn ok<T: DeserializeOwned>(client: &Client, endpoint: &str, body: Value) -> T {
    let (status, result) = client.call::<T>(endpoint, body).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "{endpoint}: {:?}",
        result.as_ref().err()
    );
    result.unwrap_or_else(|e| panic!("{endpoint}: {e:?}"))
}

/// The id of the account with this e-mail.
pub async fn user_id(app: &TestApp, email: &str) -> uuid::Uuid {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    app::entity::users::Entity::find()
        .filter(app::entity::users::Column::Email.eq(email))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no account {email}"))
        .id
}

/// Creates a staff account directly in the database, with [`PASSWORD`] and
/// no authenticator yet (as if an administrator had just made it, without
/// the temporary password).
pub async fn new_staff_account(
    app: &TestApp,
    email: &str,
    name: &str,
    role: shared::Role,
) -> app::entity::users::Model {
    let new = shared::auth::NewStaff {
        display_name: shared::validate::PersonName::parse(name, "name").unwrap(),
        email: shared::validate::Email::parse(email).unwrap(),
        role,
    };
    app::admin::service::create_user(
        &app.db,
        app::audit::service::Actor::default(),
        &new,
        PASSWORD.into(),
        false,
        &app::context::RequestMeta::default(),
    )
    .await
    .expect("create staff")
}

/// [`new_staff_account`] with its authenticator set up with
/// [`test_totp_secret`]; answers the account's id.
pub async fn staff_named(app: &TestApp, email: &str, name: &str, role: shared::Role) -> uuid::Uuid {
    let user = new_staff_account(app, email, name, role).await;
    app::auth::mfa::enrol_known(
        &app.db,
        &app.cipher,
        user.id,
        &test_totp_secret(email),
        chrono::Utc::now(),
    )
    .await
    .expect("set up the authenticator");
    user.id
}

/// A ready staff account named "Test Person" (see [`staff_named`]).
pub async fn staff(app: &TestApp, email: &str, role: shared::Role) -> String {
    staff_named(app, email, "Test Person", role).await;
    email.to_string()
}

/// A client signed in as a new staff account with `role`.
pub async fn signed_in(app: &TestApp, email: &str, role: shared::Role) -> Client {
    let client = Client::new(&app.base);
    let (status, outcome) = client.login(&staff(app, email, role).await, PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{outcome:?}");
    client
}

/// Calls a server function with a bare `Cookie` header (a replayed or
/// carried-over session), from no particular client.
pub async fn call_with_cookie<T: DeserializeOwned>(
    base: &str,
    cookie: &str,
    endpoint: &str,
    body: Value,
) -> (StatusCode, Result<T, AppError>) {
    let response = reqwest::Client::new()
        .post(format!("{base}/api/{endpoint}"))
        .header(reqwest::header::ORIGIN, base)
        .header(reqwest::header::COOKIE, cookie)
        .json(&body)
        .send()
        .await
        .expect("request");
    decode(response).await
}

/// A patient with a name only ("<given> Patient"), for fixtures that need
/// someone to book or to have seen.
pub async fn basic_patient(app: &TestApp, given: &str) -> uuid::Uuid {
    app::patients::service::insert_patient(
        &app.db,
        &app.cipher,
        app::patients::service::NewPatient::basic(
            given.into(),
            "Patient".into(),
            None,
            shared::patients::AdministrativeSex::Unknown,
            None,
            None,
        ),
    )
    .await
    .unwrap()
    .id
}

/// Registers a patient through the public server function; the client is then signed in.
pub async fn register_patient(client: &Client, email: &str, given: &str) -> Value {
    let (status, outcome) = client
        .call::<Value>(
            "auth/register",
            serde_json::json!({ "form": {
                "given_name": given, "family_name": "Tester", "date_of_birth": "1988-02-29",
                "sex": "female", "phone": "", "email": email,
                "password": PASSWORD, "password_confirm": PASSWORD
            }}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{outcome:?}");
    outcome.unwrap()
}

/// Audit rows as (action, outcome, actor_email, patient_id) in insertion order.
pub async fn audit_rows(
    app: &TestApp,
) -> Vec<(String, String, Option<String>, Option<uuid::Uuid>)> {
    use app::entity::audit_events;
    use sea_orm::{EntityTrait, QueryOrder};
    audit_events::Entity::find()
        .order_by_asc(audit_events::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| {
            (
                r.action,
                r.outcome.as_str().to_string(),
                r.actor_email,
                r.patient_id,
            )
        })
        .collect()
}

/// A migrated database with one staff account (`email`, `role`, enrolled
/// in two-step sign-in), for tests that start real `hms` processes on it.
pub async fn database_with_staff(
    backend: Backend,
    email: &str,
    role: shared::Role,
) -> TestDatabase {
    let database = test_database(backend).await;
    let db = database.connect().await;
    server::db::migrate(&db).await.unwrap();
    let app = TestApp {
        base: String::new(),
        search_db: db.clone(),
        db,
        cipher: cipher_of(&database),
        database,
        backend,
        clock: Default::default(),
        payments_secret: None,
    };
    staff(&app, email, role).await;
    app.db.close().await.ok();
    app.database
}

/// What an `hms` command run on `database` (its data directory and URL)
/// printed, and whether it succeeded; `env` adds variables.
pub struct HmsRun {
    pub ok: bool,
    pub code: Option<i32>,
    pub stdout: String,
    /// stdout then stderr.
    pub out: String,
}

/// Runs `hms <args>` to completion on `database`, as an operator would.
pub fn run_hms(database: &TestDatabase, args: &[&str], env: &[(&str, &str)]) -> HmsRun {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hms"))
        .arg("--data-dir")
        .arg(database.dir.path())
        .args(args)
        .env("DATABASE_URL", &database.url)
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .output()
        .expect("run hms");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    HmsRun {
        ok: out.status.success(),
        code: out.status.code(),
        out: format!("{stdout}{}", String::from_utf8_lossy(&out.stderr)),
        stdout,
    }
}

/// A real `hms serve` process, killed when dropped.
pub struct Hms {
    pub child: std::process::Child,
    pub base: String,
}

impl Drop for Hms {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `hms serve` on a free port and waits until it is ready.
pub async fn start(database: &TestDatabase) -> Hms {
    start_with(database, &[]).await
}

/// [`start`] with extra `hms serve` flags.
pub async fn start_with(database: &TestDatabase, extra: &[&str]) -> Hms {
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let mut args = vec![
        "--data-dir",
        database.dir.path().to_str().unwrap(),
        "serve",
        "--bind",
        bind.as_str(),
    ];
    args.extend_from_slice(extra);
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_hms"))
        .args(args)
        .env("DATABASE_URL", &database.url)
        .env("LEPTOS_SITE_ROOT", database.dir.path().join("site"))
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .expect("start hms");
    // Owned by the guard at once, so the process is reaped on every path.
    let hms = Hms {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    for _ in 0..150 {
        if let Ok(r) = reqwest::get(format!("{}/readyz", hms.base)).await {
            if r.status().is_success() {
                return hms;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("hms did not become ready at {}", hms.base);
}

/// The text of a PDF as `pdftotext` (poppler) reads it.
pub fn pdftotext(pdf: &[u8]) -> String {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = match Command::new("pdftotext")
        .args(["-enc", "UTF-8", "-", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "pdftotext is not installed; install poppler-utils (e.g. `apt-get install poppler-utils`) to run this test"
        ),
        Err(e) => panic!("cannot run pdftotext: {e}"),
    };
    let mut stdin = child.stdin.take().unwrap();
    let bytes = pdf.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&bytes));
    let output = child.wait_with_output().expect("pdftotext");
    writer.join().unwrap().expect("write to pdftotext");
    assert!(
        output.status.success(),
        "pdftotext failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 from pdftotext")
}

/// NFC, so that text compares equal however its accents were composed.
pub fn nfc(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfc().collect()
}

/// The formulary drug with this RxNorm code.
pub async fn drug_by_rxcui(app: &TestApp, rxcui: &str) -> uuid::Uuid {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    app::entity::formulary_drugs::Entity::find()
        .filter(app::entity::formulary_drugs::Column::Rxcui.eq(rxcui))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no drug {rxcui}"))
        .id
}

/// Puts the patient `pid` in the care of the staff member `email` (chart
/// access, as after an appointment).
pub async fn in_care(app: &TestApp, email: &str, pid: uuid::Uuid) {
    let staff_id = user_id(app, email).await;
    app::patients::access::add_relationship(
        &app.db,
        pid,
        staff_id,
        shared::access::CareRelationshipKind::Assigned,
        None,
    )
    .await
    .unwrap();
}
