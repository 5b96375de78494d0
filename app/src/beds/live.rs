//! The live bed board: every change of a bed reaches the boards open in
//! every server process within a moment, without a reload.
//!
//! - A change of a bed goes through `service::step`, which on PostgreSQL
//!   also says `NOTIFY hms_beds` in the same transaction: PostgreSQL
//!   delivers it at commit, to every process listening (this one too), and
//!   never for a change rolled back. Each process's listener
//!   (`server::workers::spawn_bed_listener`) tells its [`BedEvents`]. On
//!   SQLite there is one process: the server function tells it after the
//!   commit ([`told`]).
//! - `GET /api/beds/events` ([`events`]) is a stream of server-sent events
//!   to the browser: `beds` once when it connects (what changed while it
//!   was away is fetched again) and after every change. The events carry
//!   nothing but their name; the board fetches what it shows through its
//!   server function, with the caller's session and permissions, and that
//!   read is audited. The browser's `EventSource` reconnects by itself.

use std::convert::Infallible;
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use shared::{AppError, Permission};
use tokio::sync::broadcast;

use crate::state::ServerContext;

/// Where the browser follows the changes.
pub const EVENTS_PATH: &str = shared::beds::BED_EVENTS_PATH;

/// The PostgreSQL channel of bed changes.
pub const CHANNEL: &str = "hms_beds";

/// This process's boards, told of every change of a bed.
#[derive(Debug)]
pub struct BedEvents {
    tx: broadcast::Sender<()>,
}

impl Default for BedEvents {
    fn default() -> Self {
        // A board that falls behind by more than this many changes is told
        // once (it fetches the whole board anyway).
        let (tx, _) = broadcast::channel(64);
        BedEvents { tx }
    }
}

impl BedEvents {
    /// Tells every board open in this process that beds changed.
    pub fn changed(&self) {
        let _ = self.tx.send(());
    }

    pub fn subscribe(&self) -> broadcast::Receiver<()> {
        self.tx.subscribe()
    }
}

/// After a change committed: on SQLite, tells this process's boards (on
/// PostgreSQL the transaction's `NOTIFY` tells every process's).
pub fn told<T>(ctx: &ServerContext, result: Result<T, AppError>) -> Result<T, AppError> {
    if result.is_ok() && ctx.db.get_database_backend() != sea_orm::DbBackend::Postgres {
        ctx.bed_events.changed();
    }
    result
}

/// Inside the transaction of a change of a bed: on PostgreSQL, the notice
/// every process receives once it commits.
pub async fn notify(db: &impl sea_orm::ConnectionTrait) -> Result<(), AppError> {
    use crate::context::OrInternal;
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        db.execute_unprepared(&format!("NOTIFY {CHANNEL}"))
            .await
            .or_internal()?;
    }
    Ok(())
}

/// `GET /api/beds/events`: the changes of beds as server-sent events, for
/// those who may see the board (401 for nobody signed in, 403 audited).
pub async fn events(
    axum::Extension(ctx): axum::Extension<ServerContext>,
    session: tower_sessions::Session,
    parts: http::request::Parts,
) -> Response {
    let caller = match crate::auth::guard::authenticate_download(ctx, session, &parts).await {
        Ok(caller) => caller,
        Err(e) => return crate::context::error_response(&e),
    };
    if !caller.can(Permission::ViewBeds) {
        if let Err(e) = crate::auth::guard::deny(&caller, "beds.events").await {
            return crate::context::error_response(&e);
        }
        return crate::context::error_response(&AppError::Forbidden);
    }
    let rx = caller.ctx.bed_events.subscribe();
    // The first event at once: a board that reconnects fetches what it
    // missed.
    let stream = futures_util::stream::unfold((rx, true), |(mut rx, first)| async move {
        // A board that fell behind is told once: it fetches the whole board.
        if !first && matches!(rx.recv().await, Err(broadcast::error::RecvError::Closed)) {
            return None;
        }
        let event: Result<Event, Infallible> = Ok(Event::default().event("beds").data("changed"));
        Some((event, (rx, false)))
    });
    let mut response = Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response();
    response.headers_mut().insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    response
}
