package retention_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghcrtest"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
	"github.com/ghpackages/ghpackages-go/retention"
)

// listingLag is how far the fake's REST listing lags its registry in the
// heal tests (ghpackagestest.WithListingLag).
const listingLag = time.Minute

// healWorld is a repository on the fake's ghcr.io front whose REST
// listing lags the registry by lag: "keep", tagged latest and stable,
// and old untagged images the policy deletes, pushed by each test.
type healWorld struct {
	*raceRepo
	clock    *ghpackagestest.FakeClock
	client   *ghpackages.Client
	resolver *retention.RegistryResolver
	keep     string
	// ctx, if set, is the context Apply runs in.
	ctx context.Context
	// tags, if set, is the policy's tag selection (untagged only by
	// default).
	tags retention.TagSelection
	// plan is the plan apply made last.
	plan *retention.Plan
}

// newHealWorld starts the fake 60 days before start; the test pushes its
// old images, then calls ready.
func newHealWorld(t *testing.T, lag time.Duration) *healWorld {
	clock := ghpackagestest.NewFakeClock(start.Add(-60 * day))
	opts := []ghpackagestest.Option{ghpackagestest.WithClock(clock), ghcrtest.WithRegistry()}
	if lag > 0 {
		opts = append(opts, ghpackagestest.WithListingLag(lag))
	}
	srv := ghpackagestest.New(t, opts...)
	w := &healWorld{raceRepo: &raceRepo{t: t, srv: srv, hc: srv.HTTPClient(), repo: "octo-org/app"}, clock: clock}
	w.client = srv.Client()
	w.resolver = retention.NewRegistryResolver(retention.RegistryConfig{Host: srv.Host(), Token: ghpackagestest.DefaultToken,
		Transport: w.hc.Transport, Clock: ghpackagestest.NewFakeClock(start)})
	return w
}

// ready pushes keep (latest, stable) a day before start and moves the
// clock to start, past the listing lag.
func (w *healWorld) ready() {
	w.clock.Advance(59 * day)
	w.keep = w.image("keep", nil).Digest
	w.tag("latest", w.keep)
	w.tag("stable", w.keep)
	w.clock.Advance(day)
}

// apply plans (expecting deletes, by digest) and applies with race
// called after each item Apply finishes.
func (w *healWorld) apply(deletes []string, race func(it retention.Item), opts ...retention.ApplyOption) *retention.Report {
	t := w.t
	p, err := retention.NewPlan(t.Context(), w.client, ghpackages.OrgOwner("octo-org"), retention.Policy{Type: ghpackages.Container, OlderThan: 30 * day, Tags: w.tags},
		retention.WithResolver(w.resolver), retention.WithNow(w.clock.Now))
	require.NoError(t, err)
	var planned []string
	for _, pp := range p.Packages {
		for _, v := range pp.Versions {
			if v.Action == retention.ActionDelete {
				planned = append(planned, v.Name)
			}
		}
	}
	require.ElementsMatch(t, deletes, planned)
	w.plan = p
	opts = append([]retention.ApplyOption{retention.WithResolver(w.resolver), retention.WithNow(w.clock.Now), retention.WithFreshPlan(),
		retention.WithProgress(race)}, opts...)
	ctx := t.Context()
	if w.ctx != nil {
		ctx = w.ctx
	}
	rep, err := retention.Apply(ctx, w.client, p, opts...)
	require.NoError(t, err)
	return rep
}

// healOutcomes returns each item's step and outcome by digest (the last item
// of a digest wins), and the error text of items with no digest.
func healOutcomes(rep *retention.Report) (map[string]string, []string) {
	got := map[string]string{}
	var errs []string
	for _, it := range rep.Items {
		if it.Version == "" {
			errs = append(errs, it.Error)
			continue
		}
		k := it.Version
		if it.Step == retention.StepRestoreVersion {
			k = "restore " + k
		}
		got[k] = string(it.Outcome)
	}
	return got, errs
}

