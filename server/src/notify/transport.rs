//! Where messages leave the hospital: e-mail over SMTP and SMS through an
//! HTTP/JSON gateway, or, when neither is configured, files in the data
//! directory (so a demo or a test installation never sends real messages).

use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use lettre::message::header::ContentType;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::Serialize;

/// One message to deliver. `id` is the outbox row's id: e-mails carry it as
/// their Message-ID and SMS requests as their idempotency key, so a receiver
/// can tell a retry from a new message.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub id: uuid::Uuid,
    pub recipient: String,
    pub subject: String,
    pub body: String,
}

/// Why a delivery failed, and whether trying again can help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// Try again later (timeouts, 4xx SMTP replies, 5xx or 429 from a gateway).
    Transient(String),
    /// Trying again cannot help (a refused address, a 4xx from a gateway).
    Permanent(String),
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::Transient(m) => write!(f, "temporary failure: {m}"),
            SendError::Permanent(m) => write!(f, "permanent failure: {m}"),
        }
    }
}

/// Something that delivers messages of one channel.
#[async_trait]
pub trait Transport: Send + Sync {
    async fn send(&self, message: &Outgoing) -> Result<(), SendError>;
    /// For logs: where messages go (never a password or token).
    fn describe(&self) -> String;
}

enum MailRoute {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>),
}

/// E-mail, over SMTP or into `.eml` files.
pub struct Mailer {
    from: lettre::message::Mailbox,
    route: MailRoute,
    describe: String,
}

impl Mailer {
    /// `smtp_url` as lettre understands it (`smtps://…`, `smtp://…?tls=required`).
    pub fn smtp(smtp_url: &str, from: &str) -> anyhow::Result<Mailer> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
            .map_err(|e| anyhow::anyhow!("HMS_SMTP_URL is not a usable SMTP URL: {e}"))?
            .timeout(Some(Duration::from_secs(30)))
            .build();
        let host = smtp_url
            .split('@')
            .next_back()
            .unwrap_or(smtp_url)
            .trim_start_matches("smtps://")
            .trim_start_matches("smtp://")
            .to_string();
        Ok(Mailer {
            from: parse_from(from)?,
            route: MailRoute::Smtp(transport),
            describe: format!("SMTP {host}"),
        })
    }

    /// Writes each e-mail to `dir` as `<id>.eml`.
    pub fn files(dir: PathBuf, from: &str) -> anyhow::Result<Mailer> {
        std::fs::create_dir_all(&dir)?;
        Ok(Mailer {
            from: parse_from(from)?,
            describe: format!("files in {}", dir.display()),
            route: MailRoute::Files(AsyncFileTransport::new(dir)),
        })
    }

    fn build(&self, m: &Outgoing) -> Result<Message, SendError> {
        let to = m
            .recipient
            .parse()
            .map_err(|e| SendError::Permanent(format!("bad address: {e}")))?;
        let domain = self.from.email.domain().to_string();
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(m.subject.clone())
            .message_id(Some(format!("<{}@{domain}>", m.id)))
            .header(ContentType::TEXT_PLAIN)
            .body(m.body.clone())
            .map_err(|e| SendError::Permanent(e.to_string()))
    }
}

fn parse_from(from: &str) -> anyhow::Result<lettre::message::Mailbox> {
    from.parse()
        .map_err(|e| anyhow::anyhow!("HMS_MAIL_FROM '{from}' is not an e-mail sender: {e}"))
}

#[async_trait]
impl Transport for Mailer {
    async fn send(&self, m: &Outgoing) -> Result<(), SendError> {
        let message = self.build(m)?;
        match &self.route {
            MailRoute::Smtp(smtp) => smtp.send(message).await.map(drop).map_err(|e| {
                if e.is_permanent() {
                    SendError::Permanent(e.to_string())
                } else {
                    SendError::Transient(e.to_string())
                }
            }),
            MailRoute::Files(files) => files
                .send(message)
                .await
                .map(drop)
                .map_err(|e| SendError::Transient(e.to_string())),
        }
    }

    fn describe(&self) -> String {
        self.describe.clone()
    }
}

/// The request a generic HTTP/JSON SMS gateway receives.
#[derive(Debug, Serialize)]
pub struct SmsRequest<'a> {
    pub to: &'a str,
    pub from: &'a str,
    pub text: &'a str,
    /// The outbox row's id: the same on every retry of one message.
    pub reference: String,
}

impl<'a> SmsRequest<'a> {
    pub fn of(m: &'a Outgoing, from: &'a str) -> Self {
        Self {
            to: &m.recipient,
            from,
            text: &m.body,
            reference: m.id.to_string(),
        }
    }
}

/// SMS through an HTTP/JSON gateway: `POST url` with a bearer token, the
/// body [`SmsRequest`] and an `Idempotency-Key` header. 2xx is delivered;
/// 408, 429 and 5xx are retried; other 4xx are permanent.
pub struct HttpSmsGateway {
    client: reqwest::Client,
    url: String,
    token: Option<String>,
    sender: String,
}

impl HttpSmsGateway {
    pub fn new(url: &str, token: Option<String>, sender: &str) -> anyhow::Result<Self> {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            anyhow::bail!("HMS_SMS_URL must be an http(s) URL, not '{url}'");
        }
        Ok(Self {
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()?,
            url: url.to_string(),
            token,
            sender: sender.to_string(),
        })
    }
}

#[async_trait]
impl Transport for HttpSmsGateway {
    async fn send(&self, m: &Outgoing) -> Result<(), SendError> {
        let body = SmsRequest::of(m, &self.sender);
        let mut request = self
            .client
            .post(&self.url)
            .header("Idempotency-Key", m.id.to_string())
            .json(&body);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let response = request
            .send()
            .await
            .map_err(|e| SendError::Transient(format!("gateway unreachable: {e}")))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let detail: String = response
            .text()
            .await
            .unwrap_or_default()
            .chars()
            .take(200)
            .collect();
        let message = format!("gateway answered {status}: {detail}");
        if status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429 {
            Err(SendError::Transient(message))
        } else {
            Err(SendError::Permanent(message))
        }
    }

    fn describe(&self) -> String {
        format!("SMS gateway {}", self.url)
    }
}

/// SMS written to `dir` as `<id>.json` (the same body a gateway would get).
pub struct SmsFiles {
    dir: PathBuf,
    sender: String,
}

impl SmsFiles {
    pub fn new(dir: PathBuf, sender: &str) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&dir)?;
        Ok(Self {
            dir,
            sender: sender.to_string(),
        })
    }
}

#[async_trait]
impl Transport for SmsFiles {
    async fn send(&self, m: &Outgoing) -> Result<(), SendError> {
        let body = SmsRequest::of(m, &self.sender);
        let json =
            serde_json::to_vec_pretty(&body).map_err(|e| SendError::Permanent(e.to_string()))?;
        tokio::fs::write(self.dir.join(format!("{}.json", m.id)), json)
            .await
            .map_err(|e| SendError::Transient(e.to_string()))
    }

    fn describe(&self) -> String {
        format!("files in {}", self.dir.display())
    }
}
