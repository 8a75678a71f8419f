package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/ghpackages/ghpackages-go/retention"
)

// cacheFlags are --cache-dir and --no-cache: where registry manifests are
// kept between runs.
type cacheFlags struct {
	dir string
	off bool
}

func (a *app) addCacheFlags(cmd *cobra.Command, cf *cacheFlags) {
	cmd.Flags().StringVar(&cf.dir, "cache-dir", "", "container packages: keep registry manifests in `DIR` between runs, so an unchanged repository's are not read again (default: ghpkg/manifests in the user cache directory)")
	cmd.Flags().BoolVar(&cf.off, "no-cache", false, "container packages: read every manifest from the registry, keeping none between runs")
}

// cacheSubdir is where the manifests go under the user cache directory.
var cacheSubdir = filepath.Join("ghpkg", "manifests")

// openCache returns the manifest cache the flags ask for, or nil for
// none. What the user gave and cannot be used is a usage error naming the
// flag; a default that cannot be used is a warning, and no cache.
func (a *app) openCache(cmd *cobra.Command, cf *cacheFlags) (*retention.ManifestCache, error) {
	set := cmd.Flags().Changed("cache-dir")
	switch {
	case cf.off && set:
		return nil, usagef("give one of --cache-dir and --no-cache")
	case cf.off:
		return nil, nil
	case set && cf.dir == "":
		return nil, usagef("--cache-dir: empty: give a directory (created if missing), or --no-cache")
	case set:
		if fi, err := os.Stat(cf.dir); err == nil && !fi.IsDir() {
			return nil, usagef("--cache-dir %s is a file, not a directory: give a directory (created if missing), or --no-cache", cf.dir)
		}
		c, err := retention.OpenManifestCache(cf.dir)
		if err != nil {
			return nil, usagef("--cache-dir %s cannot be used (%v): give a directory you can write, or --no-cache", cf.dir, unwrapPath(err))
		}
		if err := probeWritable(c.Dir()); err != nil {
			return nil, usagef("--cache-dir %s cannot be written (%v): give a directory you can write, or --no-cache", cf.dir, unwrapPath(err))
		}
		a.sweepCache(c.Dir())
		return c, nil
	}
	base, err := a.env.CacheDir()
	if err != nil || base == "" {
		a.warnf("no user cache directory (%v): registry manifests are not kept between runs; --cache-dir DIR keeps them", err)
		return nil, nil
	}
	c, err := retention.OpenManifestCache(filepath.Join(base, cacheSubdir))
	if err == nil {
		err = probeWritable(c.Dir())
	}
	if err != nil {
		a.warnf("the manifest cache in %s cannot be used (%v): registry manifests are not kept between runs; --cache-dir DIR keeps them elsewhere", filepath.Join(base, cacheSubdir), unwrapPath(err))
		return nil, nil
	}
	a.sweepCache(c.Dir())
	return c, nil
}

// probeWritable checks that files can be created in dir.
func probeWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".probe-*")
	if err != nil {
		return err
	}
	f.Close()
	return os.Remove(f.Name())
}

// unwrapPath drops the path an *fs.PathError repeats.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}