// recordRestores makes w's client record, in order, the digest of each
// version the fake is asked to restore, calling before (if set) just
// before each restore is sent with the digests restored so far.
func (w *healWorld) recordRestores(before func(d string, restored []string)) *[]string {
	byID := map[int64]string{}
	for _, v := range w.srv.Versions("octo-org", ghpackages.Container, "app") {
		byID[v.ID] = v.Name
	}
	restores := &[]string{}
	base := w.hc.Transport
	w.client = w.srv.Client(ghpackages.WithHTTPClient(&http.Client{Transport: roundTrip(func(req *http.Request) (*http.Response, error) {
		if req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/restore") {
			parts := strings.Split(req.URL.Path, "/")
			id, err := strconv.ParseInt(parts[len(parts)-2], 10, 64)
			require.NoError(w.t, err)
			if before != nil {
				before(byID[id], *restores)
			}
			*restores = append(*restores, byID[id])
		}
		return base.RoundTrip(req)
	})}))
	return restores
}

// verifyWhole asserts that every tag of the repository is a whole image.
func (w *healWorld) verifyWhole(msg string) {
	res, err := retention.Verify(w.t.Context(), w.resolver, w.repo)
	require.NoError(w.t, err)
	assert.Empty(w.t, res.Broken, msg)
}

// A push the REST listing does not show yet moves latest onto a planned
// index: the check before its delete cannot see it (the tag names are the
// same, the index's own read shows no tag, nothing new is listed), so the
// index and its platform images are deleted, and latest with them. The
// final check finds latest gone while keep stays, learns from the deleted
// versions which one carried it, and restores the index and what it
// lists. If the listing still lags at the end, the run fails naming
// latest and the versions to restore.
func TestApplyHealsTagMovedOntoPlannedIndexUnderListingLag(t *testing.T) {
	t.Parallel()
	for _, elapsed := range []bool{true, false} {
		w := newHealWorld(t, listingLag)
		c1 := w.image("c1", nil).Digest
		c2 := w.image("c2", nil).Digest
		idx, _ := w.raceIndex(c1, c2)
		w.clock.Advance(time.Hour)
		o := w.image("o", nil).Digest // the newest planned: deleted first
		w.ready()
		n := 0
		rep := w.apply([]string{o, idx, c1, c2}, func(it retention.Item) {
			switch n++; {
			case it.Version == o:
				w.tag("latest", idx) // the rollout: latest is the old index again
			case n == 4 && elapsed:
				w.clock.Advance(listingLag)
			}
		})
		got, errs := healOutcomes(rep)
		if !elapsed {
			assert.Equal(t, map[string]string{o: "deleted", idx: "deleted", c1: "deleted", c2: "deleted"}, got)
			require.Len(t, errs, 1)
			assert.Contains(t, errs[0], "tag latest vanished during the run while its image "+w.keep[:19]+"… stayed")
			assert.True(t, rep.Failed(), "the run fails")
			continue
		}
		assert.Equal(t, map[string]string{o: "deleted", idx: "deleted", c1: "deleted", c2: "deleted",
			"restore " + idx: "healed", "restore " + c1: "healed", "restore " + c2: "healed"}, got)
		assert.Empty(t, errs)
		assert.False(t, rep.Failed())
		assert.Equal(t, 3, rep.Count(retention.OutcomeHealed))
		w.verifyWhole("latest is whole again")
		_, body := w.get("latest")
		assert.Equal(t, idx, digestOf(body))
	}
}

// A rollback the REST listing does not show yet (crane tag <old digest>
// latest) moves latest onto a planned orphan: it is deleted, and latest
// with it; the final check restores it.
func TestApplyHealsRollbackOntoPlannedOrphanUnderListingLag(t *testing.T) {
	t.Parallel()
	w := newHealWorld(t, listingLag)
	old := w.image("old", nil).Digest
	w.clock.Advance(time.Hour)
	o := w.image("o", nil).Digest
	w.ready()
	rep := w.apply([]string{o, old}, func(it retention.Item) {
		switch it.Version {
		case o:
			w.tag("latest", old)
		case old:
			w.clock.Advance(listingLag)
		}
	})
	got, errs := healOutcomes(rep)
	assert.Equal(t, map[string]string{o: "deleted", old: "deleted", "restore " + old: "healed"}, got)
	assert.Empty(t, errs)
	w.verifyWhole("latest is whole")
	_, body := w.get("latest")
	assert.Equal(t, old, digestOf(body), "latest is back on the rollback's image")
}

