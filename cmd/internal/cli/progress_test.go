package cli

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestProgressLines(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var ci bytes.Buffer
	a := &app{name: "prune", env: Env{Stderr: &ci, Now: func() time.Time { return now }}}
	p := a.startProgress("deleting", 25)
	for i := range 25 {
		if i == 12 {
			now = now.Add(progressEvery) // a line every few seconds
		}
		p.step(i == 3)
	}
	assert.Equal(t, "deleting: 13/25 (1 failed)\ndeleting: 25/25 (1 failed)\n", ci.String())
}

func TestProgressLiveLine(t *testing.T) {
	t.Parallel()
	var tty bytes.Buffer
	a := &app{name: "prune", env: Env{Stderr: &tty, StderrIsTerminal: true, Now: time.Now}}
	pl := a.startProgress("planning", 0)
	pl.step(false)
	a.pageRead("team%2Fapp")
	a.endProgress()
	a.pageRead("") // after the phase: not counted
	p := a.startProgress("deleting", 2)
	p.step(false)
	a.warnf("something")
	p.step(false)
	assert.Equal(t, "\rplanning: 1 pages read, 0 packages\rplanning: 2 pages read, 1 packages\n"+
		"\rdeleting: 1/2\nghpkg prune: warning: something\n\rdeleting: 2/2\n", tty.String())
}

func TestFlagWords(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"the last tagged version: GitHub refuses to delete it (set DeletePackageWhenEmpty to delete the package when every version goes)": "the last tagged version: GitHub refuses to delete it (pass --delete-package-when-empty to delete the package when every version goes)",
		"KeepNewestTagged is -1; it must not be negative":                                                                       "--keep-tagged is -1; it must not be negative",
		"IncludeTags selects tagged versions, but the policy deletes untagged versions only: set Tags to TaggedOnly or AnyTags": "--include selects tagged versions, but the policy deletes untagged versions only: add --tagged-only or --any-tags",
		"set OlderThan, or DeleteAllMatching to delete regardless of age":                                                       "give --older-than AGE, or --all-ages to delete regardless of age",
	} {
		assert.Equal(t, want, flagWords(in))
	}
}
