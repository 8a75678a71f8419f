package retention_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
	"github.com/ghpackages/ghpackages-go/retention"
)

// losingTransport forwards every request to the fake, but loses the answer
// to the first request of each method+path in lose, as a connection reset
// after GitHub carried the request out would: the server changed state,
// the client saw an error and sends it again.
type losingTransport struct {
	next http.RoundTripper
	lose map[string]bool // methods whose first answer per path is lost

	mu   sync.Mutex
	seen map[string]bool
	lost int
}

func (l *losingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(req)
	if err != nil || !l.lose[req.Method] {
		return resp, err
	}
	key := req.Method + " " + req.URL.EscapedPath()
	l.mu.Lock()
	first := !l.seen[key]
	if l.seen == nil {
		l.seen = map[string]bool{}
	}
	l.seen[key] = true
	if first {
		l.lost++
	}
	l.mu.Unlock()
	if first {
		resp.Body.Close()
		return nil, errors.New("connection reset by peer")
	}
	return resp, nil
}

// lostAnswers is a fake with two npm packages of acme: "lib" (two old
// versions and a new one) and "old-lib" (old versions only), and a client
// that loses the first answer per path of the methods given.
type lostAnswers struct {
	srv                 *ghpackagestest.Server
	clock               *ghpackagestest.FakeClock
	client              *ghpackages.Client
	lose                *losingTransport
	oldest, older, kept int64
}

func newLostAnswers(t *testing.T, lose ...string) *lostAnswers {
	t.Helper()
	clock := ghpackagestest.NewFakeClock(start)
	srv := ghpackagestest.NewServer(ghpackagestest.WithClock(clock))
	t.Cleanup(srv.Close)
	f := &lostAnswers{srv: srv, clock: clock}
	srv.AddPackage(ghpackagestest.PackageSpec{Owner: "acme", Type: ghpackages.NPM, Name: "lib"})
	f.oldest = srv.AddVersion("acme", ghpackages.NPM, "lib", ghpackagestest.VersionSpec{Name: "1.0.0", CreatedAt: start.Add(-90 * day)})
	f.older = srv.AddVersion("acme", ghpackages.NPM, "lib", ghpackagestest.VersionSpec{Name: "1.0.1", CreatedAt: start.Add(-80 * day)})
	f.kept = srv.AddVersion("acme", ghpackages.NPM, "lib", ghpackagestest.VersionSpec{Name: "1.0.2", CreatedAt: start.Add(-1 * day)})
	srv.AddPackage(ghpackagestest.PackageSpec{Owner: "acme", Type: ghpackages.NPM, Name: "old-lib"})
	srv.AddVersion("acme", ghpackages.NPM, "old-lib", ghpackagestest.VersionSpec{Name: "0.1.0", CreatedAt: start.Add(-200 * day)})
	srv.AddVersion("acme", ghpackages.NPM, "old-lib", ghpackagestest.VersionSpec{Name: "0.2.0", CreatedAt: start.Add(-190 * day)})
	set := map[string]bool{}
	for _, m := range lose {
		set[m] = true
	}
	f.lose = &losingTransport{next: srv.HTTPClient().Transport, lose: set}
	f.client = srv.Client(ghpackages.WithHTTPClient(&http.Client{Transport: f.lose}))
	return f
}

func (f *lostAnswers) plan(t *testing.T) *retention.Plan {
	t.Helper()
	p, err := retention.NewPlan(t.Context(), f.client, ghpackages.OrgOwner("acme"),
		retention.Policy{Type: ghpackages.NPM, OlderThan: 30 * day, Tags: retention.AnyTags, DeletePackageWhenEmpty: true},
		retention.WithNow(f.clock.Now))
	require.NoError(t, err)
	require.Equal(t, 3, p.Deletes(), "two versions of lib, and old-lib whole")
	return p
}

