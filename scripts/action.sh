#!/usr/bin/env bash
# The steps of action.yml.
#
#   action.sh install   finds ghpkg for the action's ref. When the action runs
#                       from a release tag (vX.Y.Z), it downloads that
#                       release's archive for the runner's OS and
#                       architecture, checks it against the release's
#                       checksums.txt (refusing, exit 1, when the entry is
#                       missing or differs) and writes bin=PATH to
#                       $GITHUB_OUTPUT. Otherwise (a branch, a commit, a local
#                       checkout, or a platform without a release archive)
#                       it writes bin= and action.yml sets up Go.
#   action.sh [run]     the run step: takes ghpkg from GHPKG_BIN (the install
#                       step's bin output) or, when that is empty, builds it
#                       from the action's own checkout; turns the INPUT_*
#                       variables into a 'ghpkg prune' command line (or,
#                       with INPUT_COMMAND=usage, 'ghpkg usage', whose only
#                       output is report), runs it and writes the step's
#                       outputs (deleted, planned, failed, withheld, healed,
#                       freed-bytes, kept-bytes, report) to $GITHUB_OUTPUT.
#                       ghpkg itself appends the Markdown table to
#                       $GITHUB_STEP_SUMMARY. It exits with ghpkg's exit
#                       code (0 done or dry run, 1 some deletions failed,
#                       were withheld or the run stopped, 2 usage/token/scope
#                       error), or 1 when the outputs could not be written.
#
# The action's ref and repository come from the path the runner checked the
# action out to (.../_actions/OWNER/REPO/REF), which stays right when this
# action runs inside another composite action, or else from
# GHPKG_ACTION_REF and GHPKG_ACTION_REPOSITORY (github.action_ref and
# github.action_repository, which action.yml passes).
#
# For tests only: GHPKG_TEST_RELEASES_URL replaces https://github.com as
# the server releases are downloaded from (OWNER/REPO/releases/download/TAG/
# FILE below it).
set -euo pipefail

action_path="${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/.." && pwd)}"
tmp="${RUNNER_TEMP:-${TMPDIR:-/tmp}}"

fail() {
  echo "::error::$*" >&2
  exit 1
}

# release_ref prints "OWNER/REPO TAG" when the action runs from a release
# tag, and nothing otherwise (a branch, a commit, or a local checkout).
release_ref() {
  local repo="" ref="" rest
  case "$action_path" in
    */_actions/*/*/*)
      rest="${action_path##*/_actions/}"
      rest="${rest%/}"
      if [[ "$rest" =~ ^([^/]+)/([^/]+)/([^/]+)$ ]]; then
        repo="${BASH_REMATCH[1]}/${BASH_REMATCH[2]}"
        ref="${BASH_REMATCH[3]}"
      fi
      ;;
  esac
  if [ -z "$ref" ]; then
    repo="${GHPKG_ACTION_REPOSITORY:-}"
    ref="${GHPKG_ACTION_REF:-}"
  fi
  if [ -n "$repo" ] && [[ "$ref" =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
    echo "$repo $ref"
  fi
}

# platform prints the release's "OS ARCH" for the runner (RUNNER_OS and
# RUNNER_ARCH, else uname), or fails when no release archive is built for it.
platform() {
  local os arch
  case "${RUNNER_OS:-$(uname -s)}" in
    Linux) os=linux ;;
    macOS | Darwin) os=darwin ;;
    Windows | MINGW* | MSYS* | CYGWIN*) os=windows ;;
    *) return 1 ;;
  esac
  case "${RUNNER_ARCH:-$(uname -m)}" in
    X64 | x86_64 | amd64) arch=amd64 ;;
    ARM64 | aarch64 | arm64) arch=arm64 ;;
    *) return 1 ;;
  esac
  echo "$os $arch"
}

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  else
    shasum -a 256 "$1" | cut -d ' ' -f 1
  fi
}