// A new index pushed under latest reuses an old planned platform image;
// the listing does not show the index yet, so the image is deleted from
// under it. The final check reads latest again (its digest changed),
// finds the image it needs gone, and restores it: latest is whole again
// at once, whatever the listing shows.
func TestApplyHealsNewIndexOverPlannedPlatformImageUnderListingLag(t *testing.T) {
	t.Parallel()
	w := newHealWorld(t, listingLag)
	platform := w.image("platform", nil).Digest
	w.clock.Advance(time.Hour)
	o := w.image("o", nil).Digest
	w.ready()
	var idx string
	rep := w.apply([]string{o, platform}, func(it retention.Item) {
		if it.Version == o {
			idx = w.index("latest", platform)
		}
	})
	got, errs := healOutcomes(rep)
	assert.Equal(t, map[string]string{o: "deleted", platform: "deleted", "restore " + platform: "healed"}, got)
	assert.Empty(t, errs)
	for _, it := range rep.Items {
		if it.Outcome == retention.OutcomeHealed {
			assert.Equal(t, []string{"latest"}, it.Tags, "the tag that needed it")
			assert.Contains(t, it.Reason, "needed by tag latest")
		}
	}
	w.verifyWhole("latest (" + idx[:19] + ") is whole again")
}

// With healing off, the final check still runs: the run fails, naming the
// tag, the manifest it needs and the version to restore by hand.
func TestApplyWithoutHealingNamesWhatToRestore(t *testing.T) {
	t.Parallel()
	w := newHealWorld(t, listingLag)
	platform := w.image("platform", nil).Digest
	w.clock.Advance(time.Hour)
	o := w.image("o", nil).Digest
	w.ready()
	id := w.versionID(platform)
	var idx string
	rep := w.apply([]string{o, platform}, func(it retention.Item) {
		if it.Version == o {
			idx = w.index("latest", platform)
		}
	}, retention.WithoutHealing())
	assert.True(t, rep.Failed())
	var msgs []string
	for _, it := range rep.Items {
		if it.Outcome == retention.OutcomeFailed {
			msgs = append(msgs, it.Error)
		}
	}
	assert.Equal(t, []string{
		"not restored: healing is off (WithoutHealing)",
		fmt.Sprintf("retention: tag latest (%s…) is broken: it needs %s…, which this run deleted; restore version(s) %d by hand", idx[:19], platform[:19], id),
	}, msgs)
}

// A version this run deleted is restored by someone and given a tag that
// existed (stable moves onto it) while Apply runs: the check before the
// next delete sees it listed again and keeps what it lists.
func TestApplyRaceVersionRestoredAndTaggedDuringApply(t *testing.T) {
	t.Parallel()
	w := newHealWorld(t, 0)
	c1 := w.image("c1", nil).Digest
	c2 := w.image("c2", nil).Digest
	idx, _ := w.raceIndex(c1, c2)
	w.ready()
	idxID := w.versionID(idx)
	rep := w.apply([]string{idx, c1, c2}, func(it retention.Item) {
		if it.Version == idx {
			_, err := w.client.Orgs.RestoreVersion(t.Context(), "octo-org", ghpackages.Container, "app", idxID)
			require.NoError(t, err)
			w.tag("stable", idx)
		}
	})
	got, errs := healOutcomes(rep)
	assert.Equal(t, map[string]string{idx: "deleted", c1: "skipped", c2: "skipped"}, got, "skipped before their delete, not healed after")
	assert.Empty(t, errs)
	for _, it := range rep.Items {
		if it.Outcome == retention.OutcomeSkipped {
			assert.Equal(t, "not deleted: now needed by "+idx[:19]+"… (stable)", it.Error)
		}
	}
	w.verifyWhole("stable is whole")
}

