// Package release holds the tests of how the project is released, which
// is not Go code: CHANGELOG.md's shape, scripts/release-notes.sh (the
// release's notes from the changelog), the release workflow's trigger,
// permissions and steps, and, in a tag build, that the tag is the SDK's
// Version. The archives' names are checked against the Action's download
// in cmd/internal/cli (TestActionRelease), a release build's version stamp
// in cmd/ghpkg (TestReleaseBinary).
package release
