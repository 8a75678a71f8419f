package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/retention"
)

// usageOutput is 'ghpkg usage --json'.
type usageOutput struct {
	head
	Packages []retention.PackageUsage `json:"packages"`
	// Versions and Bytes total the packages (Bytes null when unknown).
	Versions int    `json:"versions"`
	Bytes    *int64 `json:"bytes"`
}

func (a *app) usageCommand() *cobra.Command {
	var registry string
	var cf cacheFlags
	cmd := &cobra.Command{
		Use:   "usage [PACKAGE...]",
		Short: "Show what packages hold: versions and bytes by kind and by age",
		Long: `Read each PACKAGE (a name or pattern; every package of --type when none) and
show its versions and bytes by kind (tagged images, the platform manifests and
attestations they need, signatures, untagged orphans, ghosts) and by age
(under 1 day, 1 week, 30 days, 90 days, older), with a bar per row, so that
you can choose a prune's --older-than and see what a policy would leave.
Nothing is changed. Bytes are read from the manifests (for container packages:
the manifest, its config and layers, each blob once per row); they are unknown
for other package types. With GITHUB_STEP_SUMMARY set it also writes a table
and a Mermaid bar chart to the job summary.`,
		Example: `  # what team/app holds, by kind and by age
  ghpkg usage team/app --org octo-org

  # every container package of the organization, as JSON
  ghpkg usage --org octo-org --json`,
		Args: func(_ *cobra.Command, args []string) error {
			for _, name := range args {
				if name == "" {
					return usagef("PACKAGE: empty name")
				}
				// As prune: a list or an image reference is refused
				// with the fix, before any request.
				if err := checkPatternValue("PACKAGE", name, true); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&registry, "registry", "", "container registry `HOST` (default: ghcr.io, or containers.HOST for --base-url)")
	a.addCacheFlags(cmd, &cf)
	cmd.RunE = a.action(func(ctx context.Context, cmd *cobra.Command, args []string) (int, error) {
		var patterns []retention.Pattern
		for _, s := range args {
			pat, err := retention.ParsePattern(s)
			if err != nil {
				return 0, usagef("PACKAGE %q: %v", s, err)
			}
			patterns = append(patterns, pat)
		}
		cache, err := a.openCache(cmd, &cf)
		if err != nil {
			return 0, err
		}
		ctx, c, owner, typ, err := a.target(ctx, nil)
		if err != nil {
			return 0, err
		}
		opts := []retention.PlanOption{retention.WithNow(a.env.Now)}
		if typ == ghpackages.Container {
			opts = append(opts, retention.WithResolver(a.resolver(registry, cache)))
		}
		a.startProgress("reading", 0)
		pkgs, err := retention.ReadUsage(ctx, c, owner, typ, patterns, opts...)
		a.endProgress()
		if err != nil {
			return 0, a.checkOwner(ctx, c, owner, err)
		}
		out := usageOutput{head: a.head(ownerOf(owner), typ), Packages: pkgs}
		if out.Packages == nil {
			out.Packages = []retention.PackageUsage{}
		}
		total := int64(0)
		known := true
		for _, p := range pkgs {
			out.Versions += p.Versions
			if p.Bytes == nil {
				known = false
				continue
			}
			total += *p.Bytes
		}
		if known {
			out.Bytes = &total
		}
		for _, p := range pkgs {
			if p.Warning != "" {
				a.warnf("%s: %s; kinds and sizes are unknown", p.Name, flagWords(p.Warning))
			}
		}
		if len(pkgs) == 0 {
			a.warnf("no %s package matches", typ)
		}
		if a.asJSON {
			if err := a.printJSON(out); err != nil {
				return a.jsonLost(err), nil
			}
		} else {
			fmt.Fprint(a.env.Stdout, usageText(out))
		}
		a.appendSummary(usageMarkdown(out))
		return ExitOK, nil
	})
	return cmd
}
