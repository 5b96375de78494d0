//! The wasm entry point: hydrate the server-rendered page, then register the
//! service worker that makes the app installable and gives it an offline page.

#![recursion_limit = "512"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    if let Some(window) = web_sys::window() {
        // A marker for tests and for CSS: the page is now interactive.
        if let Some(body) = window.document().and_then(|d| d.body()) {
            let _ = body.set_attribute("data-hydrated", "true");
        }
        // Only in a secure context (https or localhost) does the browser offer it.
        let _ = window.navigator().service_worker().register("/sw.js");
    }
}
