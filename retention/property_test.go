package retention_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
	"github.com/ghpackages/ghpackages-go/retention"
)

var (
	seedFlag  = flag.String("retention.seed", "", "seed of TestInvariantHolds (a number, or \"random\"); also $RETENTION_SEED")
	casesFlag = flag.Int("retention.cases", 0, "number of TestInvariantHolds cases (default 1000, 150 with -short); also $RETENTION_CASES")
	onlyFlag  = flag.Int("retention.case", -1, "run only this case of TestInvariantHolds (with its seed, to replay a failure)")
	cacheFlag = flag.String("retention.cache", "random", "TestInvariantHolds with the manifest cache: on, off, or random (half the cases, one cache shared by all); also $RETENTION_CACHE")
)

// cacheMode is the -retention.cache setting.
func cacheMode(t *testing.T) string {
	m := *cacheFlag
	if env := os.Getenv("RETENTION_CACHE"); env != "" && m == "random" {
		m = env
	}
	if m != "on" && m != "off" && m != "random" {
		t.Fatalf("-retention.cache %q: want on, off or random", m)
	}
	return m
}

// propertySeed is the default seed: fixed, so CI is repeatable; explore
// with -retention.seed=random.
const propertySeed = 20261125

func invariantSettings(t *testing.T) (seed uint64, cases int) {
	s := *seedFlag
	if s == "" {
		s = os.Getenv("RETENTION_SEED")
	}
	switch s {
	case "":
		seed = propertySeed
	case "random":
		seed = rand.Uint64()
	default:
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("bad seed %q: %v", s, err)
		}
	}
	cases = *casesFlag
	if cases == 0 {
		if n, err := strconv.Atoi(os.Getenv("RETENTION_CASES")); err == nil {
			cases = n
		}
	}
	if cases == 0 {
		cases = 1000
		if testing.Short() {
			cases = 150
		}
	}
	return seed, cases
}

// TestInvariantHolds is the property test of the package's promise: after
// any run — finished, stopped after any delete, with registry faults,
// with another writer pushing, retagging and deleting between listing,
// planning and applying — every manifest reachable from a tag the policy
// keeps is still in the registry, and no tag left in the registry is
// broken. Each case generates real images in go-containerregistry's
// registry beside the fake API: nested indexes, Docker manifest lists,
// shared children, attestation manifests, OCI referrers (with the API or
// the tag schema), cosign signature tags, manifests without a package
// version and versions without a manifest; then a random policy.
func TestInvariantHolds(t *testing.T) {
	t.Parallel()
	seed, cases := invariantSettings(t)
	mode := cacheMode(t)
	cacheDir := t.TempDir()
	t.Logf("seed %d, %d cases, cache %s (replay one: go test ./retention -run TestInvariantHolds -retention.seed=%d -retention.case=N -v)", seed, cases, mode, seed)
	// The test must not pass by testing nothing: count what happened.
	var tally tally
	t.Cleanup(func() {
		t.Logf("across the cases: %+v", tally.snapshot())
		if cases < 100 || *onlyFlag >= 0 {
			return
		}
		got := tally.snapshot()
		for what, n := range map[string]int{"deleted": got.Deleted, "skipped": got.Skipped, "failed": got.Failed, "stopped runs": got.Stopped,
			"plans with warnings": got.Warned, "deletes under team/app": got.SlashDeletes, "kept versions needed by others": got.Needed,
			"runs from the plan's own reading (WithFreshPlan)": got.Fresh,
			"healed (the final check restored a version)":      got.Healed,
			"untagged": got.Untagged, "untags left pending": got.Pending, "pending untags finished": got.Finished,
			"manifests read from the cache": int(got.CacheHits)} {
			if n == 0 && !(what == "manifests read from the cache" && mode == "off") {
				t.Errorf("no case had any %s: the generator no longer exercises it", what)
			}
		}
	})
	// A few groups run in parallel, each its cases one after another: a
	// few live registries at a time rather than thousands.
	const groups = 4
	for grp := range groups {
		t.Run(fmt.Sprintf("group-%d", grp), func(t *testing.T) {
			t.Parallel()
			for i := grp; i < cases; i += groups {
				if *onlyFlag >= 0 && i != *onlyFlag {
					continue
				}
				t.Run(fmt.Sprintf("case-%d", i), func(t *testing.T) {
					sc := newScenario(t, rand.New(rand.NewPCG(seed, uint64(i))))
					sc.configure(seed, i, mode, cacheDir)
					sc.tally = &tally
					ok, deletes := sc.run(0)
					if !ok {
						t.Logf("replay: go test ./retention -run 'TestInvariantHolds/group-%d/case-%d$' -retention.seed=%d -retention.case=%d -v\n%s", grp, i, seed, i, strings.Join(sc.log, "\n"))
					}
					// Every eighth case is played again, stopped after
					// each of its deletes in turn.
					for k := 1; ok && i%8 == 0 && k <= deletes; k++ {
						t.Run(fmt.Sprintf("stop-%d", k), func(t *testing.T) {
							sc := newScenario(t, rand.New(rand.NewPCG(seed, uint64(i))))
							sc.configure(seed, i, mode, cacheDir)
							if ok, _ := sc.run(k); !ok {
								t.Logf("replay: go test ./retention -run 'TestInvariantHolds/group-%d/case-%d/stop-%d$' -retention.seed=%d -retention.case=%d -v\n%s", grp, i, k, seed, i, strings.Join(sc.log, "\n"))
							}
						})
					}
				})
			}
		})
	}
}

