package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/retention"
)

// errMaxWait is the cause of a run context canceled by --max-wait.
var errMaxWait = errors.New("--max-wait reached")

// runFlags are the flags of the commands that change things: --pace and
// --max-wait.
type runFlags struct {
	pace    string
	maxWait waitLimit
}

func (a *app) addRunFlags(cmd *cobra.Command, rf *runFlags) {
	cmd.Flags().Var(newEnum(&rf.pace, "guidance", "guidance", "budget"), "pace",
		"guidance: mutations one at a time, at least 1s apart, as GitHub asks (60/min); budget: up to GitHub's 900 points/min secondary budget (about 180 deletes/min)")
	cmd.Flags().Var(&rf.maxWait, "max-wait", "stop cleanly (exit 1, progress reported) once rate-limit waits would exceed DURATION in total (90s, 15min, 1h; 0: no waiting; default: wait, up to 15min per wait)")
	_ = cmd.RegisterFlagCompletionFunc("pace", fixedCompletion("guidance", "budget"))
}

// owner is the namespace the flags name; --owner is looked up to tell an
// organization from a user.
func (a *app) owner(ctx context.Context, c *ghpackages.Client) (ghpackages.Owner, error) {
	given := 0
	for _, f := range []string{a.org, a.user, a.ownerLogin} {
		if f != "" {
			given++
		}
	}
	for _, f := range []struct{ flag, login string }{{"--org", a.org}, {"--user", a.user}, {"--owner", a.ownerLogin}} {
		if err := checkLogin(f.flag, f.login); err != nil {
			return ghpackages.Owner{}, err
		}
	}
	switch {
	case given > 1:
		return ghpackages.Owner{}, usagef("give one of --org, --user and --owner")
	case a.org != "":
		return ghpackages.OrgOwner(a.org), nil
	case a.user != "":
		return ghpackages.UserOwner(a.user), nil
	case a.ownerLogin != "":
		o, _, err := c.ResolveOwner(ctx, a.ownerLogin)
		switch {
		case errors.Is(err, ghpackages.ErrNotFound):
			return o, usagef("--owner %s: no such user or organization", a.ownerLogin)
		case err != nil:
			return o, fmt.Errorf("looking up --owner %s: %w", a.ownerLogin, explain(err))
		}
		return o, nil
	}
	return ghpackages.AuthenticatedOwner(), nil
}

// checkOwner explains an error of the reads a command makes before any
// change, with the fix: a 404 names the owner looked in (the token's own
// account when no --org, --user or --owner was given), says when the owner
// does not exist or is a user given as --org, and how to list what the
// token can see; a 403 on listing an owner's packages (the Actions
// GITHUB_TOKEN cannot list) says to name the packages. exitCode gives
// these exit 2.
func (a *app) checkOwner(ctx context.Context, c *ghpackages.Client, owner ghpackages.Owner, err error) error {
	switch {
	case errors.Is(err, ghpackages.ErrForbidden) && isListing(err) && len(missingScopes(err)) == 0:
		return advised{fmt.Errorf("%w\nthe token may not list the %s's packages (the Actions GITHUB_TOKEN never can): name the packages instead "+
			"(ghpkg prune PACKAGE..., the Action's packages input), or use a classic token with read:packages", err, ownerWord(owner))}
	case !errors.Is(err, ghpackages.ErrNotFound):
		return err
	case owner.Name() == "":
		return advised{fmt.Errorf("%w\nno --org, --user or --owner was given, so ghpkg looked in the token's own account: "+
			"pass --org ORG (or --user USER) for another owner's packages; 'ghpkg packages' lists the token's own", err)}
	}
	found, _, lerr := c.ResolveOwner(ctx, owner.Name())
	switch {
	case errors.Is(lerr, ghpackages.ErrNotFound):
		return usagef("--%s %s: no such %s", owner.Kind(), owner.Name(), ownerWord(owner))
	case lerr == nil && owner.Kind() == ghpackages.OwnerKindOrg && found.Kind() == ghpackages.OwnerKindUser:
		return usagef("--org %s: %s is a user, not an organization: use --user %s (or --owner %s)", owner.Name(), owner.Name(), owner.Name(), owner.Name())
	}
	list := "ghpkg packages" + ownerFlags(owner, a.packageType())
	return advised{fmt.Errorf("%w\nnot found in %s %s, or not visible to the token (GitHub answers 404, not 403, for private packages it cannot see): "+
		"'%s' lists the ones it can see", err, ownerWord(owner), owner.Name(), list)}
}

