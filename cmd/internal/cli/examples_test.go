package cli_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/cmd/internal/cli"
	"github.com/ghpackages/ghpackages-go/ghcrtest"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
)

// helpExample is one example of a command's help: the comment above it and
// the command line.
type helpExample struct {
	command string // "prune", or "" for the root
	comment string // the comment lines, joined by spaces
	line    string // the command line, as printed
}

// helpExamples collects the examples of 'ghpkg help' and of every command
// 'ghpkg help' lists.
func helpExamples(t *testing.T) []helpExample {
	t.Helper()
	help := func(args ...string) string {
		var out bytes.Buffer
		require.Equal(t, 0, cli.Run(t.Context(), append([]string{"help"}, args...), cli.Env{Stdout: &out}), args)
		return out.String()
	}
	root := help()
	commands := []string{""}
	inList := false
	for _, l := range strings.Split(root, "\n") {
		switch {
		case l == "Available Commands:":
			inList = true
		case inList && strings.TrimSpace(l) == "":
			inList = false
		case inList:
			if name := strings.Fields(l)[0]; name != "help" && name != "completion" {
				commands = append(commands, name)
			}
		}
	}
	require.Greater(t, len(commands), 5, root)
	var out []helpExample
	for _, c := range commands {
		text := help(strings.Fields(c)...)
		i := strings.Index(text, "\nExamples:\n")
		require.GreaterOrEqual(t, i, 0, "ghpkg help %s has no examples", c)
		block := text[i+len("\nExamples:\n"):]
		if j := strings.Index(block, "\n\n"+"Flags:"); j >= 0 {
			block = block[:j]
		}
		if j := strings.Index(block, "\n\nAvailable Commands:"); j >= 0 {
			block = block[:j]
		}
		var comment []string
		for _, l := range strings.Split(block, "\n") {
			l = strings.TrimSpace(l)
			switch {
			case strings.HasPrefix(l, "# "):
				comment = append(comment, strings.TrimPrefix(l, "# "))
			case strings.HasPrefix(l, "ghpkg "):
				require.NotEmpty(t, comment, "ghpkg help %s: the example %q says in a comment what it does", c, l)
				out = append(out, helpExample{command: c, comment: strings.Join(comment, " "), line: l})
				comment = nil
			case l == "":
				comment = nil
			default:
				t.Fatalf("ghpkg help %s: unexpected example line %q", c, l)
			}
		}
	}
	return out
}

