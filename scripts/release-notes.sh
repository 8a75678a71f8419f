#!/usr/bin/env bash
# release-notes.sh TAG [CHANGELOG]: prints the release notes of TAG
# (vX.Y.Z): the body of CHANGELOG.md's "## [X.Y.Z]" section, which the
# release workflow gives goreleaser as the GitHub release's text. Fails
# (exit 1) when TAG is not a SemVer tag or the section is missing or empty:
# a release gets its changelog entry before its tag.
set -euo pipefail

tag="${1:?usage: release-notes.sh vX.Y.Z [CHANGELOG.md]}"
changelog="${2:-$(cd "$(dirname "$0")/.." && pwd)/CHANGELOG.md}"
if ! [[ "$tag" =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
  echo "::error::$tag is not a release tag (vMAJOR.MINOR.PATCH, optionally -PRERELEASE)" >&2
  exit 1
fi
version="${tag#v}"
# The section runs from its heading to the next heading of its level, or to
# the link references at the end; blank lines around it are dropped.
notes=$(awk -v v="$version" '
  index($0, "## [" v "]") == 1 { on = 1; next }
  on && (/^## / || /^\[[^]]+\]: /) { exit }
  on { print }
' "$changelog" | sed -e '/[^[:space:]]/,$!d')
if [ -z "$notes" ]; then
  echo "::error::$changelog has no \"## [$version]\" section, or it is empty: add the release's changes before tagging $tag" >&2
  exit 1
fi
printf '%s\n' "$notes"
