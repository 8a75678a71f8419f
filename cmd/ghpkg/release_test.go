package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	ghpackages "github.com/ghpackages/ghpackages-go"
)

// TestReleaseBinary checks a ghpkg built by the release configuration:
// .ci/run builds this machine's target as a goreleaser snapshot and names
// it in GHPKG_RELEASE_BINARY. Its version, commit and date are the ones
// .goreleaser.yaml stamps (the snapshot's version, HEAD, HEAD's commit
// time), and it was built with -trimpath and without cgo.
func TestReleaseBinary(t *testing.T) {
	bin := os.Getenv("GHPKG_RELEASE_BINARY")
	if bin == "" {
		t.Skip("GHPKG_RELEASE_BINARY is unset: .ci/run sets it to the ghpkg of a goreleaser snapshot build")
	}
	git := func(args ...string) string {
		t.Helper()
		out, err := exec.CommandContext(t.Context(), "git", args...).Output()
		if err != nil {
			t.Fatalf("git %s: %v", strings.Join(args, " "), err)
		}
		return strings.TrimSpace(string(out))
	}
	head := git("rev-parse", "HEAD")
	unix, err := strconv.ParseInt(git("log", "-1", "--format=%ct", "HEAD"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	commitTime := time.Unix(unix, 0).UTC()

	out, err := exec.CommandContext(t.Context(), bin, "version", "--json").Output()
	if err != nil {
		t.Fatalf("%s version --json: %v", bin, err)
	}
	var doc struct {
		Version, Revision, Date, Go string
		SDKVersion                  string `json:"sdk_version"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("%s version --json: %v\n%s", bin, err, out)
	}
	m := regexp.MustCompile(`^v\d+\.\d+\.\d+-SNAPSHOT-([0-9a-f]{7,40})$`).FindStringSubmatch(doc.Version)
	if m == nil {
		t.Errorf("version %q is not the snapshot's vX.Y.Z-SNAPSHOT-COMMIT (snapshot.version_template)", doc.Version)
	} else if !strings.HasPrefix(head, m[1]) {
		t.Errorf("version %q names commit %s, HEAD is %s", doc.Version, m[1], head)
	}
	if doc.Revision != head {
		t.Errorf("revision %q, want HEAD %s", doc.Revision, head)
	}
	if date, err := time.Parse(time.RFC3339, doc.Date); err != nil || !date.Equal(commitTime) {
		t.Errorf("date %q, want HEAD's commit time %s (%v)", doc.Date, commitTime.Format(time.RFC3339), err)
	}
	if doc.Go != runtime.Version() || doc.SDKVersion != ghpackages.Version {
		t.Errorf("go %q, sdk_version %q; want %s and %s", doc.Go, doc.SDKVersion, runtime.Version(), ghpackages.Version)
	}

	text, err := exec.CommandContext(t.Context(), bin, "version").Output()
	if err != nil {
		t.Fatalf("%s version: %v", bin, err)
	}
	want := "ghpkg " + doc.Version + " (" + head + ", " + doc.Date + "), ghpackages-go " + ghpackages.Version + ", " + runtime.Version() + "\n"
	if string(text) != want {
		t.Errorf("ghpkg version printed %q, want %q", text, want)
	}

	// How it was built, as the Go toolchain recorded it.
	info, err := exec.CommandContext(t.Context(), "go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatalf("go version -m %s: %v", bin, err)
	}
	for _, setting := range []string{"-trimpath=true", "CGO_ENABLED=0"} {
		if !regexp.MustCompile(`(?m)^\s+build\s+` + regexp.QuoteMeta(setting) + `$`).Match(info) {
			t.Errorf("the release binary was not built with %s:\n%s", setting, info)
		}
	}
}
