//go:build !unix

package cli_test

import "errors"

// mkfifo fails: FIFOs are a Unix thing.
func mkfifo(string) error { return errNoFIFO }

var errNoFIFO = errors.New("no FIFOs on this system")

// binaryMistakes are Unix-only: they rely on SIGKILL and closed pipes.
func binaryMistakes() []mistake { return nil }
