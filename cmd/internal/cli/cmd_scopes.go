package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	ghpackages "github.com/ghpackages/ghpackages-go"
)

// commandOps says which operation each command performs, for scopes.
var commandOps = []struct {
	command string
	op      ghpackages.Operation
}{
	{"packages", ghpackages.OperationRead},
	{"versions", ghpackages.OperationRead},
	{"get", ghpackages.OperationRead},
	{"delete", ghpackages.OperationDelete},
	{"prune", ghpackages.OperationDelete},
	{"restore", ghpackages.OperationRestore},
}

func commandNames() []string {
	out := make([]string, 0, len(commandOps)+1)
	for _, co := range commandOps {
		out = append(out, co.command)
	}
	return append(out, "all")
}

func (a *app) scopesCommand() *cobra.Command {
	var forCmd string
	cmd := &cobra.Command{
		Use:   "scopes [--for COMMAND]",
		Short: "Check the token's scopes against what commands need",
		Long: `Show the token's classic scopes and what each command needs of --type, and
exit 2 if the token lacks what --for COMMAND needs (default prune, what a
cleanup job runs; --for all checks every command). Run it as a CI job's first
step: a token with exactly read:packages and delete:packages passes for
prune, delete and the read commands.

Fine-grained, GitHub App and Actions tokens carry no classic scopes: their
needs are "unknown" (exit 0), and GitHub's answers decide. Fine-grained and
App tokens cannot delete package versions; the Actions GITHUB_TOKEN can only
where the package's Manage Actions access gives the repository Admin.`,
		Example: `  # can the token run prune (the default --for)?
  ghpkg scopes

  # can it restore npm packages?
  ghpkg scopes --for restore --type npm

  # every command's needs, as JSON
  ghpkg scopes --for all --json`,
		Args: noArgs,
	}
	cmd.Flags().Var(newEnum(&forCmd, "prune", commandNames()...), "for", "the command whose needs set the exit code")
	_ = cmd.RegisterFlagCompletionFunc("for", fixedCompletion(commandNames()...))
	cmd.RunE = a.action(func(ctx context.Context, _ *cobra.Command, _ []string) (int, error) {
		typ := a.packageType()
		ctx, c, err := a.client(ctx, nil)
		if err != nil {
			return 0, err
		}
		have, _, err := c.TokenScopes(ctx)
		if err != nil {
			return 0, err
		}
		out := scopesOutput{head: a.head(nil, typ), For: forCmd, TokenKind: "classic", TokenScopes: scopeStrings(have)}
		if have == nil {
			out.TokenKind = "unknown"
		}
		var missing []ghpackages.Scope
		seen := map[ghpackages.Scope]bool{}
		for _, co := range commandOps {
			needs := ghpackages.RequiredScopes(co.op, typ)
			n := scopeNeed{Command: co.command, Operation: string(co.op), Needs: scopeStrings(needs), Missing: []string{}, Status: "ok"}
			switch m := ghpackages.MissingScopes(have, needs); {
			case have == nil:
				n.Status = "unknown"
			case len(m) > 0:
				n.Status, n.Missing = "missing", scopeStrings(m)
				if forCmd == "all" || forCmd == co.command {
					for _, s := range m {
						if !seen[s] {
							seen[s] = true
							missing = append(missing, s)
						}
					}
				}
			}
			out.Commands = append(out.Commands, n)
		}
		var missingErr error
		if len(missing) > 0 {
			what := forCmd
			if forCmd == "all" {
				what = "run every command"
			}
			missingErr = scopeError{what: what + " " + string(typ) + " packages", missing: missing}
		}
		if a.asJSON {
			if err := a.printJSON(out); err != nil {
				return 0, err
			}
			return 0, missingErr
		}
		if have == nil {
			fmt.Fprintln(a.env.Stdout, "GitHub reports no classic scopes for this token: a fine-grained, GitHub App or Actions token.")
			fmt.Fprintln(a.env.Stdout, "Its needs are unknown until GitHub answers. Fine-grained and App tokens cannot delete package")
			fmt.Fprintln(a.env.Stdout, "versions; an Actions GITHUB_TOKEN can where Manage Actions access gives the repository Admin.")
			fmt.Fprintln(a.env.Stdout)
		} else {
			fmt.Fprintf(a.env.Stdout, "token scopes: %s\n\n", orNone(scopeList(have)))
		}
		rows := make([][]string, 0, len(out.Commands))
		for _, n := range out.Commands {
			status := n.Status
			if n.Status == "missing" {
				status = "missing " + scopeList(stringsToScopes(n.Missing))
			}
			rows = append(rows, []string{n.Command, scopeList(stringsToScopes(n.Needs)), status})
		}
		a.table(fmt.Sprintf("COMMAND\tNEEDS (%s)\tTOKEN", typ), rows)
		verdict := "ok"
		switch {
		case len(missing) > 0:
			verdict = "missing " + scopeList(missing)
		case have == nil:
			verdict = "unknown: GitHub decides when asked"
		}
		fmt.Fprintf(a.env.Stdout, "\nfor %s: %s (the exit code checks --for %s; --for all checks every command)\n", forCmd, verdict, forCmd)
		return 0, missingErr
	})
	return cmd
}

func stringsToScopes(s []string) []ghpackages.Scope {
	out := make([]ghpackages.Scope, len(s))
	for i, v := range s {
		out[i] = ghpackages.Scope(v)
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
