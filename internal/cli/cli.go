// Package cli implements the ghpkg command. Run is the whole program, so
// tests drive it in-process against a fake server.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/retention"
)

// Exit codes of Run.
const (
	// ExitOK: everything succeeded (a prune stopped by the rate limit
	// included: it resumes on the next run).
	ExitOK = 0
	// ExitFailed: some operations failed.
	ExitFailed = 1
	// ExitUsage: bad usage, or an authentication or scope problem.
	ExitUsage = 2
)

// Env is what the program reads and writes besides its arguments. The zero
// value of each field has a sensible default, so tests set only what they
// need.
type Env struct {
	// Getenv reads an environment variable (GITHUB_TOKEN, GH_TOKEN,
	// GITHUB_STEP_SUMMARY); os.Getenv when nil.
	Getenv func(string) string
	// Stdout receives tables and JSON; io.Discard when nil.
	Stdout io.Writer
	// Stderr receives errors, retry notices and progress; io.Discard when
	// nil.
	Stderr io.Writer
	// Stdin is read by "--token-file -" and "restore --report -"; empty
	// when nil.
	Stdin io.Reader
	// StderrIsTerminal selects a progress bar over periodic progress lines.
	StderrIsTerminal bool
	// Now is the clock versions are aged by; time.Now when nil.
	Now func() time.Time
	// ClientOptions are appended to the API client's options, after the
	// CLI's own: tests use them to switch pacing off
	// (ghpackages.WithPacing(ghpackages.NoPacing())) or set a fake clock.
	ClientOptions []ghpackages.Option
	// Retry, if set, is the retry policy the client starts from instead of
	// ghpackages.DefaultRetryPolicy() (tests shorten its delays). The CLI
	// always sets its OnRetry, to report waits on Stderr.
	Retry *ghpackages.RetryPolicy
}

func (e *Env) defaults() {
	if e.Getenv == nil {
		e.Getenv = os.Getenv
	}
	if e.Stdout == nil {
		e.Stdout = io.Discard
	}
	if e.Stderr == nil {
		e.Stderr = io.Discard
	}
	if e.Stdin == nil {
		e.Stdin = strings.NewReader("")
	}
	if e.Now == nil {
		e.Now = time.Now
	}
}

const usage = `ghpkg manages GitHub Packages: list, inspect, delete, restore and prune.

Usage:
  ghpkg packages  [--visibility V]          list the owner's packages of --type
  ghpkg versions  PACKAGE [--state deleted] list a package's versions
  ghpkg get       PACKAGE [--id ID]         show a package, or one version
  ghpkg delete    PACKAGE [--id ID] --yes   delete a package, or one version
  ghpkg restore   PACKAGE [--id ID]         restore a deleted package or version
  ghpkg restore   --report FILE             restore what a prune or delete deleted
  ghpkg prune     [PACKAGE|GLOB...] [policy] plan a cleanup; carry it out with --yes
  ghpkg scopes    [--for COMMAND]           the token's scopes against what commands need
  ghpkg help      [json]                    this text, or the --json output schema

Owner: --org NAME, --user NAME, --owner NAME (looked up), or by default the
token's own account.
Token: GITHUB_TOKEN or GH_TOKEN, or --token-file FILE ("-" reads stdin). It is
never printed.
Common flags: --type (default container), --json, --base-url (GitHub
Enterprise Server: https://HOST/api/v3/).
In GitHub Actions (GITHUB_STEP_SUMMARY set), delete, restore and prune append
a Markdown table to the step summary.

Exit codes: 0 success (a prune stopped by the rate limit too: rerun to
resume), 1 some operations failed, 2 usage, authentication or scope error.
Run 'ghpkg COMMAND -h' for a command's flags.
`

