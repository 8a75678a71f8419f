// Package retention plans and applies cleanups of GitHub package versions,
// safely: a Plan is computed without changing anything, says for every
// version why it is kept or deleted, and never plans a delete GitHub would
// refuse (the last version, the last tagged container version). Apply
// carries a plan out under the client's pacing and retries and reports
// what happened to each version; Restore undoes a run from its report
// within GitHub's 30 days; Verify proves a repository's tags are whole.
// Container plans can also remove single tags and keep the image
// (Policy.Untag, NewUntagPlan; see TagMover), keep N images per group of
// tags (Policy.GroupBy), and never delete an untagged version a push in
// progress may still tag (Policy.Grace).
//
// # Where to start
//
// Plan, read the plan, apply it, keep the report; the package Example runs
// these steps against ghpackagestest's fake GitHub and registry:
//
//	client, err := ghpackages.NewClient(ghpackages.WithToken(token))
//	registry := retention.WithResolver(retention.NewRegistryResolver(retention.RegistryConfig{Token: token}))
//	policy := retention.Policy{Type: ghpackages.Container, OlderThan: 30 * 24 * time.Hour} // untagged only by default
//	plan, err := retention.NewPlan(ctx, client, ghpackages.OrgOwner("octo-org"), policy, registry)
//	// plan.Packages[i].Versions: every version, kept or deleted, with its reason
//	report, err := retention.Apply(ctx, client, plan, registry)
//	// report.Failed(), report.Count(retention.OutcomeDeleted); keep it as JSON
//	undo, err := retention.Restore(ctx, client, report) // within 30 days
//
// Verify checks a repository's tags afterwards. Decide is the planner
// without I/O, for versions listed some other way. The command ghpkg runs
// all of this from a terminal or CI:
// https://github.com/ghpackages/ghpackages-go/blob/main/docs/ghpkg.md. What a run promises
// and what it costs:
// https://github.com/ghpackages/ghpackages-go/blob/main/docs/safety.md.
//
// # Safety
//
// For container images the package keeps one invariant: after any run —
// finished, stopped by a limit, canceled, or crashed after any single
// delete — every manifest reachable from a tag the policy keeps is still
// in the registry: the children of image indexes and Docker manifest lists
// at any depth, attestation manifests, the manifests that name it as their
// OCI subject, and the manifests tagged "sha256-<hex>.sig", ".att" (and the
// referrers tag schema) after it. NewPlan reads the registry's own tags
// and every manifest; when it cannot read something that might change the
// answer, it keeps every version of that package and says so once, in
// Plan.Warnings. Apply deletes parents before their children and, before
// each delete, checks at a cost that does not grow with the repository
// that the delete is still safe, skipping a version that a tag, or an
// image pushed since the plan, now needs.
//
// # At scale
//
// Registry rate limits (429) and transient errors are waited out
// (RegistryConfig.MaxRetries, OnWait); registry lookups adapt their
// concurrency to the registry's limit; packages are read several at a
// time; a ManifestCache (RegistryConfig.Cache) keeps manifests between
// runs, so a second plan of an unchanged repository downloads none; and a
// plan applied at once (WithFreshPlan) costs Apply one registry request
// per delete.
package retention

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	ghpackages "github.com/ghpackages/ghpackages-go"
)

// ErrInvalidPolicy is matched by every policy validation error.
var ErrInvalidPolicy = errors.New("retention: invalid policy")

// TagSelection says which versions may be deleted by their tags.
type TagSelection string

// Tag selections.
const (
	// AnyTags considers tagged and untagged versions.
	AnyTags TagSelection = "any"
	// UntaggedOnly considers untagged versions only (the safest cleanup).
	UntaggedOnly TagSelection = "untagged"
	// TaggedOnly considers tagged versions only.
	TaggedOnly TagSelection = "tagged"
)

// Pattern matches tags or package names. It is written in one of three
// forms:
//
//   - "re:EXPR" is a regular expression (Go RE2 syntax). It matches anywhere
//     in the string unless anchored: "re:rc" matches "v1.0-rc1"; write
//     "re:^v[0-9]+$" to match whole strings.
//   - "glob:GLOB" is a glob, for a glob that itself starts with "re:" or
//     "glob:".
//   - anything else is a glob (path.Match syntax): it matches the whole
//     string; * and ? match any run of characters and any one character
//     except "/", [...] is a character class, and \ escapes. "v1.*" matches
//     "v1.2.3" but not "v10"; "team/*" matches "team/app" but not
//     "team/app/web".
//
// The zero Pattern is invalid (Policy.Validate reports it); it matches only
// the empty string.
type Pattern struct {
	src  string
	glob string
	re   *regexp.Regexp
}

