#!/usr/bin/env bash
# Precision on real code (not a test): rescans the public repositories pinned
# in bench/triage/corpus.txt and compares skyscan's findings with the hand-made
# labels in bench/triage/labels/*.csv (see bench/triage/README.md).
#
#   bash bench/precision.sh                 # prints precision per rule
#   UNLABELLED=/tmp/new.tsv bash bench/precision.sh   # also lists findings no label covers
#   SKYSCAN_BIN=/path/to/old/skyscan bash bench/precision.sh   # measure another build
#
# Checkouts live in $CORPUS_DIR (default /var/tmp/skyscan-corpus), one per
# repository, cloned from $MIRROR_DIR/<owner>+<name>/repo when that bare mirror
# exists, else from GitHub, then checked out at the pinned commit. Nothing of
# them is committed here.
#
# Exit status: 0 when every rule with 5 or more labelled findings has a
# precision of at least 0.9 and every labelled true positive is still
# reported; 1 otherwise.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CORPUS_DIR=${CORPUS_DIR:-/var/tmp/skyscan-corpus}
MIRROR_DIR=${MIRROR_DIR:-/work/.mirror}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
mkdir -p "$CORPUS_DIR"

if [ -n "${SKYSCAN_BIN:-}" ]; then
  BIN=$SKYSCAN_BIN   # another build, for a before/after comparison
else
  (cd "$ROOT" && cargo build --release --quiet)
  BIN="$ROOT/target/release/skyscan"
fi

while read -r repo commit; do
  [ -z "$repo" ] && continue
  case "$repo" in \#*) continue ;; esac
  dir="$CORPUS_DIR/${repo/\//+}"
  if [ ! -d "$dir/.git" ]; then
    src="$MIRROR_DIR/${repo/\//+}/repo"
    [ -d "$src" ] || src="https://github.com/$repo.git"
    git clone -q --no-checkout "$src" "$dir"
  fi
  if [ "$(git -C "$dir" rev-parse HEAD 2>/dev/null)" != "$commit" ]; then
    # A snapshot may lack files of 4 MiB and more: check out what is there.
    git -C "$dir" checkout -q --force "$commit" 2>/dev/null || true
  fi
  "$BIN" scan "$dir" --format json --fail-on never >"$OUT/${repo/\//+}.json" 2>/dev/null || true
done <"$ROOT/bench/triage/corpus.txt"

python3 - "$ROOT/bench/triage" "$OUT" "${UNLABELLED:-}" <<'PY'
import csv, glob, json, os, sys
from collections import defaultdict

triage, out, unlabelled_path = sys.argv[1], sys.argv[2], sys.argv[3]
pins = dict(l.split() for l in open(os.path.join(triage, "corpus.txt")) if l.strip() and not l.startswith("#"))

labels = {}
for f in sorted(glob.glob(os.path.join(triage, "labels", "*.csv"))):
    for row in csv.DictReader(open(f)):
        key = (row["repository"], row["rule"], row["path"], int(row["line"]))
        labels[key] = (row["label"].strip().lower() == "true", row["reason"])

found = {}
places = defaultdict(set)  # (repo, checklist, path, line) for moved findings
for repo in pins:
    data = json.load(open(os.path.join(out, repo.replace("/", "+", 1) + ".json")))
    for f in data["findings"]:
        key = (repo, f["rule_id"], f["path"], f["line"])
        found[key] = f
        places[(repo, f["checklist"], f["path"], f["line"])].add(f["rule_id"])

checklist_of = {k[1]: f["checklist"] for k, f in found.items()}
per_rule = defaultdict(lambda: [0, 0, 0])  # true, false, unlabelled
for key in found:
    if key in labels:
        per_rule[key[1]][0 if labels[key][0] else 1] += 1
    else:
        per_rule[key[1]][2] += 1

lost, moved, fixed = [], [], 0
for key, (is_true, reason) in labels.items():
    if key in found:
        continue
    if not is_true:
        fixed += 1
        continue
    repo, rule, path, line = key
    others = [r for (rp, _c, p, l), rs in places.items() if (rp, p, l) == (repo, path, line) for r in rs]
    if others:
        moved.append((key, others))
    else:
        lost.append((key, reason))

print(f"{'rule':34} {'found':>6} {'true':>5} {'false':>6} {'unlab.':>6} {'precision':>9}")
ok = True
for rule in sorted(per_rule):
    t, f, u = per_rule[rule]
    labelled = t + f
    prec = t / labelled if labelled else float("nan")
    flag = ""
    if labelled >= 5 and prec < 0.9:
        flag, ok = "  < 0.9", False
    print(f"{rule:34} {t+f+u:6} {t:5} {f:6} {u:6} {prec:9.2f}{flag}")
n_true = sum(1 for v in labels.values() if v[0])
t_all = sum(v[0] for v in per_rule.values()); f_all = sum(v[1] for v in per_rule.values())
print(f"\nlabels: {len(labels)} ({n_true} true, {len(labels) - n_true} false); "
      f"false positives no longer reported: {fixed}")
print(f"all rules: {t_all} true / {t_all + f_all} labelled findings = "
      f"{t_all / max(1, t_all + f_all):.2f} precision")
print(f"labelled true positives still reported: {n_true - len(lost)}/{n_true}"
      f" ({len(moved)} of them under another rule of the same checklist item)")
for (repo, rule, path, line), reason in lost:
    ok = False
    print(f"  LOST {rule} {repo} {path}:{line} ({reason})")
if unlabelled_path:
    with open(unlabelled_path, "w") as o:
        w = csv.writer(o, delimiter="\t")
        w.writerow(["repository", "commit", "rule", "path", "line", "snippet"])
        for key, f in sorted(found.items()):
            if key not in labels:
                w.writerow([key[0], pins[key[0]], key[1], key[2], key[3], f["snippet"].strip()[:200]])
    print(f"unlabelled findings written to {unlabelled_path}")
sys.exit(0 if ok else 1)
PY