// Run runs ghpkg with args (without the program name) and returns the exit
// code: ExitOK, ExitFailed or ExitUsage.
func Run(ctx context.Context, args []string, env Env) int {
	env.defaults()
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, usage)
		return ExitUsage
	}
	switch args[0] {
	case "-h", "--help", "-help", "help":
		if len(args) > 1 && args[1] == "json" {
			fmt.Fprint(env.Stdout, jsonHelp)
			return ExitOK
		}
		fmt.Fprint(env.Stdout, usage)
		return ExitOK
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(env.Stderr, "ghpkg: unknown command %q\n\n%s", args[0], usage)
		return ExitUsage
	}
	a := &app{env: env, name: args[0]}
	fs := flag.NewFlagSet("ghpkg "+args[0], flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	a.common(fs)
	run := cmd(a, fs)
	if err := fs.Parse(interleave(fs, args[1:])); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitUsage
	}
	a.args = fs.Args()
	code, err := run(ctx)
	if err != nil {
		err = explain(err)
		fmt.Fprintln(env.Stderr, "ghpkg "+a.name+":", err)
		if code == ExitOK {
			code = exitCode(err)
		}
		if a.asJSON && !a.printed {
			_ = a.printJSON(errorOutputOf(a, err, code))
		}
	}
	return code
}

// interleave moves flags after positional arguments to the front, so
// "ghpkg versions app --json" works like "ghpkg versions --json app".
func interleave(fs *flag.FlagSet, args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			pos = append(pos, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		if f := fs.Lookup(name); f != nil {
			if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
				continue
			}
			if i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
		}
	}
	return append(flags, pos...)
}

// usageError is a mistake in the command line, or a missing token.
type usageError struct{ msg string }

// Error returns the message.
func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// exitCode maps an error to the exit code.
func exitCode(err error) int {
	var ue usageError
	switch {
	case errors.As(err, &ue), errors.Is(err, ghpackages.ErrInvalidArgument), errors.Is(err, retention.ErrInvalidPolicy):
		return ExitUsage
	case errors.Is(err, ghpackages.ErrUnauthorized):
		return ExitUsage
	case len(missingScopes(err)) > 0:
		return ExitUsage
	}
	return ExitFailed
}

// missingScopes returns the scopes an API error says the token lacks.
func missingScopes(err error) []ghpackages.Scope {
	var apiErr *ghpackages.Error
	if errors.As(err, &apiErr) {
		return apiErr.MissingScopes
	}
	var se scopeError
	if errors.As(err, &se) {
		return se.missing
	}
	return nil
}

// scopeError is a preflight finding that the token lacks scopes.
type scopeError struct {
	what    string
	missing []ghpackages.Scope
}

// Error names the missing scopes.
func (e scopeError) Error() string {
	return fmt.Sprintf("the token lacks the scopes %s needed to %s: create a classic token with them (see 'ghpkg scopes')", scopeList(e.missing), e.what)
}

// advised marks an error that explain has already annotated.
type advised struct{ err error }

// Error returns the annotated message.
func (e advised) Error() string { return e.err.Error() }

// Unwrap returns the annotated error.
func (e advised) Unwrap() error { return e.err }

// explain adds advice to the errors a user can act on.
func explain(err error) error {
	var done advised
	if err == nil || errors.As(err, &done) {
		return err
	}
	var advice string
	var se scopeError
	switch {
	case errors.As(err, &se):
		return advised{err}
	case errors.Is(err, ghpackages.ErrUnauthorized):
		advice = "the token was refused: check GITHUB_TOKEN, GH_TOKEN or --token-file"
	case len(missingScopes(err)) > 0:
		advice = fmt.Sprintf("the token lacks the scopes %s: create a classic token with them (see 'ghpkg scopes')", scopeList(missingScopes(err)))
	case errors.Is(err, ghpackages.ErrLastVersion):
		advice = "GitHub refuses to delete a package's last version (for containers, its last tagged version): delete the whole package instead (ghpkg delete PACKAGE --yes, without --id)"
	case errors.Is(err, ghpackages.ErrTooManyDownloads):
		advice = "GitHub refuses to delete a public version downloaded more than 5,000 times, and the API shows no download counts: contact GitHub support to remove it"
	case errors.Is(err, ghpackages.ErrRateLimited):
		advice = "rate limited: run again later to continue"
	case errors.Is(err, ghpackages.ErrNotFound) && !hasHint(err):
		advice = "not found, or not visible to the token: GitHub answers 404, not 403, for private packages the token cannot see"
	default:
		return err
	}
	return advised{fmt.Errorf("%w\n%s", err, advice)}
}

