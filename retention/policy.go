// Package retention plans and applies cleanups of GitHub package versions,
// safely: a Plan is computed without changing anything, says for every
// version why it is kept or deleted, never plans a delete GitHub would
// refuse (the last version, the last tagged container version), and for
// container images keeps every untagged manifest that a kept multi-arch
// index or a signature references. Apply carries a plan out under the
// client's pacing and retries and reports what happened to each version;
// Restore undoes a run from its report within GitHub's 30 days.
package retention

import (
	"errors"
	"fmt"
	"path"
	"regexp"
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

// Pattern matches tags or package names. It is written as a glob ("v1.*",
// "nightly-*", where * and ? do not cross "/" and [...] is a class), or as a
// regular expression with the prefix "re:" ("re:^v[0-9]+\.[0-9]+$"). A glob
// matches the whole string; a regular expression matches anywhere unless
// anchored.
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
		re, err := regexp.Compile(expr)
		if err != nil {
			return Pattern{}, fmt.Errorf("%w: pattern %q: %v", ErrInvalidPolicy, s, err)
		}
		return Pattern{src: s, re: re}, nil
	}
	if _, err := path.Match(s, ""); err != nil {
		return Pattern{}, fmt.Errorf("%w: glob %q: %v", ErrInvalidPolicy, s, err)
	}
	return Pattern{src: s, glob: s}, nil
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
// one exact name.
func (p Pattern) IsLiteral() bool { return p.re == nil && !strings.ContainsAny(p.glob, `*?[\`) }

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

// Policy says which versions of which packages a cleanup deletes. A version
// is deleted only when every rule allows it; the zero Policy (with a Type
// and Packages) deletes nothing, because OlderThan must be set or
// DeleteAllMatching said.
type Policy struct {
	// Type is the package type to clean up.
	Type ghpackages.PackageType `json:"type"`
	// Packages are package names or patterns; empty means every package of
	// Type the owner has.
	Packages []Pattern `json:"packages,omitempty"`

	// KeepNewest keeps the N newest versions of each package, whatever the
	// other rules say (newest by created_at, then ID).
	KeepNewest int `json:"keep_newest,omitempty"`
	// OlderThan deletes only versions created longer ago than this.
	OlderThan time.Duration `json:"older_than,omitempty"`
	// DeleteAllMatching must be set to delete regardless of age when
	// OlderThan is zero: an explicit opt-in against emptying packages by
	// mistake.
	DeleteAllMatching bool `json:"delete_all_matching,omitempty"`
	// Tags selects untagged, tagged or any versions (default UntaggedOnly).
	Tags TagSelection `json:"tags,omitempty"`
	// IncludeTags, if set, limits deletion of tagged versions to those with
	// at least one tag matching one of the patterns.
	IncludeTags []Pattern `json:"include_tags,omitempty"`
	// ExcludeTags keeps every version with a tag matching one of the
	// patterns.
	ExcludeTags []Pattern `json:"exclude_tags,omitempty"`
	// KeepNames, KeepTags and KeepIDs keep the versions with these names
	// (digests), tags or IDs.
	KeepNames []string `json:"keep_names,omitempty"`
	KeepTags  []string `json:"keep_tags,omitempty"`
	KeepIDs   []int64  `json:"keep_ids,omitempty"`
	// MaxDelete caps the deletions of one run (oldest first); 0 means no
	// cap.
	MaxDelete int `json:"max_delete,omitempty"`
	// DeletePackageWhenEmpty plans deleting a whole package when the policy
	// would delete all its versions (GitHub refuses to delete the last
	// one). Without it, the newest such version is kept with a reason.
	DeletePackageWhenEmpty bool `json:"delete_package_when_empty,omitempty"`
	// SkipReferenceCheck plans untagged container versions without asking
	// the registry which of them kept images reference. Unsafe for
	// multi-arch images and attestations; for single-arch registries only.
	SkipReferenceCheck bool `json:"skip_reference_check,omitempty"`
}

// Validate reports what is wrong with the policy, if anything.
func (p *Policy) Validate() error {
	var errs []error
	if !p.Type.Valid() {
		errs = append(errs, fmt.Errorf("unknown package type %q", p.Type))
	}
	if p.KeepNewest < 0 || p.MaxDelete < 0 || p.OlderThan < 0 {
		errs = append(errs, errors.New("KeepNewest, MaxDelete and OlderThan must not be negative"))
	}
	switch p.Tags {
	case "", AnyTags, UntaggedOnly, TaggedOnly:
	default:
		errs = append(errs, fmt.Errorf("unknown tag selection %q", p.Tags))
	}
	if p.Tags == TaggedOnly && p.Type != ghpackages.Container && p.Type != ghpackages.Docker {
		errs = append(errs, fmt.Errorf("only container and docker versions have tags; %s versions never match TaggedOnly", p.Type))
	}
	if p.OlderThan == 0 && !p.DeleteAllMatching {
		errs = append(errs, errors.New("set OlderThan, or DeleteAllMatching to delete regardless of age"))
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrInvalidPolicy, errors.Join(errs...))
}

func (p *Policy) tagSelection() TagSelection {
	if p.Tags == "" {
		return UntaggedOnly
	}
	return p.Tags
}

// ParseAge parses an age such as "30d", "2w", "12h", "90m", or any Go
// duration ("36h30m").
func ParseAge(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			v, err := strconv.ParseFloat(n, 64)
			if err != nil || v < 0 {
				return 0, fmt.Errorf("%w: age %q: want a number of %s, e.g. 30d or 2w", ErrInvalidPolicy, s, suffix)
			}
			return time.Duration(v * float64(unit)), nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%w: age %q: want e.g. 30d, 2w, 12h", ErrInvalidPolicy, s)
	}
	return d, nil
}
