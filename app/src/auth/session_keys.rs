//! Session data keys, shared by the session store (which copies some into
//! columns), the auth cache and the guard. A leaf: no imports.

pub const USER_ID: &str = "uid";
pub const HANDLE: &str = "handle";
pub const LOGIN_AT: &str = "login_at";
pub const LAST_SEEN: &str = "last_seen";
pub const USER_AGENT: &str = "ua";
pub const CLIENT_ADDR: &str = "addr";
