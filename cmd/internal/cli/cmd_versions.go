package cli

import (
	"context"
	"strconv"

	"github.com/spf13/cobra"

	ghpackages "github.com/ghpackages/ghpackages-go"
)

func (a *app) versionsCommand() *cobra.Command {
	var state string
	cmd := &cobra.Command{
		Use:   "versions PACKAGE",
		Short: "List a package's versions",
		Long: `List the versions of PACKAGE: ID, name (a container version's name is its
digest), tags and age. With --state deleted, list the versions deleted in the
last 30 days, which 'ghpkg restore PACKAGE --id ID' can bring back.`,
		Example: `  # team/app's active versions, newest first
  ghpkg versions team/app --org octo-org

  # the versions deleted in the last 30 days, which 'ghpkg restore' can bring back
  ghpkg versions team/app --org octo-org --state deleted

  # the same as JSON, with full digests
  ghpkg versions team/app --org octo-org --json`,
		Args: onePackage,
	}
	cmd.Flags().Var(newEnum(&state, "active", "active", "deleted"), "state", "active versions, or deleted ones (restorable for 30 days)")
	_ = cmd.RegisterFlagCompletionFunc("state", fixedCompletion("active", "deleted"))
	cmd.RunE = a.action(func(ctx context.Context, _ *cobra.Command, args []string) (int, error) {
		name := args[0]
		ctx, c, owner, typ, err := a.target(ctx, nil)
		if err != nil {
			return 0, err
		}
		st := ghpackages.VersionState(state)
		vs, err := ghpackages.Collect(c.Packages(owner).AllVersions(ctx, typ, name, &ghpackages.PackageVersionListOptions{State: st, PerPage: 100}))
		if err != nil {
			return 0, a.checkOwner(ctx, c, owner, err)
		}
		if a.asJSON {
			out := versionsOutput{head: a.head(ownerOf(owner), typ), Package: name, State: state, Versions: make([]versionJSON, 0, len(vs))}
			for _, v := range vs {
				out.Versions = append(out.Versions, versionOf(v))
			}
			return 0, a.printJSON(out)
		}
		now := a.env.Now()
		rows := make([][]string, 0, len(vs))
		for _, v := range vs {
			row := []string{strconv.FormatInt(v.ID, 10), short(v.Name), tagsOf(v.Tags()), age(now, v.CreatedAt)}
			if st == ghpackages.StateDeleted {
				deleted := "-"
				if v.DeletedAt != nil {
					deleted = age(now, *v.DeletedAt) + " ago"
				}
				row = append(row, deleted)
			}
			rows = append(rows, row)
		}
		header := "ID\tNAME\tTAGS\tAGE"
		if st == ghpackages.StateDeleted {
			header += "\tDELETED"
		}
		a.table(header, rows)
		return 0, nil
	})
	return cmd
}
