//! The files of imaging reports on the pages: the list of links (bench,
//! chart, the patient's phone) and the upload at the bench. The upload
//! sends the file itself as the request's body (`lab::attachments::upload`),
//! checked for size here first so a large scan is not sent for nothing; the
//! server checks type and size again.

use leptos::prelude::*;
use shared::ids::LabResultId;
use shared::lab_visits::AttachmentView;
#[cfg(feature = "hydrate")]
use shared::{lab_visits::MAX_ATTACHMENT_BYTES, AppError};

use crate::components::{FormAlert, FormErrors};

/// "2.4 MB", "312 kB".
pub fn size_text(bytes: i64) -> String {
    if bytes >= 1_048_576 {
        format!("{:.1} MB", bytes as f64 / 1_048_576.0)
    } else {
        format!("{} kB", (bytes + 1023) / 1024)
    }
}

/// The files of a report, each a link that opens it.
#[component]
pub fn AttachmentLinks(files: Vec<AttachmentView>) -> impl IntoView {
    (!files.is_empty()).then(|| {
        view! {
            <ul class="attachments" data-testid="attachments">
                {files.into_iter().map(|a| view! {
                    <li>
                        <a href=a.href() target="_blank" rel="noopener" dir="auto">{a.file_name.clone()}</a>" "
                        <span class="muted">{format!("{} · {}", a.content_type.label(), size_text(a.size_bytes))}</span>
                    </li>
                }).collect_view()}
            </ul>
        }
    })
}

/// Attaches a JPEG, PNG or PDF to an imaging report.
#[component]
pub fn AttachFile(result_id: LabResultId, version: RwSignal<u32>) -> impl IntoView {
    view! {
        <UploadFile path=shared::lab_visits::upload_path(result_id) key=result_id.to_string()
            label="Attach an image or PDF (JPEG, PNG or PDF, at most 20 MB)" version/>
    }
}

/// Uploads one JPEG, PNG or PDF to `path` (with `?name=` the file's name),
/// the request's body being the file; bumps `version` once stored. `key`
/// tells its fields from other upload forms' on the page.
#[component]
pub fn UploadFile(
    path: String,
    #[prop(into)] key: String,
    label: &'static str,
    version: RwSignal<u32>,
) -> impl IntoView {
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let input = NodeRef::<leptos::html::Input>::new();
    let id = format!("attach-{key}");
    let error_id = format!("attach-error-{key}");
    let upload = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let Some(file) = input
                .get_untracked()
                .and_then(|i| i.files())
                .and_then(|list| list.get(0))
            else {
                errors.set(Some(AppError::field("file", "Choose a file to attach.")));
                return;
            };
            if file.size() > MAX_ATTACHMENT_BYTES as f64 {
                errors.set(Some(AppError::field(
                    "file",
                    format!(
                        "The file is {}; at most {} MB can be attached.",
                        size_text(file.size() as i64),
                        MAX_ATTACHMENT_BYTES / 1_048_576
                    ),
                )));
                return;
            }
            let url = format!(
                "{path}?name={}",
                String::from(js_sys::encode_uri_component(&file.name()))
            );
            busy.set(true);
            leptos::task::spawn_local(async move {
                let blob: &web_sys::Blob = file.unchecked_ref();
                let sent = gloo_net::http::Request::post(&url)
                    .header("content-type", "application/octet-stream")
                    .body(blob.clone());
                let answer = match sent {
                    Ok(request) => match request.send().await {
                        Ok(r) if r.ok() => Ok(()),
                        Ok(r) if r.status() == 413 => Err(AppError::field(
                            "file",
                            format!(
                                "At most {} MB can be attached.",
                                MAX_ATTACHMENT_BYTES / 1_048_576
                            ),
                        )),
                        Ok(r) => Err(r
                            .json::<AppError>()
                            .await
                            .unwrap_or_else(|e| AppError::Network(e.to_string()))),
                        Err(e) => Err(AppError::Network(e.to_string())),
                    },
                    Err(e) => Err(AppError::Network(e.to_string())),
                };
                busy.set(false);
                match answer {
                    Ok(()) => {
                        errors.set(None);
                        version.update(|v| *v += 1);
                    }
                    Err(e) => errors.set(Some(e)),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (input, &path, version);
    };
    view! {
        <form class="attach" on:submit=upload novalidate data-testid="attach-form">
            <FormAlert errors/>
            <label for=id.clone()>{label}</label>
            <input id=id type="file" name="file" accept="image/jpeg,image/png,application/pdf" node_ref=input
                aria-describedby=error_id.clone()/>
            <p class="field__error" id=error_id aria-live="polite">{move || errors.field("file").get()}</p>
            <button type="submit" class="btn" disabled=move || busy.get()>
                {move || if busy.get() { "Attaching…" } else { "Attach" }}
            </button>
        </form>
    }
}
