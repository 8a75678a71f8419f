#!/usr/bin/env bash
# release-gate.sh [--tag vX.Y.Z]: proves that a release installs the way a
# user installs it, before anything is pushed.
#
# Without --tag (what .ci/run runs): in a throwaway clone of HEAD,
# scripts/release.sh makes release $RELEASE_GATE_VERSION (default v0.98.0)
# and its tags. With --tag (first in the release workflow): the tags of
# vX.Y.Z in this repository, as they are.
#
# Then: the tagged go.mod files are checked (no placeholder, siblings at the
# release, cmd/go.mod without replace), with a message naming the module
# and the fix; a file GOPROXY serves every tagged module as the module proxy
# would (golang.org/x/mod/zip from git, cmd/internal/release/relmod); and
# from an EMPTY module cache, with GOWORK=off and GOFLAGS=-mod=mod:
#   - a consumer gets the SDK, builds, and runs a test that starts ghpackagestest;
#   - a fresh consumer gets …/retention@VERSION (not the SDK first), builds, tidies;
#   - go install …/cmd/ghpkg@VERSION and …/cmd/ghpackages-fake@VERSION, whose
#     'ghpkg version' and 'ghpackages-fake -version' must print VERSION;
#   - the cmd module at its tag, as .goreleaser.yaml builds it (GOWORK=off, in
#     cmd/), selects the module versions go install linked (go version -m).
# Third-party modules come from this machine's module download cache when it
# has them, else from the Go module proxy. In the clone, the development
# commit after the release must build and tidy.
set -euo pipefail

