//go:build !unix

package retention

import "os"

// entryOpenFlags: elsewhere the open follows links; readEntry's checks of
// the file (Lstat before, Stat after) still refuse anything not regular.
const entryOpenFlags = os.O_RDONLY
