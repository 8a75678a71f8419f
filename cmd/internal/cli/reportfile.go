package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The record 'ghpkg restore --report' needs must never be lost to a path
// mistake: a run checks --report before its first change (checkReportPath),
// keeps its undo journal there until it ends (journal.go), writes the final
// report atomically (a temporary file beside it, renamed over it), and if
// that fails anyway, puts the report in a fallback file or on stderr, says
// where, and exits 1. The --json document gets the same rescue when stdout
// cannot be written.

// reportPathError is what makes path unusable as a --report file before
// anything is written: a directory, or a directory that does not exist
// (a usage error); nil otherwise.
func reportPathError(path string) error {
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		return usagef("--report %s is a directory: give a file name, e.g. --report %s", path, filepath.Join(path, "run.json"))
	}
	if dir := filepath.Dir(path); !isDir(dir) {
		return usagef("--report %s: the directory %s does not exist: create it first, or give a path in an existing directory", path, dir)
	}
	return nil
}

// checkReportPath makes sure path can be written before anything is
// changed, by creating and removing a file beside it (the journal and the
// report are written that way). Errors are usage errors (exit 2).
func (a *app) checkReportPath(path string) error {
	if err := reportPathError(path); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".ghpkg-report-check-*")
	if err != nil {
		return usagef("--report %s cannot be written: %v", path, errText(err))
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// writeReport writes the run's report to path, atomically; when that fails
// it rescues the report (see rescue) and returns false.
func (a *app) writeReport(path string, rep *reportJSON) bool {
	err := writeJSONFile(path, rep)
	if err == nil {
		return true
	}
	raw, _ := json.MarshalIndent(rep, "", "  ")
	where := a.rescue("report", append(raw, '\n'), true)
	fmt.Fprintf(a.env.Stderr, "ghpkg %s: writing --report %s failed: %v; %s\n", a.name, path, errText(err), where)
	return false
}

// rescue saves a document that could not be written where it was asked
// for: in a new file in the temporary directory, or failing that on
// stderr. It returns what to tell the user; restorable adds how to undo the
// run from it.
func (a *app) rescue(what string, raw []byte, restorable bool) string {
	f, err := os.CreateTemp("", "ghpkg-"+a.name+"-"+what+"-*.json")
	if err == nil {
		_, err = f.Write(raw)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			msg := fmt.Sprintf("the %s is in %s instead", what, f.Name())
			if restorable {
				msg += fmt.Sprintf(" ('ghpkg restore --report %s' undoes the run)", f.Name())
			}
			return msg
		}
		os.Remove(f.Name())
	}
	fmt.Fprintf(a.env.Stderr, "ghpkg %s: the %s follows, since no file could hold it:\n%s", a.name, what, raw)
	return fmt.Sprintf("the %s is printed above on stderr", what)
}

// writeJSONFile writes v as indented JSON to path through a temporary file
// in the same directory, renamed over path, so path holds either the old
// content or the new, never a part.
func writeJSONFile(path string, v any) error {
	raw, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	_, err = f.Write(append(raw, '\n'))
	if err == nil {
		// On disk before the rename: a report that replaces a journal
		// must not leave an empty file after a crash.
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o600)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// errText is an error without Go's "open /x/y: " prefixes repeated: the
// path is named by the caller.
func errText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err.Error()
	}
	return strings.TrimSpace(err.Error())
}
