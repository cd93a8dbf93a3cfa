# shellcheck shell=bash
# Helpers shared by the smoke scripts (sourced, not run).

# A fake Skytells key, different on every run (the seed is printed so a
# failure can be replayed with KEY_SEED=N), in the alphabet the Rust tests
# use: no e, i, l, o, s, t, x or y, so no placeholder word appears by chance,
# and no character twice in a row.
fake_key() {
  local seed=${KEY_SEED:-$RANDOM$RANDOM}
  echo "fake key seed: $seed" >&2
  python3 - "$seed" <<'PY'
import random, sys
rng = random.Random(int(sys.argv[1]))
alphabet = "ABCDFGHJKMNPQRUVWZabcdfghjkmnpqruvwz23456789"
body = ""
while len(body) < 32:
    c = rng.choice(alphabet)
    if not body.endswith(c):
        body += c
print("sk-" + body)
PY
}

# The version in Cargo.toml.
cargo_version() {
  sed -n 's/^version *= *"\([^"]*\)".*/\1/p' "$1/Cargo.toml" | head -n 1
}

# Seconds since the epoch, with a fraction.
now() { date +%s.%N; }
# Seconds since a `now`, to a tenth.
since() { python3 -c 'import sys, time; print(f"{time.time() - float(sys.argv[1]):.1f}")' "$1"; }
