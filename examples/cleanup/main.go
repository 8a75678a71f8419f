// Command cleanup deletes the untagged container versions of a package that
// are older than -days, except those a kept multi-arch image still uses. It
// is a dry run unless -dry-run=false: it prints what it would delete and
// why, and what it keeps and why.
//
//	go run ./examples/cleanup                       # a built-in fake with a real multi-arch image
//	go run ./examples/cleanup -dry-run=false        # ... and delete
//	GITHUB_TOKEN=... go run ./examples/cleanup -org my-org -package my-image -days 30
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
	"github.com/ghpackages/ghpackages-go/internal/exampleenv"
	"github.com/ghpackages/ghpackages-go/retention"
)

func main() { exampleenv.Main("cleanup", run) }

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("cleanup", flag.ContinueOnError)
	org := fs.String("org", "octo-org", "organization that owns the package")
	pkg := fs.String("package", "web", "container package name")
	days := fs.Int("days", 30, "delete untagged versions older than this many days")
	dryRun := fs.Bool("dry-run", true, "only print the plan")
	baseURL := fs.String("base-url", ghpackages.DefaultBaseURL, "REST API root (GitHub Enterprise Server: https://HOST/api/v3/)")
	reg := fs.String("registry", "ghcr.io", "container registry host")
	if err := exampleenv.Parse(fs, args); err != nil {
		return err
	}

	var client *ghpackages.Client
	token := os.Getenv("GITHUB_TOKEN")
	if token != "" {
		c, err := ghpackages.NewClient(ghpackages.WithToken(token), ghpackages.WithBaseURL(*baseURL))
		if err != nil {
			return err
		}
		client = c
		fmt.Fprintf(out, "Using GitHub at %s and the registry %s\n", c.BaseURL(), *reg)
	} else {
		fake, host, err := demo(*org, *pkg)
		if err != nil {
			return err
		}
		defer fake.Close()
		client, token, *reg = fake.Client(), ghpackagestest.DefaultToken, host
		fmt.Fprintf(out, "GITHUB_TOKEN is not set: using the built-in fake GitHub Packages server at %s, with a multi-arch image in its registry\n", strings.TrimSuffix(fake.BaseURL(), "/"))
	}

	policy := retention.Policy{
		Type:      ghpackages.Container,
		Packages:  []retention.Pattern{retention.MustPattern(*pkg)},
		Tags:      retention.UntaggedOnly,
		OlderThan: time.Duration(*days) * 24 * time.Hour,
	}
	resolver := retention.NewRegistryResolver(retention.RegistryConfig{Host: *reg, Token: token})
	plan, err := retention.NewPlan(ctx, client, ghpackages.OrgOwner(*org), policy, retention.WithResolver(resolver))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nplan for container %s/%s (untagged, older than %d days):\n", *org, *pkg, *days)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  ID\tDIGEST\tTAGS\tPLAN\tWHY")
	for _, pp := range plan.Packages {
		for _, v := range pp.Versions {
			fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\n", v.ID, v.Name[:min(len(v.Name), 19)], strings.Join(v.Tags, ","), v.Action, v.Reason)
		}
	}
	tw.Flush()
	if *dryRun {
		fmt.Fprintf(out, "\ndry run: would delete %d versions; run with -dry-run=false to delete them\n", plan.Deletes())
		return nil
	}
	rep, err := retention.Apply(ctx, client, plan, retention.WithResolver(resolver))
	if err != nil {
		return err
	}
	for _, it := range rep.Items {
		fmt.Fprintf(out, "  %s %d %s\n", it.Outcome, it.VersionID, it.Error)
	}
	if rep.Stopped != "" {
		fmt.Fprintln(out, rep.Stopped)
	}
	fmt.Fprintf(out, "\ndeleted %d versions; they can be restored for 30 days (see examples/restore)\n", rep.Count(retention.OutcomeDeleted))
	return nil
}

// demo starts the fake with a registry and pushes a real multi-arch image:
// a tagged index whose two platform manifests are untagged and old, plus
// three old untagged leftovers of earlier builds.
func demo(org, pkg string) (*ghpackagestest.Server, string, error) {
	fake := ghpackagestest.NewServer(ghpackagestest.WithRawRegistry(registry.New(registry.Logger(log.New(io.Discard, "", 0)))))
	host := fake.Host()
	repo := host + "/" + org + "/" + pkg
	now := time.Now()
	fake.AddOrg(org)
	fake.AddPackage(ghpackagestest.PackageSpec{Owner: org, Type: ghpackages.Container, Name: pkg, CreatedAt: now.AddDate(0, -6, 0)})
	add := func(digest string, age time.Duration, tags ...string) {
		fake.AddVersion(org, ghpackages.Container, pkg, ghpackagestest.VersionSpec{Name: digest, Tags: tags, CreatedAt: now.Add(-age)})
	}
	idx, err := random.Index(256, 1, 2)
	if err != nil {
		return nil, "", err
	}
	ref, _ := name.ParseReference(repo + ":latest")
	if err := remote.WriteIndex(ref, idx); err != nil {
		fake.Close()
		return nil, "", err
	}
	m, _ := idx.IndexManifest()
	for _, c := range m.Manifests {
		add(c.Digest.String(), 90*24*time.Hour) // platform images reused from an old build
	}
	d, _ := idx.Digest()
	add(d.String(), 24*time.Hour, "latest")
	for i := range 3 {
		img, err := random.Image(128, 1)
		if err != nil {
			return nil, "", err
		}
		d, _ := img.Digest()
		ref, _ := name.NewDigest(repo + "@" + d.String())
		if err := remote.Write(ref, img); err != nil {
			fake.Close()
			return nil, "", err
		}
		add(d.String(), time.Duration(40+10*i)*24*time.Hour)
	}
	return fake, host, nil
}