// An untag raced by a push of the same tag: the tag is read again just
// before the placeholder's PUT and once after it. A push that lands
// before the second read keeps its tag (the placeholder is not pushed);
// one that lands right after the PUT is found by the read after it and
// left where it is. Either way the tag ends on the image just pushed.
func TestUntagRacedByAPushOfTheTag(t *testing.T) {
	t.Parallel()
	for _, when := range []string{"before the PUT", "after the PUT"} {
		clock := ghpackagestest.NewFakeClock(start)
		srv := ghpackagestest.New(t, ghpackagestest.WithClock(clock), ghpackagestest.WithDemo(), ghcrtest.WithRegistry())
		host := srv.Host()
		other := srv.HTTPClient().Transport
		pusher := retention.NewRegistryResolver(retention.RegistryConfig{Host: host, Token: ghpackagestest.DefaultToken, Transport: other})
		newer, ok := versionWith(t, srv, ghpackagestest.DemoContainer, "v1.7.0")
		require.True(t, ok)
		orig, ok := versionWith(t, srv, ghpackagestest.DemoContainer, "latest")
		require.True(t, ok)
		heads, armed := 0, false
		hooked := roundTrip(func(req *http.Request) (*http.Response, error) {
			isTag := strings.HasSuffix(req.URL.Path, "/manifests/latest")
			if isTag && req.Method == http.MethodHead && armed {
				// Apply reads the tags when it opens the package, then
				// the untag's tags, then the tag just before its PUT.
				if heads++; heads == 3 && when == "before the PUT" {
					require.NoError(t, pusher.Retag(req.Context(), demoRepo, "latest", newer.Name))
				}
			}
			resp, err := other.RoundTrip(req)
			if isTag && req.Method == http.MethodPut && when == "after the PUT" && err == nil {
				require.NoError(t, pusher.Retag(req.Context(), demoRepo, "latest", newer.Name))
			}
			return resp, err
		})
		resolver := retention.NewRegistryResolver(retention.RegistryConfig{Host: host, Token: ghpackagestest.DefaultToken, Transport: hooked})
		client := srv.Client()
		plan, err := retention.NewUntagPlan(t.Context(), client, demoOwner, ghpackagestest.DemoContainer, []string{"latest"}, retention.WithResolver(resolver), retention.WithNow(clock.Now))
		require.NoError(t, err)
		armed = true
		rep, err := retention.Apply(t.Context(), client, plan, retention.WithResolver(resolver), retention.WithNow(clock.Now))
		require.NoError(t, err)
		require.NotEmpty(t, rep.Items)
		untag := rep.Items[0]
		require.Equal(t, retention.StepUntag, untag.Step)
		assert.Equal(t, retention.OutcomeSkipped, untag.Outcome, when)
		if when == "before the PUT" {
			assert.Equal(t, "not untagged: tag latest was pushed again ("+newer.Name[:19]+"…) just before its untag: not removed", untag.Error)
		} else {
			assert.Equal(t, "not untagged: tag latest was pushed again ("+newer.Name[:19]+"…) during its untag: left there", untag.Error)
		}
		tags := registryTags(t, pusher)
		assert.Equal(t, newer.Name, tags["latest"], "%s: the tag stays on the image just pushed", when)
		assert.Equal(t, orig.Name, tags["stable"], when)
		assert.False(t, rep.Failed(), "%s: %v", when, steps(rep))
		wholeDemo(t, pusher)
	}
}

// Verify does not call an empty image index whole: a tag on an index that
// lists no manifests (another tool's untag placeholder, or an older one)
// is reported in Empty, and OK is false.
func TestVerifyReportsATagOnAnEmptyIndex(t *testing.T) {
	t.Parallel()
	w := newHealWorld(t, 0)
	w.ready()
	r := w.raceRepo
	body := []byte(`{"schemaVersion":2,"mediaType":"` + ociIndex + `","manifests":[]}`)
	r.put(digestOf(body), ociIndex, body)
	r.put("old-untag", ociIndex, body)
	res, err := retention.Verify(t.Context(), w.resolver, w.repo)
	require.NoError(t, err)
	assert.Equal(t, []string{"old-untag"}, res.Empty)
	assert.Empty(t, res.Broken)
	assert.Empty(t, res.Placeholders)
	assert.False(t, res.OK(), "an empty index is not a whole image")
}

