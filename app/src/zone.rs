//! Times shown in the hospital's time zone, on the server and in the
//! browser alike. Times travel in UTC; the page shows the hospital's wall
//! clock whatever the device's own zone is (a nurse's tablet may be set to
//! anything). The server converts with chrono-tz and writes the zone's name
//! into the page (`<meta name="hospital-timezone">`); the browser converts
//! with its own time-zone data (`Intl.DateTimeFormat`), so the wasm carries
//! no zone tables. Both take only the numbers from the conversion and leave
//! the formatting to chrono, so a hydrated page shows the same text as the
//! server sent.

use chrono::{DateTime, NaiveDateTime, Utc};

/// The meta tag that carries the zone's IANA name to the browser.
pub const META_NAME: &str = "hospital-timezone";

/// `t` on the hospital's wall clock.
pub fn local(t: DateTime<Utc>) -> NaiveDateTime {
    #[cfg(feature = "ssr")]
    if let Some(ctx) = leptos::prelude::use_context::<crate::state::ServerContext>() {
        return t.with_timezone(&ctx.timezone).naive_local();
    }
    #[cfg(feature = "hydrate")]
    if let Some(local) = browser::local(t) {
        return local;
    }
    t.naive_utc()
}

#[cfg(feature = "hydrate")]
mod browser {
    use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
    use js_sys::{Array, Intl, Object, Reflect};
    use wasm_bindgen::JsValue;

    thread_local! {
        /// The formatter for the page's zone, made once per page.
        static FORMAT: Option<Intl::DateTimeFormat> = formatter();
    }

    fn formatter() -> Option<Intl::DateTimeFormat> {
        let zone = web_sys::window()?
            .document()?
            .query_selector(&format!("meta[name=\"{}\"]", super::META_NAME))
            .ok()??
            .get_attribute("content")?;
        let options = Object::new();
        for (key, value) in [
            ("timeZone", zone.as_str()),
            ("year", "numeric"),
            ("month", "numeric"),
            ("day", "numeric"),
            ("hour", "numeric"),
            ("minute", "numeric"),
            ("hourCycle", "h23"),
        ] {
            Reflect::set(&options, &key.into(), &value.into()).ok()?;
        }
        Some(Intl::DateTimeFormat::new(
            &Array::of1(&"en-US".into()),
            &options,
        ))
    }

    pub fn local(t: DateTime<Utc>) -> Option<NaiveDateTime> {
        FORMAT.with(|format| {
            let format = format.as_ref()?;
            let date = js_sys::Date::new(&JsValue::from_f64(t.timestamp_millis() as f64));
            let parts = format.format_to_parts(&date);
            let part = |name: &str| -> Option<u32> {
                parts.iter().find_map(|p| {
                    let kind = Reflect::get(&p, &"type".into()).ok()?.as_string()?;
                    if kind != name {
                        return None;
                    }
                    Reflect::get(&p, &"value".into())
                        .ok()?
                        .as_string()?
                        .parse()
                        .ok()
                })
            };
            let day = NaiveDate::from_ymd_opt(part("year")? as i32, part("month")?, part("day")?)?;
            day.and_hms_opt(part("hour")?, part("minute")?, 0)
        })
    }
}
