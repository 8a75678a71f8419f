package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"

	"github.com/ghpackages/ghpackages-go/cmd/internal/release"
)

// TestProxyZipsHashAsGoFetches: release.sh tidies cmd/go.sum against the
// zips relmod proxy makes, and the release is built and installed with the
// zips proxy.golang.org makes from the pushed tags: the two must hash the
// same (go.sum's h1:), or the release build and go install fail with a
// checksum mismatch. The go command's own fetch from git (GOPROXY=direct,
// what the module proxy runs) is the reference, on a repository shaped
// like this one: a LICENSE at the root only (the go command adds it to a
// nested module's zip), nested modules, testdata, a file in a nested
// module's subdirectory.
func TestProxyZipsHashAsGoFetches(t *testing.T) {
	if testing.Short() {
		t.Skip("runs git and go mod download")
	}
	for _, tool := range []string{"git", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found", tool)
		}
	}
	const version = "v0.98.0"
	repo := t.TempDir()
	write := func(name, data string) {
		t.Helper()
		p := filepath.Join(repo, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("LICENSE", "the license\n")
	write("go.mod", "module "+release.ModulePath+"\n\ngo 1.26.0\n")
	write("client.go", "package ghpackages\n")
	write("testdata/x.txt", "data\n")
	write("internal/a/a.go", "package a\n")
	for _, dir := range release.Tagged[1:] {
		write(dir+"/go.mod", "module "+release.Path(dir)+"\n\ngo 1.26.0\n\nrequire "+release.ModulePath+" "+version+"\n")
		write(dir+"/x.go", "package x\n")
		write(dir+"/sub/y.go", "package sub\n")
	}
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", repo}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=test", "GIT_AUTHOR_EMAIL=test@invalid", "GIT_COMMITTER_NAME=test", "GIT_COMMITTER_EMAIL=test@invalid", "GIT_CONFIG_GLOBAL=/dev/null")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	git("init", "--quiet")
	git("add", "-A")
	git("commit", "--quiet", "-m", "release")
	for _, dir := range release.Tagged {
		git("tag", release.Tag(dir, version))
	}

	out := t.TempDir()
	if err := proxy(repo, "", out, version); err != nil {
		t.Fatal(err)
	}

	cache := t.TempDir()
	for _, dir := range release.Tagged {
		path := release.Path(dir)
		esc, err := module.EscapePath(path)
		if err != nil {
			t.Fatal(err)
		}
		vdir := filepath.Join(out, filepath.FromSlash(esc), "@v")
		ours, err := dirhash.HashZip(filepath.Join(vdir, version+".zip"), dirhash.Hash1)
		if err != nil {
			t.Fatal(err)
		}
		mod, err := os.ReadFile(filepath.Join(vdir, version+".mod"))
		if err != nil {
			t.Fatal(err)
		}
		ourMod, err := dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(mod)), nil })
		if err != nil {
			t.Fatal(err)
		}
		// The go command fetches https://github.com/ghpackages/ghpackages-go
		// with git, which insteadOf sends to the test's repository.
		cmd := exec.Command("go", "mod", "download", "-json", path+"@"+version)
		cmd.Dir = t.TempDir()
		cmd.Env = append(os.Environ(), "GOPROXY=direct", "GOFLAGS=-mod=mod -modcacherw", "GOWORK=off", "GOMODCACHE="+cache,
			"GOPRIVATE="+release.ModulePath, "GONOSUMDB="+release.ModulePath, "GOTOOLCHAIN=local", "GIT_CONFIG_GLOBAL=/dev/null",
			"GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=url."+repo+".insteadOf", "GIT_CONFIG_VALUE_0=https://"+release.ModulePath)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("go mod download %s@%s: %v: %s%s", path, version, err, stdout.String(), stderr.String())
		}
		var got struct{ Sum, GoModSum string }
		if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		if ours != got.Sum {
			t.Errorf("%s@%s: relmod proxy's zip hashes %s, the go command's fetch from git %s: a release's cmd/go.sum would not match the module proxy", path, version, ours, got.Sum)
		}
		if ourMod != got.GoModSum {
			t.Errorf("%s@%s/go.mod: relmod proxy's hashes %s, the go command's fetch from git %s", path, version, ourMod, got.GoModSum)
		}
	}
}
