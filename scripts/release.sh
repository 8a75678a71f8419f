#!/usr/bin/env bash
# release.sh VERSION [--push]: makes release VERSION (vX.Y.Z) in this clone.
#
#  1. The release commit: CHANGELOG.md's Unreleased entries become
#     "## [X.Y.Z] - today" (with its link), ghpackages.Version becomes X.Y.Z,
#     README.md and docs/ show vX.Y.Z where they install or pin a release,
#     every nested go.mod requires its siblings at VERSION, and cmd/go.mod
#     drops its replace directives (go install …@VERSION refuses them) with
#     the go.sum that requiring the released modules gives.
#  2. Every tag of the release on that commit: VERSION and DIR/VERSION for
#     each nested module that is released (cmd/internal/release.Tagged).
#  3. A second commit puts cmd/go.mod's replace directives back, so the
#     clone is in development state again (go.work, and each module alone).
#
# Nothing is pushed unless --push; the push command is printed. Refuses a
# dirty tree, a VERSION that is not SemVer or not above the last release, and
# a CHANGELOG.md without entries under "## [Unreleased]". On any failure the
# clone is put back as it was (commits and tags removed).
set -euo pipefail

usage() { echo "usage: scripts/release.sh vX.Y.Z [--push]" >&2; exit 2; }
die() { echo "release.sh: $*" >&2; exit 1; }

[ $# -ge 1 ] && [ $# -le 2 ] || usage
version=$1
push=false
if [ $# -eq 2 ]; then
  [ "$2" = --push ] || usage
  push=true
fi

cd "$(dirname "$0")/.."
repo=$(pwd)
[ "$(git rev-parse --show-toplevel)" = "$repo" ] || die "$repo is not the top of a git clone"

if [ -n "$(git status --porcelain)" ]; then
  git status --short >&2
  die "the working tree is not clean: commit or stash these changes first"
fi
branch=$(git symbolic-ref --quiet --short HEAD) || die "HEAD is detached: check out the branch to release (main)"

tmp=$(mktemp -d)
start=$(git rev-parse HEAD)
made_tags=()
started=false
done=false
cleanup() {
  if $started && ! $done; then
    echo "release.sh: failed; putting the clone back at $start" >&2
    for t in "${made_tags[@]}"; do git tag -d "$t" >/dev/null || true; done
    git reset --quiet --hard "$start"
  fi
  if [ -d "$tmp/modcache" ]; then GOMODCACHE="$tmp/modcache" go clean -modcache || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# relmod (cmd/internal/release/relmod) checks versions and go.mod files and
# serves modules from git as the module proxy would.
go build -o "$tmp/relmod" ./cmd/internal/release/relmod
relmod() { "$tmp/relmod" "$@"; }

# The previous release (empty before the first), for the changelog's link.
prev=$(relmod next "$version")

# The Unreleased section must say what the release changes.
entries=$(awk '
  /^## \[Unreleased\]/ { on = 1; next }
  on && /^## / { exit }
  on && /^- / { n++ }
  END { print n + 0 }
' CHANGELOG.md)
if ! grep -q '^## \[Unreleased\]' CHANGELOG.md || [ "$entries" -eq 0 ]; then
  die "CHANGELOG.md has no entries under \"## [Unreleased]\": list the release's changes there first"
fi

old=$(sed -n 's/^const Version = "\(.*\)"$/\1/p' client.go)
[ -n "$old" ] || die "client.go has no 'const Version = \"…\"'"
new=${version#v}
today=$(date -u +%Y-%m-%d)
url=https://github.com/ghpackages/ghpackages-go

# --- 1. the release commit -------------------------------------------------
started=true
awk -v new="$new" -v today="$today" -v url="$url" -v version="$version" -v prev="$prev" '
  /^## \[Unreleased\]/ { print; print ""; print "## [" new "] - " today; next }
  /^\[Unreleased\]: / {
    print "[Unreleased]: " url "/compare/" version "...HEAD"
    if (prev != "") print "[" new "]: " url "/compare/" prev "..." version
    else print "[" new "]: " url "/releases/tag/" version
    next
  }
  { print }
' CHANGELOG.md > "$tmp/CHANGELOG.md"
mv "$tmp/CHANGELOG.md" CHANGELOG.md

sed -i "s/^const Version = \".*\"$/const Version = \"$new\"/" client.go

# Where the docs install or pin a release: the download URL, the archive
# names, the Action's tag, go install @version and 'ghpkg version' output
# (cmd/internal/release.RewriteVersions; its test checks every mention).
docs=(README.md)
for f in docs/*.md; do [ -f "$f" ] && docs+=("$f"); done
relmod versions "$old" "$new" "${docs[@]}"

# Every nested module requires its siblings at VERSION (examples/ too,
# though it is not tagged); the binaries' module drops its replace lines.
bin=$(relmod modules | tail -1)
cp "$bin/go.mod" "$tmp/bin.go.mod.dev"
relmod pin -drop-replace "$version"

git add -A
git commit --quiet -m "release: $version"

# cmd/go.sum for the released siblings: tidy against a file proxy serving
# them from this commit, in a module cache of its own (the user's cache
# serves the third-party modules it has; the rest come from GOPROXY).
relmod proxy -rev HEAD -out "$tmp/proxy" "$version"
mkdir "$tmp/modcache"
(
  cd "$bin"
  GOWORK=off GOFLAGS=-mod=mod GOMODCACHE="$tmp/modcache" \
    GOPROXY="file://$tmp/proxy,file://$(go env GOMODCACHE)/cache/download,$(go env GOPROXY)" \
    GONOSUMDB=github.com/ghpackages/ghpackages-go GOPRIVATE= \
    go mod tidy
)
git add -A
git commit --quiet --amend --no-edit

# --- 2. the tags -----------------------------------------------------------
for d in $(relmod modules); do
  t=$version
  [ "$d" = . ] || t=$d/$version
  git tag -a -m "$t" "$t"
  made_tags+=("$t")
done
relmod check "$version"
release_commit=$(git rev-parse HEAD)

# --- 3. back to development ------------------------------------------------
cp "$tmp/bin.go.mod.dev" "$bin/go.mod"
relmod pin "$version"
(cd "$bin" && GOWORK=off go mod tidy)
git add -A
git commit --quiet -m "release: back to development after $version (cmd/go.mod replaces its siblings again)"
relmod lint
go build ./... ./cmd/...

done=true
tags=("${made_tags[@]}")
echo "Release $version: commit $(git rev-parse --short "$release_commit") tagged ${tags[*]}; $branch is at the development commit after it."
pushcmd=(git push --atomic origin "$branch" "${tags[@]}")
if $push; then
  "${pushcmd[@]}"
else
  echo "Nothing is pushed. To publish, run:"
  echo "  ${pushcmd[*]}"
fi