// active reports which of lib's versions are active, and whether old-lib
// is.
func (f *lostAnswers) active(t *testing.T) (versions map[int64]bool, oldLib bool) {
	t.Helper()
	versions = map[int64]bool{}
	for _, v := range f.srv.Versions("acme", ghpackages.NPM, "lib") {
		versions[v.ID] = v.DeletedAt == nil
	}
	p, ok := f.srv.Package("acme", ghpackages.NPM, "old-lib")
	require.True(t, ok)
	return versions, p.DeletedAt == nil
}

// outcomes maps "package" or "package@version" to each item's outcome.
func outcomes(rep *retention.Report) map[string]retention.Outcome {
	out := map[string]retention.Outcome{}
	for _, it := range rep.Items {
		key := it.Package
		if it.Version != "" {
			key += "@" + it.Version
		}
		out[key] = it.Outcome
	}
	return out
}

// A delete that went through but whose answer was lost is sent again and
// answered 404. When no read can prove the item gone (a whole package; a
// version whose package the token could not read just then) Apply reports
// it gone-unconfirmed, not already-gone, and not a failure; Restore
// restores it from the report like a deleted item, and restoring the same
// report again finds everything active: already-active, not failed.
func TestLostDeleteAnswersAreRestorable(t *testing.T) {
	t.Parallel()
	f := newLostAnswers(t, http.MethodDelete)
	p := f.plan(t)
	// After the resend of 1.0.1's DELETE, its package cannot be read once
	// (GitHub answers 404 for what the token cannot see): DeleteVersion
	// cannot settle the 404.
	f.srv.InjectFault(ghpackagestest.Fault{Method: http.MethodGet, Path: "/orgs/acme/packages/npm/lib", Status: http.StatusNotFound})

	rep, err := retention.Apply(t.Context(), f.client, p, retention.WithNow(f.clock.Now))
	require.NoError(t, err)
	assert.Equal(t, map[string]retention.Outcome{
		"old-lib":   retention.OutcomeGoneUnconfirmed, // a package DELETE's replay can never be confirmed
		"lib@1.0.1": retention.OutcomeGoneUnconfirmed,
		"lib@1.0.0": retention.OutcomeDeleted, // gone while lib reads: confirmed
	}, outcomes(rep))
	assert.Equal(t, 3, f.lose.lost, "every DELETE's first answer was lost")
	assert.Equal(t, 0, f.srv.PendingFaults())
	for _, it := range rep.Items {
		switch it.Outcome {
		case retention.OutcomeGoneUnconfirmed:
			assert.ErrorIs(t, it.Err, ghpackages.ErrDeleteUnconfirmed)
			assert.Equal(t, http.StatusNotFound, it.Status)
			assert.NotEmpty(t, it.Error)
			assert.False(t, it.Replayed, "Replayed means confirmed")
		case retention.OutcomeDeleted:
			assert.True(t, it.Replayed)
			assert.NoError(t, it.Err)
		}
	}
	assert.False(t, rep.Failed())
	assert.Equal(t, 2, rep.Count(retention.OutcomeGoneUnconfirmed))
	versions, oldLib := f.active(t)
	assert.Equal(t, map[int64]bool{f.oldest: false, f.older: false, f.kept: true}, versions, "the first attempts did delete")
	assert.False(t, oldLib)

	// The report goes through its JSON form, as between two CI runs.
	raw, err := json.Marshal(rep)
	require.NoError(t, err)
	assert.Contains(t, string(raw), `"outcome":"gone-unconfirmed"`)
	var back retention.Report
	require.NoError(t, json.Unmarshal(raw, &back))

	f.clock.Advance(time.Hour)
	restored, err := retention.Restore(t.Context(), f.client, &back, retention.WithNow(f.clock.Now))
	require.NoError(t, err)
	assert.Equal(t, map[string]retention.Outcome{
		"old-lib":   retention.OutcomeRestored,
		"lib@1.0.1": retention.OutcomeRestored,
		"lib@1.0.0": retention.OutcomeRestored,
	}, outcomes(restored))
	assert.False(t, restored.Failed())
	assert.Equal(t, 3, f.srv.Stats().Restores)
	versions, oldLib = f.active(t)
	assert.Equal(t, map[int64]bool{f.oldest: true, f.older: true, f.kept: true}, versions)
	assert.True(t, oldLib)

	// Restoring from the same report again: GitHub answers 404, a read
	// finds each item active, and that is done, not failed.
	again, err := retention.Restore(t.Context(), f.client, &back, retention.WithNow(f.clock.Now))
	require.NoError(t, err)
	assert.Equal(t, map[string]retention.Outcome{
		"old-lib":   retention.OutcomeAlreadyActive,
		"lib@1.0.1": retention.OutcomeAlreadyActive,
		"lib@1.0.0": retention.OutcomeAlreadyActive,
	}, outcomes(again))
	for _, it := range again.Items {
		assert.Empty(t, it.Error)
		assert.Zero(t, it.Status)
		assert.NoError(t, it.Err)
	}
	assert.False(t, again.Failed())
	assert.Equal(t, 3, again.Count(retention.OutcomeAlreadyActive))
	assert.Equal(t, 3, f.srv.Stats().Restores, "nothing restored twice")
}

