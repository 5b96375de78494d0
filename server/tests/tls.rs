//! `hms serve --tls-cert … --tls-key …` serves HTTPS with rustls: a client
//! that trusts the certificate (made here with rcgen) gets the pages and
//! signs in; HSTS is sent and the session cookie is `Secure`; plain HTTP on
//! the port gets nothing; a certificate and key that do not match stop the
//! start with a clear error.

#![recursion_limit = "512"]

mod common;

use std::process::{Command, Stdio};

use common::*;

struct Certificate {
    cert: std::path::PathBuf,
    key: std::path::PathBuf,
    pem: String,
}

fn certificate(dir: &std::path::Path, name: &str) -> Certificate {
    let rcgen::CertifiedKey { cert, signing_key } =
        rcgen::generate_simple_self_signed(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .expect("a self-signed certificate");
    let paths = Certificate {
        cert: dir.join(format!("{name}.crt")),
        key: dir.join(format!("{name}.key")),
        pem: cert.pem(),
    };
    std::fs::write(&paths.cert, cert.pem()).unwrap();
    std::fs::write(&paths.key, signing_key.serialize_pem()).unwrap();
    paths
}

fn hms(database: &TestDatabase, port: u16, cert: &Certificate) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hms"));
    command
        .args([
            "--data-dir",
            database.dir.path().to_str().unwrap(),
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--tls-cert",
            cert.cert.to_str().unwrap(),
            "--tls-key",
            cert.key.to_str().unwrap(),
        ])
        .env("DATABASE_URL", &database.url)
        .env("LEPTOS_SITE_ROOT", database.dir.path().join("site"))
        .env("RUST_LOG", "warn");
    command
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hms_serves_https_with_hsts_and_secure_cookies() {
    let database = test_database(Backend::Sqlite).await;
    let cert = certificate(database.dir.path(), "server");
    let port = free_port();
    let child = hms(&database, port, &cert)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let _server = Hms {
        child,
        base: format!("https://localhost:{port}"),
    };
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert.pem.as_bytes()).unwrap())
        .tls_built_in_root_certs(false)
        .resolve("localhost", addr)
        .build()
        .unwrap();
    let base = format!("https://localhost:{port}");
    let mut ready = false;
    for _ in 0..150 {
        if let Ok(r) = client.get(format!("{base}/readyz")).send().await {
            ready = r.status().is_success();
            if ready {
                break;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(ready, "hms did not answer over HTTPS");

    let page = client.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.version(), reqwest::Version::HTTP_11);
    let hsts = page
        .headers()
        .get("strict-transport-security")
        .expect("HSTS over HTTPS")
        .to_str()
        .unwrap();
    assert!(hsts.contains("max-age="), "{hsts}");

    // Signing up signs in: the session cookie is Secure.
    let signed_up = client
        .post(format!("{base}/api/auth/register"))
        .header("origin", &base)
        .json(&serde_json::json!({ "form": {
            "given_name": "Ana", "family_name": "Tester", "date_of_birth": "1988-02-29",
            "sex": "female", "phone": "", "email": "ana@test.example",
            "password": PASSWORD, "password_confirm": PASSWORD
        }}))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_up.status(), 200);
    let cookie = signed_up
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("hms_session="))
        .expect("a session cookie");
    assert!(cookie.contains("Secure"), "{cookie}");

    // The port speaks TLS only: a plain request gets no HTTP answer.
    let plain = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/readyz"))
        .timeout(std::time::Duration::from_secs(5))
        .send()
        .await;
    assert!(plain.is_err(), "plain HTTP answered: {plain:?}");
    // A client that does not trust the certificate is refused.
    let untrusting = reqwest::Client::builder()
        .resolve("localhost", addr)
        .build()
        .unwrap()
        .get(format!("{base}/readyz"))
        .send()
        .await;
    assert!(untrusting.is_err());
    // And the server still serves after those failed handshakes.
    let again = client.get(format!("{base}/readyz")).send().await.unwrap();
    assert!(again.status().is_success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_that_is_not_the_certificates_stops_the_start() {
    let database = test_database(Backend::Sqlite).await;
    let one = certificate(database.dir.path(), "one");
    let other = certificate(database.dir.path(), "other");
    let mismatched = Certificate {
        cert: one.cert.clone(),
        key: other.key.clone(),
        pem: one.pem.clone(),
    };
    let out = hms(&database, free_port(), &mismatched).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("do not go together"), "{stderr}");

    let missing = Certificate {
        cert: database.dir.path().join("nowhere.crt"),
        key: one.key.clone(),
        pem: String::new(),
    };
    let out = hms(&database, free_port(), &missing).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("nowhere.crt"), "{stderr}");
}
