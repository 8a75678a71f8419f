// Package exampleenv connects the examples either to GitHub, when
// GITHUB_TOKEN is set, or to the in-memory fake server seeded with a demo,
// so every example runs on a fresh machine with no token and no network.
package exampleenv

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
)

// Flags are the flags every example shares.
type Flags struct {
	Owner   string
	User    bool
	Type    string
	Package string
	BaseURL string
}

// Register adds the shared flags to fs, with the demo's names as defaults.
func (f *Flags) Register(fs *flag.FlagSet) {
	fs.StringVar(&f.Owner, "org", ghpackagestest.DemoOrg, "organization that owns the packages (with -user: a username)")
	fs.BoolVar(&f.User, "user", false, "treat -org as a username (/users/{username}/...)")
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

// Connect returns an Env for f. It prints one line to w saying where the
// example is connected. The token, when used, is never printed.
func Connect(f *Flags, w io.Writer, opts ...ghpackages.Option) (*Env, error) {
	typ := ghpackages.PackageType(f.Type)
	if !typ.Valid() {
		return nil, fmt.Errorf("unknown package type %q", f.Type)
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
		fmt.Fprintf(w, "GITHUB_TOKEN is not set: using the built-in fake GitHub Packages server at %s, seeded with a demo\n", env.Fake.URL())
	}
	env.Owner = ghpackages.OrgOwner(f.Owner)
	if f.User {
		env.Owner = ghpackages.UserOwner(f.Owner)
	}
	env.Packages = env.Client.Packages(env.Owner)
	env.Type = typ
	return env, nil
}

// Main runs an example: run gets a context canceled on Ctrl-C, the
// command-line arguments and standard output; an error is printed and the
// program exits with status 1.
func Main(name string, run func(context.Context, []string, io.Writer) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}
