package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/retention"
)

func (a *app) restoreCommand() *cobra.Command {
	var id versionID
	var report, registry string
	var rf runFlags
	cmd := &cobra.Command{
		Use:   "restore {PACKAGE [--id ID] | --report FILE}",
		Short: "Restore a deleted package or version, or everything a run deleted",
		Long: `Restore PACKAGE, or with --id one deleted version of it, or with --report FILE
everything a delete, prune or untag run deleted (its --report file or --json
output; - reads stdin): the items it reported deleted or gone-unconfirmed.
GitHub restores what was deleted within the last 30 days. Tags a run removed
(untag, prune --untag) are put back by pushing their image again under each
tag, unless the tag now points at another image.

FILE may be a run's undo journal, also of a run that was stopped or killed
('ghpkg help prune', Undo journal): a delete it sent without a recorded
answer is read first, and restored if it happened.

The token's scopes are checked first (write:packages; plus repo for types
other than container): a token that lacks them exits 2 before any change.
So are the owner (the report's, which --org, --user or --owner must name
when given), the packages (each must exist, or have been deleted whole by
the run) and, with --id, the version (active or deleted): exit 2 before any
change otherwise. What is already active is reported "already active" and
counts as done, so restoring the same report twice exits 0.`,
		Example: `  # one version, deleted two days ago
  ghpkg restore team/app --org octo-org --id 1260000007

  # everything a prune run deleted, from its --report file
  ghpkg restore --report run.json

  # straight from prune's --json output
  ghpkg prune team/app --org octo-org --older-than 30d --yes --json | ghpkg restore --report -`,
		Args: func(cmd *cobra.Command, args []string) error {
			if report != "" {
				if len(args) != 0 || id != 0 {
					return usagef("--report takes no PACKAGE and no --id")
				}
				return nil
			}
			return onePackage(cmd, args)
		},
	}
	cmd.Flags().Var(&id, "id", "restore only this version (default: the whole package)")
	cmd.Flags().StringVar(&report, "report", "", "restore everything a run deleted, from its report or --json output in `FILE` (- for stdin)")
	cmd.Flags().StringVar(&registry, "registry", "", "container registry `HOST` to put removed tags back in (default: ghcr.io, or containers.HOST for --base-url)")
	a.addRunFlags(cmd, &rf)
	cmd.RunE = a.action(func(ctx context.Context, _ *cobra.Command, args []string) (int, error) {
		if report != "" {
			return a.restoreReport(ctx, &rf, report, registry)
		}
		name := args[0]
		ctx, c, owner, typ, err := a.target(ctx, &rf)
		if err != nil {
			return 0, err
		}
		if err := a.preflight(ctx, c, ghpackages.OperationRestore, typ, "restore "+string(typ)+" packages", true); err != nil {
			return 0, err
		}
		if err := a.checkOwnerExists(ctx, c, owner); err != nil {
			return 0, err
		}
		api := c.Packages(owner)
		if id != 0 {
			if err := a.checkVersionKnown(ctx, c, owner, typ, name, int64(id), "restore"); err != nil {
				return 0, err
			}
			return a.single(ctx, api, owner, "restore-version", name, typ, int64(id), func() (*ghpackages.Response, error) {
				return api.RestoreVersion(ctx, typ, name, int64(id))
			})
		}
		return a.single(ctx, api, owner, "restore-package", name, typ, 0, func() (*ghpackages.Response, error) { return api.Restore(ctx, typ, name, nil) })
	})
	return cmd
}

// readReport reads a report: a bare report (prune --report) or a whole
// --json document of delete, restore or prune.
func readReport(r io.Reader) (*reportJSON, error) {
	raw, err := io.ReadAll(io.LimitReader(r, 64<<20))
	if err != nil {
		return nil, err
	}
	if isJournal(raw) {
		return journalReport(raw)
	}
	var doc struct {
		Schema string          `json:"schema"`
		Report json.RawMessage `json:"report"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	if doc.Schema != "" {
		if len(doc.Report) == 0 || bytes.Equal(doc.Report, []byte("null")) {
			return nil, fmt.Errorf("the %s document has no report (a dry run deletes nothing)", doc.Schema)
		}
		raw = doc.Report
	}
	var rep reportJSON
	if err := json.Unmarshal(raw, &rep); err != nil {
		return nil, err
	}
	if rep.OwnerKind == "" {
		return nil, errors.New("no owner_kind: not a ghpkg report")
	}
	return &rep, nil
}

func (a *app) restoreReport(ctx context.Context, rf *runFlags, path, registry string) (int, error) {
	deleted, err := a.openReport(path)
	if err != nil {
		return 0, err
	}
	var typ ghpackages.PackageType
	if len(deleted.Items) > 0 {
		typ = ghpackages.PackageType(deleted.Items[0].Type)
	}
	ctx, c, flagged, _, err := a.target(ctx, rf)
	if err != nil {
		return 0, err
	}
	owner, err := a.reportOwner(path, deleted, flagged)
	if err != nil {
		return 0, err
	}
	if typ != "" {
		if err := a.preflight(ctx, c, ghpackages.OperationRestore, typ, "restore "+string(typ)+" packages", true); err != nil {
			return 0, err
		}
		if err := a.restoreTargets(ctx, c, owner, path, deleted); err != nil {
			return 0, err
		}
	}
	for _, l := range a.settle(ctx, c, deleted) {
		a.note("ghpkg " + a.name + ": " + l)
	}
	in2 := deleted.retentionReport()
	restorable := 0
	for _, it := range in2.Items {
		switch {
		case it.Step == retention.StepUntag:
			if it.Outcome == retention.OutcomeUntagged || it.Outcome == retention.OutcomeUntagPending {
				restorable++
			}
		case it.Step == retention.StepDeletePlaceholder:
		case it.Outcome == retention.OutcomeDeleted, it.Outcome == retention.OutcomeGoneUnconfirmed:
			restorable++
		}
	}
	opts := []retention.RestoreOption{retention.WithNow(a.env.Now), retention.WithProgress(a.applyProgress("restoring", restorable))}
	if typ == ghpackages.Container {
		// Tags an untag removed are pushed back through the registry.
		opts = append(opts, retention.WithResolver(a.resolver(registry, nil)))
	}
	if restorable > 0 {
		if err := a.beginJournal("", owner, nil); err != nil {
			return 0, err
		}
	}
	rep, err := retention.Restore(ctx, c, in2, opts...)
	a.endProgress()
	if err != nil {
		a.dropJournal()
		return 0, err
	}
	out := reportOf(rep)
	if typ == "" {
		a.warnf("the report lists nothing to restore")
	}
	path, reported := a.endJournal(out)
	return a.reportLost(a.emitRun(ctx, runOutput{head: a.head(ownerOf(owner), typ), Report: out}, false), path, reported, false), nil
}