// A resent DELETE answered 404 for a version that DeleteVersion then reads
// back is not gone: the first attempt never reached GitHub (a 502) and
// the 404 is GitHub's answer to a token without admin on the package.
// That is a failure, not already-gone.
func TestReplayedDeleteOfAVersionStillThereFails(t *testing.T) {
	t.Parallel()
	f := newLostAnswers(t)
	p := f.plan(t)
	f.srv.InjectFault(ghpackagestest.Fault{Method: http.MethodDelete, Path: "/orgs/acme/packages/npm/lib/versions/*", Status: http.StatusBadGateway})
	f.srv.InjectFault(ghpackagestest.Fault{Method: http.MethodDelete, Path: "/orgs/acme/packages/npm/lib/versions/*", Status: http.StatusNotFound})
	rep, err := retention.Apply(t.Context(), f.client, p, retention.WithNow(f.clock.Now))
	require.NoError(t, err)
	got := outcomes(rep)
	assert.Equal(t, retention.OutcomeFailed, got["lib@1.0.1"])
	assert.Equal(t, retention.OutcomeDeleted, got["lib@1.0.0"])
	i := slices.IndexFunc(rep.Items, func(it retention.Item) bool { return it.Version == "1.0.1" })
	require.GreaterOrEqual(t, i, 0)
	it := rep.Items[i]
	assert.ErrorIs(t, it.Err, ghpackages.ErrNotFound)
	assert.NotErrorIs(t, it.Err, ghpackages.ErrDeleteUnconfirmed)
	assert.Equal(t, http.StatusNotFound, it.Status)
	assert.True(t, rep.Failed())
	versions, _ := f.active(t)
	assert.True(t, versions[f.older], "1.0.1 was never deleted")
}

// A restore whose answer is lost is sent again and answered 404 (the
// version is active again): the run does not report a failure.
func TestLostRestoreAnswerIsNotAFailure(t *testing.T) {
	t.Parallel()
	f := newLostAnswers(t, http.MethodPost)
	_, err := f.client.Orgs.DeleteVersion(t.Context(), "acme", ghpackages.NPM, "lib", f.older)
	require.NoError(t, err)
	prev := &retention.Report{OwnerKind: "org", OwnerName: "acme", Items: []retention.Item{
		{Type: ghpackages.NPM, Package: "lib", VersionID: f.older, Version: "1.0.1", Step: retention.StepDeleteVersion, Outcome: retention.OutcomeDeleted, At: start},
	}}
	rep, err := retention.Restore(t.Context(), f.client, prev, retention.WithNow(f.clock.Now))
	require.NoError(t, err)
	require.Len(t, rep.Items, 1)
	assert.Equal(t, 1, f.lose.lost)
	assert.Contains(t, []retention.Outcome{retention.OutcomeRestored, retention.OutcomeAlreadyActive}, rep.Items[0].Outcome)
	assert.False(t, rep.Failed())
	versions, _ := f.active(t)
	assert.True(t, versions[f.older])
}
