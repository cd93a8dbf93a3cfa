#!/usr/bin/env bash
# Run every fuzz target for a bounded time (not a test; needs the nightly
# toolchain). A single allocation over 1 GiB, 2 GiB resident or 20 s on one
# input is a crash. Crashes are copied to fuzz/regressions/<target>/, which
# tests/it/fuzz_regressions.rs replays on every `cargo test`.
#
#   bash fuzz/run.sh            # 120 s per target
#   SECONDS_PER_TARGET=600 TARGETS=scan_and_report bash fuzz/run.sh
set -uo pipefail
cd "$(dirname "$0")"
per=${SECONDS_PER_TARGET:-120}
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz
status=0
for target in ${TARGETS:-scan_and_report parse_config parse_tree parse_index history_pack scan_archive}; do
  mkdir -p "corpus/$target" "regressions/$target"
  # Seed the corpus with the regression inputs and (for scans) the fixtures.
  cp -n regressions/"$target"/* "corpus/$target/" 2>/dev/null || true
  if [ "$target" = history_pack ]; then
    # The crafted packs of tests/it/fuzz_regressions.rs, in the target's format.
    (cd .. && SKYSCAN_WRITE_FUZZ_SEEDS="$PWD/fuzz/corpus/$target" \
      cargo test -q --release --test it fuzz_regressions::history_pack >/dev/null)
  fi
  if [ "$target" = scan_archive ] && command -v python3 >/dev/null; then
    # A zip, a tar and a tar.gz holding a key and a nested zip (the first
    # byte picks the format, as in skyscan::fuzzing::scan_archive).
    python3 - "corpus/$target" <<'PY'
import gzip, io, sys, tarfile, zipfile
out = sys.argv[1]
inner = io.BytesIO()
with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr(".env", "OPENAI_API_KEY=sk-" + "Zr8qT2mW4vLn7Kc1" * 3 + "\n")
def tar_bytes():
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w") as t:
        for name, data in [("app/config.py", b"KEY = 'sk-proj-abc'\n"), ("lib/inner.zip", inner.getvalue())]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return b.getvalue()
outer = io.BytesIO()
with zipfile.ZipFile(outer, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("src/settings.py", "DATABASE_URL = 'postgres://app:Zr8qT2mW4vLn@db.acme.io/x'\n")
    z.writestr("vendor/inner.zip", inner.getvalue())
for first, data, name in [(0, outer.getvalue(), "seed-zip"), (1, tar_bytes(), "seed-tar"), (2, gzip.compress(tar_bytes()), "seed-tgz")]:
    open(f"{out}/{name}", "wb").write(bytes([first]) + data)
PY
  fi
  if [ "$target" = scan_and_report ]; then
    find ../fixtures ../rules -type f -size -64k | while read -r f; do
      cp -n "$f" "corpus/$target/$(echo "$f" | tr '/' '_')"
    done
  fi
  echo "== $target ($per s)"
  # history_pack starts a worker pool per input; a pool's threads may still
  # be exiting when the input ends, and LeakSanitizer reports their
  # thread-local inflaters as leaks: leak checks are off for it.
  leaks=1
  [ "$target" = history_pack ] && leaks=0
  cargo +nightly fuzz run "$target" "corpus/$target" -- \
    -max_total_time="$per" -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=20 -detect_leaks=$leaks 2>&1 | tee "/tmp/skyscan-fuzz-$target.log" | grep -E "^#[0-9]+.*(DONE|pulse)|ERROR|SUMMARY" || true
  for crash in artifacts/"$target"/*; do
    [ -e "$crash" ] || continue
    mv "$crash" "regressions/$target/"
    echo "crash kept: regressions/$target/$(basename "$crash")"
    status=1
  done
  grep -E "^#[0-9]+ +DONE" "/tmp/skyscan-fuzz-$target.log" | tail -1
done
exit $status