// shellWords splits a command line as a shell would, for the quoting the
// examples use ('...'), and splits a pipeline on |.
func shellWords(t *testing.T, line string) [][]string {
	t.Helper()
	var cmds [][]string
	var words []string
	var cur strings.Builder
	inWord, quoted := false, false
	flush := func() {
		if inWord {
			words = append(words, cur.String())
			cur.Reset()
			inWord = false
		}
	}
	for _, r := range line {
		switch {
		case quoted && r == '\'':
			quoted = false
		case quoted:
			cur.WriteRune(r)
		case r == '\'':
			quoted, inWord = true, true
		case r == ' ':
			flush()
		case r == '|':
			flush()
			cmds = append(cmds, words)
			words = nil
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	require.False(t, quoted, "unbalanced quote in %q", line)
	flush()
	cmds = append(cmds, words)
	for i, c := range cmds {
		require.Equal(t, "ghpkg", c[0], "every part of %q runs ghpkg", line)
		cmds[i] = c[1:]
	}
	return cmds
}

// exampleRun is what running an example gave.
type exampleRun struct {
	h              *harness
	code           int
	stdout, stderr string
	args           []string // the (last) command's arguments, paths made absolute
	firstOut       string   // a pipeline's first stdout
}

// plan reruns a dry-run example with --json and returns its plan.
func (r exampleRun) plan(t *testing.T) runDoc {
	t.Helper()
	code, out, errOut := r.h.run(t, append(slices.Clone(r.args), "--json")...)
	require.Contains(t, []int{0, 1}, code, errOut)
	var doc runDoc
	decodeStrict(t, out, &doc)
	require.True(t, doc.DryRun)
	require.NotNil(t, doc.Plan)
	return doc
}

// version finds a version in the fake's state.
func (r exampleRun) version(t *testing.T, pkg string, id int64) ghpackagestest.VersionRecord {
	t.Helper()
	v, ok := findVersion(r.h, "octo-org", ghpackages.Container, pkg, id)
	require.True(t, ok, "version %d of %s", id, pkg)
	return v
}

// readFile returns a file's content.
func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

// exampleCheck is what an example's comment promises, as a test.
type exampleCheck struct {
	// comment is the example's comment, word for word: a changed comment
	// needs its check reviewed.
	comment string
	// setup runs before the example (another example it builds on).
	setup func(t *testing.T, h *harness)
	// check asserts what the comment says.
	check func(t *testing.T, r exampleRun)
}

const (
	day        = 24 * time.Hour
	releaseIdx = int64(1260000044) // v1.9.0, latest, stable: the multi-arch index
)

// deletesOlderUntagged asserts a plan deleting exactly the untagged
// team/app versions older than 30 days that are not among the 10 newest
// images.
func deletesOlderUntagged(t *testing.T, r exampleRun) {
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "would delete "+strconv.Itoa(prunedApp)+" and keep")
	doc := r.plan(t)
	require.Len(t, doc.Plan.Packages, 1)
	deleted := 0
	for i, v := range doc.Plan.Packages[0].Versions {
		if v.Action != "delete" {
			continue
		}
		deleted++
		assert.Empty(t, v.Tags, "untagged only: %d", v.ID)
		assert.Greater(t, start.Sub(v.CreatedAt), 30*day, "older than 30 days: %d", v.ID)
		assert.Less(t, i, len(doc.Plan.Packages[0].Versions)-10, "not one of the 10 newest: %d", v.ID)
	}
	assert.Equal(t, prunedApp, deleted)
	assert.Zero(t, r.h.srv.Stats().Deletes, "a dry run")
}

// prunedWithReport runs the prune example that writes run.json.
func prunedWithReport(t *testing.T, h *harness) {
	code, _, errOut := h.run(t, "prune", teamApp, "--org", "octo-org", "--older-than", "30d", "--keep", "10", "--yes", "--report", filepath.Join(h.dir, "run.json"))
	require.Equal(t, 0, code, errOut)
	require.Equal(t, prunedApp, h.srv.Stats().Deletes)
}

// activeVersions counts team/app's active versions in the fake.
func activeVersions(h *harness) int {
	n := 0
	for _, v := range h.srv.Versions("octo-org", ghpackages.Container, teamApp) {
		if v.DeletedAt == nil {
			n++
		}
	}
	return n
}

// examples maps every help example, by its command line, to what its
// comment promises. TestHelpExamples fails for an example missing here
// (add it when you add an example) and for an entry no help shows.
var examples = map[string]exampleCheck{
	"ghpkg packages --org octo-org": {comment: "octo-org's container packages", check: func(t *testing.T, r exampleRun) {
		require.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stdout, "team/app")
		assert.Contains(t, r.stdout, "base-image")
		assert.NotContains(t, r.stdout, ghpackagestest.DemoNPM, "containers only")
	}},
	"ghpkg prune team/app --org octo-org --older-than 30d --keep 10": {
		comment: "what would go: untagged versions older than 30 days, keeping the 10 newest images", check: deletesOlderUntagged},
	"ghpkg prune team/app --org octo-org --older-than 30d --keep 10 --yes --report run.json": {comment: "do it, with a report to undo it from ('ghpkg restore --report run.json')", check: func(t *testing.T, r exampleRun) {
		require.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stdout, strconv.Itoa(prunedApp)+" deleted")
		assert.Equal(t, prunedApp, r.h.srv.Stats().Deletes)
		assert.Equal(t, appVersion-prunedApp, activeVersions(r.h))
		var rep reportDoc
		decodeStrict(t, readFile(t, filepath.Join(r.h.dir, "run.json")), &rep)
		assert.Len(t, rep.Items, prunedApp, "run.json records every delete")
		for _, it := range rep.Items {
			assert.Equal(t, "deleted", it.Outcome)
			assert.NotNil(t, r.version(t, teamApp, it.VersionID).DeletedAt)
		}
	}},
	"ghpkg restore --report run.json": {comment: "everything a prune run deleted, from its --report file", setup: prunedWithReport, check: func(t *testing.T, r exampleRun) {
		require.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stdout, strconv.Itoa(prunedApp)+" restored")
		assert.Equal(t, appVersion, activeVersions(r.h), "every version is back")
	}},
	"ghpkg prune 'team/*' --org octo-org --any-tags --include 'nightly-*' --exclude latest --older-than 2w": {
		comment: "nightly builds older than two weeks, except anything tagged latest (--include selects tagged versions only: untagged ones stay)",
		check: func(t *testing.T, r exampleRun) {
			require.Equal(t, 0, r.code, r.stderr)
			doc := r.plan(t)
			deleted := 0
			for _, pp := range doc.Plan.Packages {
				assert.True(t, strings.HasPrefix(pp.Name, "team/"), pp.Name)
				for _, v := range pp.Versions {
					if v.Action != "delete" {
						continue
					}
					deleted++
					require.NotEmpty(t, v.Tags, "untagged versions stay: %d", v.ID)
					for _, tag := range v.Tags {
						assert.True(t, strings.HasPrefix(tag, "nightly-"), "only nightly builds: %d %v", v.ID, v.Tags)
					}
					assert.NotContains(t, v.Tags, "latest")
					assert.Greater(t, start.Sub(v.CreatedAt), 14*day, "older than two weeks: %d", v.ID)
				}
			}
			assert.Positive(t, deleted, "the demo has old nightly builds")
			assert.Contains(t, r.stdout, "would delete "+strconv.Itoa(deleted)+" and keep")
		}},
	"ghpkg prune --org octo-org --any-tags --older-than 30d --keep-tag v1.0.0 --keep-id 1260000006 --show all": {
		comment: "every version older than 30 days, tagged or not, of all the organization's container packages, except the release v1.0.0 and version 1260000006, listing every version with its reason",
		check: func(t *testing.T, r exampleRun) {
			require.Equal(t, 0, r.code, r.stderr)
			doc := r.plan(t)
			names := []string{}
			rows := 0
			for _, pp := range doc.Plan.Packages {
				names = append(names, pp.Name)
				for _, v := range pp.Versions {
					rows++
					switch {
					case v.ID == untagged1:
						assert.Equal(t, "keep", v.Action)
						assert.Equal(t, "ID 1260000006 is on the keep list", v.Reason)
					case slices.Contains(v.Tags, "v1.0.0"):
						assert.Equal(t, "keep", v.Action)
						assert.Equal(t, "tag v1.0.0 is on the keep list", v.Reason)
					case v.Action == "delete":
						assert.Greater(t, start.Sub(v.CreatedAt), 30*day, "%s %d", pp.Name, v.ID)
					}
				}
			}
			assert.Equal(t, []string{ghpackagestest.DemoBaseImage, teamApp}, names, "all of octo-org's container packages")
			assert.Equal(t, rows, strings.Count(r.stdout, "\n"+teamApp+" ")+strings.Count(r.stdout, "\n"+ghpackagestest.DemoBaseImage+" "),
				"--show all lists every version:\n%s", r.stdout)
			assert.Empty(t, doc.Plan.Warnings, "both keep-list entries match a version")
		}},
	"ghpkg prune team/app --org octo-org --tagged-only --all-ages --group-by 're:^v([0-9]+)\\.' --keep-tagged 2": {
		comment: "keep the 2 newest images of each major version (v1.x, v2.x, ...) and the 2 newest of the other tags; older tagged images go, untagged ones stay",
		check: func(t *testing.T, r exampleRun) {
			require.Equal(t, 0, r.code, r.stderr)
			assert.Contains(t, r.stdout, `images per --group-by group: (other tags) keep 2 of 11 | "1" keep 2 of 9`)
			doc := r.plan(t)
			var kept, deleted []string
			newestNightly := ""
			for _, v := range doc.Plan.Packages[0].Versions {
				tags := strings.Join(v.Tags, ",")
				switch {
				case len(v.Tags) == 0:
					assert.Equal(t, "keep", v.Action, "untagged ones stay: %d", v.ID)
				case v.Action == "delete":
					deleted = append(deleted, tags)
				default:
					kept = append(kept, tags)
				}
				if strings.HasPrefix(tags, "nightly-") {
					newestNightly = tags // oldest first: the last is the newest
				}
			}
			assert.ElementsMatch(t, []string{"v1.7.0", "v1.9.0,latest,stable", newestNightly}, kept,
				"v1: v1.9.0 and v1.7.0; other tags: the release (latest, stable) and the newest nightly")
			assert.Len(t, deleted, 16, "7 older v1 releases and 9 older nightlies")
			assert.Zero(t, r.h.srv.Stats().Deletes, "a dry run")
		}},
	"ghpkg prune team/app --org octo-org --tagged-only --include stable --untag --older-than 1d": {
		comment: "remove the tag stable from images older than a day: the images stay, with their other tags (--untag; build tags: --include 'sha-*')",
		check: func(t *testing.T, r exampleRun) {
			require.Equal(t, 0, r.code, r.stderr)
			assert.Contains(t, r.stdout, "removing 1 tag(s) from kept versions")
			doc := r.plan(t)
			for _, v := range doc.Plan.Packages[0].Versions {
				if v.ID == releaseIdx {
					assert.Equal(t, "untag", v.Action)
					assert.Equal(t, []string{"stable"}, v.Untag)
					assert.Greater(t, start.Sub(v.CreatedAt), day)
				} else {
					assert.NotEqual(t, "delete", v.Action, "no image goes: %d", v.ID)
				}
			}
			assert.Equal(t, 1, doc.Summary.PlannedUntags)
			assert.Zero(t, doc.Summary.Planned)
		}},
	"ghpkg untag team/app stable --org octo-org": {
		comment: "what would happen: stable leaves the multi-arch image it tags, which keeps its other tags (v1.9.0, latest) and its platform images",
		check: func(t *testing.T, r exampleRun) {
			require.Equal(t, 0, r.code, r.stderr)
			assert.Contains(t, r.stdout, "removes tag stable, as asked")
			assert.Contains(t, r.stdout, "would remove 1 tag(s) and delete no image")
			doc := r.plan(t)
			for _, v := range doc.Plan.Packages[0].Versions {
				if v.ID == releaseIdx {
					assert.Equal(t, []string{"stable"}, v.Untag)
				} else {
					assert.Equal(t, "keep", v.Action, "%d", v.ID)
				}
			}
			assert.Contains(t, r.version(t, teamApp, releaseIdx).Tags, "stable", "a dry run")
		}},
	"ghpkg untag team/app stable --org octo-org --yes --report untag.json": {
		comment: "do it, with a report to undo it from ('ghpkg restore --report untag.json')",
		check: func(t *testing.T, r exampleRun) {
			require.Equal(t, 0, r.code, r.stderr)
			assert.Contains(t, r.stdout, "1 tag(s) removed")
			assert.ElementsMatch(t, []string{"v1.9.0", "latest"}, r.version(t, teamApp, releaseIdx).Tags)
			code, out, _ := r.h.run(t, "verify", teamApp, "--org", "octo-org")
			assert.Equal(t, 0, code, "the image and its platform images are whole: %s", out)
			var rep reportDoc
			decodeStrict(t, readFile(t, filepath.Join(r.h.dir, "untag.json")), &rep)
			require.NotEmpty(t, rep.Items)
			assert.Equal(t, "untag", rep.Items[0].Action)
			code, _, errOut := r.h.run(t, "restore", "--report", filepath.Join(r.h.dir, "untag.json"))
			require.Equal(t, 0, code, errOut)
			assert.ElementsMatch(t, []string{"v1.9.0", "latest", "stable"}, r.version(t, teamApp, releaseIdx).Tags, "undone")
		}},
	"ghpkg versions team/app --org octo-org": {comment: "team/app's active versions, newest first", check: func(t *testing.T, r exampleRun) {
		require.Equal(t, 0, r.code, r.stderr)
		lines := strings.Split(strings.TrimSpace(r.stdout), "\n")[1:]
		require.Len(t, lines, appVersion)
		assert.True(t, strings.HasPrefix(lines[0], strconv.FormatInt(releaseIdx, 10)), "newest first: %s", lines[0])
		assert.True(t, strings.HasPrefix(lines[len(lines)-1], strconv.Itoa(firstID)), "oldest last: %s", lines[len(lines)-1])
	}},
	"ghpkg versions team/app --org octo-org --state deleted": {comment: "the versions deleted in the last 30 days, which 'ghpkg restore' can bring back", check: func(t *testing.T, r exampleRun) {
		require.Equal(t, 0, r.code, r.stderr)
		for _, id := range []string{"1260000007", "1260000009", "1260000012"} {
			assert.Contains(t, r.stdout, id)
		}
		assert.Len(t, strings.Split(strings.TrimSpace(r.stdout), "\n"), 4, "a header and the demo's 3 deleted versions")
		assert.Contains(t, r.stdout, "DELETED")
	}},
	"ghpkg versions team/app --org octo-org --json": {comment: "the same as JSON, with full digests", check: func(t *testing.T, r exampleRun) {
		require.Equal(t, 0, r.code, r.stderr)
		var doc struct {
			Versions []struct {
				Name string `json:"name"`
			} `json:"versions"`
		}
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &doc))
		require.Len(t, doc.Versions, appVersion)
		for _, v := range doc.Versions {
			assert.Len(t, v.Name, len("sha256:")+64, "full digests")
		}
	}},
	"ghpkg get team/app --org octo-org": {comment: "the package: visibility, version count, repository", check: func(t *testing.T, r exampleRun) {
		require.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stdout, "visibility: public")
		assert.Contains(t, r.stdout, "versions:   37")
		assert.Contains(t, r.stdout, "repository: octo-org/app")
	}},
	"ghpkg get team/app --org octo-org --id 1260000044 --json": {comment: "one version as JSON: the multi-arch image tagged latest", check: func(t *testing.T, r exampleRun) {
		require.Equal(t, 0, r.code, r.stderr)
		var doc struct {
			Version struct {
				ID   int64    `json:"id"`
				Tags []string `json:"tags"`
			} `json:"version"`
		}
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &doc))
		assert.Equal(t, releaseIdx, doc.Version.ID)
		assert.Contains(t, doc.Version.Tags, "latest")
	}},
	"ghpkg get octo-name --type rubygems": {comment: "a package of the token's own account (no --org, --user or --owner)", check: func(t *testing.T, r exampleRun) {
		require.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stdout, "rubygems octo-name")
	}},
	"ghpkg delete team/app --org octo-org --id 1260000006 --yes": {comment: "one version: an untagged build no image needs", check: func(t *testing.T, r exampleRun) {
		require.Equal(t, 0, r.code, r.stderr)
		assert.Equal(t, "deleted: version 1260000006 of team/app\n", r.stdout)
		assert.Equal(t, 1, r.h.srv.Stats().Deletes)
		code, out, _ := r.h.run(t, "verify", teamApp, "--org", "octo-org")
		assert.Equal(t, 0, code, "every tag still whole: %s", out)
	}},
	"ghpkg delete team/app --org octo-org --id 1260000043 --yes": {comment: "refused (exit 2): a platform image of the multi-arch image tagged latest", check: func(t *testing.T, r exampleRun) {
		assert.Equal(t, 2, r.code)
		assert.Contains(t, r.stderr, "the image tagged latest, stable, v1.9.0 (version 1260000044, ")
		assert.Zero(t, r.h.srv.Stats().Deletes)
	}},
	"ghpkg delete hello-world-npm --org octo-org --type npm --yes": {comment: "a whole package, versions and all", check: func(t *testing.T, r exampleRun) {
		require.Equal(t, 0, r.code, r.stderr)
		assert.Equal(t, "deleted: package hello-world-npm\n", r.stdout)
		p, ok := r.h.srv.Package("octo-org", ghpackages.NPM, ghpackagestest.DemoNPM)
		require.True(t, ok)
		assert.NotNil(t, p.DeletedAt)
	}},
	"ghpkg restore team/app --org octo-org --id 1260000007": {comment: "one version, deleted two days ago", setup: func(t *testing.T, h *harness) {
		v, ok := findVersion(h, "octo-org", ghpackages.Container, teamApp, 1260000007)
		require.True(t, ok)
		require.NotNil(t, v.DeletedAt)
		assert.Equal(t, 2*day, start.Sub(*v.DeletedAt).Round(time.Hour), "deleted two days ago")
	}, check: func(t *testing.T, r exampleRun) {
		require.Equal(t, 0, r.code, r.stderr)
		assert.Equal(t, "restored: version 1260000007 of team/app\n", r.stdout)
		assert.Nil(t, r.version(t, teamApp, 1260000007).DeletedAt)
	}},
	"ghpkg prune team/app --org octo-org --older-than 30d --yes --json | ghpkg restore --report -": {comment: "straight from prune's --json output", check: func(t *testing.T, r exampleRun) {
		require.Equal(t, 0, r.code, r.stderr)
		var first runDoc
		decodeStrict(t, r.firstOut, &first)
		assert.Equal(t, prunedApp, first.Summary.Deleted, "the prune deleted")
		assert.Contains(t, r.stdout, strconv.Itoa(prunedApp)+" restored")
		assert.Equal(t, appVersion, activeVersions(r.h), "and the restore brought every version back")
	}},
	"ghpkg packages --org octo-org --visibility public": {comment: "only the public ones", check: func(t *testing.T, r exampleRun) {
		require.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stdout, "team/app")
		assert.NotContains(t, r.stdout, "base-image", "private")
	}},
	"ghpkg packages --user octocat --type rubygems --json": {comment: "a user's rubygems packages, as JSON", check: func(t *testing.T, r exampleRun) {
		require.Equal(t, 0, r.code, r.stderr)
		var doc struct {
			Packages []struct {
				Name string `json:"name"`
			} `json:"packages"`
		}
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &doc))
		require.Len(t, doc.Packages, 1)
		assert.Equal(t, ghpackagestest.DemoUserGem, doc.Packages[0].Name)
	}},
	"ghpkg verify team/app --org octo-org": {comment: "every tag of team/app points at a whole image", check: func(t *testing.T, r exampleRun) {
		require.Equal(t, 0, r.code, r.stderr)
		assert.Regexp(t, `^team/app: whole: [0-9]+ tags, [0-9]+ manifests\n$`, r.stdout)
	}},
	"ghpkg verify --report run.json": {comment: "the packages a run touched, from its report or undo journal (also of a run that was killed)", setup: prunedWithReport,
		check: func(t *testing.T, r exampleRun) {
			require.Equal(t, 0, r.code, r.stderr)
			assert.Regexp(t, `^team/app: whole: [0-9]+ tags, [0-9]+ manifests\n$`, r.stdout, "the run's one package, from the report's owner")
		}},
	"ghpkg verify team/app base-image --org octo-org --json": {comment: "two packages, as JSON", check: func(t *testing.T, r exampleRun) {
		require.Equal(t, 0, r.code, r.stderr)
		var doc struct {
			Packages []struct {
				Package string `json:"package"`
				Whole   bool   `json:"whole"`
			} `json:"packages"`
		}
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &doc))
		require.Len(t, doc.Packages, 2)
		for _, p := range doc.Packages {
			assert.True(t, p.Whole, p.Package)
		}
	}},
	"ghpkg scopes": {comment: "can the token run prune (the default --for)?", check: func(t *testing.T, r exampleRun) {
		require.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stdout, "prune")
	}},
	"ghpkg scopes --for restore --type npm": {comment: "can it restore npm packages?", check: func(t *testing.T, r exampleRun) {
		require.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stdout, "write:packages")
		assert.Contains(t, r.stdout, "repo")
	}},
	"ghpkg scopes --for all --json": {comment: "every command's needs, as JSON", check: func(t *testing.T, r exampleRun) {
		require.Equal(t, 0, r.code, r.stderr)
		var doc struct {
			Commands []struct {
				Command string `json:"command"`
			} `json:"commands"`
		}
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &doc))
		assert.Greater(t, len(doc.Commands), 4)
	}},
	"ghpkg version": {comment: "ghpkg's version, and the SDK's", check: func(t *testing.T, r exampleRun) {
		require.Equal(t, 0, r.code, r.stderr)
		assert.True(t, strings.HasPrefix(r.stdout, "ghpkg "), r.stdout)
		assert.Contains(t, r.stdout, "ghpackages-go")
	}},
	"ghpkg version --json": {comment: "the same as JSON", check: func(t *testing.T, r exampleRun) {
		require.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stdout, `"sdk_version"`)
	}},
}