// A push between a delete's check and its DELETE (here: sent by the
// transport just before the DELETE of a planned platform image, a new
// index over it under latest) is not seen by the check; the final check
// finds latest broken and restores the image.
func TestApplyHealsAPushBetweenTheCheckAndTheDelete(t *testing.T) {
	t.Parallel()
	w := newHealWorld(t, 0)
	platform := w.image("platform", nil).Digest
	w.ready()
	id := w.versionID(platform)
	var idx string
	base := w.hc.Transport
	w.client = w.srv.Client(ghpackages.WithHTTPClient(&http.Client{Transport: roundTrip(func(req *http.Request) (*http.Response, error) {
		if req.Method == http.MethodDelete && strings.HasSuffix(req.URL.Path, fmt.Sprintf("/versions/%d", id)) && idx == "" {
			idx = w.index("latest", platform)
		}
		return base.RoundTrip(req)
	})}))
	rep := w.apply([]string{platform}, func(retention.Item) {})
	got, errs := healOutcomes(rep)
	assert.Equal(t, map[string]string{platform: "deleted", "restore " + platform: "healed"}, got)
	assert.Empty(t, errs)
	w.verifyWhole("latest (" + idx[:19] + ") is whole again")
}

// A run canceled after the delete that broke a tag still heals it: the
// final check runs on a context of its own (HealTimeout).
func TestApplyHealsAfterACanceledRun(t *testing.T) {
	t.Parallel()
	w := newHealWorld(t, listingLag)
	last := w.image("last", nil).Digest // the oldest planned: deleted last
	w.clock.Advance(time.Hour)
	platform := w.image("platform", nil).Digest
	w.clock.Advance(time.Hour)
	o := w.image("o", nil).Digest
	w.ready()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	w.ctx = ctx
	rep := w.apply([]string{o, platform, last}, func(it retention.Item) {
		switch it.Version {
		case o:
			w.index("latest", platform)
		case platform:
			cancel()
		}
	})
	got, errs := healOutcomes(rep)
	assert.Equal(t, map[string]string{o: "deleted", platform: "deleted", last: "not-attempted", "restore " + platform: "healed"}, got)
	assert.Empty(t, errs)
	assert.NotEmpty(t, rep.Stopped)
	w.verifyWhole("latest is whole again")
}

// The final check restores what a restored manifest names before it: an
// index's platform images and its attestation (itself after its subject)
// come back before the index, so at no point does the registry hold a
// restored index that names a manifest still deleted. The order is the
// one the fake is asked in; each restore is checked as it is sent.
func TestApplyHealRestoresChildrenBeforeTheirIndex(t *testing.T) {
	t.Parallel()
	w := newHealWorld(t, listingLag)
	c1 := w.image("c1", nil)
	c2 := w.image("c2", nil).Digest
	c3 := w.image("c3", nil).Digest
	att := w.image("attestation of c1", &c1).Digest
	idx, _ := w.raceIndex(att, c3, c2, c1.Digest)
	w.clock.Advance(time.Hour)
	o := w.image("o", nil).Digest // the newest planned: deleted first
	w.ready()
	names := map[string][]string{idx: {att, c3, c2, c1.Digest}, att: {c1.Digest}}
	restores := w.recordRestores(func(d string, restored []string) {
		for _, n := range names[d] {
			assert.Contains(t, restored, n, "%s… is restored while %s…, which it names, is still deleted", d[:19], n[:19])
		}
	})
	planned := []string{o, idx, att, c1.Digest, c2, c3}
	deletes := 0
	rep := w.apply(planned, func(it retention.Item) {
		if it.Step != retention.StepDeleteVersion {
			return
		}
		switch deletes++; {
		case it.Version == o:
			w.tag("latest", idx) // the rollout: latest is the old index again
		case deletes == len(planned):
			w.clock.Advance(listingLag)
		}
	})
	assert.Equal(t, 5, rep.Count(retention.OutcomeHealed), "%v", *restores)
	require.Len(t, *restores, 5)
	assert.Equal(t, idx, (*restores)[4], "the index last")
	w.verifyWhole("latest is whole again")
}

