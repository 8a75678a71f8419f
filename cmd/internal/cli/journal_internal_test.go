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