const propRepo = "octo-org/app"

type node struct {
	digest string
	desc   descriptor
	body   []byte
}

// scenario is one generated case.
type scenario struct {
	t     *testing.T
	rng   *rand.Rand
	g     *ghcr
	clock *ghpackagestest.FakeClock
	nodes []node
	log   []string
	n     int // names things uniquely

	referrersAPI bool
	pkg, repo    string // the package, and its registry repository
	tally        *tally // counts what happened, if set

	// cfg draws the run's configuration (the cache, WithFreshPlan) apart
	// from rng, so a case is the same repository and story either way.
	cfg      *rand.Rand
	cacheDir string // the manifest cache, "" for none
	cache    *retention.ManifestCache
	// rep is the run's report, once Apply returned; movedTo the tags
	// another job moved during Apply, to where.
	rep     *retention.Report
	movedTo map[string]string
}

// configure draws case i's configuration: the manifest cache per mode
// (shared by every case of the run, as by runs of one CI job).
func (sc *scenario) configure(seed uint64, i int, mode, dir string) {
	sc.cfg = rand.New(rand.NewPCG(seed^0x9e3779b97f4a7c15, uint64(i)))
	if mode == "on" || mode == "random" && sc.cfg.IntN(2) == 0 {
		sc.cacheDir = dir
		sc.logf("manifest cache on")
	}
}

// resolver returns the case's registry resolver, with the cache if on.
func (sc *scenario) resolver() retention.ManifestResolver {
	if sc.cacheDir == "" {
		return sc.g.resolver()
	}
	r, c := sc.g.cachedResolver(sc.t, sc.cacheDir)
	if sc.cache == nil {
		sc.cache = c // the run's (plan and apply) resolver's
	}
	return r
}

// tally counts what the cases did.
type tally struct {
	mu sync.Mutex
	counts
}

type counts struct {
	Deleted, Skipped, Failed, Stopped, Warned, SlashDeletes, Needed, Fresh int
	Untagged, Pending, Finished, Healed                                    int
	CacheHits                                                              int64
}

func (t *tally) add(f func(*counts)) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	f(&t.counts)
}

func (t *tally) snapshot() counts {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.counts
}

func newScenario(t *testing.T, rng *rand.Rand) *scenario {
	clock := ghpackagestest.NewFakeClock(start)
	sc := &scenario{t: t, rng: rng, clock: clock, pkg: "app"}
	if rng.IntN(3) == 0 {
		sc.pkg = "team/app" // a name with a slash
	}
	sc.repo = "octo-org/" + sc.pkg
	referrersAPI := rng.IntN(2) == 0
	sc.referrersAPI = referrersAPI
	sc.g = newGHCR(t, ghcrOptions{referrers: referrersAPI, inproc: true, recordPushes: true, fake: []ghpackagestest.Option{ghpackagestest.WithClock(clock)}})
	sc.logf("registry referrers API: %v", referrersAPI)
	sc.g.fake.AddOrg("octo-org")
	sc.g.fake.AddPackage(ghpackagestest.PackageSpec{Owner: "octo-org", Type: ghpackages.Container, Name: sc.pkg})
	return sc
}

func (sc *scenario) logf(format string, args ...any) {
	sc.log = append(sc.log, fmt.Sprintf(format, args...))
}

func (sc *scenario) short(d string) string { return d[7:15] }

func (sc *scenario) name() string {
	sc.n++
	return strconv.Itoa(sc.n)
}

func (sc *scenario) pick() node { return sc.nodes[sc.rng.IntN(len(sc.nodes))] }

// existing returns the nodes the registry still has.
func (sc *scenario) existing() []node {
	var out []node
	for _, n := range sc.nodes {
		if sc.g.exists(sc.repo, n.digest) {
			out = append(out, n)
		}
	}
	return out
}

func (sc *scenario) pushImage(kind string, subject *descriptor, artifactType string) node {
	d, desc := sc.g.pushImage(sc.repo, kind+sc.name(), sc.rng.IntN(3) == 0, subject, artifactType)
	_, body, _ := sc.g.get(sc.repo, d)
	n := node{digest: d, desc: desc, body: body}
	sc.nodes = append(sc.nodes, n)
	return n
}

// pushIndex pushes an index of 1-3 existing manifests, sometimes with an
// attestation manifest for its first child.
func (sc *scenario) pushIndex(from []node) node {
	var children []descriptor
	for _, i := range sc.rng.Perm(len(from))[:1+sc.rng.IntN(min(3, len(from)))] {
		c := from[i].desc
		c.Platform = map[string]string{"os": "linux", "architecture": []string{"amd64", "arm64", "s390x"}[sc.rng.IntN(3)]}
		children = append(children, c)
	}
	if sc.rng.IntN(3) == 0 {
		att := sc.pushImage("attestation", nil, "")
		a := att.desc
		a.Platform = map[string]string{"os": "unknown", "architecture": "unknown"}
		a.Annotations = map[string]string{"vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": children[0].Digest}
		children = append(children, a)
	}
	d, desc := sc.g.pushIndex(sc.repo, sc.rng.IntN(3) == 0, children, sc.name())
	_, body, _ := sc.g.get(sc.repo, d)
	n := node{digest: d, desc: desc, body: body}
	sc.nodes = append(sc.nodes, n)
	var cs []string
	for _, c := range children {
		cs = append(cs, sc.short(c.Digest))
	}
	sc.logf("index %s → %v", sc.short(d), cs)
	return n
}