// Apply announces the final check's restores (WithHealStart) before the
// first of them, with their number, so that progress counts them as a
// phase of their own: WithProgress sees the plan's steps, then the
// announcement, then exactly that many restores.
func TestApplyHealStartAnnouncesTheRestores(t *testing.T) {
	t.Parallel()
	w := newHealWorld(t, listingLag)
	c1 := w.image("c1", nil).Digest
	c2 := w.image("c2", nil).Digest
	idx, _ := w.raceIndex(c1, c2)
	w.clock.Advance(time.Hour)
	o := w.image("o", nil).Digest
	w.ready()
	var events []string
	n := 0
	rep := w.apply([]string{o, idx, c1, c2}, func(it retention.Item) {
		events = append(events, string(it.Step)+" "+string(it.Outcome))
		switch n++; {
		case it.Version == o:
			w.tag("latest", idx)
		case n == 4:
			w.clock.Advance(listingLag)
		}
	}, retention.WithHealStart(func(restores int) {
		events = append(events, fmt.Sprintf("heal start %d", restores))
	}))
	assert.Equal(t, []string{
		"delete-version deleted", "delete-version deleted", "delete-version deleted", "delete-version deleted",
		"heal start 3",
		"restore-version healed", "restore-version healed", "restore-version healed",
	}, events)
	assert.Equal(t, 3, rep.Count(retention.OutcomeHealed))

	// Nothing to heal: no announcement.
	w2 := newHealWorld(t, 0)
	old := w2.image("old", nil).Digest
	w2.ready()
	started := false
	w2.apply([]string{old}, func(retention.Item) {}, retention.WithHealStart(func(int) { started = true }))
	assert.False(t, started)
}

// A tag moved onto a planned orphan (a rollback the listing does not show
// yet) goes with it; when someone pushes the orphan's bytes again under
// another tag before the final check, the image is back but the moved
// tag is not: the run fails naming the tag and the version, and says so
// (nothing to restore).
func TestApplyNamesATagLostWithAVersionPushedAgain(t *testing.T) {
	t.Parallel()
	w := newHealWorld(t, listingLag)
	old := w.image("old", nil).Digest
	w.clock.Advance(time.Hour)
	o := w.image("o", nil).Digest
	w.ready()
	id := w.versionID(old)
	var ct string
	var body []byte
	rep := w.apply([]string{o, old}, func(it retention.Item) {
		switch it.Version {
		case o:
			ct, body = w.get(old)
			w.tag("latest", old)
		case old:
			w.clock.Advance(listingLag)
			w.put("rollback", ct, body)
		}
	})
	got, errs := healOutcomes(rep)
	assert.Equal(t, map[string]string{o: "deleted", old: "deleted"}, got, "nothing restored")
	assert.Equal(t, []string{fmt.Sprintf("retention: tag latest was moved during the run onto %s…, which this run deleted (version %d) and which is back without the tag; put the tag on it again by hand",
		old[:19], id)}, errs)
	assert.True(t, rep.Failed())
}

// A signature restored by the final check comes back after its subject,
// never naming (by its tag) an image still deleted.
func TestApplyHealRestoresASignatureAfterItsSubject(t *testing.T) {
	t.Parallel()
	w := newHealWorld(t, listingLag)
	w.tags = retention.AnyTags // the signature is tagged
	c1 := w.image("c1", nil).Digest
	idx, _ := w.raceIndex(c1)
	sig := w.image("signature", nil).Digest
	w.tag(sigTag(idx, ".sig"), sig)
	w.clock.Advance(time.Hour)
	o := w.image("o", nil).Digest
	w.ready()
	restores := w.recordRestores(nil)
	planned := []string{o, idx, c1, sig}
	deletes := 0
	w.apply(planned, func(it retention.Item) {
		if it.Step != retention.StepDeleteVersion {
			return
		}
		switch deletes++; {
		case it.Version == o:
			w.tag("latest", idx)
		case deletes == len(planned):
			w.clock.Advance(listingLag)
		}
	})
	assert.Equal(t, []string{c1, idx, sig}, *restores)
	w.verifyWhole("latest is whole again")
}

// A version the final check restored is not freed: the report's storage
// counts what the run left deleted, as a report with only the deletes
// that stayed does.
func TestStorageDeletedLeavesOutHealedVersions(t *testing.T) {
	t.Parallel()
	w := newHealWorld(t, listingLag)
	old := w.image("old", nil).Digest
	w.clock.Advance(time.Hour)
	o := w.image("o", nil).Digest
	w.ready()
	var deletedO retention.Item
	rep := w.apply([]string{o, old}, func(it retention.Item) {
		switch it.Version {
		case o:
			deletedO = it
			w.tag("latest", old)
		case old:
			w.clock.Advance(listingLag)
		}
	})
	require.Equal(t, 1, rep.Count(retention.OutcomeHealed))
	got := w.plan.StorageDeleted(rep)
	want := w.plan.StorageDeleted(&retention.Report{Items: []retention.Item{deletedO}})
	require.True(t, got.Known())
	assert.Equal(t, *want.FreedBytes, *got.FreedBytes, "old was restored: only o is freed")
	assert.Equal(t, *want.KeptBytes, *got.KeptBytes)
	assert.Less(t, *got.FreedBytes, *w.plan.Storage().FreedBytes)
}

