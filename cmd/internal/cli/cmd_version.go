package cli

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	ghpackages "github.com/ghpackages/ghpackages-go"
)

// buildInfo is the module version and VCS revision ghpkg was built from.
func buildInfo() (version, revision string) {
	version = "(devel)"
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return version, ""
	}
	if v := info.Main.Version; v != "" {
		version = v
	}
	modified := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if revision != "" && modified {
		revision += "+dirty"
	}
	return version, revision
}

// versionLine is what 'ghpkg version' and 'ghpkg --version' print.
func versionLine() string {
	v, rev := buildInfo()
	line := "ghpkg " + v
	if rev != "" {
		line += " (" + rev + ")"
	}
	return fmt.Sprintf("%s, ghpackages-go %s, %s", line, ghpackages.Version, runtime.Version())
}

func (a *app) versionCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print ghpkg's version, VCS revision and Go version",
		Long: `Print the module version ghpkg was built as ("(devel)" from a checkout), the
VCS revision, the ghpackages-go SDK version and the Go version.`,
		Example: `  ghpkg version
  ghpkg version --json`,
		Args: noArgs,
	}
	cmd.RunE = a.action(func(context.Context, *cobra.Command, []string) (int, error) {
		if a.asJSON {
			v, rev := buildInfo()
			return 0, a.printJSON(versionOutput{head: head{Schema: schemaVersion, Command: "version"}, Version: v, Revision: rev, Go: runtime.Version(), SDKVersion: ghpackages.Version})
		}
		fmt.Fprintln(a.env.Stdout, versionLine())
		return 0, nil
	})
	return cmd
}
