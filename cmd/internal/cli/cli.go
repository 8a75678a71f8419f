// Package cli implements the ghpkg command on github.com/spf13/cobra. Run
// is the whole program, so tests drive it in-process against a fake server.
// Each command lives in its own file (cmd_*.go); run.go renders the outcome
// of delete, restore and prune; output.go holds the --json types.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/cmd/internal/buildinfo"
)

// Exit codes of Run: the contract 'ghpkg help' and docs/ghpkg.md state.
const (
	// ExitOK: done, including nothing to do and a dry run.
	ExitOK = 0
	// ExitFailed: some operations failed, the run stopped early (rate
	// limit, --max-wait, cancellation) with work left, deletions were
	// withheld because their safety could not be proven, the report could
	// not be written, or the server failed.
	ExitFailed = 1
	// ExitUsage: a usage, authentication, permission or scope error, a
	// name or host that does not exist, or a delete refused as unsafe,
	// found before any change was made.
	ExitUsage = 2
)

// exitCodesHelp is the exit-code contract as 'ghpkg help' prints it; the
// ghpkg reference (docs/ghpkg.md) repeats it word for word (a test checks).
const exitCodesHelp = `Exit codes:
  0  done, including nothing to do and a dry run
  1  incomplete: some operations failed; the run stopped early (rate
     limit, --max-wait, canceled); deletions were withheld because
     their safety could not be proven (the registry could not be read:
     "withheld N deletions in M packages: ..."); the --report or --json
     output could not be written where asked (it is saved elsewhere, and
     the message says where); or the server failed. What was done is
     reported; fix the cause, then rerun to resume
  2  found before any change: a usage, authentication, permission or
     scope error, a package, version, owner or host that does not
     exist, a protective value that matches nothing (prune --yes: see
     'ghpkg help prune'), or a delete refused as unsafe (see 'ghpkg
     help delete')`

// Env is what the program reads and writes besides its arguments. The zero
// value of each field has a sensible default, so tests set only what they
// need.
type Env struct {
	// Getenv reads an environment variable (GITHUB_TOKEN, GH_TOKEN,
	// GITHUB_STEP_SUMMARY); os.Getenv when nil.
	Getenv func(string) string
	// Stdout receives tables and JSON; io.Discard when nil.
	Stdout io.Writer
	// Stderr receives errors, warnings, retry notices and progress;
	// io.Discard when nil.
	Stderr io.Writer
	// Stdin is read by "--token-file -" and "restore --report -"; empty
	// when nil.
	Stdin io.Reader
	// StderrIsTerminal selects a live progress line over periodic
	// progress lines.
	StderrIsTerminal bool
	// Now is the clock versions are aged by and progress is timed by;
	// time.Now when nil.
	Now func() time.Time
	// Transport carries the API requests; http.DefaultTransport when nil.
	// Tests give each run its own.
	Transport http.RoundTripper
	// ClientOptions are appended to the API client's options, after the
	// CLI's own: tests use them to switch pacing off or set a fake clock.
	ClientOptions []ghpackages.Option
	// Retry, if set, is the retry policy the client starts from instead of
	// ghpackages.DefaultRetryPolicy() (tests shorten its delays). The CLI
	// always sets its OnRetry, to report waits on Stderr.
	Retry *ghpackages.RetryPolicy
	// Build is what 'ghpkg version' reports: the main package passes the
	// version, commit and date a release build stamped into it
	// (buildinfo.Resolve); when its Version is empty, what the Go
	// toolchain recorded (debug.ReadBuildInfo).
	Build buildinfo.Info
	// Clock times the container registry's waits (its rate limits and
	// transient errors, waited out); the wall clock when nil. Tests give
	// one whose Sleep takes no real time.
	Clock ghpackages.Clock
	// CacheDir returns the user's cache directory, under which prune and
	// verify keep registry manifests between runs (ghpkg/manifests)
	// unless --cache-dir or --no-cache says otherwise; os.UserCacheDir
	// when nil.
	CacheDir func() (string, error)
	// StateDir returns the directory under which runs that change
	// something keep their undo journal when no --report is given
	// (runs/); when nil, $XDG_STATE_HOME/ghpkg or ~/.local/state/ghpkg.
	StateDir func() (string, error)
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
	if e.Transport == nil {
		e.Transport = http.DefaultTransport
	}
	if e.Build.Version == "" {
		e.Build = buildinfo.Resolve("", "", "")
	}
	if e.CacheDir == nil {
		e.CacheDir = os.UserCacheDir
	}
}