// ParsePattern parses a glob or "re:" regular expression.
func ParsePattern(s string) (Pattern, error) {
	if s == "" {
		return Pattern{}, fmt.Errorf("%w: empty pattern", ErrInvalidPolicy)
	}
	if expr, ok := strings.CutPrefix(s, "re:"); ok {
		if expr == "" {
			return Pattern{}, fmt.Errorf("%w: empty regular expression %q (it would match everything; write re:.* if you mean that)", ErrInvalidPolicy, s)
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			return Pattern{}, fmt.Errorf("%w: regular expression %q: %v", ErrInvalidPolicy, s, err)
		}
		return Pattern{src: s, re: re}, nil
	}
	glob, _ := strings.CutPrefix(s, "glob:")
	if glob == "" {
		return Pattern{}, fmt.Errorf("%w: empty glob %q", ErrInvalidPolicy, s)
	}
	if _, err := path.Match(glob, ""); err != nil {
		return Pattern{}, fmt.Errorf("%w: glob %q: %v", ErrInvalidPolicy, s, err)
	}
	return Pattern{src: s, glob: glob}, nil
}

// MustPattern is ParsePattern for patterns known to be valid; it panics on
// an error.
func MustPattern(s string) Pattern {
	p, err := ParsePattern(s)
	if err != nil {
		panic(err)
	}
	return p
}

// Match reports whether s matches the pattern.
func (p Pattern) Match(s string) bool {
	if p.re != nil {
		return p.re.MatchString(s)
	}
	ok, _ := path.Match(p.glob, s)
	return ok
}

// String returns the pattern as written.
func (p Pattern) String() string { return p.src }

