// Package buildinfo says what a command was built from. A release build
// (goreleaser) stamps the version, commit and commit date into variables of
// the command's main package with -ldflags "-X main.version=…"; a go build
// or go install stamps nothing, and the Go toolchain's own record
// (debug.ReadBuildInfo) is used instead.
package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"

	ghpackages "github.com/ghpackages/ghpackages-go"
)

// Info is what a binary was built from.
type Info struct {
	// Version is the release version ("v0.3.0"), the module version of a
	// go install (also "v0.3.0"), or "(devel)" from a checkout.
	Version string
	// Revision is the VCS commit, with "+dirty" when the checkout had
	// uncommitted changes; empty when unknown (go install of a module).
	Revision string
	// Date is the commit's time (RFC 3339); empty when unknown.
	Date string
}

// Resolve returns the stamped version, commit and date when version is set
// (a release build), and otherwise what debug.ReadBuildInfo recorded.
func Resolve(version, commit, date string) Info {
	if version != "" {
		return Info{Version: version, Revision: commit, Date: date}
	}
	return fromBuildInfo(debug.ReadBuildInfo())
}

// fromBuildInfo reads the module version and the VCS settings the Go
// toolchain records.
func fromBuildInfo(info *debug.BuildInfo, ok bool) Info {
	out := Info{Version: "(devel)"}
	if !ok {
		return out
	}
	if v := info.Main.Version; v != "" {
		out.Version = v
	}
	modified := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			out.Revision = s.Value
		case "vcs.time":
			out.Date = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if out.Revision != "" && modified {
		out.Revision += "+dirty"
	}
	return out
}

// Line is the one-line version text of program:
// "ghpkg v0.3.0 (REVISION, DATE), ghpackages-go 0.1.0, go1.26.0", leaving
// out what is unknown.
func (i Info) Line(program string) string {
	line := program + " " + i.Version
	switch {
	case i.Revision != "" && i.Date != "":
		line += " (" + i.Revision + ", " + i.Date + ")"
	case i.Revision != "":
		line += " (" + i.Revision + ")"
	case i.Date != "":
		line += " (" + i.Date + ")"
	}
	return fmt.Sprintf("%s, ghpackages-go %s, %s", line, ghpackages.Version, runtime.Version())
}