var tagPool = []string{"latest", "stable", "edge", "v1", "v2", "v3", "pr-1", "pr-2", "nightly"}

// generate pushes a random repository and lists it in the fake API.
func (sc *scenario) generate() {
	rng, g := sc.rng, sc.g
	for range 2 + rng.IntN(6) {
		n := sc.pushImage("image", nil, "")
		sc.logf("image %s", sc.short(n.digest))
	}
	for range rng.IntN(5) {
		idx := sc.pushIndex(sc.nodes)
		if rng.IntN(10) < 7 {
			for _, i := range rng.Perm(len(tagPool))[:1+rng.IntN(2)] {
				g.tag(sc.repo, tagPool[i], idx.digest)
				sc.logf("tag %s → %s", tagPool[i], sc.short(idx.digest))
			}
			if rng.IntN(2) == 0 { // a build tag beside the release tags
				tag := "sha-" + sc.name()
				g.tag(sc.repo, tag, idx.digest)
				sc.logf("tag %s → %s", tag, sc.short(idx.digest))
			}
		}
	}
	for i, n := range slices.Clone(sc.nodes) {
		if rng.IntN(4) == 0 {
			tag := fmt.Sprintf("arch-%d", i)
			g.tag(sc.repo, tag, n.digest)
			sc.logf("tag %s → %s", tag, sc.short(n.digest))
		}
	}
	// OCI referrers: with the API, found by subject; without it, listed in
	// the referrers tag schema's index, as the OCI spec asks clients to
	// (and sometimes also with the API).
	bySubject := map[string][]descriptor{}
	for range rng.IntN(3) {
		subject := sc.pick()
		r := sc.pushImage("referrer", &subject.desc, "application/vnd.dev.sigstore.bundle.v0.3+json")
		bySubject[subject.digest] = append(bySubject[subject.digest], r.desc)
		sc.logf("referrer %s of %s", sc.short(r.digest), sc.short(subject.digest))
	}
	for _, subject := range sortedKeys(bySubject) {
		if !sc.referrersAPI || rng.IntN(2) == 0 {
			d, desc := g.pushIndex(sc.repo, false, bySubject[subject], "")
			_, body, _ := g.get(sc.repo, d)
			sc.nodes = append(sc.nodes, node{digest: d, desc: desc, body: body})
			g.tag(sc.repo, sigTag(subject, ""), d)
			sc.logf("referrers tag %s → %s", sigTag(subject, "")[:15], sc.short(d))
		}
	}
	for range rng.IntN(3) {
		subject := sc.pick()
		s := sc.pushImage("signature", nil, "")
		suffix := []string{".sig", ".att", ".sbom"}[rng.IntN(3)]
		g.tag(sc.repo, sigTag(subject.digest, suffix), s.digest)
		sc.logf("signature %s tagged %s%s", sc.short(s.digest), sigTag(subject.digest, "")[:15], suffix)
	}
	// Package versions: most manifests have one (created in a random
	// order, so children may be newer than their index); some versions
	// have no manifest.
	tags := g.tags(sc.repo)
	byDigest := map[string][]string{}
	for _, t := range sortedKeys(tags) {
		byDigest[tags[t]] = append(byDigest[tags[t]], t)
	}
	for _, n := range sc.nodes {
		if rng.IntN(10) == 0 {
			sc.logf("no version for %s", sc.short(n.digest))
			continue
		}
		sc.addVersion(n.digest, byDigest[n.digest], time.Duration(rng.IntN(90*24))*time.Hour)
	}
	for range rng.IntN(2) {
		d := digestOf([]byte("ghost " + sc.name()))
		var vtags []string
		if rng.IntN(3) == 0 {
			vtags = []string{"ghost"}
		}
		sc.addVersion(d, vtags, time.Duration(rng.IntN(90*24))*time.Hour)
		sc.logf("ghost version %s %v", sc.short(d), vtags)
	}
}

func (sc *scenario) addVersion(digest string, tags []string, age time.Duration) int64 {
	return sc.g.fake.AddVersion("octo-org", ghpackages.Container, sc.pkg, ghpackagestest.VersionSpec{Name: digest, Tags: tags, CreatedAt: start.Add(-age)})
}

