//! A link argument for the split build (`cargo leptos build --split`, which
//! links with `--emit-relocs`). Without it, wasm-ld merges the read-only data
//! of every page into segments that the splitter cannot take apart, and all
//! of it stays in the main file (cargo-leptos issue #679).

fn main() {
    println!("cargo:rerun-if-env-changed=CARGO_ENCODED_RUSTFLAGS");
    let wasm = std::env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|a| a.starts_with("wasm"));
    let split = std::env::var("CARGO_ENCODED_RUSTFLAGS").is_ok_and(|f| f.contains("--emit-relocs"));
    if wasm && split {
        println!("cargo:rustc-link-arg-cdylib=--no-merge-data-segments");
    }
}
