// Package exampleenv connects the examples either to GitHub, when
// GITHUB_TOKEN is set, or to the in-memory fake server seeded with a demo,
// so every example runs on a fresh machine with no token and no network.
package exampleenv

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
)

// Flags are the flags every example shares.
type Flags struct {
	Org     string
	User    string
	Me      bool
	Type    string
	Package string
	BaseURL string
}

// Register adds the shared flags to fs, with the demo's names as defaults.
func (f *Flags) Register(fs *flag.FlagSet) {
	fs.StringVar(&f.Org, "org", "", "organization that owns the packages (/orgs/{org}/...; default "+ghpackagestest.DemoOrg+")")
	fs.StringVar(&f.User, "user", "", "user who owns the packages (/users/{username}/...)")
	fs.BoolVar(&f.Me, "me", false, "the token's own packages (/user/...)")
	fs.StringVar(&f.Type, "type", string(ghpackages.Container), "package type: npm, maven, rubygems, docker, nuget or container")
	fs.StringVar(&f.Package, "package", ghpackagestest.DemoContainer, "package name")
	fs.StringVar(&f.BaseURL, "base-url", ghpackages.DefaultBaseURL, "REST API root (GitHub Enterprise Server: https://HOST/api/v3/)")
}

// Env is a connected example.
type Env struct {
	Client *ghpackages.Client
	// Fake is the in-process fake server; nil when talking to GitHub.
	Fake *ghpackagestest.Server
	// Owner is the namespace the flags chose.
	Owner ghpackages.Owner
	// Packages calls the Packages operations on Owner.
	Packages *ghpackages.OwnerPackages
	// Type is the package type the flags chose.
	Type ghpackages.PackageType
}

// Close stops the fake server, if any.
func (e *Env) Close() {
	if e.Fake != nil {
		e.Fake.Close()
	}
}

// owner returns the owner the flags name: at most one of -org, -user and
// -me; the demo organization when none is given.
func (f *Flags) owner() (ghpackages.Owner, error) {
	set := 0
	for _, on := range []bool{f.Org != "", f.User != "", f.Me} {
		if on {
			set++
		}
	}
	switch {
	case set > 1:
		return ghpackages.Owner{}, fmt.Errorf("%w: give one of -org, -user and -me", ErrUsage)
	case f.User != "":
		return ghpackages.UserOwner(f.User), nil
	case f.Me:
		return ghpackages.AuthenticatedOwner(), nil
	case f.Org != "":
		return ghpackages.OrgOwner(f.Org), nil
	}
	return ghpackages.OrgOwner(ghpackagestest.DemoOrg), nil
}

// ErrUsage marks an error in how the example was invoked; Main exits 2.
var ErrUsage = errors.New("usage")

// Connect returns an Env for f. It prints one line to w saying where the
// example is connected (FakeBanner when it uses the fake). The token, when
// used, is never printed.
func Connect(f *Flags, w io.Writer, opts ...ghpackages.Option) (*Env, error) {
	typ := ghpackages.PackageType(f.Type)
	if !typ.Valid() {
		return nil, fmt.Errorf("%w: -type %q: want one of npm, maven, rubygems, docker, nuget or container", ErrUsage, f.Type)
	}
	owner, err := f.owner()
	if err != nil {
		return nil, err
	}
	env := &Env{}
	if token := os.Getenv("GITHUB_TOKEN"); token != "" {
		c, err := ghpackages.NewClient(append([]ghpackages.Option{ghpackages.WithToken(token), ghpackages.WithBaseURL(f.BaseURL)}, opts...)...)
		if err != nil {
			return nil, err
		}
		env.Client = c
		fmt.Fprintf(w, "Using GitHub at %s (token from GITHUB_TOKEN)\n", c.BaseURL())
	} else {
		env.Fake = ghpackagestest.NewServer(ghpackagestest.WithDemo())
		env.Client = env.Fake.Client(opts...)
		fmt.Fprintf(w, FakeBanner+"\n", strings.TrimSuffix(env.Fake.BaseURL(), "/"))
	}
	env.Owner = owner
	env.Packages = env.Client.Packages(env.Owner)
	env.Type = typ
	return env, nil
}

// FakeBanner is the first line an example prints when GITHUB_TOKEN is unset
// (%s is the fake's URL). The README quotes it; a test keeps the two equal.
const FakeBanner = "GITHUB_TOKEN is not set: using the built-in fake GitHub Packages server at %s, seeded with a demo (octo-org's packages)"

// Main runs an example: run gets a context canceled on Ctrl-C, the
// command-line arguments and standard output. -h prints the flags and exits
// 0; a usage error exits 2; any other error is printed and exits 1.
func Main(name string, run func(context.Context, []string, io.Writer) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	os.Exit(ExitCode(name, err, os.Stderr))
}

// ExitCode prints err (if any) to w and returns the exit status for it:
// 0 for none or -h, 2 for a usage error (flag parsing prints its own
// message), 1 otherwise.
func ExitCode(name string, err error, w io.Writer) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, ErrUsage):
		if !errors.Is(err, errFlagParse) {
			fmt.Fprintf(w, "%s: %v\n", name, err)
		}
		return 2
	}
	fmt.Fprintf(w, "%s: %v\n", name, err)
	return 1
}

// errFlagParse marks an error the flag package has already printed.
var errFlagParse = errors.New("flag parse")

// Parse parses args into fs (made with flag.ContinueOnError). -h gives
// flag.ErrHelp; a bad flag gives an error matching ErrUsage, already
// printed by fs.
func Parse(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return err
	}
	return fmt.Errorf("%w: %w: %w", ErrUsage, errFlagParse, err)
}
