package cli

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tornFile is a journal file on a disk that fills once: the write number
// tearAt writes half its bytes and fails with ENOSPC; every other write
// goes through.
type tornFile struct {
	*os.File
	writes, tearAt int
}

func (f *tornFile) Write(p []byte) (int, error) {
	f.writes++
	if f.writes == f.tearAt {
		n, _ := f.File.Write(p[:len(p)/2])
		return n, syscall.ENOSPC
	}
	return f.File.Write(p)
}

// A line torn by a full disk is cut off: the request whose intent could
// not be written is not sent (intent returns the error), and the lines
// written once there is room again (the next intent, and its answer) are
// read back whole, not glued to the torn bytes and lost with them.
func TestJournalCutsATornLine(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 24, 3, 17, 0, 0, time.UTC)
	path := filepath.Join(t.TempDir(), "run.json")
	osf, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	require.NoError(t, err)
	f := &tornFile{File: osf, tearAt: 2}
	j := &journal{f: f, path: path, now: func() time.Time { return at }}
	require.NoError(t, j.append(journalLine{J: "start", Schema: journalSchema, Command: "delete", OwnerKind: "org", OwnerName: "octo-org", At: at}))

	const v1 = "https://api.github.com/orgs/octo-org/packages/npm/app/versions/1"
	const v2 = "https://api.github.com/orgs/octo-org/packages/npm/app/versions/2"
	_, err = j.intent("DELETE", v1)
	require.True(t, errors.Is(err, syscall.ENOSPC), "the torn intent is an error: its request is not sent")
	seq, err := j.intent("DELETE", v2)
	require.NoError(t, err)
	j.done(seq, 204, nil)
	j.close()

	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.NotContains(t, string(raw), "versions/1", "the torn line is cut off")
	rep, err := journalReport(raw)
	require.NoError(t, err)
	require.Len(t, rep.Items, 1, "%s", raw)
	assert.Equal(t, int64(2), rep.Items[0].VersionID)
	assert.Equal(t, "deleted", string(rep.Items[0].Outcome))
}

// A tag push in a journal is the untag of the package whose repository
// it names, not of another package whose name ends the same: with app
// and team/app in the plan, both losing pr-1, the push to
// octo-org/team/app is team/app's (restore puts pr-1 back on team/app's
// image, not on a digest of app's that the repository does not hold).
func TestJournalTagPushNamesItsPackage(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 24, 3, 17, 0, 0, time.UTC)
	plan := &planJSON{OwnerKind: "org", OwnerName: "octo-org", Packages: []packagePlanJSON{
		{Type: "container", Name: "app", Versions: []decisionJSON{{ID: 1, Name: "sha256:aaaa", Tags: []string{"pr-1"}, Action: "untag", Untag: []string{"pr-1"}}}},
		{Type: "container", Name: "team/app", Versions: []decisionJSON{{ID: 2, Name: "sha256:bbbb", Tags: []string{"pr-1"}, Action: "untag", Untag: []string{"pr-1"}}}},
	}}
	path := filepath.Join(t.TempDir(), "run.json")
	osf, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	require.NoError(t, err)
	j := &journal{f: osf, path: path, now: func() time.Time { return at }}
	require.NoError(t, j.append(journalLine{J: "start", Schema: journalSchema, Command: "prune", OwnerKind: "org", OwnerName: "octo-org", Plan: plan, At: at}))
	for _, repo := range []string{"octo-org/team/app", "octo-org/app"} {
		seq, err := j.intent("PUT", "https://ghcr.io/v2/"+repo+"/manifests/pr-1")
		require.NoError(t, err)
		j.done(seq, 201, nil)
	}
	j.close()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	rep, err := journalReport(raw)
	require.NoError(t, err)
	got := map[string]string{}
	for _, it := range rep.Items {
		got[it.Repository] = it.Package + " " + it.Version
	}
	assert.Equal(t, map[string]string{"octo-org/team/app": "team/app sha256:bbbb", "octo-org/app": "app sha256:aaaa"}, got)
}
