#!/usr/bin/env python3
"""Build a synthetic git history of about a given number of objects, for
`skyscan history` at scale (a benchmark input, not a test).

    python3 bench/gen-history.py OUT.git --objects 2000000 [--repack]

The history is written as one `git fast-import` stream:
- files in directories WIDTH wide and DEPTH deep (`d03/d17/d09/f12.py`),
  each commit changing one file, so each commit adds one blob, the trees on
  its path and itself (about DEPTH + 3 objects);
- BRANCHES topic branches forked from main and merged back every
  MERGE_EVERY commits;
- KEYS fake keys planted at known commits, Skytells keys and GitHub
  tokens (with a valid checksum) in turn, each removed a few commits
  later, so they live in history only. Their commits, paths and values
  are written to OUT.git/planted-keys.tsv for the benchmark to check.

As fast-import writes it, a pack stores each file's versions as one long
delta chain; `--repack` then runs `git repack -adf --depth=50 --window=10`,
the way servers pack, so both layouts can be measured.
"""

import argparse
import os
import random
import subprocess
import sys
import time

ALPHABET = "ABCDFGHJKMNPQRUVWZabcdfghjkmnpqruvwz23456789"


def fake_key(rng):
    """A random-looking key no placeholder filter drops."""
    body = []
    while len(body) < 32:
        c = rng.choice(ALPHABET)
        if not body or body[-1] != c:
            body.append(c)
    return "sk-" + "".join(body)


BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def github_token(rng):
    """A `ghp_` token whose last six characters are the base62 CRC-32 of the
    rest, as GitHub makes them (scanners that check it accept it)."""
    import zlib

    body = "".join(rng.choice(BASE62) for _ in range(30))
    crc = zlib.crc32(body.encode())
    check = ""
    while crc:
        crc, r = divmod(crc, 62)
        check = BASE62[r] + check
    return "ghp_" + body + check.rjust(6, "0")


def file_path(n, width, depth):
    parts = []
    for _ in range(depth):
        parts.append("d%02d" % (n % width))
        n //= width
    parts.append("f%02d.py" % (n % width))
    return "/".join(parts)


def data(out, payload):
    raw = payload.encode()
    out.write(b"data %d\n" % len(raw))
    out.write(raw)
    out.write(b"\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", help="bare repository to create")
    ap.add_argument("--objects", type=int, default=2_000_000)
    ap.add_argument("--width", type=int, default=20)
    ap.add_argument("--depth", type=int, default=3)
    ap.add_argument("--branches", type=int, default=4)
    ap.add_argument("--merge-every", type=int, default=5000)
    ap.add_argument("--keys", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repack", action="store_true")
    args = ap.parse_args()
    if os.path.exists(args.out):
        sys.exit(f"{args.out} exists")
    rng = random.Random(args.seed)
    files = args.width ** (args.depth + 1)
    commits = max(1, args.objects // (args.depth + 3))
    plant_at = sorted(rng.sample(range(commits // 10, commits), min(args.keys, commits)))
    subprocess.run(["git", "init", "-q", "--bare", args.out], check=True)
    started = time.time()
    fi = subprocess.Popen(
        ["git", "fast-import", "--quiet", "--done"],
        cwd=args.out,
        stdin=subprocess.PIPE,
    )
    out = fi.stdin
    planted = []
    removals = {}
    version = {}
    mark = 0
    main_tip = None
    branch_tip = {}
    when = 1_500_000_000
    for c in range(commits):
        branch = "main"
        if args.branches and (c // args.merge_every) % 2 == 1:
            branch = "topic-%d" % ((c // args.merge_every) % args.branches)
        n = rng.randrange(files)
        path = file_path(n, args.width, args.depth)
        version[path] = version.get(path, 0) + 1
        body = "# %s version %d\nVALUE_%d = %d\n" % (path, version[path], n, c)
        if c in removals:
            path, body = removals.pop(c)
        if plant_at and c == plant_at[0]:
            plant_at.pop(0)
            # Skytells keys and GitHub tokens in turn: other scanners know
            # the second kind.
            if len(planted) % 2 == 0:
                key = fake_key(rng)
                body += "SKYTELLS_API_KEY = '%s'\n" % key
            else:
                key = github_token(rng)
                body += "GITHUB_TOKEN = '%s'\n" % key
            planted.append((c, path, key))
            removals[c + 3] = (path, "# %s version %d, key removed\n" % (path, version[path]))
        mark += 1
        when += 60
        ref = "refs/heads/" + branch
        out.write(b"commit %s\nmark :%d\n" % (ref.encode(), mark))
        out.write(b"committer Bench <bench@example.com> %d +0000\n" % when)
        data(out, "change %d\n" % c)
        if branch != "main" and branch not in branch_tip and main_tip:
            out.write(b"from :%d\n" % main_tip)
        elif branch == "main" and main_tip and branch_tip and c % args.merge_every == 0:
            out.write(b"from :%d\n" % main_tip)
            for tip in branch_tip.values():
                out.write(b"merge :%d\n" % tip)
            branch_tip.clear()
        out.write(b"M 100644 inline %s\n" % path.encode())
        data(out, body)
        if branch == "main":
            main_tip = mark
        else:
            branch_tip[branch] = mark
    out.write(b"done\n")
    out.close()
    if fi.wait() != 0:
        sys.exit("git fast-import failed")
    with open(os.path.join(args.out, "planted-keys.tsv"), "w") as f:
        f.write("commit_index\tpath\tkey\n")
        for c, path, key in planted:
            f.write("%d\t%s\t%s\n" % (c, path, key))
    print(f"{commits} commits written in {time.time() - started:.1f} s", file=sys.stderr)
    if args.repack:
        started = time.time()
        subprocess.run(
            ["git", "repack", "-adfq", "--depth=50", "--window=10"], cwd=args.out, check=True
        )
        print(f"repacked in {time.time() - started:.1f} s", file=sys.stderr)
    count = subprocess.run(
        ["git", "count-objects", "-v"], cwd=args.out, capture_output=True, text=True, check=True
    ).stdout
    print(count.strip(), file=sys.stderr)


if __name__ == "__main__":
    main()
