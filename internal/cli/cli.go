// Package cli implements the ghpkg command. Run is the whole program, so
// tests drive it in-process.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/retention"
)

// Exit codes.
const (
	ExitOK     = 0 // everything succeeded
	ExitFailed = 1 // some operations failed
	ExitUsage  = 2 // bad usage, or an authentication or scope problem
)

// Env is what the program reads and writes besides its arguments.
type Env struct {
	Getenv         func(string) string
	Stdout, Stderr io.Writer
	// Now is the clock versions are aged by; time.Now when nil.
	Now func() time.Time
	// ClientOptions are added to the API client's options (tests use them
	// to set a fake clock or switch pacing off).
	ClientOptions []ghpackages.Option
	// StderrIsTerminal selects a progress bar over periodic lines.
	StderrIsTerminal bool
}

const usage = `ghpkg manages GitHub Packages: list, inspect, delete, restore and prune.

Usage:
  ghpkg packages  [flags]                 list the owner's packages of --type
  ghpkg versions  PACKAGE [--state deleted] list a package's versions
  ghpkg get       PACKAGE [--id ID]       show a package, or one version
  ghpkg delete    PACKAGE [--id ID] --yes delete a package, or one version
  ghpkg restore   PACKAGE [--id ID]       restore a deleted package or version
  ghpkg restore   --report FILE           restore what a prune report deleted
  ghpkg prune     [PATTERN...] [policy]   plan a cleanup; carry it out with --yes
  ghpkg scopes    [--type TYPE]           the token's scopes against what each command needs

Owner: --org NAME, --user NAME, --owner NAME (looked up), or by default the token's own account.
Token: GITHUB_TOKEN or GH_TOKEN, or --token-file FILE. It is never printed.
Common flags: --type (default container), --json, --base-url (GitHub Enterprise
Server: https://HOST/api/v3/).

Exit codes: 0 success, 1 some operations failed, 2 usage, authentication or scope error.
Run 'ghpkg COMMAND -h' for a command's flags.
`

// Run runs ghpkg with args (without the program name) and returns the exit
// code.
func Run(ctx context.Context, args []string, env Env) int {
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	if env.Now == nil {
		env.Now = time.Now
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(env.Stdout, usage)
		if len(args) == 0 {
			return ExitUsage
		}
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
		fmt.Fprintln(env.Stderr, "ghpkg "+a.name+":", err)
		if code == ExitOK {
			code = exitCode(err)
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

// usageError is a mistake in the command line.
type usageError struct{ msg string }

// Error returns the message.
func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// exitCode maps an error to the exit code and, through errors it wraps,
// says what to do about it.
func exitCode(err error) int {
	var ue usageError
	var apiErr *ghpackages.Error
	switch {
	case errors.As(err, &ue), errors.Is(err, ghpackages.ErrInvalidArgument), errors.Is(err, retention.ErrInvalidPolicy):
		return ExitUsage
	case errors.Is(err, ghpackages.ErrUnauthorized):
		return ExitUsage
	case errors.As(err, &apiErr) && len(apiErr.MissingScopes) > 0:
		return ExitUsage
	}
	return ExitFailed
}

// explain adds advice to the errors a user can act on.
func explain(err error) error {
	var apiErr *ghpackages.Error
	switch {
	case errors.Is(err, ghpackages.ErrUnauthorized):
		return fmt.Errorf("%w\nthe token was refused: check GITHUB_TOKEN, GH_TOKEN or --token-file", err)
	case errors.As(err, &apiErr) && len(apiErr.MissingScopes) > 0:
		return fmt.Errorf("%w\nthe token lacks the scopes %s: create a classic token with them (see 'ghpkg scopes')", err, scopeList(apiErr.MissingScopes))
	case errors.Is(err, ghpackages.ErrLastVersion):
		return fmt.Errorf("%w\nGitHub refuses to delete a package's last version (for containers, its last tagged version): delete the whole package instead (ghpkg delete PACKAGE --yes, without --id)", err)
	case errors.Is(err, ghpackages.ErrTooManyDownloads):
		return fmt.Errorf("%w\nGitHub does not let anyone delete a public version downloaded more than 5,000 times: contact GitHub support", err)
	case errors.Is(err, ghpackages.ErrRateLimited):
		return fmt.Errorf("%w\nrate limited: run again later to continue", err)
	}
	return err
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
}

func (a *app) common(fs *flag.FlagSet) {
	fs.StringVar(&a.org, "org", "", "organization that owns the packages")
	fs.StringVar(&a.user, "user", "", "user that owns the packages (default: the token's own account)")
	fs.StringVar(&a.ownerLogin, "owner", "", "organization or user that owns the packages (looked up)")
	fs.StringVar(&a.typ, "type", string(ghpackages.Container), "package type: npm, maven, rubygems, docker, nuget or container")
	fs.BoolVar(&a.asJSON, "json", false, "print JSON instead of a table")
	fs.StringVar(&a.tokenFile, "token-file", "", "read the token from this file instead of GITHUB_TOKEN / GH_TOKEN")
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

func (a *app) token() (string, error) {
	if a.tokenFile != "" {
		b, err := os.ReadFile(a.tokenFile)
		if err != nil {
			return "", usagef("reading --token-file: %v", err)
		}
		if t := strings.TrimSpace(string(b)); t != "" {
			return t, nil
		}
		return "", usagef("--token-file %s is empty", a.tokenFile)
	}
	for _, name := range []string{"GITHUB_TOKEN", "GH_TOKEN"} {
		if t := strings.TrimSpace(a.env.Getenv(name)); t != "" {
			return t, nil
		}
	}
	return "", usagef("no token: set GITHUB_TOKEN or GH_TOKEN, or pass --token-file")
}

// client builds the API client; waits and retries are reported on stderr.
func (a *app) client() (*ghpackages.Client, error) {
	tok, err := a.token()
	if err != nil {
		return nil, err
	}
	p := ghpackages.DefaultRetryPolicy()
	p.OnRetry = func(e ghpackages.RetryEvent) {
		fmt.Fprintf(a.env.Stderr, "%s, waiting %s before retrying %s (attempt %d)\n", e.Reason, e.Wait.Round(time.Second), e.Method, e.Attempt)
	}
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

func (a *app) printJSON(v any) error {
	enc := json.NewEncoder(a.env.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func (a *app) table(header string, rows [][]string) {
	tw := tabwriter.NewWriter(a.env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	tw.Flush()
}

// appendSummary appends Markdown to the GitHub Actions step summary, when
// running in Actions.
func (a *app) appendSummary(md string) {
	path := a.env.Getenv("GITHUB_STEP_SUMMARY")
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		fmt.Fprintf(a.env.Stderr, "ghpkg: writing the step summary: %v\n", err)
		return
	}
	defer f.Close()
	if _, err := io.WriteString(f, md); err != nil {
		fmt.Fprintf(a.env.Stderr, "ghpkg: writing the step summary: %v\n", err)
	}
}

func age(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	case d >= time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dm", max(0, int(d.Minutes())))
}

func short(name string) string {
	if strings.HasPrefix(name, "sha256:") && len(name) > 19 {
		return name[:19]
	}
	return name
}

func tagsOf(tags []string) string {
	if len(tags) == 0 {
		return "-"
	}
	return strings.Join(tags, ",")
}