// ownerFlags renders the flags that select owner and typ, for commands
// suggested in messages: " --org octo-org --type npm".
func ownerFlags(o ghpackages.Owner, typ ghpackages.PackageType) string {
	s := ""
	if o.Name() != "" {
		s = fmt.Sprintf(" --%s %s", o.Kind(), o.Name())
	}
	if typ != ghpackages.Container {
		s += " --type " + string(typ)
	}
	return s
}

// ownerWord is "organization" or "user".
func ownerWord(o ghpackages.Owner) string {
	if o.Kind() == ghpackages.OwnerKindOrg {
		return "organization"
	}
	return "user"
}

// isListing reports whether err answered a listing of an owner's packages.
func isListing(err error) bool {
	var apiErr *ghpackages.Error
	if !errors.As(err, &apiErr) || apiErr.Method != http.MethodGet {
		return false
	}
	u, perr := url.Parse(apiErr.URL)
	return perr == nil && strings.HasSuffix(u.Path, "/packages")
}

func (a *app) packageType() ghpackages.PackageType {
	return ghpackages.PackageType(a.typ)
}

// token reads the token: --token-file (or stdin for "-"), else GITHUB_TOKEN,
// else GH_TOKEN. Its shape is not checked: token formats change. Errors never
// quote it.
func (a *app) token() (string, error) {
	if a.tok != "" {
		return a.tok, nil
	}
	if a.tokenFile != "" {
		var b []byte
		var err error
		if a.tokenFile == "-" {
			b, err = io.ReadAll(io.LimitReader(a.env.Stdin, 64<<10))
		} else {
			b, err = os.ReadFile(a.tokenFile)
		}
		if err != nil {
			return "", usagef("reading --token-file: %v", err)
		}
		if a.tok = strings.TrimSpace(string(b)); a.tok == "" {
			return "", usagef("--token-file %s is empty", a.tokenFile)
		}
		return a.tok, nil
	}
	for _, name := range []string{"GITHUB_TOKEN", "GH_TOKEN"} {
		if t := strings.TrimSpace(a.env.Getenv(name)); t != "" {
			a.tok = t
			return t, nil
		}
	}
	return "", usagef("no token: set GITHUB_TOKEN or GH_TOKEN, or pass --token-file")
}

