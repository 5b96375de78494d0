//! `POST /sign-out`, what the portals' Sign out button posts. A plain HTML
//! form rather than a server function called from the wasm: the button works
//! from the moment the page is shown, so a tap before the page has hydrated
//! (a slow phone, a reload, a page opened from a message) is not lost, and it
//! works without JavaScript at all. The cross-origin guard refuses a post
//! from another site, as it does every POST.

use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use crate::auth::api::ssr::end_session;
use crate::auth::guard::authenticate_with;
use crate::context::{error_response, RequestMeta};
use crate::state::ServerContext;

/// Ends the session (audited when someone was signed in) and sends the
/// browser to the front page with `303 See Other`, whoever was signed in.
pub async fn sign_out(
    axum::Extension(ctx): axum::Extension<ServerContext>,
    session: Session,
    parts: http::request::Parts,
) -> Response {
    let signed_in = authenticate_with(ctx, RequestMeta::from_parts(&parts), session.clone()).await;
    match end_session(signed_in, &session).await {
        Ok(()) => Redirect::to("/").into_response(),
        Err(e) => error_response(&e),
    }
}
