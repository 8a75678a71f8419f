package cli_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ghpackages/ghpackages-go/ghcrtest"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
)

// usageDoc is the documented output of 'ghpkg usage --json'.
type usageDoc struct {
	head
	Packages []struct {
		Type       string     `json:"type"`
		Name       string     `json:"name"`
		Repository string     `json:"repository"`
		Versions   int        `json:"versions"`
		Bytes      *int64     `json:"bytes"`
		ByKind     []usageRow `json:"by_kind"`
		ByAge      []usageRow `json:"by_age"`
		Warning    string     `json:"warning"`
	} `json:"packages"`
	Versions int    `json:"versions"`
	Bytes    *int64 `json:"bytes"`
}

type usageRow struct {
	Name     string `json:"name"`
	Versions int    `json:"versions"`
	Bytes    *int64 `json:"bytes"`
}

// TestUsageOnTheDemo runs 'ghpkg usage' on the demo with its registry:
// every kind and age bucket has its row, the demo's tagged images, the
// platform images of its multi-arch release and its untagged orphans are
// told apart, versions add up per kind and per age, and the text has a
// bar per row; the job summary gets a table and a Mermaid chart.
func TestUsageOnTheDemo(t *testing.T) {
	t.Parallel()
	h := newHarness(t, ghcrtest.WithRegistry())
	code, out, errOut := h.run(t, "usage", teamApp, "--org", "octo-org", "--json")
	require.Equal(t, 0, code, errOut)
	var doc usageDoc
	decodeStrict(t, out, &doc)
	require.Len(t, doc.Packages, 1)
	p := doc.Packages[0]
	assert.Equal(t, appVersion, p.Versions)
	require.NotNil(t, p.Bytes)
	assert.Equal(t, *p.Bytes, *doc.Bytes)
	kinds := map[string]usageRow{}
	var names []string
	sum := 0
	for _, r := range p.ByKind {
		names = append(names, r.Name)
		kinds[r.Name] = r
		sum += r.Versions
		require.NotNil(t, r.Bytes, r.Name)
	}
	assert.Equal(t, []string{"tagged", "platform-or-attestation", "signature", "untagged-orphan", "ghost"}, names)
	assert.Equal(t, appVersion, sum)
	assert.Equal(t, 2, kinds["platform-or-attestation"].Versions, "the release index's two platform images")
	assert.Equal(t, 19, kinds["tagged"].Versions)
	assert.Equal(t, appVersion-21, kinds["untagged-orphan"].Versions)
	assert.Zero(t, kinds["signature"].Versions)
	assert.Zero(t, kinds["ghost"].Versions)
	assert.Zero(t, *kinds["ghost"].Bytes, "an empty row holds nothing")
	assert.Less(t, *kinds["tagged"].Bytes, *p.Bytes, "a row counts its own manifests")
	names, sum = nil, 0
	for _, r := range p.ByAge {
		names = append(names, r.Name)
		sum += r.Versions
	}
	assert.Equal(t, []string{"<1d", "<1w", "<30d", "<90d", "older"}, names)
	assert.Equal(t, appVersion, sum)
	assert.Zero(t, p.ByAge[4].Versions, "the demo's builds are all under 90 days old")
	assert.Positive(t, p.ByAge[3].Versions)

	h.env["GITHUB_STEP_SUMMARY"] = filepath.Join(h.dir, "summary.md")
	code, text, errOut := h.run(t, "usage", teamApp, "--org", "octo-org")
	require.Equal(t, 0, code, errOut)
	lines := strings.Split(text, "\n")
	assert.Regexp(t, `^team/app \(container\): 37 versions, [0-9.]+ [KM]iB$`, lines[0])
	for _, name := range []string{"tagged", "platform-or-attestation", "signature", "untagged-orphan", "ghost", "<1d", "<1w", "<30d", "<90d", "older"} {
		assert.Regexp(t, `(?m)^  `+regexpQuote(name)+` +[0-9]+ +[0-9.]+ (B|KiB|MiB) *#*$`, text, "row %s", name)
	}
	assert.Regexp(t, `(?m)^  tagged +19 +[0-9.]+ [KM]iB +#+$`, text, "a bar")
	assert.NotContains(t, text, "\x1b[", "no colour")
	docs, err := os.ReadFile(filepath.Join(repoRoot(t), "docs", "ghpkg.md"))
	require.NoError(t, err)
	trimmed := regexp.MustCompile(`(?m) +$`).ReplaceAllString(text, "")
	assert.Contains(t, string(docs), "```text\n"+trimmed+"```\n", "docs/ghpkg.md shows this output")
	md, err := os.ReadFile(filepath.Join(h.dir, "summary.md"))
	require.NoError(t, err)
	assert.Contains(t, string(md), "### ghpkg usage: org octo-org\n")
	assert.Contains(t, string(md), "| kind | untagged-orphan | 16 |")
	assert.Contains(t, string(md), "```mermaid\nxychart-beta\n    title \"team/app by age (KiB)\"\n    x-axis [\"<1d\", \"<1w\", \"<30d\", \"<90d\", \"older\"]\n")
	_, help, _ := h.run(t, "help")
	assert.Contains(t, strings.Join(strings.Fields(help), " "), "prune, untag and usage append a Markdown table to the step summary", "ghpkg help names usage among the commands that write the step summary")

	// Other types: sizes unknown, not 0.
	code, out, errOut = h.run(t, "usage", "--org", "octo-org", "--type", "npm", "--json")
	require.Equal(t, 0, code, errOut)
	doc = usageDoc{}
	decodeStrict(t, out, &doc)
	require.Len(t, doc.Packages, 1)
	assert.Nil(t, doc.Packages[0].Bytes)
	assert.Nil(t, doc.Bytes)
	assert.Nil(t, doc.Packages[0].ByAge[0].Bytes)
}

func regexpQuote(s string) string {
	return strings.NewReplacer("<", `<`, ".", `\.`).Replace(s)
}

// The usage command's help examples, checked by TestHelpExamples.
func init() {
	examples["ghpkg usage team/app --org octo-org"] = exampleCheck{comment: "what team/app holds, by kind and by age", check: func(t *testing.T, r exampleRun) {
		require.Equal(t, 0, r.code, r.stderr)
		assert.Regexp(t, `^team/app \(container\): 37 versions, [0-9.]+ MiB\n  KIND `, r.stdout)
		assert.Regexp(t, `(?m)^  untagged-orphan +16 +[0-9.]+ KiB +#+$`, r.stdout)
		assert.Regexp(t, `(?m)^  <90d +[0-9]+ +[0-9.]+ KiB +#+$`, r.stdout)
	}}
	examples["ghpkg usage --org octo-org --json"] = exampleCheck{comment: "every container package of the organization, as JSON", check: func(t *testing.T, r exampleRun) {
		require.Equal(t, 0, r.code, r.stderr)
		var doc usageDoc
		decodeStrict(t, r.stdout, &doc)
		require.Len(t, doc.Packages, 2)
		assert.Equal(t, ghpackagestest.DemoBaseImage, doc.Packages[0].Name)
		assert.Equal(t, ghpackagestest.DemoContainer, doc.Packages[1].Name)
		require.NotNil(t, doc.Bytes)
		assert.Equal(t, *doc.Packages[0].Bytes+*doc.Packages[1].Bytes, *doc.Bytes)
	}}
}
