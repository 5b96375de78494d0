//! Claims on the pages: the claims board and a claim's page at the billing
//! desk, the insurance part of an invoice (desk and phone), and the
//! patient's claim card on their bill.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;
use shared::ids::{ClaimId, InvoiceId};
use shared::insurance::{
    AdjudicationForm, ClaimBoard, ClaimCursor, ClaimDocumentView, ClaimRow, ClaimStatus, ClaimView,
    InsuranceView,
};
use shared::money::Currency;
use shared::{AppError, Permission};

use super::claims_api::*;
use crate::components::{
    format_time, lens, submit_then_reload, submit_with, ClientOnly, EmptyState, ErrorBox,
    FormAlert, FormErrors, Input, Loading, Select, Submit, TextArea,
};
use crate::lab::attach_pages::{size_text, UploadFile};
use crate::portal_session::{current_user, Gate, PortalSession};

/// A claim's status as a badge.
fn status_badge(s: ClaimStatus) -> impl IntoView {
    let tone = match s {
        ClaimStatus::Denied => "badge badge--danger",
        ClaimStatus::Paid | ClaimStatus::Approved => "badge badge--ok",
        _ => "badge",
    };
    view! { <span class=tone data-testid="claim-status">{s.label()}</span> }
}

/// The insurance part of an invoice: the payer, both portions, what the
/// insurer is counted on for, and its claim (a link at the desk).
#[component]
pub fn InsurancePart(
    i: InsuranceView,
    c: Currency,
    #[prop(default = false)] desk: bool,
) -> impl IntoView {
    let claim = i.claim.clone().map(|claim| {
        let number = if desk {
            view! { <a href=format!("/clinic/billing/claims/{}", claim.id)>{claim.number.clone()}</a> }.into_any()
        } else {
            view! { <strong>{claim.number.clone()}</strong> }.into_any()
        };
        view! { <p data-testid="invoice-claim">"Claim "{number}" · "{status_badge(claim.status)}</p> }
    });
    view! {
        <h2>"Insurance"</h2>
        <p><span dir="auto">{i.payer.clone()}</span>" · member "<span dir="auto">{i.member_id.clone()}</span>
            " · pays "{i.share.label()}" of covered services"</p>
        <dl class="totals" data-testid="portions">
            <dt>"Insurer's portion"</dt><dd data-testid="insurer-portion">{c.format(i.insurer_portion)}</dd>
            <dt>"Patient's portion"</dt><dd data-testid="patient-portion">{c.format(i.patient_portion)}</dd>
            <dt>"Counted on from the insurer"</dt><dd data-testid="insurer-cover">{c.format(i.cover)}</dd>
        </dl>
        {claim}
    }
}

