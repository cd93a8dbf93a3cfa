#!/usr/bin/env bash
# Build the skyscan wheel (maturin, python/pyproject.toml, release profile)
# and smoke-test it as `pip install skyscan` would use it: install it into a
# fresh venv with no index, check `skyscan --version`, and scan a directory
# holding a planted key (exit 1, the key masked in the output).
#
# Usage: scripts/wheel-smoke.sh [WHEEL_DIR]   (default: <target>/wheels)
# Needs maturin on PATH (or MATURIN=...), python3, a Rust toolchain.
# CARGO_TARGET_DIR is honoured, so a release build made before is reused.
# Prints the time of each step.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/scripts/lib.sh"
target=${CARGO_TARGET_DIR:-$repo/target}
out=${1:-$target/wheels}
maturin=${MATURIN:-maturin}
version=$(cargo_version "$repo")

mkdir -p "$out"
rm -f "$out"/skyscan-*.whl
t=$(now)
(cd "$repo/python" && "$maturin" build --release --quiet --out "$out")
build_s=$(since "$t")
wheel=$(ls "$out"/skyscan-"$version"-*.whl)
echo "wheel-smoke: built $(basename "$wheel") ($(du -k "$wheel" | cut -f1) KiB) in ${build_s} s"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
t=$(now)
python3 -m venv "$scratch/venv"
"$scratch/venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  --no-index --find-links "$out" "skyscan==$version"
install_s=$(since "$t")
echo "wheel-smoke: fresh venv + pip install in ${install_s} s"

bin="$scratch/venv/bin/skyscan"
got=$("$bin" --version)
[ "$got" = "skyscan $version" ] || { echo "wheel-smoke: --version says '$got', want 'skyscan $version'" >&2; exit 1; }

key=$(fake_key)
mkdir "$scratch/app"
printf 'import skytells\nSKYTELLS_API_KEY = "%s"\n' "$key" > "$scratch/app/settings.py"
set +e
report=$("$bin" scan "$scratch/app" --format json 2>&1)
code=$?
set -e
[ "$code" = 1 ] || { echo "wheel-smoke: scan exited $code, want 1: $report" >&2; exit 1; }
case "$report" in
  *'"rule_id": "skytells-api-key"'*) ;;
  *) echo "wheel-smoke: no skytells-api-key finding: $report" >&2; exit 1 ;;
esac
case "$report" in
  *"$key"*) echo "wheel-smoke: the report prints the key in full" >&2; exit 1 ;;
esac
echo "wheel-smoke: ok: $got from the wheel finds the planted key (masked)"