// hasHint reports whether the SDK already explained the error's likely cause.
func hasHint(err error) bool {
	var apiErr *ghpackages.Error
	return errors.As(err, &apiErr) && apiErr.Hint != ""
}

func scopeList(scopes []ghpackages.Scope) string {
	parts := make([]string, len(scopes))
	for i, s := range scopes {
		parts[i] = string(s)
	}
	return strings.Join(parts, ", ")
}

// app holds the parsed common flags of one invocation.
type app struct {
	env        Env
	name       string
	args       []string
	org, user  string
	ownerLogin string
	typ        string
	asJSON     bool
	tokenFile  string
	baseURL    string

	// printed is set once the command wrote its JSON document.
	printed bool
	// tok caches the token once read (stdin can be read only once).
	tok string
	// barOpen is set while a progress bar's line is unfinished.
	barOpen bool
}

func (a *app) common(fs *flag.FlagSet) {
	fs.StringVar(&a.org, "org", "", "organization that owns the packages")
	fs.StringVar(&a.user, "user", "", "user that owns the packages (default: the token's own account)")
	fs.StringVar(&a.ownerLogin, "owner", "", "organization or user that owns the packages (looked up)")
	fs.StringVar(&a.typ, "type", string(ghpackages.Container), "package type: npm, maven, rubygems, docker, nuget or container")
	fs.BoolVar(&a.asJSON, "json", false, "print JSON (see 'ghpkg help json') instead of a table")
	fs.StringVar(&a.tokenFile, "token-file", "", "read the token from this file (- for stdin) instead of GITHUB_TOKEN / GH_TOKEN")
	fs.StringVar(&a.baseURL, "base-url", ghpackages.DefaultBaseURL, "REST API root (GitHub Enterprise Server: https://HOST/api/v3/)")
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
	switch {
	case given > 1:
		return ghpackages.Owner{}, usagef("give one of --org, --user and --owner")
	case a.org != "":
		return ghpackages.OrgOwner(a.org), nil
	case a.user != "":
		return ghpackages.UserOwner(a.user), nil
	case a.ownerLogin != "":
		o, _, err := c.ResolveOwner(ctx, a.ownerLogin)
		if err != nil {
			return o, fmt.Errorf("looking up --owner %s: %w", a.ownerLogin, explain(err))
		}
		return o, nil
	}
	return ghpackages.AuthenticatedOwner(), nil
}

func (a *app) packageType() (ghpackages.PackageType, error) {
	t := ghpackages.PackageType(strings.ToLower(a.typ))
	if !t.Valid() {
		return "", usagef("unknown --type %q (want npm, maven, rubygems, docker, nuget or container)", a.typ)
	}
	return t, nil
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
// on stderr.
func (a *app) client() (*ghpackages.Client, error) {
	tok, err := a.token()
	if err != nil {
		return nil, err
	}
	p := ghpackages.DefaultRetryPolicy()
	if a.env.Retry != nil {
		p = *a.env.Retry
	}
	p.OnRetry = func(e ghpackages.RetryEvent) { fmt.Fprintln(a.env.Stderr, retryLine(e)) }
	opts := append([]ghpackages.Option{
		ghpackages.WithToken(tok),
		ghpackages.WithBaseURL(a.baseURL),
		ghpackages.WithUserAgent("ghpkg (ghpackages-go/" + ghpackages.Version + ")"),
		ghpackages.WithRetry(p),
	}, a.env.ClientOptions...)
	c, err := ghpackages.NewClient(opts...)
	if err != nil {
		return nil, usageError{err.Error()}
	}
	return c, nil
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

// target returns the client, owner and type every command needs.
func (a *app) target(ctx context.Context) (*ghpackages.Client, ghpackages.Owner, ghpackages.PackageType, error) {
	typ, err := a.packageType()
	if err != nil {
		return nil, ghpackages.Owner{}, "", err
	}
	c, err := a.client()
	if err != nil {
		return nil, ghpackages.Owner{}, "", err
	}
	owner, err := a.owner(ctx, c)
	return c, owner, typ, err
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