// policy returns a random policy.
func (sc *scenario) policy() retention.Policy {
	rng := sc.rng
	p := retention.Policy{Type: ghpackages.Container, Packages: []retention.Pattern{retention.MustPattern(sc.pkg)},
		Tags: []retention.TagSelection{retention.AnyTags, retention.UntaggedOnly, retention.TaggedOnly, retention.AnyTags}[rng.IntN(4)]}
	switch rng.IntN(4) {
	case 0:
		p.DeleteAllMatching = true
	default:
		p.OlderThan = []time.Duration{day, 10 * day, 30 * day, 60 * day}[rng.IntN(4)]
	}
	if rng.IntN(3) == 0 {
		p.KeepNewest = rng.IntN(3)
	}
	if rng.IntN(4) == 0 {
		p.KeepNewestTagged = rng.IntN(3)
	}
	if rng.IntN(4) == 0 {
		p.KeepNewestUntagged = rng.IntN(3)
	}
	if p.Tags != retention.UntaggedOnly && rng.IntN(3) == 0 {
		p.IncludeTags = []retention.Pattern{retention.MustPattern([]string{"*", "v*", "re:^(pr-|arch-)", "sha256-*", "sha-*"}[rng.IntN(5)])}
	}
	if rng.IntN(4) == 0 {
		p.ExcludeTags = []retention.Pattern{retention.MustPattern([]string{"latest", "v1", "stable"}[rng.IntN(3)])}
	}
	if rng.IntN(3) == 0 {
		p.MaxDelete = 1 + rng.IntN(5)
	}
	p.DeletePackageWhenEmpty = rng.IntN(8) == 0
	p.DeleteGhostImages = rng.IntN(4) == 0
	p.DeletePartialImages = rng.IntN(4) == 0
	p.DeleteOrphanedReferrers = rng.IntN(4) == 0
	// Untag: versions whose tags only partly match lose the matching ones.
	if coin := rng.IntN(4); coin != 0 && p.Tags != retention.UntaggedOnly && len(p.IncludeTags)+len(p.ExcludeTags) > 0 {
		p.Untag = true
	}
	return p
}

// writer is another job acting on the repository: it pushes an index
// built from existing manifests, moves or adds a tag, signs something,
// or deletes a version through the API.
func (sc *scenario) writer(when string) {
	rng, g := sc.rng, sc.g
	for range rng.IntN(3) {
		live := sc.existing()
		if len(live) == 0 {
			return
		}
		switch rng.IntN(5) {
		case 0:
			whole := sc.whole(live)
			if len(whole) == 0 {
				continue
			}
			idx := sc.pushIndex(whole)
			tag := tagPool[rng.IntN(len(tagPool))]
			g.tag(sc.repo, tag, idx.digest)
			sc.logf("%s: writer pushed index %s tagged %s", when, sc.short(idx.digest), tag)
			if rng.IntN(2) == 0 { // the API is sometimes behind
				sc.addVersion(idx.digest, []string{tag}, 0)
			}
		case 1:
			n := live[rng.IntN(len(live))]
			tag := tagPool[rng.IntN(len(tagPool))]
			if g.tryTag(sc.repo, tag, n.digest) {
				sc.logf("%s: writer moved %s → %s", when, tag, sc.short(n.digest))
			}
		case 2:
			n := live[rng.IntN(len(live))]
			tag := "hotfix-" + sc.name()
			if g.tryTag(sc.repo, tag, n.digest) {
				sc.logf("%s: writer tagged %s %s", when, sc.short(n.digest), tag)
			}
		case 3:
			subject := live[rng.IntN(len(live))]
			s := sc.pushImage("signature", nil, "")
			g.tag(sc.repo, sigTag(subject.digest, ".sig"), s.digest)
			sc.logf("%s: writer signed %s with %s", when, sc.short(subject.digest), sc.short(s.digest))
		case 4:
			var active []ghpackagestest.VersionRecord
			for _, v := range g.fake.Versions("octo-org", ghpackages.Container, sc.pkg) {
				if v.DeletedAt == nil {
					active = append(active, v)
				}
			}
			if len(active) < 2 {
				continue
			}
			v := active[rng.IntN(len(active))]
			_, err := g.client().Orgs.DeleteVersion(context.Background(), "octo-org", ghpackages.Container, sc.pkg, v.ID)
			sc.logf("%s: writer deleted version %d (%s): %v", when, v.ID, sc.short(v.Name), err)
		}
	}
}

// whole returns the nodes of live with nothing missing beneath them: what
// another job could build a new index from.
func (sc *scenario) whole(live []node) []node {
	var out []node
	for _, n := range live {
		if len(sc.missingUnder(n.digest)) == 0 {
			out = append(out, n)
		}
	}
	return out
}

