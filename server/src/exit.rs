//! How an `hms` process ends: the operating system takes its memory back,
//! no library tears its state down while other threads still use it.
//!
//! When `main` returns (or a test binary's last test ends) the C runtime
//! runs exit handlers while threads may still be running: a SQLite
//! connection's worker thread closing its database, for one, as the pools
//! that tests drop close their connections in the background. Two handlers
//! freed memory under such a thread, and the process crashed (SIGSEGV) after
//! its work was done, about one run in eight:
//! - mimalloc's `mi_process_done` force-collects the main heap and purges
//!   arenas (seen in a core dump: the main thread in `mi_theap_collect`, a
//!   worker in SQLCipher's `sqlite3FreeCodecArg`);
//! - OpenSSL's `OPENSSL_cleanup` frees libcrypto's state, which SQLCipher
//!   uses to close its codec.
//!
//! Both are skipped: neither does anything a process that ends needs.
//!
//! The crash came back (CI, `ehr` and the server's unit tests, after all
//! their tests passed; 2 runs in 40 of the latter here). Its core dump: the
//! main thread in SQLCipher's own exit handler (`sqlcipher_extra_shutdown`,
//! registered with `atexit` when SQLite initialises) while a worker closed
//! its connection in `sqlcipher_free`. So the end is now cut short as a
//! whole: SQLite is initialised here, so that SQLCipher registers its
//! handler first, and then a handler of ours is registered that ends the
//! process with its status (`_exit`). Exit handlers run newest first, so
//! ours runs before SQLCipher's, OpenSSL's and mimalloc's, and none of
//! them runs at all. Rust has flushed its own output by then
//! (`std::rt::cleanup` runs before the C `exit`). glibc's `on_exit` passes
//! the status; it is a GNU extension, which is what the supported systems
//! run.

use std::ffi::{c_int, c_long, c_void};

/// mimalloc's `mi_option_destroy_on_exit` (`mimalloc.h` of the v3 sources
/// that libmimalloc-sys 0.1.49 builds; the enum keeps its numbering, its
/// retired options stay as `deprecated_` entries). libmimalloc-sys has no
/// constant for it. Above 1, `_mi_auto_process_done` returns at once.
const MI_OPTION_DESTROY_ON_EXIT: c_int = 22;
const SKIP_PROCESS_DONE: c_long = 2;

/// libcrypto's `OPENSSL_INIT_NO_ATEXIT` (OpenSSL 1.1.1b and later).
const OPENSSL_INIT_NO_ATEXIT: u64 = 0x0008_0000;

unsafe extern "C" {
    /// glibc's exit handler registration, with the exit status passed on.
    fn on_exit(function: extern "C" fn(c_int, *mut c_void), arg: *mut c_void) -> c_int;
    /// Ends the process at once: no exit handler, no stdio flush.
    fn _exit(status: c_int) -> !;
    /// mimalloc's option setter (linked by the `mimalloc` crate).
    fn mi_option_set(option: c_int, value: c_long);
    /// libcrypto's initialiser, linked for SQLCipher by libsqlite3-sys.
    fn OPENSSL_init_crypto(opts: u64, settings: *const c_void) -> c_int;
}

/// The exit handler that runs first (handlers run newest first) and ends
/// the process with `status`, so that no earlier one runs.
extern "C" fn end_now(status: c_int, _arg: *mut c_void) {
    // SAFETY: `_exit` is async-signal-safe and takes any status.
    unsafe { _exit(status) }
}

/// Called first in `main`, at every SQLite connect and in the tests'
/// database helper; only the first call does anything. OpenSSL's option
/// only counts when given before anything else initialises libcrypto.
pub fn leave_teardown_to_the_os() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: mimalloc's documented option setter, with an option
        // number of its enum; it stores a value read at exit.
        unsafe { mi_option_set(MI_OPTION_DESTROY_ON_EXIT, SKIP_PROCESS_DONE) };
        // SAFETY: a documented libcrypto entry point, called with its
        // "no settings" null pointer; it only records the option.
        let ok = unsafe { OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, std::ptr::null()) };
        if ok != 1 {
            tracing::warn!("OpenSSL refused OPENSSL_INIT_NO_ATEXIT");
        }
        // SAFETY: SQLite's documented initialiser, safe to call any number
        // of times; it runs SQLCipher's initialiser, which registers its exit
        // handler (after OpenSSL's option above, which it initialises).
        let rc = unsafe { libsqlite3_sys::sqlite3_initialize() };
        if rc != libsqlite3_sys::SQLITE_OK {
            tracing::warn!(rc, "sqlite3_initialize failed");
        }
        // Registered last, so run first.
        // SAFETY: registers a handler with no state (`arg` is unused).
        if unsafe { on_exit(end_now, std::ptr::null_mut()) } != 0 {
            tracing::warn!("on_exit refused the handler that skips library teardown");
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    type Output = unsafe extern "C" fn(msg: *const std::ffi::c_char, arg: *mut c_void);

    unsafe extern "C" {
        /// mimalloc's listing of its options, by name, to `out`.
        fn mi_options_print_out(out: Output, arg: *mut c_void);
    }

    unsafe extern "C" fn collect(msg: *const std::ffi::c_char, arg: *mut c_void) {
        // SAFETY: `arg` is the `String` below, `msg` a C string from mimalloc.
        let (text, msg) = unsafe { (&mut *(arg as *mut String), std::ffi::CStr::from_ptr(msg)) };
        text.push_str(&msg.to_string_lossy());
    }

    /// The option number is the one mimalloc names `destroy_on_exit`, and
    /// it holds the value that skips the exit work.
    #[test]
    fn mimalloc_is_told_to_skip_its_exit_work() {
        leave_teardown_to_the_os();
        let mut text = String::new();
        // SAFETY: `collect` only appends to `text`, which outlives the call.
        unsafe { mi_options_print_out(collect, &mut text as *mut String as *mut c_void) };
        assert!(
            text.contains(&format!("option 'destroy_on_exit': {SKIP_PROCESS_DONE}")),
            "{text}"
        );
    }
}