# install_release downloads ghpkg of release tag of repo into $tmp, verifies
# it and sets bin to its path; it leaves bin empty when the runner's
# platform has no release archive.
install_release() {
  local repo="$1" tag="$2" os arch ext exe archive base url dir want got
  if ! read -r os arch < <(platform); then
    echo "::warning::ghpkg $tag has no release archive for ${RUNNER_OS:-$(uname -s)}/${RUNNER_ARCH:-$(uname -m)} (linux, macOS and Windows on X64 and ARM64 have one): building it from source" >&2
    return 0
  fi
  ext=tar.gz exe=ghpkg
  if [ "$os" = windows ]; then ext=zip exe=ghpkg.exe; fi
  # The name .goreleaser.yaml's archives give it.
  archive="ghpkg_${tag#v}_${os}_${arch}.${ext}"
  base="${GHPKG_TEST_RELEASES_URL:-https://github.com}"
  url="${base%/}/$repo/releases/download/$tag"
  dir="$tmp/ghpkg-action/$tag"
  mkdir -p "$dir"
  command -v curl >/dev/null 2>&1 || fail "curl is needed to download ghpkg $tag"
  if ! curl -fsSL --retry 3 -o "$dir/checksums.txt" "$url/checksums.txt"; then
    fail "could not download $url/checksums.txt: is $tag a release of $repo? Pin a release tag that has one, or a commit SHA to build from source"
  fi
  want=$(awk -v f="$archive" '$2 == f || $2 == "*" f { print $1 }' "$dir/checksums.txt")
  if [ -z "$want" ]; then
    fail "the checksums.txt of $repo $tag has no entry for $archive: refusing to run an unverified ghpkg"
  fi
  if ! curl -fsSL --retry 3 -o "$dir/$archive" "$url/$archive"; then
    fail "could not download $url/$archive: the release $tag of $repo has no ghpkg archive for $os/$arch"
  fi
  got=$(sha256 "$dir/$archive")
  if [ "$got" != "$want" ]; then
    fail "checksum mismatch for $archive of $repo $tag: checksums.txt says sha256 $want, the download is $got: refusing to run it"
  fi
  if [ "$ext" = zip ]; then
    unzip -o -q "$dir/$archive" "$exe" -d "$dir"
  else
    tar -xzf "$dir/$archive" -C "$dir" "$exe"
  fi
  bin="$dir/$exe"
  [ -x "$bin" ] || fail "$archive holds no executable $exe"
  echo "ghpkg $tag for $os/$arch from $url/$archive (sha256 $got, as checksums.txt says)"
}

case "${1:-run}" in
  install)
    bin=""
    rel=$(release_ref)
    if [ -z "$rel" ]; then
      echo "ghpkg is built from source: the action's ref is not a release tag (vX.Y.Z)"
    else
      read -r repo tag <<< "$rel"
      install_release "$repo" "$tag"
    fi
    if [ -n "${GITHUB_OUTPUT:-}" ]; then echo "bin=$bin" >> "$GITHUB_OUTPUT"; fi
    exit 0
    ;;
  run) ;;
  *) echo "::error::usage: action.sh [install|run]" >&2; exit 2 ;;
esac

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

# command: usage reads what the packages hold (by kind and by age) and
# changes nothing; ghpkg writes its table and chart to the job summary.
case "${INPUT_COMMAND:-prune}" in
  prune) ;;
  usage)
    args=(usage --json --owner "${INPUT_OWNER:?the owner input is required}" --type "${INPUT_TYPE:-container}")
    if [ -n "${INPUT_BASE_URL:-}" ]; then args+=(--base-url "${INPUT_BASE_URL%/}/"); fi
    if [ -n "${INPUT_REGISTRY:-}" ]; then args+=(--registry "$INPUT_REGISTRY"); fi
    if ! truthy "${INPUT_CACHE:-true}"; then args+=(--no-cache); elif [ -n "${INPUT_CACHE_DIR:-}" ]; then args+=(--cache-dir "$INPUT_CACHE_DIR"); fi
    packages=()
    set -f
    for p in ${INPUT_PACKAGES:-}; do packages+=("$p"); done
    set +f
    args+=(-- "${packages[@]}")
    report="$tmp/ghpkg-usage-$$.json"
    code=0
    GITHUB_TOKEN="${INPUT_TOKEN:?the token input is required}" "$bin" "${args[@]}" > "$report" || code=$?
    if [ -n "${GITHUB_OUTPUT:-}" ] && ! printf '%s\n' "report=$report" >> "$GITHUB_OUTPUT"; then
      echo "::error::could not write the step outputs to GITHUB_OUTPUT ($GITHUB_OUTPUT); the JSON is $report"
      if [ "$code" -eq 0 ]; then code=1; fi
    fi
    echo "ghpkg usage (exit $code); JSON: $report"
    exit "$code"
    ;;
  *) echo "::error::command must be prune or usage, got '${INPUT_COMMAND}'" >&2; exit 2 ;;
