package cli

import (
	"context"
	"errors"
	"fmt"

	ghpackages "github.com/ghpackages/ghpackages-go"
)

// checkVersionKnown checks, before a delete or restore of version id of
// name, that the package ever had it: active, or deleted (restorable). A
// version it never had is a usage error (exit 2, nothing changed), not
// "already gone" or a failed restore. A listing that cannot be read lets
// the request decide.
func (a *app) checkVersionKnown(ctx context.Context, c *ghpackages.Client, owner ghpackages.Owner, typ ghpackages.PackageType, name string, id int64, verb string) error {
	api := c.Packages(owner)
	_, _, err := api.GetVersion(ctx, typ, name, id)
	switch {
	case err == nil:
		return nil
	case !errors.Is(err, ghpackages.ErrNotFound):
		return nil
	}
	if _, _, perr := api.Get(ctx, typ, name); perr != nil {
		if errors.Is(perr, ghpackages.ErrNotFound) {
			return a.checkOwner(ctx, c, owner, perr)
		}
		return nil
	}
	for v, err := range api.AllVersions(ctx, typ, name, &ghpackages.PackageVersionListOptions{State: ghpackages.StateDeleted, PerPage: 100}) {
		if err != nil {
			return nil
		}
		if v.ID == id {
			return nil
		}
	}
	return advised{fmt.Errorf("%w\n%s %s has no version %d, active or deleted: nothing to %s ('ghpkg versions %s%s' lists its versions, --state deleted the deleted ones)",
		err, typ, name, id, verb, name, ownerFlags(owner, typ))}
}

// checkOwnerExists refuses (exit 2) an owner that does not exist, before
// a restore sends anything.
func (a *app) checkOwnerExists(ctx context.Context, c *ghpackages.Client, owner ghpackages.Owner) error {
	if owner.Name() == "" {
		return nil
	}
	_, _, err := c.ResolveOwner(ctx, owner.Name())
	if errors.Is(err, ghpackages.ErrNotFound) {
		return usagef("--%s %s: no such %s: nothing restored", owner.Kind(), owner.Name(), ownerWord(owner))
	}
	return nil
}
