//! Name folding as migration 13 applies it when it recomputes the patient
//! search columns. Frozen with that migration: the application's
//! `shared::text::{fold_name, fold_native}` must fold the same way (a test in
//! `server/src/db.rs` compares them), and a change to either needs a new
//! migration that recomputes the columns. The crates are pinned to exact
//! versions in the workspace `Cargo.toml` for the same reason.

use caseless::Caseless;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Lower-case ASCII words of `name`, one space apart: NFKC, transliterated
/// to ASCII (`deunicode`, unknown characters become a space), lower-cased,
/// every character other than `[a-z0-9.]` a word break.
pub fn fold_name(name: &str) -> String {
    let normalised: String = name.nfkc().collect();
    deunicode::deunicode_with_tofu(&normalised, " ")
        .chars()
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9' | '.') => c,
            _ => ' ',
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The words of `name` in its own script, one space apart: NFKC, Unicode
/// full case folding, NFKC again; characters other than letters, digits and
/// combining marks are word breaks.
pub fn fold_native(name: &str) -> String {
    let folded: String = name.nfkc().default_case_fold().nfkc().collect();
    folded
        .split(|c: char| !(c.is_alphanumeric() || is_combining_mark(c)))
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
