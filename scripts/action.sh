#!/usr/bin/env bash
# The run step of action.yml: builds ghpkg from the action's own checkout,
# turns the INPUT_* variables into a 'ghpkg prune' command line, runs it and
# writes the step's outputs (deleted, planned, failed, withheld, report) to
# $GITHUB_OUTPUT. ghpkg itself appends the Markdown table to
# $GITHUB_STEP_SUMMARY. The step exits with ghpkg's exit code (0 done or dry
# run, 1 some deletions failed, were withheld or the run stopped, 2
# usage/token/scope error), or 1 when the outputs could not be written.
#
# GHPKG_BIN, if set, is a ghpkg binary to use instead of building one (tests).
set -euo pipefail

action_path="${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/.." && pwd)}"
tmp="${RUNNER_TEMP:-${TMPDIR:-/tmp}}"
bin="${GHPKG_BIN:-}"
if [ -z "$bin" ]; then
  bin="$tmp/ghpkg-action/ghpkg"
  (cd "$action_path" && go build -trimpath -o "$bin" ./cmd/ghpkg)
fi

truthy() {
  case "${1:-}" in
    true | True | TRUE | yes | 1) return 0 ;;
    false | False | FALSE | no | 0 | "") return 1 ;;
    *) echo "::error::expected true or false, got '$1'" >&2; exit 2 ;;
  esac
}

args=(prune --json --owner "${INPUT_OWNER:?the owner input is required}" --type "${INPUT_TYPE:-container}")
if [ -n "${INPUT_BASE_URL:-}" ]; then args+=(--base-url "${INPUT_BASE_URL%/}/"); fi
if [ -n "${INPUT_OLDER_THAN:-}" ]; then args+=(--older-than "$INPUT_OLDER_THAN"); fi
if truthy "${INPUT_ALL_AGES:-false}"; then args+=(--all-ages); fi
if [ -n "${INPUT_KEEP:-}" ]; then args+=(--keep "$INPUT_KEEP"); fi
if [ -n "${INPUT_KEEP_TAGGED:-}" ]; then args+=(--keep-tagged "$INPUT_KEEP_TAGGED"); fi
if [ -n "${INPUT_KEEP_UNTAGGED:-}" ]; then args+=(--keep-untagged "$INPUT_KEEP_UNTAGGED"); fi
case "${INPUT_TAGS:-untagged}" in
  untagged) args+=(--untagged-only) ;;
  tagged) args+=(--tagged-only) ;;
  any) args+=(--any-tags) ;;
  *) echo "::error::tags must be untagged, tagged or any, got '${INPUT_TAGS}'" >&2; exit 2 ;;
esac
# Repeatable flags take one value per line (patterns may hold spaces).
add_lines() {
  local flag="$1" value="$2" line
  while IFS= read -r line; do
    line="${line#"${line%%[![:space:]]*}"}"
    line="${line%"${line##*[![:space:]]}"}"
    if [ -n "$line" ]; then args+=("$flag" "$line"); fi
  done <<< "$value"
}
add_lines --include "${INPUT_INCLUDE:-}"
add_lines --exclude "${INPUT_EXCLUDE:-}"
add_lines --keep-tag "${INPUT_KEEP_TAGS:-}"
add_lines --keep-name "${INPUT_KEEP_NAMES:-}"
set -f # split lists on whitespace, but never expand patterns as file globs
for id in ${INPUT_KEEP_IDS//,/ }; do args+=(--keep-id "$id"); done
set +f
if [ -n "${INPUT_MAX_DELETE:-}" ]; then args+=(--max-delete "$INPUT_MAX_DELETE"); fi
if truthy "${INPUT_DELETE_PACKAGE_WHEN_EMPTY:-false}"; then args+=(--delete-package-when-empty); fi
if truthy "${INPUT_DELETE_GHOST_IMAGES:-false}"; then args+=(--delete-ghost-images); fi
if truthy "${INPUT_DELETE_PARTIAL_IMAGES:-false}"; then args+=(--delete-partial-images); fi
if truthy "${INPUT_DELETE_ORPHANED_REFERRERS:-false}"; then args+=(--delete-orphaned-referrers); fi
if truthy "${INPUT_SKIP_REFERENCE_CHECK:-false}"; then args+=(--skip-reference-check); fi
if [ -n "${INPUT_REGISTRY:-}" ]; then args+=(--registry "$INPUT_REGISTRY"); fi
if [ -n "${INPUT_PACE:-}" ]; then args+=(--pace "$INPUT_PACE"); fi
if [ -n "${INPUT_MAX_WAIT:-}" ]; then args+=(--max-wait "$INPUT_MAX_WAIT"); fi
if [ -n "${INPUT_SHOW:-}" ]; then args+=(--show "$INPUT_SHOW"); fi
if truthy "${INPUT_DRY_RUN:-true}"; then
  echo "Dry run: nothing is deleted. Set the input dry-run: false to delete."
else
  args+=(--yes)
fi
packages=()
set -f
for p in ${INPUT_PACKAGES:-}; do packages+=("$p"); done
set +f
if [ ${#packages[@]} -eq 0 ]; then
  echo "::warning::no packages input: every ${INPUT_TYPE:-container} package of ${INPUT_OWNER} is listed, which the workflow GITHUB_TOKEN cannot do; give package names or a classic token"
fi
args+=(-- "${packages[@]}")

report="$tmp/ghpkg-prune-$$.json"
code=0
GITHUB_TOKEN="${INPUT_TOKEN:?the token input is required}" "$bin" "${args[@]}" > "$report" || code=$?

# The summary object's counts sit at a fixed indent in ghpkg's JSON
# (schema ghpkg/v1); an absent count (a usage error) is 0.
count() {
  local n
  n=$(sed -n "s/^    \"$1\": \([0-9][0-9]*\),\{0,1\}\$/\1/p" "$report" | tail -n 1)
  echo "${n:-0}"
}
deleted=$(count deleted)
planned=$(count planned)
failed=$(count failed)
withheld=$(count withheld)
if [ "$withheld" != 0 ]; then
  echo "::error::ghpkg withheld $withheld deletions: their safety could not be proven (the registry could not be read; see the log). The step fails until that is fixed."
fi
# Outputs that cannot be written fail the step, and the log still names the
# report ('ghpkg restore --report' needs it).
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  # One simple command: bash ignores '!' on a { ...; } group whose
  # redirection fails.
  if ! printf '%s\n' "deleted=$deleted" "planned=$planned" "failed=$failed" "withheld=$withheld" "report=$report" >> "$GITHUB_OUTPUT"; then
    echo "::error::could not write the step outputs to GITHUB_OUTPUT ($GITHUB_OUTPUT); the run's JSON report is $report"
    if [ "$code" -eq 0 ]; then code=1; fi
  fi
fi
echo "ghpkg prune: planned $planned, deleted $deleted, failed $failed, withheld $withheld (exit $code); JSON report: $report"
exit "$code"
