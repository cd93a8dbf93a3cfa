#!/usr/bin/env bash
# Pre-commit benchmark (not a test): `skyscan staged` on a small staged change
# in a large repository (the Linux 6.1 source tree committed as one git
# repository, about 78,000 files), against `git diff --cached` on the same
# index as the reference. Target: under 100 ms.
#
#   bash bench/staged.sh
#
# Installs Debian linux-source-6.1 and hyperfine when missing.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${BENCH_DIR:-/tmp/skyscan-bench}
RUNS=${RUNS:-20}
mkdir -p "$WORK"
need=()
command -v hyperfine >/dev/null || need+=(hyperfine)
[ -f /usr/src/linux-source-6.1.tar.xz ] || need+=(linux-source-6.1)
[ ${#need[@]} -eq 0 ] || { apt-get update -qq && apt-get install -y -qq "${need[@]}"; }

REPO="$WORK/linux-git"
if [ ! -d "$REPO/.git" ]; then
  echo "building $REPO (one commit of the Linux 6.1 tree) ..."
  mkdir -p "$REPO"
  tar -xf /usr/src/linux-source-6.1.tar.xz -C "$REPO" --strip-components=1
  git -C "$REPO" init -q
  git -C "$REPO" add -A -f  # the Debian tarball's .gitignore ignores the top level
  # No background gc: it would run during the timed runs.
  git -C "$REPO" -c gc.auto=0 -c user.name=bench -c user.email=bench@localhost commit -qm "linux 6.1"
fi
(cd "$ROOT" && cargo build --release --quiet)
BIN="$ROOT/target/release/skyscan"

# A small change: two edited files, one new file with a key in it.
git -C "$REPO" reset -q --hard
git -C "$REPO" clean -qfd
echo "/* touched */" >> "$REPO/kernel/fork.c"
echo "# touched" >> "$REPO/scripts/checkpatch.pl"
printf 'SKYTELLS_API_KEY = "sk-%s"\n' "$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32)" > "$REPO/tools/skytells_demo.py"
git -C "$REPO" add -f kernel/fork.c scripts/checkpatch.pl tools/skytells_demo.py
echo "index entries: $(git -C "$REPO" ls-files | wc -l); staged: $(git -C "$REPO" diff --cached --name-only | wc -l) files"

hyperfine --style basic --warmup 3 --runs "$RUNS" -i --export-json "$WORK/staged.json" \
  -n skyscan-staged "$BIN staged $REPO --format json --output /dev/null" \
  -n git-diff-cached "git -C $REPO diff --cached --name-only"

python3 - "$WORK/staged.json" <<'PY'
import json, sys
res = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
s = res["skyscan-staged"]["median"]
g = res["git-diff-cached"]["median"]
print(f"\nskyscan staged  median {s * 1000:.1f} ms  (target < 100 ms)  {'PASS' if s < 0.1 else 'FAIL'}")
print(f"git diff --cached median {g * 1000:.1f} ms; skyscan / git = {s / g:.2f}")
PY
git -C "$REPO" reset -q --hard
git -C "$REPO" clean -qfd