// IsLiteral reports whether the pattern is a glob without wildcards, i.e.
// one exact name (returned by Literal).
func (p Pattern) IsLiteral() bool {
	return p.re == nil && p.glob != "" && !strings.ContainsAny(p.glob, `*?[\`)
}

// Literal returns the name a literal pattern (see IsLiteral) matches.
func (p Pattern) Literal() string { return p.glob }

// Group returns the text the first capture group of a "re:" pattern
// matches in s (the leftmost match); ok is false when the pattern has no
// capture group, does not match, or the group matches nothing.
func (p Pattern) Group(s string) (group string, ok bool) {
	if p.re == nil || p.re.NumSubexp() < 1 {
		return "", false
	}
	m := p.re.FindStringSubmatch(s)
	if m == nil || m[1] == "" {
		return "", false
	}
	return m[1], true
}

func (p Pattern) valid() bool { return p.re != nil || p.glob != "" }

// MarshalText writes the pattern as written.
func (p Pattern) MarshalText() ([]byte, error) { return []byte(p.src), nil }

// UnmarshalText parses a pattern.
func (p *Pattern) UnmarshalText(b []byte) error {
	q, err := ParsePattern(string(b))
	if err != nil {
		return err
	}
	*p = q
	return nil
}

// Policy says which versions of which packages a cleanup deletes.
//
// A version is deleted only when every rule allows it. The rules, in the
// order Decide checks them (the first that keeps a version gives the
// reason):
//
//  1. KeepNewest, KeepNewestTagged, KeepNewestUntagged: the N newest
//     images of each package stay. An image is a version that no other
//     manifest references, with everything it references: a multi-arch
//     index with its platform manifests, attestations and signatures
//     counts once.
//     With GroupBy, KeepNewest and KeepNewestTagged count per group.
//  2. KeepIDs, KeepNames, KeepTags: listed versions stay.
//  3. ExcludeTags: a version with any tag matching an exclude pattern stays
//     (with Untag, its other tags may go: see Untag).
//  4. Protected digests: manifests the registry still needs stay (see
//     NewPlan).
//  5. Grace: untagged container versions younger than Grace stay.
//  6. Tags: UntaggedOnly (the default) keeps tagged versions; TaggedOnly
//     keeps untagged ones.
//  7. IncludeTags: only tagged versions every one of whose tags matches an
//     include pattern are deleted (deleting a version removes all its
//     tags; with Untag, the matching tags go and the version stays);
//     untagged versions are kept, whatever Tags says.
//  8. OlderThan: versions created more recently stay.
//
// Then everything a kept container image needs stays (its platform
// manifests, attestations, signatures and referrers, at any depth), and
// GitHub's refusals are planned around: a package's last version, and a
// container package's last tagged version, stay (unless
// DeletePackageWhenEmpty plans deleting the whole package), and MaxDelete
// caps the run.
//
// In JSON, OlderThan and Grace are written as days ("30d") when they are a
// whole number of days and as a Go duration ("36h0m0s") otherwise; both,
// and the nanosecond count older plans used, are read back. A Grace turned
// off is written "off".
type Policy struct {
	// Type is the package type to clean up.
	Type ghpackages.PackageType `json:"type"`
	// Packages are package names or patterns (see Pattern) over the
	// owner's packages of Type; empty means every such package. When every
	// entry is a literal name, the packages are fetched by name (a missing
	// one is an error); otherwise the owner's packages are listed and
	// matched.
	Packages []Pattern `json:"packages,omitempty"`

	// KeepNewest keeps the N newest images of each package (by
	// created_at, then ID), tagged or not, whatever the other rules say.
	// For packages other than containers every version is an image.
	KeepNewest int `json:"keep_newest,omitempty"`
	// KeepNewestTagged keeps the N newest tagged images of each package.
	KeepNewestTagged int `json:"keep_newest_tagged,omitempty"`
	// KeepNewestUntagged keeps the N newest untagged images of each
	// package.
	KeepNewestUntagged int `json:"keep_newest_untagged,omitempty"`
	// OlderThan deletes only versions created longer ago than this (see
	// ParseAge).
	OlderThan time.Duration `json:"older_than,omitempty"`
	// DeleteAllMatching must be set to delete regardless of age when
	// OlderThan is zero: an explicit opt-in against emptying packages by
	// mistake.
	DeleteAllMatching bool `json:"delete_all_matching,omitempty"`
	// Tags selects untagged, tagged or any versions (default UntaggedOnly).
	Tags TagSelection `json:"tags,omitempty"`
	// IncludeTags, if set, limits deletion to tagged versions whose every
	// tag matches one of the patterns: it selects by tag, so untagged
	// versions are kept, with AnyTags as with TaggedOnly ("release
	// candidates older than two weeks" deletes release candidates, not
	// untagged builds too). Delete untagged versions in a second plan.
	IncludeTags []Pattern `json:"include_tags,omitempty"`
	// ExcludeTags keeps every version with a tag matching one of the
	// patterns.
	ExcludeTags []Pattern `json:"exclude_tags,omitempty"`
	// KeepNames keeps the versions with these exact names (for container
	// images, the manifest digest "sha256:…").
	KeepNames []string `json:"keep_names,omitempty"`
	// KeepTags keeps the versions carrying any of these exact tags.
	KeepTags []string `json:"keep_tags,omitempty"`
	// KeepIDs keeps the versions with these IDs.
	KeepIDs []int64 `json:"keep_ids,omitempty"`
	// MaxDelete caps the deletions of one run, over all its packages (in
	// name order, the oldest versions of each first); 0 means no cap. A
	// whole-package deletion counts as one. Versions past the cap are kept
	// with that reason, and the multi-arch check sees them as kept: a
	// capped run never deletes a manifest that an index it keeps uses, so
	// it may leave some children of an index it deletes for the next run.
	MaxDelete int `json:"max_delete,omitempty"`
	// DeletePackageWhenEmpty plans deleting a whole package when the policy
	// would delete all its versions (GitHub refuses to delete the last
	// one). Without it, the newest such version is kept with a reason.
	DeletePackageWhenEmpty bool `json:"delete_package_when_empty,omitempty"`
	// DeleteGhostImages deletes container image indexes and manifest
	// lists none of whose listed manifests exist any more, whatever their
	// tags and age (KeepNewest, the keep lists, ExcludeTags and what kept
	// images need still keep them).
	DeleteGhostImages bool `json:"delete_ghost_images,omitempty"`
	// DeletePartialImages deletes container image indexes and manifest
	// lists of which some manifest, at any depth, is missing, as
	// DeleteGhostImages does.
	DeletePartialImages bool `json:"delete_partial_images,omitempty"`
	// DeleteOrphanedReferrers deletes signatures, attestations and other
	// referrers whose subject is gone (an OCI subject that no longer
	// exists, or a "sha256-<hex>.sig"-style tag of a missing digest), as
	// DeleteGhostImages does.
	DeleteOrphanedReferrers bool `json:"delete_orphaned_referrers,omitempty"`
	// SkipReferenceCheck plans container versions without reading the
	// registry. Unsafe: a kept multi-arch image can lose its platform
	// manifests, and signatures and attestations can be deleted. Only for
	// registries known to hold single-platform images without attachments.
	SkipReferenceCheck bool `json:"skip_reference_check,omitempty"`

	// Untag removes tags instead of keeping a version whole, for container
	// packages: a tagged version that the other rules would delete if all
	// its tags matched (IncludeTags, and no ExcludeTags), but of whose
	// tags only some match, loses the matching tags and keeps the rest. A
	// version whose every tag matches is deleted as without Untag.
	// Signature and attestation tags ("sha256-<hex>.sig") are never
	// removed on their own: they go with their subject. A tag is removed
	// by pushing a placeholder manifest under it and deleting the
	// placeholder's version (see TagMover), so Apply needs a resolver that
	// can push and a token that may write the package. It needs
	// IncludeTags or ExcludeTags to say which tags go.
	Untag bool `json:"untag,omitempty"`
	// GroupBy, a "re:" pattern with one capture group, makes KeepNewest
	// and KeepNewestTagged count per group: a tagged image belongs to the
	// group of the text the capture group matches in each of its tags
	// ("re:^v([0-9]+)\." groups v1.2.3 and v1.4.0 as "1"), so it may be
	// in several groups and counts in each; its tags that the pattern does
	// not match (or whose capture is empty) put it in the group
	// GroupOther, and untagged images are the group GroupUntagged (for
	// KeepNewest). An image is kept when it is one of the N newest of any
	// of its groups.
	GroupBy Pattern `json:"group_by,omitzero"`
	// Grace keeps untagged container and docker versions created less
	// than Grace ago, whatever the other rules say: a multi-arch push
	// uploads its platform manifests, untagged, before the index that tags
	// them, and a cleanup running in between must not delete them. Zero
	// means DefaultGrace; a negative Grace turns the window off.
	Grace time.Duration `json:"grace,omitempty"`
}

// DefaultGrace is the grace window for untagged versions when
// Policy.Grace is zero.
const DefaultGrace = time.Hour

// Group names of GroupBy that no capture can produce (a tag never holds
// parentheses).
const (
	// GroupOther holds the images with a tag GroupBy does not match.
	GroupOther = "(other tags)"
	// GroupUntagged holds the untagged images.
	GroupUntagged = "(untagged)"
)

// grace returns the grace window in force: 0 when it is off.
func (p *Policy) grace() time.Duration {
	switch {
	case p.Grace == 0:
		return DefaultGrace
	case p.Grace < 0:
		return 0
	}
	return p.Grace
}

// policyJSON is Policy's JSON form, with OlderThan and Grace as text.
type policyJSON struct {
	policyFields
	OlderThan any `json:"older_than,omitempty"`
	Grace     any `json:"grace,omitempty"`
}

// policyFields is Policy without its methods.
type policyFields Policy

// MarshalJSON writes the policy with OlderThan and Grace as days ("30d")
// or a Go duration ("36h0m0s"), and a Grace turned off as "off".
func (p Policy) MarshalJSON() ([]byte, error) {
	out := policyJSON{policyFields: policyFields(p)}
	out.policyFields.OlderThan, out.policyFields.Grace = 0, 0
	if p.OlderThan != 0 {
		out.OlderThan = FormatAge(p.OlderThan)
	}
	switch {
	case p.Grace < 0:
		out.Grace = "off"
	case p.Grace > 0:
		out.Grace = FormatAge(p.Grace)
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads a policy; older_than and grace may be an age ("30d",
// "720h", see ParseAge) or a number of nanoseconds, and grace "off" (or an
// age of 0) turns the grace window off.
func (p *Policy) UnmarshalJSON(b []byte) error {
	var in struct {
		policyFields
		OlderThan json.RawMessage `json:"older_than"`
		Grace     json.RawMessage `json:"grace"`
	}
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	*p = Policy(in.policyFields)
	var err error
	if p.OlderThan, _, err = ageJSON("older_than", in.OlderThan); err != nil {
		return err
	}
	grace, set, err := ageJSON("grace", in.Grace)
	if err != nil {
		return err
	}
	p.Grace = grace
	if set && grace == 0 {
		p.Grace = -1
	}
	return nil
}

// ageJSON reads an age field: absent or null (set is false), an age
// string, "off" for grace (0), or a number of nanoseconds.
func ageJSON(field string, raw json.RawMessage) (d time.Duration, set bool, err error) {
	s := strings.TrimSpace(string(raw))
	switch {
	case s == "" || s == "null":
		return 0, false, nil
	case s[0] == '"':
		var text string
		if err := json.Unmarshal(raw, &text); err != nil {
			return 0, false, err
		}
		if field == "grace" && text == "off" {
			return 0, true, nil
		}
		d, err := ParseAge(text)
		if err != nil {
			return 0, false, fmt.Errorf("%s: %w", field, err)
		}
		return d, true, nil
	}
	var n int64
	if err := json.Unmarshal(raw, &n); err != nil {
		return 0, false, fmt.Errorf("%w: %s %s: want an age such as \"30d\" or a number of nanoseconds", ErrInvalidPolicy, field, s)
	}
	return time.Duration(n), true, nil
}

// FormatAge writes an age the way ParseAge reads it, in its largest whole
// unit: "30d", "36h", "90m"; anything else as a Go duration ("90s",
// "1h0m30s").
func FormatAge(d time.Duration) string {
	if d > 0 {
		for _, u := range []struct {
			unit   time.Duration
			suffix string
		}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}} {
			if d%u.unit == 0 {
				return strconv.FormatInt(int64(d/u.unit), 10) + u.suffix
			}
		}
	}
	return d.String()
}

// Validate reports everything that is wrong with the policy, if anything,
// in one error matching ErrInvalidPolicy.
func (p *Policy) Validate() error {
	var errs []error
	if !p.Type.Valid() {
		errs = append(errs, fmt.Errorf("unknown package type %q (want one of %v)", p.Type, ghpackages.PackageTypes()))
	}
	for field, n := range map[string]int{"KeepNewest": p.KeepNewest, "KeepNewestTagged": p.KeepNewestTagged, "KeepNewestUntagged": p.KeepNewestUntagged} {
		if n < 0 {
			errs = append(errs, fmt.Errorf("%s is %d; it must not be negative", field, n))
		}
	}
	if p.MaxDelete < 0 {
		errs = append(errs, fmt.Errorf("MaxDelete is %d; it must not be negative (0 means no cap)", p.MaxDelete))
	}
	if p.OlderThan < 0 {
		errs = append(errs, fmt.Errorf("OlderThan is %s; it must not be negative", p.OlderThan))
	}
	switch p.Tags {
	case "", AnyTags, UntaggedOnly, TaggedOnly:
	default:
		errs = append(errs, fmt.Errorf("unknown tag selection %q (want %q, %q or %q)", p.Tags, UntaggedOnly, TaggedOnly, AnyTags))
	}
	tagged := p.Type == ghpackages.Container || p.Type == ghpackages.Docker
	if p.Tags == TaggedOnly && !tagged && p.Type.Valid() {
		errs = append(errs, fmt.Errorf("only container and docker versions have tags; %s versions never match TaggedOnly", p.Type))
	}
	if len(p.IncludeTags) > 0 && p.tagSelection() == UntaggedOnly {
		errs = append(errs, errors.New("IncludeTags selects tagged versions, but the policy deletes untagged versions only: set Tags to TaggedOnly or AnyTags"))
	}
	if (p.DeleteGhostImages || p.DeletePartialImages || p.DeleteOrphanedReferrers) && p.Type != ghpackages.Container && p.Type.Valid() {
		errs = append(errs, fmt.Errorf("DeleteGhostImages, DeletePartialImages and DeleteOrphanedReferrers apply to container images only, not %s", p.Type))
	}
	if (p.DeleteGhostImages || p.DeletePartialImages || p.DeleteOrphanedReferrers) && p.SkipReferenceCheck {
		errs = append(errs, errors.New("DeleteGhostImages, DeletePartialImages and DeleteOrphanedReferrers need the registry, which SkipReferenceCheck skips"))
	}
	if p.Untag {
		switch {
		case p.Type != ghpackages.Container && p.Type.Valid():
			errs = append(errs, fmt.Errorf("with Untag, tags are removed through the container registry: container packages only, not %s", p.Type))
		case p.tagSelection() == UntaggedOnly:
			errs = append(errs, errors.New("with Untag, tags of tagged versions go, but the policy deletes untagged versions only: set Tags to TaggedOnly or AnyTags"))
		case len(p.IncludeTags) == 0 && len(p.ExcludeTags) == 0:
			errs = append(errs, errors.New("with Untag, set IncludeTags or ExcludeTags to say which tags go"))
		case p.SkipReferenceCheck:
			errs = append(errs, errors.New("with Untag, the registry is needed, which SkipReferenceCheck skips"))
		}
	}
	if p.GroupBy.valid() || p.GroupBy.src != "" {
		switch {
		case p.GroupBy.re == nil:
			errs = append(errs, fmt.Errorf("GroupBy %q must be a re: pattern with one capture group (such as re:^v([0-9]+)\\.)", p.GroupBy.src))
		case p.GroupBy.re.NumSubexp() != 1:
			errs = append(errs, fmt.Errorf("GroupBy %q has %d capture groups; it needs exactly one, whose text names the group", p.GroupBy.src, p.GroupBy.re.NumSubexp()))
		case p.KeepNewest == 0 && p.KeepNewestTagged == 0:
			errs = append(errs, errors.New("GroupBy counts KeepNewest and KeepNewestTagged per group: set one of them"))
		case p.Type != ghpackages.Container && p.Type != ghpackages.Docker && p.Type.Valid():
			errs = append(errs, fmt.Errorf("GroupBy groups by tags: container and docker packages only, not %s", p.Type))
		}
	}
	if p.OlderThan == 0 && !p.DeleteAllMatching {
		errs = append(errs, errors.New("set OlderThan, or DeleteAllMatching to delete regardless of age"))
	}
	for field, pats := range map[string][]Pattern{"Packages": p.Packages, "IncludeTags": p.IncludeTags, "ExcludeTags": p.ExcludeTags} {
		for i, pat := range pats {
			if !pat.valid() {
				errs = append(errs, fmt.Errorf("%s[%d] is an empty pattern (use ParsePattern)", field, i))
			}
		}
	}
	for i, n := range p.KeepNames {
		if n == "" {
			errs = append(errs, fmt.Errorf("KeepNames[%d] is empty", i))
		}
	}
	for i, t := range p.KeepTags {
		if t == "" {
			errs = append(errs, fmt.Errorf("KeepTags[%d] is empty", i))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return fmt.Errorf("%w: %w", ErrInvalidPolicy, errors.Join(errs...))
}

func (p *Policy) tagSelection() TagSelection {
	if p.Tags == "" {
		return UntaggedOnly
	}
	return p.Tags
}

// ParseAge parses an age: a number of days ("30d"), weeks ("2w") or hours
// ("12h"), or any Go duration ("90m", "36h30m", see time.ParseDuration).
// Days and weeks may be fractional ("1.5d"). A day is 24 hours. Negative
// ages are refused; errors match ErrInvalidPolicy.
func ParseAge(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	for _, u := range []struct {
		suffix string
		unit   time.Duration
	}{{"d", 24 * time.Hour}, {"w", 7 * 24 * time.Hour}} {
		n, ok := strings.CutSuffix(s, u.suffix)
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(n, 64)
		if err != nil || v < 0 || math.IsNaN(v) || math.IsInf(v, 0) || n == "" || strings.ContainsAny(n, "eExXpP_") {
			return 0, fmt.Errorf("%w: age %q: want a number of %s, e.g. 30d or 2w", ErrInvalidPolicy, s, u.suffix)
		}
		d := v * float64(u.unit)
		if d >= math.MaxInt64 {
			return 0, fmt.Errorf("%w: age %q is too long", ErrInvalidPolicy, s)
		}
		return time.Duration(d), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%w: age %q: want e.g. 30d, 2w, 12h", ErrInvalidPolicy, s)
	}
	return d, nil
}