// adder is another job that only adds: an index built from existing
// whole manifests under a new tag, a new tag on an existing manifest, a
// signature, or a deleted version restored (by this run or before it,
// with the tags it had, as 'ghpkg restore' racing the run would).
func (sc *scenario) adder() {
	rng, g := sc.rng, sc.g
	live := sc.existing()
	if len(live) == 0 {
		return
	}
	switch rng.IntN(6) {
	case 4, 5:
		// A push GitHub's listing does not show (the fake's listing here
		// never does) moves a tag that exists: a rollback onto an
		// existing manifest, or a new index from existing whole manifests
		// (planned ones too). The checks before each delete cannot see
		// it; Apply's final check must heal it, or fail naming the tag.
		var tags []string
		for _, tag := range sortedKeys(g.tags(sc.repo)) {
			if !strings.HasPrefix(tag, "sha256-") && g.tags(sc.repo)[tag] != retention.PlaceholderDigest() {
				tags = append(tags, tag)
			}
		}
		if len(tags) == 0 {
			return
		}
		tag := tags[rng.IntN(len(tags))]
		if rng.IntN(2) == 0 {
			n := live[rng.IntN(len(live))]
			if len(sc.missingUnder(n.digest)) == 0 && g.tryTag(sc.repo, tag, n.digest) {
				sc.moved(tag, n.digest)
				sc.logf("during apply: another job moved %s onto %s (the listing lags)", tag, sc.short(n.digest))
			}
			return
		}
		whole := sc.whole(live)
		if len(whole) == 0 {
			return
		}
		idx := sc.pushIndex(whole)
		g.tag(sc.repo, tag, idx.digest)
		sc.moved(tag, idx.digest)
		sc.logf("during apply: another job pushed index %s under %s (the listing lags)", sc.short(idx.digest), tag)
	case 0:
		whole := sc.whole(live)
		if len(whole) == 0 {
			return
		}
		idx := sc.pushIndex(whole)
		tag := "rebuilt-" + sc.name()
		g.tag(sc.repo, tag, idx.digest)
		sc.logf("during apply: another job pushed index %s tagged %s", sc.short(idx.digest), tag)
	case 1:
		n := live[rng.IntN(len(live))]
		tag := "hotfix-" + sc.name()
		if g.tryTag(sc.repo, tag, n.digest) {
			sc.logf("during apply: another job tagged %s %s", sc.short(n.digest), tag)
		}
	case 2:
		subject := live[rng.IntN(len(live))]
		if _, taken := g.tags(sc.repo)[sigTag(subject.digest, ".sig")]; taken {
			return // a new signature would move a tag
		}
		sig := sc.pushImage("signature", nil, "")
		g.tag(sc.repo, sigTag(subject.digest, ".sig"), sig.digest)
		sc.logf("during apply: another job signed %s with %s", sc.short(subject.digest), sc.short(sig.digest))
	case 3:
		var deleted []ghpackagestest.VersionRecord
		for _, v := range g.fake.Versions("octo-org", ghpackages.Container, sc.pkg) {
			// An index is restored only with what it lists (the
			// registry refuses it otherwise).
			// Nor the placeholder: its tags are ones being removed, and
			// Restore never restores it.
			if v.DeletedAt != nil && len(sc.missingUnder(v.Name)) == 0 && v.Name != retention.PlaceholderDigest() {
				deleted = append(deleted, v)
			}
		}
		if len(deleted) == 0 {
			return
		}
		v := deleted[rng.IntN(len(deleted))]
		_, err := g.client().Orgs.RestoreVersion(context.Background(), "octo-org", ghpackages.Container, sc.pkg, v.ID)
		sc.logf("during apply: another job restored version %d (%s): %v", v.ID, sc.short(v.Name), err)
	}
}

// fault returns a random registry fault, or nil.
func (sc *scenario) fault(digests []string) (string, func(*http.Request) int) {
	if sc.rng.IntN(4) != 0 {
		return "", nil
	}
	switch sc.rng.IntN(5) {
	case 0:
		return "every registry request 503", func(*http.Request) int { return 503 }
	case 1:
		return "every registry request 401", func(*http.Request) int { return 401 }
	case 2:
		if len(digests) == 0 {
			return "", nil
		}
		d := digests[sc.rng.IntN(len(digests))]
		return "GET of " + sc.short(d) + " 500", func(r *http.Request) int {
			if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/manifests/"+d) {
				return 500
			}
			return 0
		}
	case 3:
		return "tag listing 500", func(r *http.Request) int {
			if strings.HasSuffix(r.URL.Path, "/tags/list") {
				return 500
			}
			return 0
		}
	case 4:
		return "referrers 500", func(r *http.Request) int {
			if strings.Contains(r.URL.Path, "/referrers/") {
				return 500
			}
			return 0
		}
	}
	return "", nil
}

