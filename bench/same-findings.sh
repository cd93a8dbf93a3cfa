#!/usr/bin/env bash
# Identical findings (not a test): runs `skyscan history --format json` with
# two builds on each repository and compares what they found, finding by
# finding: the sorted (rule, path, commit, line, column, fingerprint,
# occurrences) tuples, the warnings and the stats. Exits 1 when any
# repository differs, printing the difference.
#
#   bash bench/same-findings.sh OLD_BIN NEW_BIN REPO...
#   bash bench/same-findings.sh /var/tmp/skyscan-a2a7b62 target/release/skyscan \
#     /work/.mirror/rails+rails/repo /var/tmp/skyscan-scale/h2000000-fastimport.git
#
# THREADS (default 2) is passed to both; EXTRA holds more flags for both
# (e.g. EXTRA="--all-objects").
set -euo pipefail

if [ $# -lt 3 ]; then
  echo "usage: $0 OLD_BIN NEW_BIN REPO..." >&2
  exit 2
fi
OLD=$1
NEW=$2
shift 2
THREADS=${THREADS:-2}
command -v jq >/dev/null || { echo "$0: jq is needed" >&2; exit 2; }
for bin in "$OLD" "$NEW"; do
  [ -x "$bin" ] || { echo "$0: $bin is not an executable" >&2; exit 2; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One line per finding, sorted; then the warnings, sorted.
tuples() {
  local bin=$1 repo=$2 out=$3
  rm -f "$out.json"
  # Exit code 2 with a report is an incomplete scan (an unreadable object,
  # named in the warnings, which are compared too); without one, a failure.
  # shellcheck disable=SC2086
  "$bin" history "$repo" --threads "$THREADS" --format json --fail-on never \
    --output "$out.json" ${EXTRA:-} 2>"$out.stderr" || true
  if ! jq -e '.findings' "$out.json" >/dev/null 2>&1; then
    echo "$0: $bin wrote no report on $repo:" >&2
    cat "$out.stderr" >&2
    exit 2
  fi
  jq -r '.findings[] | [.rule_id, .path, (.provenance.commit // ""), .line, .column,
      .fingerprint, (.occurrences // 0)] | @tsv' "$out.json" | LC_ALL=C sort >"$out.tsv"
  # The warnings, and the counts (blobs scanned, bytes, skipped).
  { jq -r '.warnings[]?' "$out.json" | LC_ALL=C sort; jq -c '.stats' "$out.json"; } >"$out.warnings"
}

status=0
for repo in "$@"; do
  tuples "$OLD" "$repo" "$work/old"
  tuples "$NEW" "$repo" "$work/new"
  n=$(wc -l <"$work/old.tsv")
  if cmp -s "$work/old.tsv" "$work/new.tsv" && cmp -s "$work/old.warnings" "$work/new.warnings"; then
    printf 'same       %6d findings  %s\n' "$n" "$repo"
  else
    printf 'DIFFERENT  %6d -> %d findings  %s\n' "$n" "$(wc -l <"$work/new.tsv")" "$repo"
    diff "$work/old.tsv" "$work/new.tsv" | head -20 || true
    diff "$work/old.warnings" "$work/new.warnings" | head -10 || true
    status=1
  fi
done
exit $status
