#!/usr/bin/env bash
# Install the CI tools of .ci/tools.txt (maturin, pre-commit, hadolint,
# actionlint) into a venv, once: a stamp holding the hash of tools.txt makes
# later runs free. Also keeps the setuptools wheel the pre-commit hook
# package builds with, so the pre-commit test can install offline.
#
# Usage: .ci/tools.sh DIR   (prints nothing but progress; DIR/bin has the tools)
# Exit 0 when the tools are there; 3 when PyPI could not deliver them in
# time (the caller skips what needs them, loudly, rather than failing CI
# on a slow registry).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:?usage: .ci/tools.sh DIR}
python=${PYTHON:-python3}
setuptools=setuptools==84.2.1
stamp="$dir/.stamp"
want=$(cat "$here/tools.txt" <(echo "$setuptools") | sha256sum | cut -d' ' -f1)

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
start=$(date +%s)
rm -rf "$dir"
"$python" -m venv "$dir"
pip=("$dir/bin/python" -m pip --disable-pip-version-check --no-input --timeout 60 --retries 3)
if ! timeout 900 "${pip[@]}" install -q --only-binary=:all: -r "$here/tools.txt" ||
   ! timeout 300 "${pip[@]}" download -q --only-binary=:all: --no-deps -d "$dir/wheels" "$setuptools"; then
  echo "ci-tools: could not install the tools from PyPI" >&2
  rm -rf "$dir"
  exit 3
fi
echo "$want" > "$stamp"
echo "ci-tools: installed in $(( $(date +%s) - start )) s"
