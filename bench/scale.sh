#!/usr/bin/env bash
# History at scale (not a test): builds synthetic histories of several sizes
# with bench/gen-history.py, each as fast-import wrote it and repacked the
# way servers pack, then runs `skyscan history` and Kingfisher on each and
# prints wall time, peak memory (/usr/bin/time -v), bytes per object and how
# many of the planted keys each tool found.
#
#   bash bench/scale.sh                         # 2M, 6M and 12M objects
#   SIZES="60000 2000000" RUNS=1 bash bench/scale.sh
#   BENCH_DIR=/var/tmp/scale THREADS=2 bash bench/scale.sh
#   SIZES=12000000 LAYOUTS=fastimport bash bench/scale.sh   # one layout
#
# "beyond packs" is the peak less the size of the repository's packs (which
# the scan maps and touches), per object: the issue's memory target.
#
# Generated repositories are kept in $BENCH_DIR and reused. Kingfisher
# (PyPI kingfisher-bin) runs with --no-validate -j $THREADS; set
# KINGFISHER=0 to leave it out. Installs /usr/bin/time (Debian `time`).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${BENCH_DIR:-/var/tmp/skyscan-scale}
SIZES=${SIZES:-"2000000 6000000 12000000"}
LAYOUTS=${LAYOUTS:-"fastimport repacked"}
THREADS=${THREADS:-2}
KINGFISHER=${KINGFISHER:-1}
mkdir -p "$WORK"

[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time; }
if [ "$KINGFISHER" = 1 ]; then
  command -v kingfisher >/dev/null || pip install -q kingfisher-bin
fi
(cd "$ROOT" && cargo build --release --quiet)
BIN="$ROOT/target/release/skyscan"

# Run a command under /usr/bin/time -v; print "seconds peak_kib".
measure() {
  local log
  log=$(mktemp)
  /usr/bin/time -v "$@" >/dev/null 2>"$log" || true
  local wall peak
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$log" |
    awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
  peak=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$log")
  rm -f "$log"
  echo "$wall $peak"
}

# How many planted keys (third column of planted-keys.tsv) appear in a file.
found_keys() {
  local repo=$1 report=$2 n=0 key
  while IFS=$'\t' read -r _ _ key; do
    [ "$key" = key ] && continue
    grep -q -- "${key:0:12}" "$report" && n=$((n + 1))
  done <"$repo/planted-keys.tsv"
  echo "$n"
}

printf '%-10s %-11s %-10s %8s %10s %8s %8s %6s\n' objects layout tool seconds "peak MiB" "B/object" "beyond" keys
for size in $SIZES; do
  for layout in $LAYOUTS; do
    repo="$WORK/h$size-$layout.git"
    if [ ! -d "$repo" ]; then
      extra=()
      [ "$layout" = repacked ] && extra=(--repack)
      python3 "$ROOT/bench/gen-history.py" "$repo" --objects "$size" "${extra[@]}" >/dev/null 2>&1
    fi
    objects=$(git -C "$repo" count-objects -v | awk '/^in-pack:/ { print $2 }')
    packs=$(du -sb "$repo/objects/pack" | cut -f1)
    keys=$(($(wc -l <"$repo/planted-keys.tsv") - 1))
    report="$WORK/skyscan-$size-$layout.json"
    read -r secs peak < <(measure "$BIN" history "$repo" --threads "$THREADS" \
      --format json --output "$report" --fail-on never --show-secrets)
    printf '%-10s %-11s %-10s %8.2f %10d %8d %8d %3d/%d\n' "$objects" "$layout" skyscan "$secs" \
      $((peak / 1024)) $((peak * 1024 / objects)) $(((peak * 1024 - packs) / objects)) \
      "$(found_keys "$repo" "$report")" "$keys"
    if [ "$KINGFISHER" = 1 ]; then
      report="$WORK/kingfisher-$size-$layout.json"
      read -r secs peak < <(measure kingfisher scan "$repo" --git-history full --no-validate \
        -j "$THREADS" --no-update-check --format json --output "$report")
      printf '%-10s %-11s %-10s %8.2f %10d %8d %8d %3d/%d\n' "$objects" "$layout" kingfisher "$secs" \
        $((peak / 1024)) $((peak * 1024 / objects)) $(((peak * 1024 - packs) / objects)) \
        "$(found_keys "$repo" "$report")" "$keys"
    fi
  done
done
