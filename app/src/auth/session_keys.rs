//! Session data keys, shared by the session store (which copies some into
//! columns), the auth cache and the guard. A leaf: no imports.

pub const USER_ID: &str = "uid";
pub const HANDLE: &str = "handle";
pub const LOGIN_AT: &str = "login_at";
pub const LAST_SEEN: &str = "last_seen";
pub const USER_AGENT: &str = "ua";
pub const CLIENT_ADDR: &str = "addr";
/// A sign-in whose password was right and whose code is still to come: the account…
pub const PENDING_USER: &str = "pending_uid";
/// …and when its password was checked (the code must follow within minutes).
pub const PENDING_AT: &str = "pending_at";
/// When the user last proved who they are: at sign-in, or confirming it
/// for a sensitive action (unix seconds).
pub const REAUTH_AT: &str = "reauth_at";
