package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/retention"
)

// verifyJSON is what verify found for one container package.
type verifyJSON struct {
	Package    string       `json:"package"`
	Repository string       `json:"repository"`
	Tags       int          `json:"tags"`
	Manifests  int          `json:"manifests"`
	Whole      bool         `json:"whole"`
	Broken     []brokenJSON `json:"broken"`
	// Placeholders are tags left on an untag placeholder.
	Placeholders []string `json:"placeholders"`
	// Empty are tags on an image index with no manifests (another tool's
	// untag placeholder, or an older one); present when there are some.
	Empty []string `json:"empty,omitempty"`
	Error string   `json:"error,omitempty"`
}

// brokenJSON is a tag whose image has manifests missing.
type brokenJSON struct {
	Tag     string        `json:"tag"`
	Digest  string        `json:"digest"`
	Missing []missingJSON `json:"missing"`
}

// missingJSON is a manifest a tag needs that the registry lacks.
type missingJSON struct {
	Digest string   `json:"digest"`
	Via    []string `json:"via"`
}

type verifyOutput struct {
	head
	Packages []verifyJSON `json:"packages"`
}

func (a *app) verifyCommand() *cobra.Command {
	var registry, report string
	var cf cacheFlags
	cmd := &cobra.Command{
		Use:   "verify PACKAGE...",
		Short: "Prove that every tag of container packages points at a whole image",
		Long: `Read every tag of each container PACKAGE from the registry, and every manifest
reachable from it (image index and manifest list children at any depth, OCI
referrers), and list the tags whose image has manifests missing, and the tags
an interrupted untag left on its placeholder. Nothing is changed. Exit 1 when
a tag is broken or on a placeholder, or the registry cannot be read well
enough to tell; run it after a cleanup, or use 'ghpkg prune --verify'.

With --report FILE (a run's report or undo journal, also of a run that was
stopped or killed), verify checks the container packages that run touched,
and first settles by reading each request the journal says "may have been
done" (sent, its answer never recorded): it says whether it happened.`,
		Example: `  # every tag of team/app points at a whole image
  ghpkg verify team/app --org octo-org

  # two packages, as JSON
  ghpkg verify team/app base-image --org octo-org --json

  # the packages a run touched, from its report or undo journal (also of a
  # run that was killed)
  ghpkg verify --report run.json`,
		Args: func(_ *cobra.Command, args []string) error {
			if report != "" && len(args) > 0 {
				return usagef("--report takes no PACKAGE: it verifies the packages the run touched")
			}
			if len(args) == 0 && report == "" {
				return usagef("want one or more PACKAGE arguments")
			}
			for _, name := range args {
				if err := checkPackageName("verify", name); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&report, "report", "", "verify the packages a run touched, from its report or undo journal in `FILE` (- for stdin)")
	cmd.Flags().StringVar(&registry, "registry", "", "container registry `HOST` (default: ghcr.io, or containers.HOST for --base-url)")
	a.addCacheFlags(cmd, &cf)
	cmd.RunE = a.action(func(ctx context.Context, cmd *cobra.Command, args []string) (int, error) {
		typ := a.packageType()
		if typ != ghpackages.Container {
			return 0, usagef("verify reads container images: --type %s has no registry manifests", typ)
		}
		cache, err := a.openCache(cmd, &cf)
		if err != nil {
			return 0, err
		}
		ctx, c, owner, _, err := a.target(ctx, nil)
		if err != nil {
			return 0, err
		}
		if report != "" {
			rep, err := a.openReport(report)
			if err != nil {
				return 0, err
			}
			if owner, err = a.reportOwner(report, rep, owner); err != nil {
				return 0, err
			}
			for _, l := range a.settle(ctx, c, rep) {
				a.note("ghpkg verify: " + l)
			}
			args = reportPackages(rep, ghpackages.Container)
			if len(args) == 0 {
				a.warnf("--report %s: the run touched no container package", report)
			}
		}
		api := c.Packages(owner)
		var repos []verifyTarget
		for _, name := range args {
			p, _, err := api.Get(ctx, typ, name)
			if err != nil {
				return 0, a.checkOwner(ctx, c, owner, fmt.Errorf("%s: %w", name, err))
			}
			repos = append(repos, verifyTarget{name, repositoryOf(owner, p)})
		}
		results := a.verify(ctx, a.resolver(registry, cache), repos)
		return a.emitVerify(verifyOutput{head: a.head(ownerOf(owner), typ), Packages: results}, true), nil
	})
	return cmd
}

// verifyTarget is a package and its registry repository.
type verifyTarget struct{ name, repo string }

// repositoryOf is a container package's registry repository:
// "owner/package", lower-case.
func repositoryOf(owner ghpackages.Owner, p *ghpackages.Package) string {
	login := owner.Name()
	if p.Owner != nil && p.Owner.Login != "" {
		login = p.Owner.Login
	}
	return strings.ToLower(login + "/" + p.Name)
}

// verify runs retention.Verify on each repository.
func (a *app) verify(ctx context.Context, resolver retention.ManifestResolver, targets []verifyTarget) []verifyJSON {
	out := make([]verifyJSON, 0, len(targets))
	for _, t := range targets {
		v := verifyJSON{Package: t.name, Repository: t.repo, Broken: []brokenJSON{}, Placeholders: []string{}}
		res, err := retention.Verify(ctx, resolver, t.repo)
		if err != nil {
			v.Error = err.Error()
			out = append(out, v)
			continue
		}
		v.Tags, v.Manifests, v.Whole, v.Placeholders = res.Tags, res.Manifests, res.OK(), nonNil(res.Placeholders)
		if len(res.Empty) > 0 {
			v.Empty = res.Empty
		}
		for _, b := range res.Broken {
			bj := brokenJSON{Tag: b.Tag, Digest: b.Digest, Missing: []missingJSON{}}
			for _, m := range b.Missing {
				bj.Missing = append(bj.Missing, missingJSON{Digest: m.Digest, Via: nonNil(m.Via)})
			}
			v.Broken = append(v.Broken, bj)
		}
		out = append(out, v)
	}
	return out
}

// verifyLines reports verify results in text: one line per package, one
// per broken tag. It returns whether every package was proven whole.
func (a *app) verifyLines(results []verifyJSON, toStdout bool) bool {
	ok := true
	w := a.env.Stderr
	if toStdout {
		w = a.env.Stdout
	}
	for _, v := range results {
		switch {
		case v.Error != "":
			ok = false
			fmt.Fprintf(w, "%s: could not verify: %s\n", v.Package, firstLine(v.Error))
		case v.Whole:
			fmt.Fprintf(w, "%s: whole: %d tags, %d manifests\n", v.Package, v.Tags, v.Manifests)
		case len(v.Broken) == 0 && len(v.Placeholders) == 0:
			ok = false
			fmt.Fprintf(w, "%s: EMPTY: %s at an image index with no manifests (another tool's untag placeholder, or an older one): nothing runs from them\n",
				v.Package, tagsPoint(v.Empty))
		case len(v.Broken) == 0:
			ok = false
			fmt.Fprintf(w, "%s: UNTAG NOT FINISHED: %s at the placeholder of an untag that stopped before deleting it; "+
				"'ghpkg untag %s %s --yes' (or the next prune of the package) finishes it\n", v.Package, tagsPoint(v.Placeholders), v.Package, strings.Join(v.Placeholders, " "))
			if len(v.Empty) > 0 {
				fmt.Fprintf(w, "  and %s at an image index with no manifests\n", tagsPoint(v.Empty))
			}
		default:
			ok = false
			fmt.Fprintf(w, "%s: BROKEN: %d of %d tags have manifests missing\n", v.Package, len(v.Broken), v.Tags)
			// Tags of the same image break together: one line per image.
			var order []string
			tags := map[string][]string{}
			for _, b := range v.Broken {
				missing := make([]string, len(b.Missing))
				for i, m := range b.Missing {
					missing[i] = short(m.Digest)
				}
				key := short(b.Digest) + "): missing " + strings.Join(missing, ", ")
				if tags[key] == nil {
					order = append(order, key)
				}
				tags[key] = append(tags[key], b.Tag)
			}
			for _, key := range order {
				word := "tag"
				if len(tags[key]) > 1 {
					word = "tags"
				}
				fmt.Fprintf(w, "  %s %s (%s\n", word, strings.Join(tags[key], ", "), key)
			}
			if len(v.Placeholders) > 0 {
				fmt.Fprintf(w, "  and %s at an unfinished untag's placeholder\n", tagsPoint(v.Placeholders))
			}
			if len(v.Empty) > 0 {
				fmt.Fprintf(w, "  and %s at an image index with no manifests\n", tagsPoint(v.Empty))
			}
		}
	}
	return ok
}

// emitVerifyQuiet reports on stderr only what is not whole, for output
// already printed as JSON; it returns the exit code.
func (a *app) emitVerifyQuiet(results []verifyJSON) int {
	for _, v := range results {
		if v.Error != "" || !v.Whole {
			a.verifyLines(results, false)
			return ExitFailed
		}
	}
	return ExitOK
}

// emitVerify prints verify's output and returns the exit code.
func (a *app) emitVerify(out verifyOutput, toStdout bool) int {
	ok := true
	if a.asJSON {
		for _, v := range out.Packages {
			ok = ok && v.Error == "" && v.Whole
		}
		if err := a.printJSON(out); err != nil {
			return a.jsonLost(err)
		}
		if !ok {
			a.verifyLines(out.Packages, false)
		}
	} else {
		ok = a.verifyLines(out.Packages, toStdout)
	}
	if !ok {
		return ExitFailed
	}
	return ExitOK
}

// tagsPoint is "stable points" or "latest, stable point".
func tagsPoint(tags []string) string {
	if len(tags) == 1 {
		return tags[0] + " points"
	}
	return strings.Join(tags, ", ") + " point"
}
