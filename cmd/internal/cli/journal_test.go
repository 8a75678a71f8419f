package cli_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ghpackages "github.com/ghpackages/ghpackages-go"
)

// TestJournalReadBack: a journal cut mid-run (a torn last line) is read
// back by restore --report and verify --report. A DELETE answered 204 is
// "deleted"; one sent without a recorded answer "may have been done" and is
// settled by reading: gone → restored, still there → not attempted (and
// never restored, so never "restored" twice).
func TestJournalReadBack(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.srv.Client(ghpackages.WithToken(secret), ghpackages.WithPacing(ghpackages.NoPacing()))
	for _, id := range []int64{1260000006, 1260000016} {
		_, err := c.Orgs.DeleteVersion(t.Context(), "octo-org", ghpackages.Container, teamApp, id)
		require.NoError(t, err)
	}
	at := start.UTC().Format(time.RFC3339)
	url := func(id int) string {
		return fmt.Sprintf("%s/orgs/octo-org/packages/container/team%%2Fapp/versions/%d", strings.TrimSuffix(h.srv.BaseURL(), "/"), id)
	}
	lines := []string{
		fmt.Sprintf(`{"j":"start","schema":"ghpkg/journal/v1","command":"prune","owner_kind":"org","owner_name":"octo-org","at":%q}`, at),
		fmt.Sprintf(`{"j":"intent","seq":1,"method":"DELETE","url":%q,"at":%q}`, url(1260000006), at),
		fmt.Sprintf(`{"j":"done","seq":1,"status":204,"at":%q}`, at),
		fmt.Sprintf(`{"j":"intent","seq":2,"method":"DELETE","url":%q,"at":%q}`, url(1260000013), at),
		fmt.Sprintf(`{"j":"intent","seq":3,"method":"DELETE","url":%q,"at":%q}`, url(1260000016), at),
		`{"j":"done","seq":3,"sta`,
	}
	path := filepath.Join(h.dir, "journal.json")
	require.NoError(t, os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o600))

	code, _, errOut := h.run(t, "verify", "--report", path, "--org", "octo-org")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, errOut, "version 1260000013 of team/app: the stopped run's delete did not happen: it is still there")
	assert.Contains(t, errOut, "version 1260000016 of team/app: the stopped run's delete happened: it is gone")
	assert.Zero(t, h.srv.Stats().Restores, "verify changes nothing")

	code, out, errOut := h.run(t, "restore", "--report", path, "--json")
	require.Equal(t, 0, code, errOut)
	var doc runDoc
	decodeStrict(t, out, &doc)
	outcomes := map[int64]string{}
	for _, it := range doc.Report.Items {
		outcomes[it.VersionID] = it.Outcome
	}
	assert.Equal(t, map[int64]string{1260000006: "restored", 1260000016: "restored"}, outcomes)
	assert.Equal(t, 2, h.srv.Stats().Restores)
	active := map[int64]bool{}
	for _, v := range h.srv.Versions("octo-org", ghpackages.Container, teamApp) {
		active[v.ID] = v.DeletedAt == nil
	}
	for _, id := range []int64{1260000006, 1260000013, 1260000016} {
		assert.True(t, active[id], "version %d is active", id)
	}
}

// TestJournalStateDir: without --report the journal is a new file under
// the state directory's runs/, printed before the first change, holding
// the final report at the end; journals there older than 30 days are
// removed. A state directory that cannot be written puts the journal in
// the temporary directory, with a warning.
func TestJournalStateDir(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	runs := filepath.Join(h.stateDir, "runs")
	require.NoError(t, os.MkdirAll(runs, 0o700))
	old := filepath.Join(runs, "prune-old.json")
	require.NoError(t, os.WriteFile(old, []byte("{}"), 0o600))
	past := time.Now().Add(-31 * 24 * time.Hour)
	require.NoError(t, os.Chtimes(old, past, past))

	code, _, errOut := h.run(t, "delete", teamApp, "--org", "octo-org", "--id", "1260000006", "--yes")
	require.Equal(t, 0, code, errOut)
	m := regexp.MustCompile(`undo journal: (\S+) \('ghpkg restore --report`).FindStringSubmatch(errOut)
	require.NotNil(t, m, errOut)
	assert.Equal(t, runs, filepath.Dir(m[1]))
	var rep reportDoc
	decodeStrict(t, readFile(t, m[1]), &rep)
	require.Len(t, rep.Items, 1)
	assert.Equal(t, "deleted", rep.Items[0].Outcome)
	assert.NoFileExists(t, old, "a journal older than 30 days is removed")

	code, _, errOut = h.run(t, "restore", "--report", m[1])
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, 1, h.srv.Stats().Restores)

	h.stateDir = filepath.Join(h.dir, "not-a-dir")
	require.NoError(t, os.WriteFile(h.stateDir, nil, 0o600))
	code, _, errOut = h.run(t, "delete", teamApp, "--org", "octo-org", "--id", "1260000006", "--yes")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, errOut, "the state directory cannot hold the undo journal")
	m = regexp.MustCompile(`undo journal: (\S+) \(`).FindStringSubmatch(errOut)
	require.NotNil(t, m, errOut)
	t.Cleanup(func() { os.Remove(m[1]) })
	assert.Equal(t, filepath.Clean(os.TempDir()), filepath.Dir(m[1]))
}

// TestStoppedMidRequest: a run stopped (SIGINT, SIGTERM) while a DELETE is
// on the wire, which GitHub carried out, reports it gone-unconfirmed, not
// "not attempted": its intent is in the journal without an answer, and
// restore --report brings it back.
func TestStoppedMidRequest(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(cancel)
	h.ctx = ctx
	deletes := 0
	var lost int64
	h.wrap = func(next http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(req *http.Request) (*http.Response, error) {
			if req.Method != http.MethodDelete {
				return next.RoundTrip(req)
			}
			deletes++
			if deletes < 2 {
				return next.RoundTrip(req)
			}
			// The server does it; the signal comes before the answer.
			resp, err := next.RoundTrip(req.WithContext(context.WithoutCancel(req.Context())))
			if err == nil {
				resp.Body.Close()
			}
			_, id := path.Split(req.URL.Path)
			lost, _ = strconv.ParseInt(id, 10, 64)
			cancel()
			return nil, context.Canceled
		})
	}
	report := filepath.Join(h.dir, "run.json")
	code, out, errOut := h.run(t, "prune", teamApp, "--org", "octo-org", "--older-than", "30d", "--skip-reference-check", "--yes", "--report", report, "--json")
	require.Equal(t, 1, code, errOut)
	require.NotZero(t, lost)
	var doc runDoc
	decodeStrict(t, out, &doc)
	outcome := map[int64]string{}
	for _, it := range doc.Report.Items {
		outcome[it.VersionID] = it.Outcome
	}
	assert.Equal(t, "gone-unconfirmed", outcome[lost], "the DELETE on the wire when the run stopped may have been done\n%s", errOut)

	h.ctx, h.wrap = nil, nil
	code, _, errOut = h.run(t, "restore", "--report", report)
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, appVersion, activeVersions(h), "restore --report brings back both, the confirmed and the unconfirmed")
}
