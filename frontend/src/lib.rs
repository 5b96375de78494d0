//! The wasm entry point: hydrate the server-rendered page, then register the
//! service worker that makes the app installable and gives it an offline page.
//!
//! The pages are split out of this file (`app::lazy_pages!`, built with
//! `cargo leptos build --split`): hydration waits for the current page's
//! piece, which the server already told the browser to preload, so it runs
//! asynchronously and marks the body only when it has finished.

#![recursion_limit = "512"]

/// Set while the page reloads because a piece of the wasm failed to load.
const RELOADED_FOR_PIECE: &str = "hms-reloaded-for-missing-piece";

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    std::panic::set_hook(Box::new(reload_on_missing_piece));
    let Some(window) = web_sys::window() else {
        return;
    };
    let Some(body) = window.document().and_then(|d| d.body()) else {
        return;
    };
    // Not `leptos::task::spawn_local`: Leptos' executor starts inside
    // `hydrate_from_async`, and it drops tasks spawned before it runs.
    wasm_bindgen_futures::spawn_local(async move {
        leptos::mount::hydrate_from_async(body.clone(), app::App)
            .await
            .forget();
        // A marker for tests and for CSS: the page is now interactive.
        let _ = body.set_attribute("data-hydrated", "true");
        if let Ok(Some(storage)) = window.session_storage() {
            let _ = storage.remove_item(RELOADED_FOR_PIECE);
        }
        // Only in a secure context (https or localhost) does the browser offer it.
        let _ = window.navigator().service_worker().register("/sw.js");
    });
}

/// Reports a panic on the console; when it is a piece of the wasm that could
/// not be loaded, also reloads the page once. That happens to a tab left open
/// across an upgrade: the old version's pieces are gone from the server, and
/// the page cannot go on without one (the split loader panics). A reload
/// fetches the current version. The flag in the tab's session storage, cleared
/// once a page has hydrated, keeps a piece that is missing for another reason
/// from reloading the page forever.
fn reload_on_missing_piece(info: &std::panic::PanicHookInfo) {
    console_error_panic_hook::hook(info);
    if !info.to_string().contains("load callback should succeed") {
        return;
    }
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(Some(storage)) = window.session_storage() else {
        return;
    };
    if storage
        .get_item(RELOADED_FOR_PIECE)
        .ok()
        .flatten()
        .is_some()
    {
        return;
    }
    let _ = storage.set_item(RELOADED_FOR_PIECE, "1");
    let _ = window.location().reload();
}
