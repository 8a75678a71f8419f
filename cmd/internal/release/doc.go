// Package release says which modules a release tags and checks their go.mod
// files (relmod, run by scripts/release.sh and scripts/release-gate.sh, is
// its command), and holds the tests of how the project is released:
// the module layout and that no go.mod requires a placeholder version,
// release.sh's refusals, the gate's refusal of unreleasable tags,
// CHANGELOG.md's shape, scripts/release-notes.sh (the
// release's notes from the changelog), the release workflow's trigger,
// permissions and steps, and, in a tag build, that the tag is the SDK's
// Version. The archives' names are checked against the Action's download
// in cmd/internal/cli (TestActionRelease), a release build's version stamp
// in cmd/ghpkg (TestReleaseBinary).
package release
