package cli

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// maxCacheEntry is the most a cache entry may hold, as the manifest cache
// reads it (retention's maxEntry): a manifest the registry sends is at
// most 4 MiB, and the entry adds a header line and the media type.
const maxCacheEntry = 4<<20 + 512

// sweepCache makes every entry under the manifest cache dir a regular file
// of at most maxCacheEntry bytes, or nothing: FIFOs, devices, sockets,
// symlinks (to /dev/zero, say) and oversized files are removed, with a
// warning, and the next read of their manifest rewrites them. It only
// Lstats, never opens, so a FIFO cannot block it. The cache reads entries
// whole; this keeps it from hanging or exhausting memory on one.
func (a *app) sweepCache(dir string) {
	var bad []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return nil
		}
		info, err := os.Lstat(p)
		if err != nil {
			return nil
		}
		why := ""
		switch m := info.Mode(); {
		case m.IsDir():
			return nil
		case m&fs.ModeSymlink != 0:
			why = "a symbolic link"
		case m&fs.ModeNamedPipe != 0:
			why = "a FIFO"
		case m&(fs.ModeDevice|fs.ModeCharDevice) != 0:
			why = "a device"
		case m&fs.ModeSocket != 0:
			why = "a socket"
		case !m.IsRegular():
			why = "not a regular file"
		case info.Size() > maxCacheEntry:
			why = fmt.Sprintf("%d bytes, over the 4 MiB a manifest can have", info.Size())
		default:
			return nil
		}
		if os.Remove(p) == nil {
			bad = append(bad, fmt.Sprintf("%s (%s)", p, why))
		} else {
			bad = append(bad, fmt.Sprintf("%s (%s, and it could not be removed: the cache may misbehave; --no-cache avoids it)", p, why))
		}
		return nil
	})
	switch {
	case len(bad) == 0:
	case len(bad) <= 3:
		a.warnf("manifest cache entries ignored and removed, to be rewritten: %s", strings.Join(bad, "; "))
	default:
		a.warnf("%d manifest cache entries ignored and removed, to be rewritten: %s; and %d more", len(bad), strings.Join(bad[:3], "; "), len(bad)-3)
	}
}
