package cli

import (
	"context"
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	ghpackages "github.com/ghpackages/ghpackages-go"
)

func (a *app) versionCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print ghpkg's version, VCS revision, commit date and Go version",
		Long: `Print the version ghpkg was built as (a release's version, the module version
of a go install, or "(devel)" from a checkout), the VCS revision and its
commit date when known, the ghpackages-go SDK version and the Go version.`,
		Example: `  # ghpkg's version, and the SDK's
  ghpkg version

  # the same as JSON
  ghpkg version --json`,
		Args: noArgs,
	}
	cmd.RunE = a.action(func(context.Context, *cobra.Command, []string) (int, error) {
		b := a.env.Build
		if a.asJSON {
			return 0, a.printJSON(versionOutput{head: head{Schema: schemaVersion, Command: "version"}, Version: b.Version, Revision: b.Revision, Date: b.Date, Go: runtime.Version(), SDKVersion: ghpackages.Version})
		}
		fmt.Fprintln(a.env.Stdout, b.Line("ghpkg"))
		return 0, nil
	})
	return cmd
}
