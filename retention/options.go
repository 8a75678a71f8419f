package retention

import "time"

// PlanOption configures NewPlan. WithResolver and WithNow are
// PlanOptions.
type PlanOption interface{ applyPlan(*planConfig) }

// ApplyOption configures Apply. WithResolver, WithNow and WithProgress are
// ApplyOptions.
type ApplyOption interface{ applyApply(*runConfig) }

// RestoreOption configures Restore. WithResolver, WithNow and WithProgress
// are RestoreOptions.
type RestoreOption interface{ applyRestore(*runConfig) }

type planConfig struct {
	resolver ManifestResolver
	now      func() time.Time
}

type runConfig struct {
	resolver ManifestResolver
	now      func() time.Time
	progress func(Item)
	fresh    bool
	noHeal   bool
}

// ResolverOption is the option WithResolver returns: it configures
// NewPlan, Apply and Restore.
type ResolverOption struct{ r ManifestResolver }

func (o ResolverOption) applyPlan(c *planConfig)   { c.resolver = o.r }
func (o ResolverOption) applyApply(c *runConfig)   { c.resolver = o.r }
func (o ResolverOption) applyRestore(c *runConfig) { c.resolver = o.r }

// WithResolver sets the registry NewPlan reads container manifests and
// tags from, and Apply re-checks each container delete against (see
// NewRegistryResolver). Without one, NewPlan keeps every container version
// (unless the policy sets SkipReferenceCheck) and Apply refuses a
// container plan that was checked against a registry. Apply's untag steps
// and Restore's putting tags back push through it too: the resolver must
// then also be a TagMover.
func WithResolver(r ManifestResolver) ResolverOption { return ResolverOption{r} }

// FreshPlanOption is the option WithFreshPlan returns: it configures
// Apply.
type FreshPlanOption struct{}

func (FreshPlanOption) applyApply(c *runConfig) { c.fresh = true }

// WithFreshPlan tells Apply that the plan was made by NewPlan (or
// NewUntagPlan) in this process a moment ago, as "ghpkg prune --yes" does: Apply then starts
// from the registry reading NewPlan made (the tags, and the manifests they
// reach) instead of reading every tag again (a request per tag), and
// catches what changes from then on as it catches changes during the run
// (see Apply). Without it, and for a plan that was decoded (from a file
// someone reviewed, say), Apply reads every tag of a package once before
// its first delete.
func WithFreshPlan() FreshPlanOption { return FreshPlanOption{} }

// NoHealOption is the option WithoutHealing returns: it configures
// Apply.
type NoHealOption struct{}

func (NoHealOption) applyApply(c *runConfig) { c.noHeal = true }

// WithoutHealing turns off the restores of Apply's final check (see
// Apply): the check still runs, and a tag it finds broken by this run's
// deletes fails the run, naming the versions to restore by hand. Use it
// when the token cannot restore versions (a classic token without
// write:packages).
func WithoutHealing() NoHealOption { return NoHealOption{} }

// NowOption is the option WithNow returns: it configures NewPlan, Apply
// and Restore.
type NowOption struct{ now func() time.Time }

func (o NowOption) applyPlan(c *planConfig)   { c.now = o.now }
func (o NowOption) applyApply(c *runConfig)   { c.now = o.now }
func (o NowOption) applyRestore(c *runConfig) { c.now = o.now }

// WithNow sets the clock NewPlan ages versions by, Restore checks GitHub's
// 30-day window with, and reports are stamped with (time.Now by default).
func WithNow(now func() time.Time) NowOption { return NowOption{now} }

// ProgressOption is the option WithProgress returns: it configures Apply
// and Restore.
type ProgressOption struct{ f func(Item) }

func (o ProgressOption) applyApply(c *runConfig)   { c.progress = o.f }
func (o ProgressOption) applyRestore(c *runConfig) { c.progress = o.f }

// WithProgress calls f after each item Apply or Restore finishes, from the
// goroutine that called them.
func WithProgress(f func(Item)) ProgressOption { return ProgressOption{f} }

func planOptions(opts []PlanOption) planConfig {
	c := planConfig{now: time.Now}
	for _, o := range opts {
		if o != nil {
			o.applyPlan(&c)
		}
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

func applyOptions(opts []ApplyOption) runConfig {
	c := runConfig{now: time.Now}
	for _, o := range opts {
		if o != nil {
			o.applyApply(&c)
		}
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

func restoreOptions(opts []RestoreOption) runConfig {
	c := runConfig{now: time.Now}
	for _, o := range opts {
		if o != nil {
			o.applyRestore(&c)
		}
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}
