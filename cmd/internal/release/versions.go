package release

import (
	"regexp"
	"strings"
)

// RewriteVersions returns text with every place that installs or pins
// release old (X.Y.Z, without "v") moved to release new: a release's
// download URL, the archives' names, the Action's "uses:" tag,
// "go install …/cmd/ghpkg@vX.Y.Z", and what "ghpkg version" prints.
// scripts/release.sh runs it (relmod versions) on README.md and docs/*.md.
// A phrase may be broken across lines, as Markdown prose is wrapped.
// Other mentions of a version (the versioning rules' examples) stay.
func RewriteVersions(text, old, new string) string {
	o := regexp.QuoteMeta(old)
	end := `([^0-9.]|$)` // not a longer version that starts the same
	for _, r := range []struct{ pattern, repl string }{
		{`(releases/download/v)` + o + end, "${1}" + new + "${2}"},
		{`((?:ghpkg|ghpackages-fake)_)` + o + `_`, "${1}" + new + "_"},
		{`(ghpackages/ghpackages-go@v)` + o + end, "${1}" + new + "${2}"},
		{`(/cmd/(?:ghpkg|ghpackages-fake)@v)` + o + end, "${1}" + new + "${2}"},
		{"(`ghpkg`\\s+v)" + o + end, "${1}" + new + "${2}"},
		{`((?:ghpkg|ghpackages-fake)\s+v)` + o + `(\s+\(|,)`, "${1}" + new + "${2}"},
		{`(ghpackages-go\s+)` + o + `,`, "${1}" + new + ","},
	} {
		text = regexp.MustCompile(`(?m)`+r.pattern).ReplaceAllString(text, r.repl)
	}
	return text
}

// versionExample matches a line that shows versions as an example of the
// versioning rules ("v0.1 to v0.2"), which a release leaves as it is.
var versionExample = regexp.MustCompile(`v[0-9]+\.[0-9]+(\.[0-9]+)?\)? to v[0-9]`)

// staleVersions returns the lines of text (1-based) that still mention
// version old after RewriteVersions, other than versioning examples.
func staleVersions(text, old string) []int {
	mention := regexp.MustCompile(`(^|[^0-9.])v?` + regexp.QuoteMeta(old) + `\.?([^0-9.]|$)`)
	var lines []int
	for i, line := range strings.Split(text, "\n") {
		if mention.MatchString(line) && !versionExample.MatchString(line) {
			lines = append(lines, i+1)
		}
	}
	return lines
}