// client builds the API client; retries and rate-limit waits are reported
// on stderr. rf, when not nil, sets the pacing and --max-wait: the returned
// context is then canceled (cause errMaxWait) once rate-limit waits would
// exceed it.
func (a *app) client(ctx context.Context, rf *runFlags) (context.Context, *ghpackages.Client, error) {
	if v := a.baseURL; strings.ContainsAny(v, "*?") || strings.HasPrefix(v, "re:") || strings.HasPrefix(v, "glob:") {
		// Brackets stay allowed: an IPv6 host is written [::1].
		return ctx, nil, usagef("--base-url %q is a pattern, but --base-url takes one URL, e.g. https://HOST/api/v3/", v)
	}
	tok, err := a.token()
	if err != nil {
		return ctx, nil, err
	}
	p := ghpackages.DefaultRetryPolicy()
	if a.env.Retry != nil {
		p = *a.env.Retry
	}
	if rf != nil && rf.maxWait.set {
		var cancel context.CancelCauseFunc
		ctx, cancel = context.WithCancelCause(ctx)
		// Single waits up to --max-wait are allowed (at least the
		// default); limitWait stops the run once they add up past it.
		p.MaxWait = max(p.MaxWait, 15*time.Minute, rf.maxWait.d)
		a.waits.Lock()
		a.maxWait, a.stopRun = &rf.maxWait.d, cancel
		a.waits.Unlock()
	}
	p.OnRetry = func(e ghpackages.RetryEvent) {
		a.progressBreak()
		fmt.Fprintln(a.env.Stderr, retryLine(e))
		if e.Reason == ghpackages.RetryPrimaryLimit || e.Reason == ghpackages.RetrySecondaryLimit {
			a.limitWait(e.Wait)
		}
	}
	opts := []ghpackages.Option{
		ghpackages.WithToken(tok),
		ghpackages.WithBaseURL(a.baseURL),
		ghpackages.WithUserAgent("ghpkg (ghpackages-go/" + ghpackages.Version + ")"),
		ghpackages.WithRetry(p),
		ghpackages.WithHTTPClient(&http.Client{Transport: countingTransport{next: journalTransport{next: a.env.Transport, a: a}, a: a}}),
	}
	if rf != nil {
		// Conditional requests for what is read again (a listing's second
		// reading, Apply's look at the newest versions before each delete):
		// GitHub's 304 answers cost no rate-limit quota.
		opts = append(opts, ghpackages.WithPacing(pacing(rf.pace)), ghpackages.WithETagCache(1024, 32<<20))
	}
	c, err := ghpackages.NewClient(append(opts, a.env.ClientOptions...)...)
	if err != nil {
		return ctx, nil, usageError{err.Error()}
	}
	return ctx, c, nil
}

// limitWait adds a rate-limit wait (the API's or the registry's) to the
// run's total, and stops the run once the total exceeds --max-wait.
func (a *app) limitWait(d time.Duration) {
	a.waits.Lock()
	a.waited += d
	over := a.maxWait != nil && a.waited > *a.maxWait
	stop, limit := a.stopRun, a.maxWait
	a.waits.Unlock()
	if over && stop != nil {
		a.note(fmt.Sprintf("ghpkg: waiting would exceed --max-wait %s: stopping", waitString(*limit)))
		stop(errMaxWait)
	}
}

// registryWait reports a wait of the registry resolver on stderr, counts
// it, and adds a rate-limit wait to --max-wait's total.
func (a *app) registryWait(e retention.RegistryWait) {
	a.note(registryWaitLine(e))
	a.waits.Lock()
	a.registryWaits++
	a.waits.Unlock()
	if e.Limit {
		a.limitWait(e.Wait)
	}
}

// registryWaitCount is how many times the registry was waited for.
func (a *app) registryWaitCount() int {
	a.waits.Lock()
	defer a.waits.Unlock()
	return a.registryWaits
}

// registryWaitLine renders a registry wait, e.g. "ghpkg: registry rate
// limited (429), waiting 2s before retrying GET /v2/o/app/manifests/…
// (attempt 1)".
func registryWaitLine(e retention.RegistryWait) string {
	what := e.Method
	if u, err := url.Parse(e.URL); err == nil {
		what += " " + u.EscapedPath()
	}
	if e.Limit {
		status := ""
		if e.StatusCode != 0 {
			status = fmt.Sprintf(" (%d)", e.StatusCode)
		}
		return fmt.Sprintf("ghpkg: registry rate limited%s, waiting %s before retrying %s (attempt %d)", status, waitString(e.Wait), what, e.Attempt)
	}
	reason := "registry connection error"
	if e.StatusCode != 0 {
		reason = fmt.Sprintf("registry error (%d)", e.StatusCode)
	}
	return fmt.Sprintf("ghpkg: %s on %s, retrying in %s (attempt %d)", reason, what, waitString(e.Wait), e.Attempt)
}

// pacing maps --pace to the SDK's presets.
func pacing(pace string) ghpackages.Pacing {
	if pace == "budget" {
		return ghpackages.BudgetPacing()
	}
	return ghpackages.DefaultPacing()
}