// run plays the case and checks the invariant; it reports whether the
// case passed, and how many deletes the plan had. With stopAt > 0, Apply
// is stopped after that many deletes; otherwise the case decides.
func (sc *scenario) run(stopAt int) (bool, int) {
	t, rng, g := sc.t, sc.rng, sc.g
	sc.generate()
	policy := sc.policy()
	raw, _ := policy.MarshalJSON()
	sc.logf("policy %s", raw)

	// Other jobs have been at work before this run.
	if rng.IntN(3) == 0 {
		sc.writer("before the run")
	}

	// Plan, with a writer between the listing and the registry reads,
	// and maybe a registry fault.
	opts := []retention.PlanOption{retention.WithNow(sc.clock.Now)}
	resolver := sc.resolver()
	noResolver := rng.IntN(12) == 0
	if noResolver {
		sc.logf("plan: no resolver")
	} else {
		opts = append(opts, retention.WithResolver(resolver))
	}
	var digests []string
	for _, n := range sc.nodes {
		digests = append(digests, n.digest)
	}
	planFault, f := sc.fault(digests)
	if f != nil {
		sc.logf("plan fault: %s", planFault)
		g.setFault(f)
	}
	if rng.IntN(3) == 0 {
		g.setBefore(func() { sc.writer("during plan") })
	}
	client := g.client()
	plan, err := retention.NewPlan(t.Context(), client, ghpackages.OrgOwner("octo-org"), policy, opts...)
	g.setFault(nil)
	g.setBefore(nil)
	if err != nil {
		t.Errorf("NewPlan: %v", err)
		return false, 0
	}
	if len(plan.Packages) != 1 {
		t.Errorf("plan has %d packages", len(plan.Packages))
		return false, 0
	}
	pp := plan.Packages[0]
	planned := map[string][]string{} // digest → planned tags
	untag := map[string][]string{}   // digest → tags planned for removal
	for _, v := range pp.Versions {
		if v.Action == retention.ActionDelete || pp.DeletePackage {
			planned[v.Name] = v.Tags
			sc.logf("planned: delete %s %v (%s)", sc.short(v.Name), v.Tags, v.Reason)
		}
		if v.Action == retention.ActionUntag && !pp.DeletePackage {
			untag[v.Name] = v.Untag
			sc.logf("planned: untag %s %v of %v (%s)", sc.short(v.Name), v.Untag, v.Tags, v.Reason)
			if len(v.Untag) == 0 || len(v.Untag) >= len(v.Tags) {
				t.Errorf("untag of %s removes %v of %v: a prune never removes a version's last tag", sc.short(v.Name), v.Untag, v.Tags)
			}
		}
	}
	sc.logf("warnings: %q", plan.Warnings)
	for _, v := range pp.Versions {
		if named, ok := strings.CutPrefix(v.Reason, "needed by kept "); ok {
			for d := range planned {
				if strings.HasPrefix(named, d[:19]) {
					t.Errorf("%s is %q, but %s is planned for deletion", sc.short(v.Name), v.Reason, sc.short(d))
				}
			}
		}
	}
	if (noResolver || planFault == "every registry request 503" || planFault == "every registry request 401") && !pp.DeletePackage {
		if len(planned) > 0 || len(plan.Warnings) == 0 {
			t.Errorf("an unreadable registry must keep every version and say so: %d deletes, warnings %q", len(planned), plan.Warnings)
		}
	}
	if policy.MaxDelete > 0 && plan.Deletes() > policy.MaxDelete {
		t.Errorf("%d deletes planned, MaxDelete %d", plan.Deletes(), policy.MaxDelete)
	}

	// Another writer between plan and apply; without one, Apply may start
	// from the plan's own reading, as ghpkg prune --yes does.
	wroteAfterPlan := rng.IntN(2) == 0
	if wroteAfterPlan {
		sc.writer("after plan")
	}
	fresh := !wroteAfterPlan && sc.cfg != nil && sc.cfg.IntN(2) == 0
	if fresh {
		sc.logf("apply: from the plan's own reading (WithFreshPlan)")
	}
	before := sc.snapshot()
	newSincePlan := map[int64]bool{}
	if pp.DeletePackage {
		known := map[int64]bool{}
		for _, v := range pp.Versions {
			known[v.ID] = true
		}
		for _, v := range g.fake.Versions("octo-org", ghpackages.Container, sc.pkg) {
			newSincePlan[v.ID] = !known[v.ID] && v.DeletedAt == nil
		}
	}

	// Apply, maybe stopped after the k-th delete, maybe with a fault.
	ctx := t.Context()
	aopts := []retention.ApplyOption{retention.WithResolver(resolver), retention.WithNow(sc.clock.Now)}
	if fresh {
		aopts = append(aopts, retention.WithFreshPlan())
	}
	// The same draws whatever stopAt is, so that replays stay the same.
	k := plan.Deletes()
	stop := 0
	if coin, pick := rng.IntN(2), 1+rng.IntN(max(k, 1)); k > 0 && coin == 0 {
		stop = pick
	}
	if stopAt > 0 {
		stop = stopAt
	}
	// Sometimes another job adds to the repository while Apply runs
	// (after one of its deletes): a new index from existing manifests, a
	// new tag, a signature. Apply's re-check before each delete must see
	// it; the invariant is then checked from that point too.
	writerAt := 0
	if coin, pick := rng.IntN(4), 1+rng.IntN(max(k, 1)); k > 0 && coin == 0 {
		writerAt = pick
		sc.logf("apply: another job adds after delete %d", writerAt)
	}
	// Sometimes the run stops right after an untag step moved tags to the
	// placeholder, before the placeholder's delete.
	stopAtUntag := rng.IntN(2) == 0 && len(untag) > 0 && stopAt == 0
	if stopAtUntag {
		sc.logf("apply: stop after the first untag step")
	}
	var mid *snap
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	deleted := 0
	aopts = append(aopts, retention.WithProgress(func(it retention.Item) {
		if stopAtUntag && it.Step == retention.StepUntag {
			cancel()
		}
		if it.Outcome != retention.OutcomeDeleted {
			return
		}
		deleted++
		if deleted == writerAt {
			sc.adder()
			s := sc.snapshot()
			mid = &s
		}
		if deleted == stop {
			cancel()
		}
	}))
	if stop > 0 {
		sc.logf("apply: stop after delete %d of %d", stop, k)
	}
	// Sometimes the API keeps failing the delete of one planned version
	// (a 500 through every retry): what it was needed for must stay whole.
	var ids []int64
	for _, v := range pp.Versions {
		if v.Action == retention.ActionDelete {
			ids = append(ids, v.ID)
		}
	}
	if coin, pick := rng.IntN(5), rng.IntN(max(len(ids), 1)); coin == 0 && len(ids) > 0 {
		g.fake.InjectFault(ghpackagestest.Fault{Method: http.MethodDelete, Status: 500, Count: 50,
			Path: fmt.Sprintf("/orgs/octo-org/packages/container/%s/versions/%d", url.PathEscape(sc.pkg), ids[pick])})
		sc.logf("apply: the API fails every delete of version %d", ids[pick])
	}
	applyFault, f := sc.fault(digests)
	if f != nil && rng.IntN(2) == 0 {
		sc.logf("apply fault: %s", applyFault)
		g.setFault(f)
	}
	rep, err := retention.Apply(ctx, client, plan, aopts...)
	g.setFault(nil)
	if err != nil {
		t.Errorf("Apply: %v", err)
		return false, 0
	}
	sc.rep = rep
	for _, it := range rep.Items {
		sc.logf("apply: %s %s %s %s", it.Step, shortOr(it.Version), it.Outcome, it.Error)
	}
	sc.tally.add(func(c *counts) {
		c.Deleted += rep.Count(retention.OutcomeDeleted)
		c.Skipped += rep.Count(retention.OutcomeSkipped)
		c.Failed += rep.Count(retention.OutcomeFailed)
		c.Healed += rep.Count(retention.OutcomeHealed)
		if rep.Stopped != "" {
			c.Stopped++
		}
		if len(plan.Warnings) > 0 {
			c.Warned++
		}
		if sc.pkg != "app" {
			c.SlashDeletes += rep.Count(retention.OutcomeDeleted)
		}
		if fresh {
			c.Fresh++
		}
		for _, v := range pp.Versions {
			if strings.HasPrefix(v.Reason, "needed by kept") {
				c.Needed++
			}
		}
		c.Untagged += rep.Count(retention.OutcomeUntagged)
		c.Pending += rep.Count(retention.OutcomeUntagPending)
		if sc.cache != nil {
			c.CacheHits += sc.cache.Stats().Hits
		}
	})
	if pp.DeletePackage {
		// Whatever was pushed since the plan must not go with the package.
		for _, v := range g.fake.Versions("octo-org", ghpackages.Container, sc.pkg) {
			if newSincePlan[v.ID] && v.DeletedAt != nil {
				t.Errorf("version %d, pushed after the plan, was deleted with the package", v.ID)
			}
		}
		return !t.Failed(), k
	}
	after := sc.snapshot()
	if mid != nil {
		sc.check(before, *mid, planned, untag)
		sc.check(*mid, after, planned, untag)
	} else {
		sc.check(before, after, planned, untag)
	}
	sc.checkVerify(after)
	sc.checkPlaceholders(after, rep, policy)
	return !t.Failed(), k
}

