#!/usr/bin/env bash
# The GitHub Action's install step (see action.yml): put a skyscan binary on
# the runner, from a release when one exists, or say how to build it.
#
# Which version: the `version` input (INPUT_VERSION: `0.2.0`, `v0.2.0`, or
# `source` to build the action's own source) if given; else the ref the workflow pinned the action at (ACTION_REF, passed
# through `env:` because `github.action_ref` is empty inside a composite
# action's `run:`) when it is a version tag; else, when that ref is empty,
# the version in the action's own Cargo.toml (also for a major-version tag
# such as `v1`, whose Cargo.toml names the release it points at). A branch
# or commit ref means
# "this source": it is built, never swapped for a release binary.
#
# A release is `<base>/v<version>/skyscan-v<version>-<target>.<ext>` beside
# `skyscan-v<version>-sha256sums.txt`, where <base> is
# https://github.com/<repository>/releases/download (SKYSCAN_DOWNLOAD_BASE
# overrides it: the tests serve a fake release on 127.0.0.1). The archive is
# checked against the sums file before it is unpacked into the runner's tool
# cache (RUNNER_TOOL_CACHE/skyscan/<version>/<arch>, with the
# `<arch>.complete` marker @actions/tool-cache writes), so a self-hosted
# runner downloads each version once. Each download is tried
# SKYSCAN_DOWNLOAD_RETRIES more times (3) on a network error.
#
# Outputs (GITHUB_OUTPUT): `source` = cache | release | build, and either
# `bin` (also exported as SKYSCAN_BIN through GITHUB_ENV) or, for a build,
# `cache-key`: a hash of the action's Cargo.toml, Cargo.lock, src/ and
# rules/, computed here because `hashFiles` only sees the workspace.
#
# Exit codes: 0 installed or a build is needed (no release of that version,
# or no binary for this runner); 2 anything else (a checksum that does not
# match, a server error, a bad version): never a silent fallback.
set -uo pipefail

die() { echo "::error title=skyscan install::$*"; exit 2; }
output() { [ -n "${GITHUB_OUTPUT:-}" ] && echo "$1=$2" >> "$GITHUB_OUTPUT"; echo "$1=$2"; }

action_path=${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/.." && pwd)}
repository=${ACTION_REPOSITORY:-skyscan/skyscan}
base=${SKYSCAN_DOWNLOAD_BASE:-https://github.com/$repository/releases/download}

cargo_version() {
  sed -n 's/^version *= *"\([^"]*\)".*/\1/p' "$action_path/Cargo.toml" | head -n 1
}

# The key of the cargo cache for a source build: changes with any source file.
build_key() {
  local files sum
  files=$(cd "$action_path" && find Cargo.toml Cargo.lock src rules -type f 2>/dev/null | LC_ALL=C sort)
  [ -n "$files" ] || return 1
  sum=$(cd "$action_path" && { echo "$files"; echo "$files" | while IFS= read -r f; do cat "$f"; done; } | sha256 -)
  echo "skyscan-build-${RUNNER_OS:-unknown}-${RUNNER_ARCH:-unknown}-${sum:0:32}"
}

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
  else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

fall_back_to_build() {
  echo "skyscan: $1; building from the action's source"
  local key
  key=$(build_key) || die "no skyscan source under $action_path to build"
  output source build
  output cache-key "$key"
  exit 0
}

# --- which version -----------------------------------------------------------
requested=${INPUT_VERSION:-}
ref=${ACTION_REF:-}
if [ "$requested" = source ]; then
  fall_back_to_build "version: source asks for a build"
elif [ -n "$requested" ]; then
  version=${requested#v}
elif [[ "$ref" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  version=${ref#v}
elif [ -z "$ref" ] || [[ "$ref" =~ ^v[0-9]+(\.[0-9]+)?$ ]]; then
  version=$(cargo_version)
else
  fall_back_to_build "the action is pinned at '$ref', not a release tag"
fi
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]] \
  || die "version must look like 1.2.3 or v1.2.3, not '${requested:-$version}'"
tag="v$version"

# --- which binary ------------------------------------------------------------
case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
  Linux/X64) target=x86_64-unknown-linux-musl ext=tar.gz exe=skyscan ;;
  Linux/ARM64) target=aarch64-unknown-linux-musl ext=tar.gz exe=skyscan ;;
  macOS/X64) target=x86_64-apple-darwin ext=tar.gz exe=skyscan ;;
  macOS/ARM64) target=aarch64-apple-darwin ext=tar.gz exe=skyscan ;;
  Windows/X64) target=x86_64-pc-windows-msvc ext=zip exe=skyscan.exe ;;
  *) fall_back_to_build "no release binary for ${RUNNER_OS:-?}/${RUNNER_ARCH:-?}" ;;
esac

cache_root=${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-/tmp}/tool-cache}
dest="$cache_root/skyscan/$version/${RUNNER_ARCH:-unknown}"
found() {
  output source "$1"
  output bin "$dest/$exe"
  [ -n "${GITHUB_ENV:-}" ] && echo "SKYSCAN_BIN=$dest/$exe" >> "$GITHUB_ENV"
  "$dest/$exe" --version
  exit 0
}
if [ -f "$dest.complete" ] && [ -x "$dest/$exe" ]; then
  found cache
fi

# --- download and check --------------------------------------------------------
work=$(mktemp -d) || die "cannot make a temporary directory"
trap 'rm -rf "$work"' EXIT
archive="skyscan-$tag-$target.$ext"
sums="skyscan-$tag-sha256sums.txt"

# fetch NAME: 0 when downloaded, 1 when the server says it does not exist.
fetch() {
  local code
  code=$(curl -sSL --retry "${SKYSCAN_DOWNLOAD_RETRIES:-3}" --retry-connrefused --connect-timeout 20 \
    -o "$work/$1" -w '%{http_code}' "$base/$tag/$1") || die "cannot download $base/$tag/$1"
  case "$code" in
    200) return 0 ;;
    404) return 1 ;;
    *) die "downloading $base/$tag/$1 answered HTTP $code" ;;
  esac
}
fetch "$sums" || fall_back_to_build "no release $tag at $base"
fetch "$archive" || fall_back_to_build "release $tag has no $archive"

want=$(awk -v f="$archive" '$2 == f || $2 == "*"f { print $1 }' "$work/$sums")
[ -n "$want" ] || die "$sums does not list $archive"
got=$(sha256 "$work/$archive")
[ "$want" = "$got" ] || die "checksum mismatch for $archive: the sums file says $want, the download is $got"

if ! { mkdir -p "$work/unpacked" && tar -xf "$work/$archive" -C "$work/unpacked"; }; then
  die "cannot unpack $archive"
fi
bin=$(find "$work/unpacked" -type f -name "$exe" | head -n 1)
[ -n "$bin" ] || die "$archive holds no $exe"
if ! { rm -rf "$dest" && mkdir -p "$dest" && cp "$bin" "$dest/$exe" && chmod +x "$dest/$exe"; }; then
  die "cannot write $dest"
fi
touch "$dest.complete"
found release
