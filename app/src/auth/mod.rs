//! Accounts, sign-in, sessions and the permission guard.
pub mod api;
#[cfg(feature = "ssr")]
pub mod cache;
#[cfg(feature = "ssr")]
pub mod gate;
#[cfg(feature = "ssr")]
pub mod guard;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod password;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod session_keys;
#[cfg(feature = "ssr")]
pub mod session_store;