// checkPlaceholders checks what an untag left on its placeholder: only
// tags its report says are pending, which Verify reports; and the next
// run, with the same policy and nothing in the way, finishes the untag.
func (sc *scenario) checkPlaceholders(after snap, rep *retention.Report, policy retention.Policy) {
	t := sc.t
	var on []string
	for _, tag := range sortedKeys(after.tags) {
		if after.tags[tag] == retention.PlaceholderDigest() {
			on = append(on, tag)
		}
	}
	res, err := retention.Verify(t.Context(), sc.g.resolver(), sc.repo)
	if err != nil {
		t.Errorf("Verify: %v", err)
		return
	}
	if !slices.Equal(res.Placeholders, on) && !(len(on) == 0 && len(res.Placeholders) == 0) {
		t.Errorf("Verify says %v are on the placeholder, the registry %v", res.Placeholders, on)
	}
	for _, tag := range on {
		if !slices.ContainsFunc(rep.Items, func(it retention.Item) bool {
			return it.Step == retention.StepUntag && it.Outcome == retention.OutcomeUntagPending && slices.Contains(it.Tags, tag)
		}) {
			t.Errorf("tag %s points at the placeholder, but no untag item reports it pending", tag)
		}
	}
	if len(on) == 0 {
		return
	}
	g := sc.g
	plan, err := retention.NewPlan(t.Context(), g.client(), ghpackages.OrgOwner("octo-org"), policy, retention.WithResolver(g.resolver()), retention.WithNow(sc.clock.Now))
	if err != nil {
		t.Errorf("NewPlan after the stopped untag: %v", err)
		return
	}
	finish, err := retention.Apply(t.Context(), g.client(), plan, retention.WithResolver(g.resolver()), retention.WithNow(sc.clock.Now))
	if err != nil {
		t.Errorf("Apply after the stopped untag: %v", err)
		return
	}
	for _, it := range finish.Items {
		sc.logf("next run: %s %s %s %v %s", it.Step, shortOr(it.Version), it.Outcome, it.Tags, it.Error)
	}
	for tag, d := range g.tags(sc.repo) {
		if d == retention.PlaceholderDigest() {
			t.Errorf("the next run left tag %s on the placeholder", tag)
		}
	}
	sc.tally.add(func(c *counts) { c.Finished++ })
}

func shortOr(d string) string {
	if len(d) > 15 {
		return d[7:15]
	}
	return d
}

// snap is the registry's state: tags, and which manifests exist.
type snap struct {
	tags   map[string]string
	exists map[string]bool
}

func (sc *scenario) snapshot() snap {
	s := snap{tags: sc.g.tags(sc.repo), exists: map[string]bool{}}
	for _, n := range sc.nodes {
		s.exists[n.digest] = sc.g.exists(sc.repo, n.digest)
	}
	for _, d := range s.tags {
		if _, ok := s.exists[d]; !ok {
			s.exists[d] = sc.g.exists(sc.repo, d)
		}
	}
	return s
}

