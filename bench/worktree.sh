#!/usr/bin/env bash
# Working-tree benchmark (not a test): times `skyscan scan` against Kingfisher
# and against ripgrep searching eight core keywords, in one hyperfine run on
# the Linux 6.1 source tree, and prints each ratio against the targets
# (skyscan <= 0.2x Kingfisher's wall time, <= 1.5x ripgrep's).
#
# The ripgrep reference is a fixed list (`sk-`, `sk_live_`, `sk_test_`,
# `NEXT_PUBLIC_`, `verify=False`, `rejectUnauthorized`, `InsecureSkipVerify`,
# `CERT_NONE`), so that it does not move when rules are added. It used to be
# `rg -l` over all the rules' keywords, which stops at a file's first hit:
# adding common keywords made that reference faster while skyscan, which must
# find every hit, got no such shortcut. `rg -c` over all the keywords (every
# hit, like skyscan) is printed for information.
#
#   bash bench/worktree.sh            # RUNS=5 by default
#   RUNS=10 BENCH_DIR=/var/tmp/b bash bench/worktree.sh
#
# Installs what it needs: Debian linux-source-6.1, ripgrep and hyperfine;
# PyPI kingfisher-bin. Kingfisher runs with --no-validate (no network).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${BENCH_DIR:-/tmp/skyscan-bench}
RUNS=${RUNS:-5}
THREADS=${THREADS:-2}
mkdir -p "$WORK"

need_apt=()
command -v rg >/dev/null || need_apt+=(ripgrep)
command -v hyperfine >/dev/null || need_apt+=(hyperfine)
[ -f /usr/src/linux-source-6.1.tar.xz ] || need_apt+=(linux-source-6.1)
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -qq && apt-get install -y -qq "${need_apt[@]}"
fi
command -v kingfisher >/dev/null || pip install -q kingfisher-bin
hash -r

CORPUS="$WORK/linux-source-6.1"
if [ ! -d "$CORPUS" ]; then
  echo "extracting the Linux 6.1 source tree into $WORK ..."
  tar -xf /usr/src/linux-source-6.1.tar.xz -C "$WORK"
fi
files=$(find "$CORPUS" -type f | wc -l)
bytes=$(du -sb "$CORPUS" | cut -f1)

(cd "$ROOT" && cargo build --release --quiet)
BIN="$ROOT/target/release/skyscan"
"$BIN" rules --keywords > "$WORK/keywords.txt"
printf '%s\n' sk- sk_live_ sk_test_ NEXT_PUBLIC_ verify=False rejectUnauthorized \
  InsecureSkipVerify CERT_NONE > "$WORK/core-keywords.txt"

echo "corpus: $CORPUS ($files files, $bytes bytes); $(wc -l < "$WORK/keywords.txt") rule keywords; $THREADS threads; $RUNS runs"
hyperfine --style basic --warmup 1 --runs "$RUNS" -i \
  --export-json "$WORK/worktree.json" \
  -n skyscan "$BIN scan $CORPUS --threads $THREADS --format json --output $WORK/skyscan.json --fail-on never" \
  -n kingfisher "kingfisher scan $CORPUS --no-validate -j $THREADS --no-update-check --format json --output $WORK/kingfisher.json" \
  -n rg-core "rg --hidden -F -f $WORK/core-keywords.txt -l -j $THREADS $CORPUS" \
  -n rg-all-count "rg --hidden -F -f $WORK/keywords.txt -c -j $THREADS $CORPUS"

python3 - "$WORK/worktree.json" <<'PY'
import json, sys
res = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
t = {k: v["median"] for k, v in res.items()}
print()
for k, v in t.items():
    sd = res[k]["stddev"] or 0.0
    print(f"{k:12s} median {v:7.3f} s   (mean {res[k]['mean']:.3f} ± {sd:.3f})")
kf = t["skyscan"] / t["kingfisher"]
rg = t["skyscan"] / t["rg-core"]
every = t["skyscan"] / t["rg-all-count"]
print(f"\nskyscan / kingfisher   = {kf:.3f}  (target <= 0.2)  {'PASS' if kf <= 0.2 else 'FAIL'}")
print(f"skyscan / rg-core      = {rg:.3f}  (target <= 1.5)  {'PASS' if rg <= 1.5 else 'FAIL'}")
print(f"skyscan / rg-all-count = {every:.3f}  (for information)")
PY
