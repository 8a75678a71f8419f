//go:build unix

package retention

import (
	"os"
	"syscall"
)

// entryOpenFlags open a cache entry without following a symlink and
// without blocking on a FIFO (a read of one then fails at once).
const entryOpenFlags = os.O_RDONLY | syscall.O_NOFOLLOW | syscall.O_NONBLOCK
