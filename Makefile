# The two commands of the README:
#   make run   installs what is missing, builds, and serves on SQLite with demo data
#   make test  installs what is missing and runs every test (what CI runs)
# Everything here is idempotent and quick when the tools are already installed.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
# Where each build's site goes (cargo-leptos and hms both read LEPTOS_SITE_ROOT):
# apart, so that neither build overwrites the other's hashed assets (each
# binary has its own hash.txt beside it). .ci/e2e has the same two defaults.
SITE_ROOT := target/site
RELEASE_SITE_ROOT := target/site-release
BIND ?= 127.0.0.1:3000

.PHONY: run test setup setup-test build build-release lint rust-tests e2e e2e-release fmt bench bench-first-load demo-code

## Rust toolchain pieces: the wasm target, cargo-leptos and a wasm-bindgen matching Cargo.lock.
setup:
	@.ci/setup

## What the tests need on top: Chromium, PostgreSQL, poppler (pdftotext), playwright-core and axe-core.
setup-test: setup
	@.ci/setup --test

## `--split`: the pages are separate pieces of the wasm (`app::lazy_pages!`), fetched
## when first shown. Every wasm build needs it: without it the pieces' imports stay
## unresolved and the page never hydrates.
build: setup
	LEPTOS_SITE_ROOT=$(SITE_ROOT) cargo leptos build --split

## Release build: opt-level z wasm, optimised with binaryen's wasm-opt from npm, then
## its static files compressed once at the highest Brotli and gzip levels (served as they are).
build-release: setup
	@.ci/setup --release
	LEPTOS_SITE_ROOT=$(RELEASE_SITE_ROOT) PATH="$(CURDIR)/end2end/node_modules/.bin:$$PATH" cargo leptos build --release --split
	.ci/precompress $(RELEASE_SITE_ROOT)

run: build
	LEPTOS_SITE_ROOT=$(SITE_ROOT) $(TARGET_DIR)/debug/hms serve --bind $(BIND) --seed-demo

## A demo staff account's sign-in code of the moment (after `make run` has built hms):
##   make demo-code EMAIL=doctor@demo-hospital.example
demo-code:
	$(TARGET_DIR)/debug/hms demo-code $(EMAIL)

fmt:
	cargo fmt --all

lint:
	cargo fmt --all -- --check
	cargo clippy -p shared -p migrations -p server -p app --features app/ssr --all-targets -- -D warnings
	cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

## The unit tests (shared, app, server) and the integration tests, on SQLite and on a
## throwaway PostgreSQL cluster. One cargo invocation, so one feature set and one build.
rust-tests:
	.ci/with-postgres cargo test -p shared -p migrations -p app -p server --features app/ssr

## The end-to-end suite (end2end/tests/) on the debug build: quick to rebuild
## while working on a page.
e2e: build
	LEPTOS_SITE_ROOT=$(SITE_ROOT) .ci/e2e

## Every end-to-end test on the release build, what hospitals run: the suite
## (end2end/tests/) and the release build's own test (end2end/release/: each
## portal cold, signed in, its menu's pages). `make test` runs this one only:
## the release wasm hydrates faster than the debug one (every-page: 8.6
## instead of about 14.5 minutes for the 9 visitors), and the debug
## build is not built at all (docs/architecture.md, "End-to-end tests").
e2e-release: build-release
	LEPTOS_SITE_ROOT=$(RELEASE_SITE_ROOT) .ci/e2e --release tests/ release/

test: setup-test lint rust-tests e2e-release
	@echo "All test suites passed."

# Benchmarks (not part of `make test`): patient search at 1M patients, opening
# a chart with 1,000 encounters, free-slot search and booking throughput,
# prescribing checks, the laboratory's worklist and a patient's results, the revenue
# report over a year of 5M charges, the bed board of 1,000 beds and a change
# heard by 200 viewers, on SQLite and a throwaway PostgreSQL. Results
# go to docs/benchmarks.md by hand; see there for the latest.
bench:
	.ci/with-postgres cargo bench -p server --bench records -- --patients 1000000 --requests 2000 --encounters 1000
	.ci/with-postgres cargo bench -p server --bench appointments -- --doctors 100 --history 100000 --requests 1000 --clients 50
	.ci/with-postgres cargo bench -p server --bench prescribing -- --requests 2000
	.ci/with-postgres cargo bench -p server --bench lab -- --requests 100
	.ci/with-postgres cargo bench -p server --bench revenue -- --charges 5000000 --requests 20
	.ci/with-postgres cargo bench -p server --bench beds -- --beds 1000 --viewers 200 --requests 50 --changes 10

# First load of each portal's landing page (/, /patient, /clinic, /admin) on the
# release build in Chromium at 1.6 Mbit/s, 150 ms and a 4x slower CPU: bytes as
# served per type and the time until hydrated (docs/benchmarks.md, by hand too).
bench-first-load: setup-test build-release
	cd end2end && HMS_BIN="$(abspath $(TARGET_DIR))/release/hms" LEPTOS_SITE_ROOT="$(abspath $(RELEASE_SITE_ROOT))" node bench/first-load.mjs