// A planned platform image is deleted, then pushed again (a new index
// under latest re-uploads it, as a push does for a child the registry
// lacks): the registry has it, so latest is whole and nothing is to be
// restored; the final check asks the registry rather than trusting that
// the run deleted it.
func TestApplyFinalCheckDoesNotRestoreAManifestPushedAgain(t *testing.T) {
	t.Parallel()
	w := newHealWorld(t, 0)
	platform := w.image("platform", nil).Digest
	w.clock.Advance(time.Hour)
	o := w.image("o", nil).Digest
	w.ready()
	rep := w.apply([]string{o, platform}, func(it retention.Item) {
		if it.Version == platform && it.Outcome == retention.OutcomeDeleted {
			require.Equal(t, platform, w.image("platform", nil).Digest)
			w.index("latest", platform)
		}
	})
	got, errs := healOutcomes(rep)
	assert.Equal(t, map[string]string{o: "deleted", platform: "deleted"}, got, "nothing restored")
	assert.Empty(t, errs)
	assert.False(t, rep.Failed())
	w.verifyWhole("latest is whole")
}

// The read of a tag just before its placeholder PUT fails: no placeholder
// is pushed, and the error says the read failed, not the push.
func TestUntagReadBeforeThePutFails(t *testing.T) {
	t.Parallel()
	clock := ghpackagestest.NewFakeClock(start)
	srv := ghpackagestest.New(t, ghpackagestest.WithClock(clock), ghpackagestest.WithDemo(), ghcrtest.WithRegistry())
	other := srv.HTTPClient().Transport
	orig, ok := versionWith(t, srv, ghpackagestest.DemoContainer, "latest")
	require.True(t, ok)
	heads, puts, armed := 0, 0, false
	hooked := roundTrip(func(req *http.Request) (*http.Response, error) {
		if strings.HasSuffix(req.URL.Path, "/manifests/latest") && armed {
			switch req.Method {
			case http.MethodPut:
				puts++
			case http.MethodHead:
				// Apply reads the tags when it opens the package, then
				// the untag's tags, then the tag just before its PUT.
				if heads++; heads == 3 {
					return &http.Response{StatusCode: http.StatusForbidden, Status: "403 Forbidden", Header: http.Header{},
						Body: http.NoBody, Request: req}, nil
				}
			}
		}
		return other.RoundTrip(req)
	})
	resolver := retention.NewRegistryResolver(retention.RegistryConfig{Host: srv.Host(), Token: ghpackagestest.DefaultToken, Transport: hooked})
	client := srv.Client()
	plan, err := retention.NewUntagPlan(t.Context(), client, demoOwner, ghpackagestest.DemoContainer, []string{"latest"}, retention.WithResolver(resolver), retention.WithNow(clock.Now))
	require.NoError(t, err)
	armed = true
	rep, err := retention.Apply(t.Context(), client, plan, retention.WithResolver(resolver), retention.WithNow(clock.Now))
	require.NoError(t, err)
	require.NotEmpty(t, rep.Items)
	untag := rep.Items[0]
	require.Equal(t, retention.StepUntag, untag.Step)
	assert.Equal(t, retention.OutcomeFailed, untag.Outcome)
	assert.Contains(t, untag.Error, "reading tag latest again before its untag")
	assert.NotContains(t, untag.Error, "pushing the placeholder")
	assert.Zero(t, puts, "no placeholder pushed")
	assert.True(t, rep.Failed())
	pusher := retention.NewRegistryResolver(retention.RegistryConfig{Host: srv.Host(), Token: ghpackagestest.DefaultToken, Transport: other})
	assert.Equal(t, orig.Name, registryTags(t, pusher)["latest"])
}

