#!/usr/bin/env python3
"""Build the byte and 4-gram model the keyword prefilter plans its buckets by.

The prefilter (src/engine/teddy.rs) fingerprints each keyword by four of its
bytes and sorts fingerprints into eight SIMD buckets; a bucket fires at every
position whose bytes pass its nibble tables, and each firing costs a lookup.
To keep firings rare it needs to know which 4-grams are common in source code
(`ndle` of `handle`, `_key`, `vers`): a byte-by-byte model calls them rare.

This script counts bytes and case-sensitive 4-grams in source files under the
given directories (at most BUDGET bytes per file extension, so that one
language does not drown the others), and writes src/engine/ngrams.bin:

    256 x u32   byte frequencies, per 2^32 bytes of text
    N x (u32, u32)  the N most common 4-grams (little-endian, first byte
                lowest) and their frequencies, per 2^32 positions

It holds statistics, not text. The model in the repository was built from
checkouts of curl, redis, git and the AI-app corpus of bench/precision.sh
(Python, TypeScript, JavaScript, Go, PHP...), not from the Linux tree that
bench/worktree.sh times.

    python3 scripts/ngram-model.py DIR... > /dev/null
"""
import collections
import os
import struct
import sys

EXTENSIONS = {
    "c", "h", "cc", "cpp", "hpp", "go", "py", "js", "ts", "tsx", "jsx", "java",
    "kt", "rb", "php", "rs", "cs", "swift", "sh", "yaml", "yml", "json", "toml",
    "md", "txt", "html", "css",
}
BUDGET = int(os.environ.get("BUDGET", 4_000_000))
TOP = int(os.environ.get("TOP", 8192))
OUT = os.environ.get("OUT") or os.path.join(os.path.dirname(__file__), "..", "src", "engine", "ngrams.bin")


def files(roots):
    for root in roots:
        for d, subdirs, names in os.walk(root):
            subdirs[:] = sorted(s for s in subdirs if s not in (".git", "node_modules"))
            for n in sorted(names):
                ext = n.rsplit(".", 1)[-1].lower() if "." in n else ""
                if ext in EXTENSIONS:
                    yield ext, os.path.join(d, n)


def main():
    used = collections.Counter()
    grams = collections.Counter()
    counts = [0] * 256
    for ext, path in files(sys.argv[1:]):
        if used[ext] >= BUDGET:
            continue
        try:
            data = open(path, "rb").read(1 << 20)
        except OSError:
            continue
        if b"\0" in data[:8000]:
            continue
        used[ext] += len(data)
        for b, c in collections.Counter(data).items():
            counts[b] += c
        grams.update(data[i:i + 4] for i in range(len(data) - 3))
    total = sum(counts)
    positions = sum(grams.values())
    scale = float(1 << 32)
    with open(OUT, "wb") as out:
        for c in counts:
            out.write(struct.pack("<I", min(int(c / total * scale), 0xFFFFFFFF)))
        for g, c in sorted(grams.most_common(TOP)):
            out.write(struct.pack("<II", int.from_bytes(g, "little"), max(1, int(c / positions * scale))))
    print(f"{total} bytes from {sum(1 for _ in used)} extensions: {dict(used)}", file=sys.stderr)


if __name__ == "__main__":
    main()