cd "$(dirname "$0")/.."
repo=$(pwd)
mode=clone
version=${RELEASE_GATE_VERSION:-}
if [ $# -gt 0 ]; then
  [ $# -eq 2 ] && [ "$1" = --tag ] || { echo "usage: scripts/release-gate.sh [--tag vX.Y.Z]" >&2; exit 2; }
  mode=tag
  version=$2
fi

work=$(mktemp -d)
usercache=$(go env GOMODCACHE)
cleanup() {
  if [ -d "$work/modcache" ]; then GOMODCACHE="$work/modcache" go clean -modcache || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "release gate: $*" >&2; exit 1; }
step() { echo "== release gate (${SECONDS}s): $*"; }

go build -o "$work/relmod" ./cmd/internal/release/relmod
relmod() { "$work/relmod" "$@"; }

if [ "$mode" = clone ]; then
  if [ -z "$version" ]; then
    # v0.98.0, or the minor release after the last release once that is
    # higher: the last tag, or client.go's Version (a shallow CI clone has
    # no tags).
    version=v0.98.0
    last=$(git tag --list 'v*' | grep -E '^v[0-9]+\.[0-9]+\.[0-9]+$' | sort -V | tail -1 || true)
    current=v$(sed -n 's/^const Version = "\(.*\)"$/\1/p' client.go)
    for v in "$last" "$current"; do
      if [ -n "$v" ] && [ "$v" != v ] && [ "$(printf '%s\n%s\n' "$v" "$version" | sort -V | tail -1)" = "$v" ]; then
        version=$(echo "$v" | awk -F. '{ print $1 "." $2 + 1 ".0" }')
      fi
    done
  fi
  step "scripts/release.sh $version in a throwaway clone of HEAD"
  # On a branch of its own: CI checks out a detached HEAD, which release.sh refuses.
  git clone --quiet --no-checkout "$repo" "$work/clone"
  git -C "$work/clone" checkout --quiet -B release-gate "$(git rev-parse HEAD)"
  src=$work/clone
  (
    cd "$src"
    export GIT_AUTHOR_NAME=release-gate GIT_AUTHOR_EMAIL=release-gate@invalid GIT_COMMITTER_NAME=release-gate GIT_COMMITTER_EMAIL=release-gate@invalid
    # Right after a release, CHANGELOG.md's Unreleased section is empty and
    # release.sh would refuse: the gate proves the mechanics, so the clone
    # gets an entry of its own.
    if ! awk '/^## \[Unreleased\]/ { on = 1; next } on && /^## / { exit } on && /^- / { found = 1 } END { exit !found }' CHANGELOG.md; then
      awk '{ print } /^## \[Unreleased\]/ { print ""; print "### Added"; print ""; print "- (release gate) an entry for the test release." }' CHANGELOG.md >"$work/CHANGELOG.md"
      cp "$work/CHANGELOG.md" CHANGELOG.md
      git commit --quiet -am "release gate: an Unreleased entry"
    fi
    scripts/release.sh "$version" >"$work/release.log" 2>&1 || { cat "$work/release.log" >&2; exit 1; }
    tail -3 "$work/release.log"
  ) || fail "scripts/release.sh $version failed (above)"
else
  src=$repo
fi

step "the go.mod files at the tags of $version"
(cd "$src" && relmod check "$version") || fail "the tags of $version cannot be installed (above)"

step "a file GOPROXY from the tags"
(cd "$src" && relmod proxy -out "$work/proxy" "$version")

if [ "$mode" = clone ]; then
  step "the clone is back in development state"
  (
    cd "$src"
    [ -z "$(git status --porcelain)" ] || { git status --short; exit 1; }
    relmod lint
    go build ./... ./cmd/... ./examples/... ./ghcrtest/... ./retention/...
    for m in $(go work edit -json | awk -F'"' '/"DiskPath"/ { print $4 }'); do (cd "$m" && go mod tidy -diff); done
  ) || fail "after scripts/release.sh, the clone does not build or tidy (above)"
fi

mkdir "$work/modcache" "$work/bin"
export GOWORK=off GOFLAGS=-mod=mod GOMODCACHE="$work/modcache" GOBIN="$work/bin" GOTOOLCHAIN=local
export GOPROXY="file://$work/proxy,file://$usercache/cache/download,https://proxy.golang.org"
export GONOSUMDB=github.com/ghpackages/ghpackages-go GOPRIVATE= GONOPROXY=
mod=github.com/ghpackages/ghpackages-go

# count prints a consumer's module graph and the non-standard packages its
# build and tests compile (its own excluded).
count() {
  local mods pkgs
  mods=$(go list -m all | wc -l)
  pkgs=$(go list -deps -test -f '{{if not .Standard}}{{.ImportPath}}{{end}}' ./... | grep -v '^example\.com/' | sort -u | wc -l)
  echo "   $1: go list -m all: $mods modules; non-std packages built: $pkgs"
}

step "a consumer of the SDK and ghpackagestest"
mkdir "$work/sdk" && cd "$work/sdk"
go mod init example.com/sdk >/dev/null 2>&1
cat >main.go <<'EOF'
package main

import (
	"fmt"

	ghpackages "github.com/ghpackages/ghpackages-go"
)

func main() { fmt.Println(ghpackages.Version) }
EOF
cat >main_test.go <<'EOF'
package main

import (
	"testing"

	"github.com/ghpackages/ghpackages-go/ghpackagestest"
)

func TestFake(t *testing.T) { _ = ghpackagestest.New(t) }
EOF
go get "$mod@$version" 2>&1 | grep -v '^go: downloading' || true
go mod tidy
go test -count=1 ./... >/dev/null
[ "$(go run .)" = "${version#v}" ] || fail "the SDK at $version says ghpackages.Version $(go run .), not ${version#v}: scripts/release.sh sets it"
count "SDK + ghpackagestest"

step "a fresh consumer of retention alone"
mkdir "$work/retention" && cd "$work/retention"
go mod init example.com/retention >/dev/null 2>&1
cat >main.go <<'EOF'
package main

import (
	"fmt"

	"github.com/ghpackages/ghpackages-go/retention"
)

func main() { fmt.Printf("%T\n", retention.Policy{}) }
EOF
go get "$mod/retention@$version" 2>&1 | grep -v '^go: downloading' || true
go build ./...
go mod tidy
go build ./...
grep -q "^	$mod $version" go.mod || grep -q "^require $mod $version" go.mod || fail "retention@$version does not bring the SDK at $version: $(grep "$mod " go.mod)"
count "retention"

step "go install $mod/cmd/ghpkg@$version and cmd/ghpackages-fake@$version"
cd "$work"
go install "$mod/cmd/ghpkg@$version" "$mod/cmd/ghpackages-fake@$version" 2>&1 | grep -v '^go: downloading' || true
out=$("$work/bin/ghpkg" version)
echo "   $out"
[[ "$out" == "ghpkg $version "* || "$out" == "ghpkg $version,"* ]] || fail "ghpkg version prints \"$out\", not ghpkg $version"
out=$("$work/bin/ghpackages-fake" -version)
echo "   $out"
[[ "$out" == "ghpackages-fake $version "* || "$out" == "ghpackages-fake $version,"* ]] || fail "ghpackages-fake -version prints \"$out\", not ghpackages-fake $version"

step "one dependency set: what goreleaser builds at the tag (cmd/, GOWORK=off) and what go install built"
# .goreleaser.yaml builds in cmd/ with GOWORK=off from the tagged commit
# (cmd/internal/release's TestGoreleaserBuildsTheTaggedModule checks it):
# the module versions it links are those go list selects there.
git clone --quiet --branch "cmd/$version" "$src" "$work/at-tag" 2>/dev/null
(cd "$work/at-tag/cmd" && GOFLAGS=-mod=readonly go list -deps -f '{{with .Module}}{{if not .Main}}{{.Path}} {{.Version}}{{end}}{{end}}' ./ghpkg | sort -u) >"$work/goreleaser.deps"
go version -m "$work/bin/ghpkg" | awk '$1 == "dep" { print $2, $3 } $1 == "=>" { print "replaced:", $2, $3 }' | sort -u >"$work/install.deps"
if ! diff "$work/install.deps" "$work/goreleaser.deps" >"$work/deps.diff"; then
  cat "$work/deps.diff" >&2
  fail "go install and the release build of ghpkg link different module versions (< go install, > goreleaser's build)"
fi
echo "   $(wc -l <"$work/install.deps") modules linked, the same in both"

step "passed for $version"