// A tag pushed under a new name onto a planned orphan between its check
// and its DELETE goes with the version, and is never in the registry's
// tag list the run reads: the final check finds it on the version's
// deleted entry (GitHub's deleted versions keep their tags) and restores
// the version.
func TestApplyHealsANewTagPushedBetweenTheCheckAndTheDelete(t *testing.T) {
	t.Parallel()
	w := newHealWorld(t, 0)
	old := w.image("old", nil).Digest
	w.ready()
	id := w.versionID(old)
	pushed := false
	base := w.hc.Transport
	w.client = w.srv.Client(ghpackages.WithHTTPClient(&http.Client{Transport: roundTrip(func(req *http.Request) (*http.Response, error) {
		if req.Method == http.MethodDelete && strings.HasSuffix(req.URL.Path, fmt.Sprintf("/versions/%d", id)) && !pushed {
			pushed = true
			w.tag("foo", old)
		}
		return base.RoundTrip(req)
	})}))
	rep := w.apply([]string{old}, func(retention.Item) {})
	got, errs := healOutcomes(rep)
	assert.Equal(t, map[string]string{old: "deleted", "restore " + old: "healed"}, got)
	assert.Empty(t, errs)
	assert.False(t, rep.Failed())
	for _, it := range rep.Items {
		if it.Outcome == retention.OutcomeHealed {
			assert.Equal(t, []string{"foo"}, it.Tags, "the tag that needed it")
		}
	}
	_, body := w.get("foo")
	assert.Equal(t, old, digestOf(body))
	w.verifyWhole("foo is whole")
}

// plainResolver is a ManifestResolver with nothing but its methods (no
// HEAD of one tag): Apply reads the whole tag list instead.
type plainResolver struct{ retention.ManifestResolver }

// With a resolver that reads no single tag, the final check still reads
// the registry again after its restores: a restore GitHub answered but
// that brought nothing back is not reported healed. (A new index over a
// planned platform image, pushed between the image's check and its
// DELETE.)
func TestApplyFinalCheckRereadsWithAPlainResolver(t *testing.T) {
	t.Parallel()
	w := newHealWorld(t, 0)
	platform := w.image("platform", nil).Digest
	w.ready()
	id := w.versionID(platform)
	var idx string
	base := w.hc.Transport
	client := w.srv.Client(ghpackages.WithHTTPClient(&http.Client{Transport: roundTrip(func(req *http.Request) (*http.Response, error) {
		switch {
		case req.Method == http.MethodDelete && strings.HasSuffix(req.URL.Path, fmt.Sprintf("/versions/%d", id)) && idx == "":
			idx = w.index("latest", platform)
		case req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/restore"):
			// Answered, but nothing comes back.
			return &http.Response{StatusCode: http.StatusNoContent, Status: "204 No Content", Header: http.Header{}, Body: http.NoBody, Request: req}, nil
		}
		return base.RoundTrip(req)
	})}))
	resolver := plainResolver{w.resolver}
	p, err := retention.NewPlan(t.Context(), client, ghpackages.OrgOwner("octo-org"), retention.Policy{Type: ghpackages.Container, OlderThan: 30 * day},
		retention.WithResolver(resolver), retention.WithNow(w.clock.Now))
	require.NoError(t, err)
	require.Equal(t, 1, p.Deletes())
	rep, err := retention.Apply(t.Context(), client, p, retention.WithResolver(resolver), retention.WithNow(w.clock.Now))
	require.NoError(t, err)
	got, errs := healOutcomes(rep)
	assert.Equal(t, map[string]string{platform: "deleted", "restore " + platform: "healed"}, got, "the restore was answered")
	require.Len(t, errs, 1, "%v", got)
	assert.Contains(t, errs[0], "tag latest ("+idx[:19]+"…) is broken: it needs "+platform[:19]+"…")
	assert.True(t, rep.Failed(), "latest is still broken")
}

// versionID is the ID of the app package's version named digest (0 when
// there is none).
func (w *healWorld) versionID(digest string) int64 {
	for _, v := range w.srv.Versions("octo-org", ghpackages.Container, "app") {
		if v.Name == digest {
			return v.ID
		}
	}
	return 0
}