// app is one invocation: the environment, the global flags, and what the
// running command has printed.
type app struct {
	env Env
	// name is the running command ("prune").
	name string

	org, user, ownerLogin string
	typ                   string
	asJSON                bool
	// wantJSON is set when --json is among the arguments, for errors
	// found before the flags are parsed.
	wantJSON  bool
	tokenFile string
	baseURL   string

	// printed is set once the command wrote its JSON document.
	printed bool
	// tokenScopes are the classic token's scopes preflight read; nil when
	// unknown (a fine-grained, App or Actions token, or a failed read).
	tokenScopes []ghpackages.Scope
	// tok caches the token once read (stdin can be read only once).
	tok string
	// showAll is prune's --show all.
	showAll bool

	// mu guards cur, lineOpen and the writes to stderr of progress and
	// notes: progress is reported from the transport, and registry waits
	// from concurrent lookups.
	mu sync.Mutex
	// cur is the progress phase running, if any.
	cur *progress
	// lineOpen is set while a live progress line is unfinished.
	lineOpen bool

	// waits guards the run's waits: waited is the total of the rate-limit
	// waits (the API's and the registry's) that --max-wait (maxWait, when
	// set) bounds, stopRun cancels the run once they exceed it, and
	// registryWaits counts the registry's waits of every kind.
	waits         sync.Mutex
	waited        time.Duration
	maxWait       *time.Duration
	stopRun       context.CancelCauseFunc
	registryWaits int

	// jr is the run's undo journal, once a change is about to be made.
	jr atomic.Pointer[journal]
}

// Run runs ghpkg with args (without the program name) and returns the exit
// code: ExitOK, ExitFailed or ExitUsage.
func Run(ctx context.Context, args []string, env Env) int {
	env.defaults()
	a := &app{env: env, wantJSON: slices.Contains(args, "--json") || slices.Contains(args, "--json=true")}
	root := a.rootCommand()
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	var re runError
	if !errors.As(err, &re) {
		// Cobra's own errors: unknown command, bad flag, bad arguments.
		return a.usageFailure(cmd, err)
	}
	if re.err == nil {
		return re.code
	}
	msg := explain(re.err)
	fmt.Fprintf(env.Stderr, "ghpkg %s: %v\n", a.name, msg)
	if a.asJSON && !a.printed {
		_ = a.printJSON(errorOutputOf(a, msg, re.code))
	}
	return re.code
}

// usageFailure reports a command-line mistake in a few lines: the error,
// a suggestion when a flag looks mistyped, and where help is.
func (a *app) usageFailure(cmd *cobra.Command, err error) int {
	path := "ghpkg"
	if cmd != nil {
		path = cmd.CommandPath()
		if cmd.HasParent() {
			a.name = cmd.Name()
		}
	}
	msg := strings.TrimSpace(err.Error())
	fmt.Fprintf(a.env.Stderr, "%s: %s\n", path, msg)
	if cmd != nil {
		if s := suggestFlag(cmd, err); s != "" {
			fmt.Fprintf(a.env.Stderr, "Did you mean %s?\n", s)
		}
	}
	fmt.Fprintf(a.env.Stderr, "Run '%s --help' for usage.\n", path)
	if a.asJSON || a.wantJSON {
		_ = a.printJSON(errorOutputOf(a, errors.New(msg), ExitUsage))
	}
	return ExitUsage
}

func init() {
	// List commands in the order of the help's examples, not A to Z.
	cobra.EnableCommandSorting = false
}

// runError carries a command's exit code through cobra.
type runError struct {
	code int
	err  error
}

// Error returns the message of the underlying error.
func (e runError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

// Unwrap returns the underlying error.
func (e runError) Unwrap() error { return e.err }

// action adapts a command body returning (exit code, error) to cobra's RunE.
// An error with code ExitOK gets the code exitCode gives it.
func (a *app) action(body func(ctx context.Context, cmd *cobra.Command, args []string) (int, error)) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		a.name = cmd.Name()
		// Every command that takes --registry refuses a value that is not
		// one host, before anything else (restore included: it would find
		// out only after restoring the versions, when putting tags back).
		if f := cmd.Flags().Lookup("registry"); f != nil {
			if err := checkRegistry(f.Value.String()); err != nil {
				return runError{code: ExitUsage, err: err}
			}
		}
		code, err := body(cmd.Context(), cmd, args)
		if err != nil && code == ExitOK {
			code = exitCode(err)
		}
		if code == ExitOK {
			return nil
		}
		return runError{code: code, err: err}
	}
}