// versionsPath matches a package's versions listing, capturing the package.
var versionsPath = regexp.MustCompile(`/packages/[^/]+/([^/]+)/versions$`)

// countingTransport tells the progress reporter about each GET answered,
// so planning can show pages read.
type countingTransport struct {
	next http.RoundTripper
	a    *app
}

// RoundTrip sends req and counts a GET that got an answer.
func (t countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err == nil && req.Method == http.MethodGet {
		pkg := ""
		if m := versionsPath.FindStringSubmatch(req.URL.EscapedPath()); m != nil {
			pkg = m[1]
		}
		t.a.pageRead(pkg)
	}
	return resp, err
}

// retryLine renders a retry notice, e.g. "ghpkg: rate limited (secondary
// rate limit), waiting 42s before retrying DELETE /orgs/o/packages/… (attempt 1)".
func retryLine(e ghpackages.RetryEvent) string {
	what := e.Method
	if u, err := url.Parse(e.URL); err == nil {
		what += " " + u.EscapedPath()
	}
	switch e.Reason {
	case ghpackages.RetryPrimaryLimit, ghpackages.RetrySecondaryLimit:
		return fmt.Sprintf("ghpkg: rate limited (%s), waiting %s before retrying %s (attempt %d)", e.Reason, waitString(e.Wait), what, e.Attempt)
	}
	reason := string(e.Reason)
	if e.StatusCode != 0 {
		reason = fmt.Sprintf("%s (%d)", e.Reason, e.StatusCode)
	}
	return fmt.Sprintf("ghpkg: %s on %s, retrying in %s (attempt %d)", reason, what, waitString(e.Wait), e.Attempt)
}

// waitString renders a wait in whole seconds without zero units ("42s",
// "1m", "1m24s", "2h10m"), or in milliseconds under a second.
func waitString(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	secs := int64(d.Round(time.Second) / time.Second)
	h, m, sec := secs/3600, secs/60%60, secs%60
	var b strings.Builder
	if h > 0 {
		fmt.Fprintf(&b, "%dh", h)
	}
	if m > 0 || (h > 0 && sec > 0) {
		fmt.Fprintf(&b, "%dm", m)
	}
	if sec > 0 {
		fmt.Fprintf(&b, "%ds", sec)
	}
	return b.String()
}

// target returns the client, owner and type the API commands need.
func (a *app) target(ctx context.Context, rf *runFlags) (context.Context, *ghpackages.Client, ghpackages.Owner, ghpackages.PackageType, error) {
	ctx, c, err := a.client(ctx, rf)
	if err != nil {
		return ctx, nil, ghpackages.Owner{}, "", err
	}
	owner, err := a.owner(ctx, c)
	return ctx, c, owner, a.packageType(), err
}

// resolver reads container manifests from the registry host (default: the
// one that goes with --base-url), with the token and the run's transport,
// keeping them in cache (nil for none); its waits are shown and counted.
func (a *app) resolver(host string, cache *retention.ManifestCache) retention.ManifestResolver {
	if host == "" {
		host = defaultRegistry(a.baseURL)
	}
	tok, _ := a.token()
	return retention.NewRegistryResolver(retention.RegistryConfig{Host: host, Token: tok, Transport: journalTransport{next: a.env.Transport, a: a},
		Clock: a.env.Clock, Cache: cache, OnWait: a.registryWait})
}

// defaultRegistry is the container registry that goes with the API at
// baseURL: ghcr.io for github.com, "containers.HOST" for GitHub Enterprise
// Server, and the API host itself for a loopback test server. The registry
// is sent the token, so it must never default to another party's host.
func defaultRegistry(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" {
		return "ghcr.io"
	}
	host := u.Hostname()
	switch {
	case strings.EqualFold(host, "api.github.com"):
		return "ghcr.io"
	case strings.EqualFold(host, "localhost"):
		return u.Host
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return u.Host
	}
	return "containers." + host
}
