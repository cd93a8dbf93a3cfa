#!/usr/bin/env bash
# Recall and precision of the SC5 rules on bench/tls-eval/, per language.
# The figures come from tests/it/tls_coverage.rs, which also fails when a
# language falls under 90% recall or 95% precision.
#
#   bash bench/tls-eval.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --release --quiet --test it -- --nocapture tls_coverage::evaluation_set 2>&1 | grep -E '^\|'