const rootLong = `ghpkg lists, inspects, deletes, restores and prunes GitHub Packages, and
removes tags from container images, from a terminal or a CI job.

Owner: --org NAME, --user NAME, --owner NAME (looked up), or by default the
token's own account.
Token: GITHUB_TOKEN or GH_TOKEN, or --token-file FILE ("-" reads stdin). It is
never printed. Deleting needs a classic token with delete:packages, removing
a tag (untag, prune --untag) also write:packages (see 'ghpkg scopes'); the
Actions GITHUB_TOKEN deletes only packages whose "Manage Actions access"
gives the repository admin.
In GitHub Actions (GITHUB_STEP_SUMMARY set), delete, restore, prune, untag
and usage append a Markdown table to the step summary. --json output:
'ghpkg help json'.

Undo journal: delete, restore, prune --yes and untag --yes write each
change to a journal before making it and its answer after (the --report
file, or a file under $XDG_STATE_HOME/ghpkg/runs, by default
~/.local/state/ghpkg/runs, whose path is printed; kept 30 days). 'ghpkg
restore --report FILE' undoes a run from it, even one that was killed.
Units: ages and waits take s, min, h, d or w (m is refused: write 45min,
or 180d for six months). A protective value that matches nothing
(--keep-id, --exclude, ...) refuses a --yes run: 'ghpkg help prune'.

` + exitCodesHelp

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "ghpkg",
		Short:         "Manage GitHub Packages: list, inspect, delete, restore, prune and untag",
		Long:          rootLong,
		Version:       a.env.Build.Line("ghpkg"),
		SilenceErrors: true,
		SilenceUsage:  true,
		Example: `  # octo-org's container packages
  ghpkg packages --org octo-org

  # what would go: untagged versions older than 30 days, keeping the 10 newest images
  ghpkg prune team/app --org octo-org --older-than 30d --keep 10

  # do it, with a report to undo it from ('ghpkg restore --report run.json')
  ghpkg prune team/app --org octo-org --older-than 30d --keep 10 --yes --report run.json

  # everything a prune run deleted, from its --report file
  ghpkg restore --report run.json`,
	}
	// Set before InitDefaultCompletionCmd, which captures the writer.
	root.SetIn(a.env.Stdin)
	root.SetOut(a.env.Stdout)
	root.SetErr(a.env.Stderr)
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return err })
	pf := root.PersistentFlags()
	pf.StringVar(&a.org, "org", "", "organization `ORG` that owns the packages")
	pf.StringVar(&a.user, "user", "", "user `USER` that owns the packages (default: the token's own account)")
	pf.StringVar(&a.ownerLogin, "owner", "", "organization or user `LOGIN` that owns the packages (looked up)")
	typ := newEnum(&a.typ, string(ghpackages.Container), packageTypeNames()...)
	typ.name = "TYPE"
	pf.Var(typ, "type", "package `TYPE`: "+orList(packageTypeNames()))
	pf.BoolVar(&a.asJSON, "json", false, "print one JSON object (see 'ghpkg help json') instead of a table")
	pf.StringVar(&a.tokenFile, "token-file", "", "read the token from `FILE` (- for stdin) instead of GITHUB_TOKEN / GH_TOKEN")
	pf.StringVar(&a.baseURL, "base-url", ghpackages.DefaultBaseURL, "REST API root `URL` (GitHub Enterprise Server: https://HOST/api/v3/)")
	_ = root.RegisterFlagCompletionFunc("type", fixedCompletion(packageTypeNames()...))

	root.AddCommand(
		a.packagesCommand(), a.versionsCommand(), a.getCommand(), a.deleteCommand(),
		a.restoreCommand(), a.pruneCommand(), a.untagCommand(), a.verifyCommand(), a.scopesCommand(), a.versionCommand(),
		a.usageCommand(),
		jsonTopic(),
	)
	// The completion command (cobra's) refuses an unknown shell.
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.RunE = func(cmd *cobra.Command, args []string) error {
				return cmd.Help()
			}
			c.Args = func(_ *cobra.Command, args []string) error {
				if len(args) > 0 {
					return usagef("unknown shell %q (want bash, zsh, fish or powershell)", args[0])
				}
				return nil
			}
		}
	}
	return root
}

func packageTypeNames() []string {
	types := ghpackages.PackageTypes()
	out := make([]string, len(types))
	for i, t := range types {
		out[i] = string(t)
	}
	return out
}

// jsonTopic is 'ghpkg help json': a help topic, not a command.
func jsonTopic() *cobra.Command {
	return &cobra.Command{
		Use:   "json",
		Short: "The --json output schema (ghpkg/v1)",
		Long:  jsonHelp,
	}
}

// noArgs refuses positional arguments, naming the command.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("%s takes no arguments, got %q", cmd.Name(), args)
	}
	return nil
}

// onePackage wants exactly one PACKAGE argument, an exact name.
func onePackage(cmd *cobra.Command, args []string) error {
	if len(args) != 1 {
		return usagef("want exactly one PACKAGE argument, got %d", len(args))
	}
	return checkPackageName(cmd.Name(), args[0])
}
