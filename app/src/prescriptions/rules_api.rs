//! Server functions of the local decision-support rules: pharmacists add
//! interaction and allergy rules the shipped data lacks, and retire them;
//! they are checked like the shipped ones from the next prescription on.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::decision::{RuleForm, RuleView};
use shared::ids::DrugRuleId;
use shared::AppError;

/// The local rules, newest first, retired ones last.
#[server(endpoint = "drug_rules/list", input = Json)]
pub async fn list_rules() -> Result<Vec<RuleView>, AppError> {
    use crate::auth::guard::require;
    crate::audited::plain(
        || require(shared::Permission::ManageDrugRules),
        async |caller| super::rules::local_rules(&caller.ctx.db).await,
    )
    .await
}
crate::access!(
    "drug_rules/list",
    AnyOf(&[ManageDrugRules]),
    no_patient_data
);

/// Adds a local rule, with who added it and why.
#[server(endpoint = "drug_rules/add", input = Json)]
pub async fn add_rule(form: RuleForm) -> Result<RuleView, AppError> {
    use crate::auth::guard::require;
    crate::audited::write(
        || require(shared::Permission::ManageDrugRules),
        async |caller, txn| {
            let new = form.parse()?;
            let view = super::rules::add(txn, &new, caller.user.id.uuid(), caller.now()).await?;
            let event = caller
                .event("drug_rules.add")
                .entity("drug_rule", view.rule.id)
                .detail(format!(
                    "{} ({})",
                    view.describe(),
                    view.rule.severity.label()
                ));
            Ok((view, event))
        },
    )
    .await
}
crate::access!("drug_rules/add", AnyOf(&[ManageDrugRules]), no_patient_data);

/// Retires a local rule: kept for the record, no longer checked.
#[server(endpoint = "drug_rules/retire", input = Json)]
pub async fn retire_rule(rule_id: DrugRuleId) -> Result<(), AppError> {
    use crate::auth::guard::require;
    crate::audited::write(
        || require(shared::Permission::ManageDrugRules),
        async |caller, txn| {
            let view = super::rules::retire(txn, rule_id, caller.now()).await?;
            let event = caller
                .event("drug_rules.retire")
                .entity("drug_rule", rule_id)
                .detail(view.describe());
            Ok(((), event))
        },
    )
    .await
}
crate::access!(
    "drug_rules/retire",
    AnyOf(&[ManageDrugRules]),
    no_patient_data
);
