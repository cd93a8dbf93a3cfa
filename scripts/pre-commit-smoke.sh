#!/usr/bin/env bash
# Run skyscan's hooks with the real pre-commit framework, as a user's
# repository would: a hook repository holding this checkout's
# .pre-commit-hooks.yaml and pyproject.toml (the hook package that depends on
# the skyscan wheel), and a project that uses the `skyscan` and
# `skyscan-tree` hooks from it. pip resolves the skyscan wheel from
# WHEEL_DIR with no index (built by scripts/wheel-smoke.sh), exactly as it
# would take it from PyPI, so no Rust is involved in the hook install.
#
# Checks: `pre-commit run --all-files` fails on a committed key (skyscan-tree)
# and passes without one; `git commit` refuses a staged key and takes a
# clean change (skyscan); the key never appears in full. Prints the time of
# the first run (environment install included) and of a warm commit hook.
#
# Usage: scripts/pre-commit-smoke.sh WHEEL_DIR
# Needs pre-commit on PATH (or PRE_COMMIT=...); WHEEL_DIR must also hold a
# setuptools wheel (the hook package's build backend; .ci/tools.sh puts one).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/scripts/lib.sh"
wheels=$(cd "${1:?usage: scripts/pre-commit-smoke.sh WHEEL_DIR}" && pwd)
pre_commit=${PRE_COMMIT:-pre-commit}
version=$(cargo_version "$repo")
ls "$wheels"/skyscan-"$version"-*.whl >/dev/null
ls "$wheels"/setuptools-*.whl >/dev/null

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export PRE_COMMIT_HOME="$scratch/cache" PIP_NO_INDEX=1 PIP_FIND_LINKS="$wheels"
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
g() { git -c user.name=Smoke -c user.email=smoke@example.com -c commit.gpgsign=false \
  -c init.defaultBranch=main "$@"; }
fail() { echo "pre-commit-smoke: $*" >&2; exit 1; }

# The hook repository: this checkout's hook files, committed.
hooks="$scratch/hooks"
mkdir "$hooks"
cp "$repo/.pre-commit-hooks.yaml" "$repo/pyproject.toml" "$hooks/"
g -C "$hooks" init -q && g -C "$hooks" add . && g -C "$hooks" commit -qm hooks
rev=$(g -C "$hooks" rev-parse HEAD)

# A project using the hooks, with a key committed before the hooks came.
project="$scratch/project"
mkdir "$project"
cd "$project"
g init -q
cat > .pre-commit-config.yaml <<YAML
repos:
  - repo: $hooks
    rev: $rev
    hooks:
      - id: skyscan
      - id: skyscan-tree
YAML
key=$(fake_key)
printf 'import skytells\nclient = skytells.Client(api_key="%s")\n' "$key" > client.py
echo "print('hello')" > main.py
g add . && g commit -qm "start"

t=$(now)
set +e
log=$("$pre_commit" run --all-files 2>&1)
code=$?
set -e
first_s=$(since "$t")
[ "$code" = 1 ] || fail "skyscan-tree passed a committed key (exit $code): $log"
case "$log" in *client.py*) ;; *) fail "no finding in client.py: $log" ;; esac
case "$log" in *"working tree)"*Failed*) ;; *) fail "skyscan-tree is not the hook that failed: $log" ;; esac
case "$log" in *"$key"*) fail "the hook output prints the key in full" ;; esac
echo "pre-commit-smoke: first run (hook environment from the wheel + scan) ${first_s} s: skyscan-tree fails on the committed key"

# The installed binary is the wheel's, not one on PATH.
env_bin=$(find "$PRE_COMMIT_HOME" -path '*/bin/skyscan' -type f | head -n 1)
[ -n "$env_bin" ] || fail "no skyscan in the hook environment"
[ "$("$env_bin" --version)" = "skyscan $version" ] || fail "hook environment has $("$env_bin" --version)"

# Remove the key; the working tree is clean now.
printf 'import os, skytells\nclient = skytells.Client(api_key=os.environ["SKYTELLS_API_KEY"])\n' > client.py
g add client.py && g commit -qm "key from the environment" --no-verify
log=$("$pre_commit" run --all-files 2>&1) || fail "the hooks fail on a clean tree: $log"

# The commit hook: a staged key is refused, a clean change goes in.
"$pre_commit" install >/dev/null
printf 'SKYTELLS_API_KEY = "%s"\n' "$key" > settings.py
g add settings.py
if log=$(g commit -qm "add settings" 2>&1); then
  fail "the commit hook let a staged key through"
fi
case "$log" in *settings.py*) ;; *) fail "the refusal does not name settings.py: $log" ;; esac
case "$log" in *"$key"*) fail "the commit hook prints the key in full" ;; esac
g rm -q --cached settings.py && rm settings.py
echo "print('bye')" >> main.py
g add main.py
t=$(now)
g commit -qm "a clean change" >/dev/null || fail "the commit hook refused a clean change"
echo "pre-commit-smoke: warm commit with the skyscan hook $(since "$t") s; a staged key is refused"
echo "pre-commit-smoke: ok"