// TestHelpExamples runs every example of every command's help against the
// demo fake (with its real multi-arch images in the registry), as written
// except for --base-url and files kept in the test's directory, and checks
// that it does what its comment says.
func TestHelpExamples(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, ex := range helpExamples(t) {
		name := strings.TrimSpace(ex.command + " " + ex.line)
		seen[ex.line] = true
		c, ok := examples[ex.line]
		if !ok {
			t.Errorf("ghpkg help %s: the example %q (%q) has no entry in examples: add one that checks what its comment says", ex.command, ex.line, ex.comment)
			continue
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, c.comment, ex.comment, "the comment changed: review the check")
			h := newHarness(t, ghcrtest.WithRegistry())
			if c.setup != nil {
				c.setup(t, h)
			}
			r := exampleRun{h: h}
			parts := shellWords(t, ex.line)
			stdin := ""
			for i, args := range parts {
				for j, a := range args {
					if strings.HasSuffix(a, ".json") && !strings.HasPrefix(a, "-") {
						args[j] = filepath.Join(h.dir, a)
					}
				}
				r.args = args
				r.code, r.stdout, r.stderr = h.runIn(t, stdin, args...)
				if i < len(parts)-1 {
					require.Equal(t, 0, r.code, "%v: %s", args, r.stderr)
					stdin, r.firstOut = r.stdout, r.stdout
				}
			}
			c.check(t, r)
		})
	}
	for line := range examples {
		assert.True(t, seen[line], "examples has an entry for %q, which no help shows any more", line)
	}
}