// closure returns what a tag needs in state s: with soft, also the
// referrers and signature-tagged manifests of everything it reaches.
func (sc *scenario) closure(s snap, root string, soft bool) []string {
	seen := map[string]bool{root: true}
	queue := []string{root}
	for len(queue) > 0 {
		d := queue[0]
		queue = queue[1:]
		var next []string
		if s.exists[d] {
			next = append(next, sc.childrenOf(d)...)
		}
		if soft {
			for _, n := range sc.nodes {
				if s.exists[n.digest] && subjectOf(n.body) == d {
					next = append(next, n.digest)
				}
			}
			prefix := sigTag(d, "")
			for t, target := range s.tags {
				if rest, ok := strings.CutPrefix(t, prefix); ok && (rest == "" || rest[0] == '.') {
					next = append(next, target)
				}
			}
		}
		for _, c := range next {
			if !seen[c] {
				seen[c] = true
				queue = append(queue, c)
			}
		}
	}
	return sortedKeys(seen)
}

// missingUnder returns the manifests under d (children at any depth) that
// the registry does not have.
func (sc *scenario) missingUnder(d string) []string {
	var out []string
	queue := sc.childrenOf(d)
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if !sc.g.exists(sc.repo, c) {
			out = append(out, c)
			continue
		}
		queue = append(queue, sc.childrenOf(c)...)
	}
	return out
}

// childrenOf returns the manifests d lists, from the pushed bodies.
func (sc *scenario) childrenOf(d string) []string {
	for _, n := range sc.nodes {
		if n.digest == d {
			var m struct {
				Manifests []descriptor `json:"manifests"`
			}
			if err := json.Unmarshal(n.body, &m); err != nil {
				sc.t.Fatal(err)
			}
			var out []string
			for _, c := range m.Manifests {
				out = append(out, c.Digest)
			}
			return out
		}
	}
	return nil
}

// check asserts the invariant: every tag the plan does not delete or
// remove is still there, with everything it needed before the run; no tag
// that was whole is broken; a tag the plan removes is gone, still where
// it was (whole), or on the untag placeholder.
func (sc *scenario) check(before, after snap, planned, untag map[string][]string) {
	t := sc.t
	for _, tag := range sortedKeys(before.tags) {
		d := before.tags[tag]
		if !before.exists[d] {
			continue // pointed at nothing already
		}
		if ptags, ok := planned[d]; ok && slices.Contains(ptags, tag) {
			// The plan deletes this tag with its version; if the run
			// stopped first, it must still be whole.
			if after.tags[tag] == d {
				for _, m := range sc.closure(before, d, false) {
					if before.exists[m] && !after.exists[m] {
						t.Errorf("tag %s (planned for deletion, not yet deleted) is broken: %s is gone", tag, sc.short(m))
					}
				}
			}
			continue
		}
		if slices.Contains(untag[d], tag) {
			switch after.tags[tag] {
			case "", retention.PlaceholderDigest():
			case d:
				for _, m := range sc.closure(before, d, false) {
					if before.exists[m] && !after.exists[m] {
						t.Errorf("tag %s (planned for removal, not yet removed) is broken: %s is gone", tag, sc.short(m))
					}
				}
			default:
				t.Errorf("tag %s, planned for removal from %s, now points at %s", tag, sc.short(d), sc.short(after.tags[tag]))
			}
			if !after.exists[d] {
				t.Errorf("%s, which only loses tags, is gone", sc.short(d))
			}
			continue
		}
		if sc.named(tag) {
			continue // the run failed, naming it: the promise is kept
		}
		if to, ok := sc.movedTo[tag]; ok && to != d && after.tags[tag] == to {
			continue // moved by another job: checked from where it went
		}
		if after.tags[tag] != d {
			t.Errorf("kept tag %s no longer points at %s (now %q)", tag, sc.short(d), after.tags[tag])
			continue
		}
		for _, m := range sc.closure(before, d, true) {
			if before.exists[m] && !after.exists[m] {
				t.Errorf("kept tag %s lost %s, which it needed", tag, sc.short(m))
			}
		}
	}
}

// moved records that another job moved tag to digest.
func (sc *scenario) moved(tag, digest string) {
	if sc.movedTo == nil {
		sc.movedTo = map[string]string{}
	}
	sc.movedTo[tag] = digest
}

// named reports whether the run's report has a failed item naming tag
// (Apply's final check could not heal it).
func (sc *scenario) named(tag string) bool {
	if sc.rep == nil {
		return false
	}
	for _, it := range sc.rep.Items {
		if it.Outcome == retention.OutcomeFailed && strings.Contains(it.Error, "tag "+tag+" ") {
			return true
		}
	}
	return false
}

// checkVerify compares Verify with the test's own walk: a tag is broken
// when a manifest its image lists, at any depth, is missing.
func (sc *scenario) checkVerify(after snap) {
	t := sc.t
	res, err := retention.Verify(t.Context(), sc.resolver(), sc.repo)
	if err != nil {
		t.Errorf("Verify: %v", err)
		return
	}
	var got, want []string
	for _, b := range res.Broken {
		got = append(got, b.Tag)
	}
	for _, tag := range sortedKeys(after.tags) {
		for _, m := range sc.closure(after, after.tags[tag], false) {
			if !after.exists[m] {
				want = append(want, tag)
				break
			}
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("Verify says broken %v, the test's walk %v", got, want)
	}
	if res.Tags != len(after.tags) {
		t.Errorf("Verify checked %d tags, the registry has %d", res.Tags, len(after.tags))
	}
}