/// The files of a claim, each a link that opens it.
#[component]
fn DocumentLinks(files: Vec<ClaimDocumentView>) -> impl IntoView {
    if files.is_empty() {
        return view! { <p class="muted">"No documents attached."</p> }.into_any();
    }
    view! {
        <ul class="attachments" data-testid="claim-documents">
            {files.into_iter().map(|d| view! {
                <li>
                    <a href=d.href() target="_blank" rel="noopener" dir="auto">{d.file_name.clone()}</a>" "
                    <span class="muted">{format!("{} · {} · {}", d.content_type.label(), size_text(d.size_bytes), d.uploaded_by)}</span>
                </li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// The `:id` of the page's address as a claim.
fn claim_param() -> Memo<Option<ClaimId>> {
    let id = crate::components::id_param();
    Memo::new(move |_| id.get().map(ClaimId))
}

/// `/clinic/billing/claims`: every claim, newest first, by status, with
/// what the insurers owe by age.
#[component]
pub fn ClaimsBoardPage() -> impl IntoView {
    view! {
        <Title text="Claims"/>
        <Gate>
            <h1>"Insurance claims"</h1>
            {move || if current_user().role.can(Permission::ManageBilling) {
                view! { <ClaimsBoard/> }.into_any()
            } else {
                view! { <p class="muted">"Claims are for the billing desk."</p> }.into_any()
            }}
        </Gate>
    }
}

#[component]
fn ClaimsBoard() -> impl IntoView {
    let status = RwSignal::new(String::new());
    let session = PortalSession::get();
    let first = Resource::new(
        move || status.get(),
        move |s| {
            session.load_if(Permission::ManageBilling, async move {
                claims(ClaimStatus::from_code(&s).ok(), None).await
            })
        },
    );
    view! {
        <Transition fallback=|| view! { <Loading label="Loading the claims…"/> }>
            {move || Suspend::new(async move {
                match first.await {
                    Ok(board) => view! { <Board board status/> }.into_any(),
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Board(board: ClaimBoard, status: RwSignal<String>) -> impl IntoView {
    let rows = RwSignal::new(board.rows);
    let next = RwSignal::new(board.next);
    let busy = RwSignal::new(false);
    let errors = FormErrors::new();
    let more = move |_| {
        let Some(cursor): Option<ClaimCursor> = next.get_untracked() else {
            return;
        };
        let s = ClaimStatus::from_code(&status.get_untracked()).ok();
        submit_with(busy, errors, claims(s, Some(cursor)), move |page| {
            rows.update(|r| r.extend(page.rows));
            next.set(page.next);
        });
    };
    let count = |s: ClaimStatus| {
        board
            .counts
            .iter()
            .find(|(c, _)| *c == s)
            .map_or(0, |(_, n)| *n)
    };
    let options: Vec<(String, String)> = ClaimStatus::ALL
        .iter()
        .map(|s| {
            (
                s.as_str().to_string(),
                format!("{} ({})", s.label(), count(*s)),
            )
        })
        .collect();
    view! {
        <section class="card" aria-labelledby="aging-title">
            <h2 id="aging-title">"Awaiting the insurers"</h2>
            <dl class="totals" data-testid="claims-aging">
                {board.aging.into_iter().map(|(b, n, m)| view! {
                    <dt>{b.label()}</dt><dd>{format!("{n} · {m}")}</dd>
                }).collect_view()}
            </dl>
        </section>
        <Select label="Status" name="claims-status" placeholder="All claims"
            bind=lens(status, |s| s.clone(), |s, v| *s = v) error=Signal::derive(|| None::<String>) options/>
        {move || if rows.with(|r| r.is_empty()) {
            view! { <EmptyState title="No claims">"Claims appear here once an insured patient's invoice is claimed."</EmptyState> }.into_any()
        } else {
            view! { <ClaimTable rows=rows.get()/> }.into_any()
        }}
        <FormAlert errors/>
        {move || next.get().is_some().then(|| view! {
            <button type="button" class="btn" on:click=more disabled=move || busy.get()>"Show more claims"</button>
        })}
    }
}

#[component]
fn ClaimTable(rows: Vec<ClaimRow>) -> impl IntoView {
    view! {
        <div class="table-scroll">
            <table class="table" data-testid="claims">
                <caption class="visually-hidden">"Claims"</caption>
                <thead><tr>
                    <th scope="col">"Claim"</th><th scope="col">"Patient"</th><th scope="col">"Payer"</th>
                    <th scope="col">"Claimed"</th><th scope="col">"Approved"</th><th scope="col">"Status"</th><th scope="col">"Age"</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| view! {
                        <tr data-testid="claim-row">
                            <td><a href=format!("/clinic/billing/claims/{}", r.id)>{r.number.clone()}</a></td>
                            <td><span dir="auto">{r.patient_name.clone()}</span><br/><span class="muted">{r.mrn.clone()}</span></td>
                            <td dir="auto">{r.payer.clone()}</td>
                            <td>{r.claimed.to_string()}</td>
                            <td>{r.approved.map_or("—".to_string(), |a| a.to_string())}</td>
                            <td>{status_badge(r.status)}</td>
                            <td>{r.age_days.map_or("—".to_string(), |d| format!("{d} days"))}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// `/clinic/billing/claims/:id`: a claim with its documents, and the next
/// step its status allows.
#[component]
pub fn ClaimPage() -> impl IntoView {
    let id = claim_param();
    let version = RwSignal::new(0u32);
    let session = PortalSession::get();
    let found = Resource::new(
        move || (id.get(), version.get()),
        move |(id, _)| {
            session.load_if(Permission::ManageBilling, async move {
                claim(id.ok_or_else(|| AppError::NotFound("That claim".into()))?).await
            })
        },
    );
    view! {
        <Title text="Claim"/>
        <Transition fallback=|| view! { <Loading label="Opening the claim…"/> }>
            {move || Suspend::new(async move {
                match found.await {
                    Ok(c) => view! { <ClaimAtDesk c version/> }.into_any(),
                    Err(e) => view! { <h1>"Claim"</h1><ErrorBox error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// A claim's facts, for the desk and the patient.
#[component]
fn ClaimFacts(c: ClaimView) -> impl IntoView {
    view! {
        <dl class="facts" data-testid="claim">
            <dt>"Status"</dt><dd>{status_badge(c.status)}</dd>
            <dt>"Payer"</dt><dd dir="auto">{c.payer.clone()}" · member "{c.member_id.clone()}</dd>
            <dt>"Claimed"</dt><dd>{c.claimed.to_string()}</dd>
            {c.approved.map(|a| view! { <dt>"Approved"</dt><dd data-testid="claim-approved">{a.to_string()}</dd> })}
            {c.reason.clone().map(|r| view! { <dt>"Insurer's reason"</dt><dd dir="auto">{r}</dd> })}
            {c.paid.map(|p| view! { <dt>"Paid by the insurer"</dt><dd>{p.to_string()}{c.payment_ref.clone().map(|r| format!(" · {r}"))}</dd> })}
            <dt>"Opened"</dt><dd>{format_time(c.created_at)}{c.filed_by_patient.then_some(" by the patient")}</dd>
            {c.submitted_at.map(|t| view! { <dt>"Submitted"</dt><dd>{format_time(t)}</dd> })}
            {c.decided_at.map(|t| view! { <dt>"Decided"</dt><dd>{format_time(t)}</dd> })}
        </dl>
    }
}

#[component]
fn ClaimAtDesk(c: ClaimView, version: RwSignal<u32>) -> impl IntoView {
    let id = c.id;
    let status = c.status;
    let currency = c.claimed.currency;
    let documents = c.documents.clone();
    let next_step = match status {
        ClaimStatus::Draft => view! { <SubmitClaim id version/> }.into_any(),
        ClaimStatus::Submitted => view! {
            <Adjudicate id currency version/>
            <ImportResponse id version/>
        }
        .into_any(),
        ClaimStatus::Approved | ClaimStatus::PartlyApproved => {
            view! { <RecordPaid id version/> }.into_any()
        }
        _ => ().into_any(),
    };
    view! {
        <p><a href="/clinic/billing/claims">"← All claims"</a></p>
        <h1>"Claim "{c.number.clone()}</h1>
        <p><span dir="auto">{c.patient_name.clone()}</span>" · MRN "{c.mrn.clone()}" · invoice "
            <a href=format!("/clinic/billing/invoices/{}", c.invoice_id)>{c.invoice_number.clone()}</a></p>
        <p><a class="btn" href=format!("/api/billing/claims/{id}/fhir") data-testid="claim-fhir">"Download (FHIR Claim)"</a></p>
        <ClaimFacts c/>
        <h2>"Documents"</h2>
        <DocumentLinks files=documents/>
        {matches!(status, ClaimStatus::Draft | ClaimStatus::Submitted).then(|| view! {
            <UploadFile path=shared::insurance::claim_upload_path(id) key=id.to_string()
                label="Attach a document (JPEG, PNG or PDF, at most 20 MB)" version/>
        })}
        {next_step}
    }
}

#[component]
fn SubmitClaim(id: ClaimId, version: RwSignal<u32>) -> impl IntoView {
    let busy = RwSignal::new(false);
    let errors = FormErrors::new();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        submit_then_reload(busy, errors, submit_claim(id), version);
    };
    view! {
        <form class="form" on:submit=submit data-testid="submit-claim">
            <FormAlert errors/>
            <Submit label="Submit the claim to the insurer" busy_label="Submitting…" busy/>
        </form>
    }
}

#[component]
fn Adjudicate(id: ClaimId, currency: Currency, version: RwSignal<u32>) -> impl IntoView {
    let form = RwSignal::new(AdjudicationForm::default());
    let busy = RwSignal::new(false);
    let errors = FormErrors::new();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        submit_then_reload(busy, errors, adjudicate(id, form.get_untracked()), version);
    };
    view! {
        <section class="card" aria-labelledby="adjudicate-title">
            <h2 id="adjudicate-title">"The insurer's decision"</h2>
            <form class="form" on:submit=submit data-testid="adjudicate">
                <FormAlert errors/>
                <Input label="Approved" name="approved" inputmode="decimal"
                    hint="What the insurer approved, in the hospital's currency; 0 if it denied the claim."
                    bind=lens(form, |f| f.approved.clone(), |f, v| f.approved = v) error=errors.field("approved") required=true/>
                <Input label="Insurer's reason" name="adjudication-reason"
                    hint="Required unless everything was approved."
                    bind=lens(form, |f| f.reason.clone(), |f, v| f.reason = v) error=errors.field("reason")/>
                <p class="muted">{format!("Amounts in {currency}.")}</p>
                <Submit label="Record the decision" busy_label="Recording…" busy/>
            </form>
        </section>
    }
}

#[component]
fn ImportResponse(id: ClaimId, version: RwSignal<u32>) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let errors = FormErrors::new();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        submit_then_reload(
            busy,
            errors,
            claim_response(id, text.get_untracked()),
            version,
        );
    };
    view! {
        <details class="card">
            <summary>"Import the insurer's FHIR ClaimResponse"</summary>
            <form class="form" on:submit=submit data-testid="import-response">
                <FormAlert errors/>
                <TextArea label="ClaimResponse (JSON)" name="response" rows=8
                    bind=lens(text, |t| t.clone(), |t, v| *t = v) error=errors.field("response")/>
                <Submit label="Import the decision" busy_label="Importing…" busy class="btn"/>
            </form>
        </details>
    }
}

#[component]
fn RecordPaid(id: ClaimId, version: RwSignal<u32>) -> impl IntoView {
    let reference = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let errors = FormErrors::new();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        submit_then_reload(
            busy,
            errors,
            claim_paid(id, reference.get_untracked()),
            version,
        );
    };
    view! {
        <section class="card" aria-labelledby="claim-paid-title">
            <h2 id="claim-paid-title">"The insurer's payment"</h2>
            <form class="form" on:submit=submit data-testid="claim-paid">
                <FormAlert errors/>
                <Input label="Payment reference" name="payment-reference" hint="The remittance advice or the bank transfer's reference."
                    bind=lens(reference, |r| r.clone(), |r, v| *r = v) error=errors.field("reference") required=true/>
                <Submit label="Record the payment" busy_label="Recording…" busy/>
            </form>
        </section>
    }
}

/// At the desk, on an issued invoice with an insurer's portion and no
/// claim yet: opens its claim and goes to it.
#[component]
pub fn OpenClaim(id: InvoiceId) -> impl IntoView {
    let busy = RwSignal::new(false);
    let errors = FormErrors::new();
    let navigate = use_navigate();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let navigate = navigate.clone();
        submit_with(busy, errors, open_claim(id), move |claim: ClaimId| {
            navigate(
                &format!("/clinic/billing/claims/{claim}"),
                Default::default(),
            )
        });
    };
    view! {
        <form class="form" on:submit=submit data-testid="open-claim">
            <FormAlert errors/>
            <Submit label="Claim the insurer's portion" busy_label="Opening the claim…" busy class="btn"/>
        </form>
    }
}

/// On the patient's bill: their claim to the insurer, filed from the
/// phone with documents, and where it stands.
#[component]
pub fn MyClaim(
    invoice: InvoiceId,
    existing: Option<ClaimId>,
    version: RwSignal<u32>,
) -> impl IntoView {
    let Some(claim_id) = existing else {
        let busy = RwSignal::new(false);
        let errors = FormErrors::new();
        let start = move |ev: SubmitEvent| {
            ev.prevent_default();
            submit_then_reload(busy, errors, open_claim(invoice), version);
        };
        return view! {
            <section class="card" aria-labelledby="my-claim-title">
                <h2 id="my-claim-title">"Claim from your insurer"</h2>
                <p>"Ask your insurer to pay its portion. You can attach documents (a referral, a prescription) before you send it."</p>
                <form class="form" on:submit=start data-testid="start-claim">
                    <FormAlert errors/>
                    <Submit label="Start a claim" busy_label="Starting…" busy/>
                </form>
            </section>
        }
        .into_any();
    };
    view! {
        <section class="card" aria-labelledby="my-claim-title">
            <h2 id="my-claim-title">"Your claim"</h2>
            // Loaded in the browser only: a suspense inside the bill's own
            // is numbered differently by the server and the browser
            // (docs/architecture.md, "LocalResource").
            <ClientOnly><MyClaimCard claim_id version/></ClientOnly>
        </section>
    }
    .into_any()
}

/// The patient's claim, loaded (in the browser) and shown with its next step.
#[component]
fn MyClaimCard(claim_id: ClaimId, version: RwSignal<u32>) -> impl IntoView {
    let found = LocalResource::new(move || {
        version.track();
        claim(claim_id)
    });
    view! {
        <Transition fallback=|| view! { <Loading label="Loading your claim…"/> }>
            {move || Suspend::new(async move {
                match found.await {
                    Ok(c) => {
                        let status = c.status;
                        let documents = c.documents.clone();
                        view! {
                            <p>"Claim "<strong>{c.number.clone()}</strong></p>
                            <ClaimFacts c/>
                            <DocumentLinks files=documents/>
                            {matches!(status, ClaimStatus::Draft | ClaimStatus::Submitted).then(|| view! {
                                <UploadFile path=shared::insurance::claim_upload_path(claim_id) key=claim_id.to_string()
                                    label="Attach a document (photo or PDF, at most 20 MB)" version/>
                            })}
                            {(status == ClaimStatus::Draft).then(|| view! { <SubmitClaim id=claim_id version/> })}
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}
