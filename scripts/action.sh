#!/usr/bin/env bash
# The GitHub Action's scan step (see action.yml). Reads the INPUT_* variables
# the action sets and the variables GitHub sets (GITHUB_WORKSPACE,
# GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_EVENT_NAME, RUNNER_TEMP); runs
# skyscan once, writing annotations to the log, a SARIF file (in RUNNER_TEMP
# unless `sarif-file` names one, so it is never left in the workspace) and the
# job summary. Outputs: sarif-file, exit-code and category (`skyscan/<mode>/`,
# the code-scanning category, as the SARIF's automationDetails.id).
set -uo pipefail

bin=${SKYSCAN_BIN:-skyscan}
workspace=${GITHUB_WORKSPACE:-$PWD}
cd "$workspace" || { echo "::error::cannot enter $workspace"; exit 2; }

mode=${INPUT_MODE:-scan}
case "$mode" in
  scan|history|staged) ;;
  *) echo "::error title=skyscan::mode must be scan, history or staged, not '$mode'"; exit 2 ;;
esac

args=("$mode" "${INPUT_PATH:-.}")
args+=(--format "${INPUT_FORMAT:-github}" --fail-on "${INPUT_FAIL_ON:-error}")
sarif=${INPUT_SARIF_FILE:-}
if [ -z "$sarif" ]; then
  sarif="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/skyscan-$mode.sarif"
fi
args+=(--sarif-output "$sarif")
[ -n "${GITHUB_STEP_SUMMARY:-}" ] && args+=(--summary "$GITHUB_STEP_SUMMARY")
[ -n "${INPUT_CONFIG:-}" ] && args+=(--config "$INPUT_CONFIG")
[ -n "${INPUT_BASELINE:-}" ] && args+=(--baseline "$INPUT_BASELINE")

if [ "$mode" = history ]; then
  range=${INPUT_RANGE:-}
  if [ -z "$range" ] && [ "${GITHUB_EVENT_NAME:-}" = pull_request ] && [ -n "${PR_BASE_SHA:-}" ]; then
    range="${PR_BASE_SHA}..${PR_HEAD_SHA:-HEAD}"
  fi
  [ -n "$range" ] && args+=(--range "$range")
fi

# Extra flags, split on white space (`--threads 2 --no-ignore`).
if [ -n "${INPUT_ARGS:-}" ]; then
  read -r -a extra <<< "$INPUT_ARGS"
  args+=("${extra[@]}")
fi

echo "skyscan ${args[*]}"
"$bin" "${args[@]}"
code=$?

if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    [ -f "$sarif" ] && echo "sarif-file=$sarif"
    echo "exit-code=$code"
    echo "category=skyscan/$mode/"
  } >> "$GITHUB_OUTPUT"
fi
exit "$code"
