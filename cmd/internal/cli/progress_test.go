package cli

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ghpackages/ghpackages-go/retention"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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

// TestRegistryWaitsFromConcurrentLookups reports waits as the resolver
// does, from several lookups at once: each is one whole line, and the
// count is exact (under -race, an unguarded write to stderr fails here).
func TestRegistryWaitsFromConcurrentLookups(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	a := &app{name: "prune", env: Env{Stderr: &stderr, Now: time.Now}}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			a.registryWait(retention.RegistryWait{Method: "GET", URL: fmt.Sprintf("https://ghcr.io/v2/o/p/manifests/m%d", i),
				Attempt: 1, StatusCode: 503, Wait: time.Second})
			a.warnf("lookup %d", i)
		})
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
	assert.Len(t, lines, 16)
	for _, l := range lines {
		assert.True(t, strings.HasPrefix(l, "ghpkg"), "a whole line: %q", l)
	}
	assert.Equal(t, 8, a.registryWaitCount())
}

// Apply's final check reports its restores after the plan's steps: they
// are a phase of their own ("healing: n/M", M as WithHealStart announces
// it), so "deleting: n/N" never goes past N.
func TestProgressHealingIsItsOwnPhase(t *testing.T) {
	t.Parallel()
	for _, terminal := range []bool{true, false} {
		var stderr bytes.Buffer
		a := &app{name: "prune", env: Env{Stderr: &stderr, StderrIsTerminal: terminal, Now: time.Now}}
		r := a.retentionProgress("deleting", 2)
		announced := false
		for _, o := range r.applyOptions() {
			_, ok := o.(retention.HealStartOption)
			announced = announced || ok
		}
		require.True(t, announced, "Apply is asked to announce the heal phase")
		r.item(retention.Item{Step: retention.StepDeleteVersion, Outcome: retention.OutcomeDeleted})
		r.item(retention.Item{Step: retention.StepDeleteVersion, Outcome: retention.OutcomeDeleted})
		r.heal(2) // as WithHealStart calls it
		r.item(retention.Item{Step: retention.StepRestoreVersion, Outcome: retention.OutcomeHealed})
		r.item(retention.Item{Step: retention.StepRestoreVersion, Outcome: retention.OutcomeFailed})
		a.endProgress()
		want := "deleting: 2/2\nhealing: 2/2 (1 failed)\n"
		if terminal {
			want = "\rdeleting: 1/2\rdeleting: 2/2\n\rhealing: 1/2\rhealing: 2/2 (1 failed)\n"
		}
		assert.Equal(t, want, stderr.String(), "terminal %v", terminal)
	}
}