esac

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
if truthy "${INPUT_UNTAG:-false}"; then args+=(--untag); fi
if [ -n "${INPUT_GROUP_BY:-}" ]; then args+=(--group-by "$INPUT_GROUP_BY"); fi
if [ -n "${INPUT_GRACE:-}" ]; then args+=(--grace "$INPUT_GRACE"); fi
add_lines --keep-tag "${INPUT_KEEP_TAGS:-}"
add_lines --keep-name "${INPUT_KEEP_NAMES:-}"
set -f # split lists on whitespace, but never expand patterns as file globs
for id in ${INPUT_KEEP_IDS//,/ }; do args+=(--keep-id "$id"); done
set +f
if [ -n "${INPUT_MAX_DELETE:-}" ] && [ "$INPUT_MAX_DELETE" != 0 ]; then args+=(--max-delete "$INPUT_MAX_DELETE"); fi
if truthy "${INPUT_DELETE_PACKAGE_WHEN_EMPTY:-false}"; then args+=(--delete-package-when-empty); fi
if truthy "${INPUT_DELETE_GHOST_IMAGES:-false}"; then args+=(--delete-ghost-images); fi
if truthy "${INPUT_DELETE_PARTIAL_IMAGES:-false}"; then args+=(--delete-partial-images); fi
if truthy "${INPUT_DELETE_ORPHANED_REFERRERS:-false}"; then args+=(--delete-orphaned-referrers); fi
if truthy "${INPUT_SKIP_REFERENCE_CHECK:-false}"; then args+=(--skip-reference-check); fi
if [ -n "${INPUT_REGISTRY:-}" ]; then args+=(--registry "$INPUT_REGISTRY"); fi
if [ -n "${INPUT_PACE:-}" ]; then args+=(--pace "$INPUT_PACE"); fi
if [ -n "${INPUT_MAX_WAIT:-}" ]; then args+=(--max-wait "$INPUT_MAX_WAIT"); fi
# The manifest cache: the directory action.yml restores with actions/cache.
if ! truthy "${INPUT_CACHE:-true}"; then args+=(--no-cache); elif [ -n "${INPUT_CACHE_DIR:-}" ]; then args+=(--cache-dir "$INPUT_CACHE_DIR"); fi
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
healed=$(count healed)
if [ "$healed" != 0 ]; then
  echo "::warning::ghpkg restored $healed version(s) it had deleted: a tag needed them (a push GitHub's listing did not show yet); see the report's \"healed\" items."
fi
# summary.storage's byte counts, one level deeper; null (or absent) is
# unknown: sizes are known for container images read from the registry.
bytes_of() {
  local n
  n=$(sed -n "s/^      \"$1\": \([0-9][0-9]*\),\{0,1\}\$/\1/p" "$report" | tail -n 1)
  echo "${n:-unknown}"
}
freed_bytes=$(bytes_of freed_bytes)
kept_bytes=$(bytes_of kept_bytes)
if [ "$withheld" != 0 ]; then
  echo "::error::ghpkg withheld $withheld deletions: their safety could not be proven (the registry could not be read; see the log). The step fails until that is fixed."
fi
# Outputs that cannot be written fail the step, and the log still names the
# report ('ghpkg restore --report' needs it).
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  # One simple command: bash ignores '!' on a { ...; } group whose
  # redirection fails.
  if ! printf '%s\n' "deleted=$deleted" "planned=$planned" "failed=$failed" "withheld=$withheld" "healed=$healed" "freed-bytes=$freed_bytes" "kept-bytes=$kept_bytes" "report=$report" >> "$GITHUB_OUTPUT"; then
    echo "::error::could not write the step outputs to GITHUB_OUTPUT ($GITHUB_OUTPUT); the run's JSON report is $report"
    if [ "$code" -eq 0 ]; then code=1; fi
  fi
fi
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  printf '%s\n' "| freed bytes | kept bytes |" "| ---: | ---: |" "| $freed_bytes | $kept_bytes |" "" >> "$GITHUB_STEP_SUMMARY" ||
    echo "::warning::could not write the storage table to the job summary"
fi
echo "ghpkg prune: planned $planned, deleted $deleted, failed $failed, withheld $withheld, freed bytes $freed_bytes, kept bytes $kept_bytes (exit $code); JSON report: $report"
exit "$code"
