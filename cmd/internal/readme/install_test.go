package readme

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"text/template"
	"time"

	"go.yaml.in/yaml/v3"

	ghpackages "github.com/ghpackages/ghpackages-go"
)

// releaseURL is a release's download URL as the README writes it.
var releaseURL = regexp.MustCompile(`https://github\.com/([\w.-]+/[\w.-]+)/releases/download/(v[0-9][\w.+-]*)`)

// isReleaseInstall reports whether a shell block installs from a release:
// it downloads from a release's URL. Such a block is run whole, against a
// local server that serves the release as github.com does.
func isReleaseInstall(b block) bool { return releaseURL.MatchString(b.text) }

// ghpkgArchiveName is the name .goreleaser.yaml gives ghpkg's archive for
// version (without the tag's "v") on goos/goarch.
func ghpkgArchiveName(t *testing.T, version, goos, goarch string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Archives []struct {
			IDs             []string `yaml:"ids"`
			NameTemplate    string   `yaml:"name_template"`
			Formats         []string `yaml:"formats"`
			FormatOverrides []struct {
				Goos    string   `yaml:"goos"`
				Formats []string `yaml:"formats"`
			} `yaml:"format_overrides"`
		} `yaml:"archives"`
	}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		t.Fatal(err)
	}
	for _, a := range cfg.Archives {
		if !slices.Equal(a.IDs, []string{"ghpkg"}) {
			continue
		}
		tmpl, err := template.New("name").Option("missingkey=error").Parse(a.NameTemplate)
		if err != nil {
			t.Fatal(err)
		}
		var name strings.Builder
		if err := tmpl.Execute(&name, map[string]string{"ProjectName": "ghpackages-go", "Version": version, "Os": goos, "Arch": goarch}); err != nil {
			t.Fatal(err)
		}
		formats := a.Formats
		for _, o := range a.FormatOverrides {
			if o.Goos == goos {
				formats = o.Formats
			}
		}
		return name.String() + "." + formats[0]
	}
	t.Fatal(".goreleaser.yaml has no archive of the ghpkg build alone")
	return ""
}

// runReleaseInstall runs a README block that installs ghpkg from a release:
// a local server serves the release it names (an archive of a ghpkg built
// here and stamped as the release build stamps it, and a checksums.txt),
// every https://github.com/ in the block points at that server, and gh is a
// stand-in that records its arguments. The block must exit 0 having
// checked the sum, asked gh to verify the archive's attestation against
// this repository, and run the ghpkg it unpacked.
func runReleaseInstall(t *testing.T, b block) {
	for _, tool := range []string{"bash", "curl", "tar", "sha256sum"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found", tool)
		}
	}
	m := releaseURL.FindStringSubmatch(b.text)
	repo, tag := m[1], m[2]
	if want := strings.TrimPrefix(modulePath(t), "github.com/"); repo != want {
		t.Errorf("%s: the release is downloaded from %s, not this repository %s", b.pos(), repo, want)
	}
	if tag != "v"+ghpackages.Version {
		t.Errorf("%s: the release installed is %s; show this version's, v%s (ghpackages.Version)", b.pos(), tag, ghpackages.Version)
	}
	// The block's archive is the one the release build names; it holds this
	// machine's ghpkg whatever platform it names, so it runs here.
	archive := ghpkgArchiveName(t, strings.TrimPrefix(tag, "v"), "linux", "amd64")
	if !strings.Contains(b.text, archive) {
		t.Fatalf("%s: the block does not download %s, the name .goreleaser.yaml gives ghpkg %s for linux/amd64", b.pos(), archive, tag)
	}
	const commit, date = "0123456789abcdef0123456789abcdef01234567", "2026-12-01T10:00:00Z"
	exe := filepath.Join(t.TempDir(), "ghpkg")
	build := exec.CommandContext(t.Context(), "go", "build", "-ldflags", "-X main.version="+tag+" -X main.commit="+commit+" -X main.date="+date, "-o", exe, "./cmd/ghpkg")
	build.Dir = repoRoot(t)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/ghpkg: %v\n%s", err, out)
	}
	bin, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	var tgz bytes.Buffer
	gz := gzip.NewWriter(&tgz)
	tw := tar.NewWriter(gz)
	for _, f := range []struct {
		name string
		mode int64
		data []byte
	}{{"LICENSE", 0o644, []byte("license")}, {"README.md", 0o644, []byte("readme")}, {"ghpkg", 0o755, bin}} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(f.data)
	}
	tw.Close()
	gz.Close()
	sum := sha256.Sum256(tgz.Bytes())
	other := ghpkgArchiveName(t, strings.TrimPrefix(tag, "v"), "darwin", "arm64")
	files := map[string][]byte{
		archive:         tgz.Bytes(),
		"checksums.txt": []byte(strings.Repeat("0", 64) + "  " + other + "\n" + hex.EncodeToString(sum[:]) + "  " + archive + "\n"),
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := strings.CutPrefix(r.URL.Path, "/"+repo+"/releases/download/"+tag+"/")
		if data, found := files[name]; ok && found {
			w.Write(data)
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()

	stubs, dir := t.TempDir(), t.TempDir()
	ghLog := filepath.Join(stubs, "gh.log")
	gh := "#!/usr/bin/env bash\n[ -f \"$3\" ] || { echo \"gh: no file $3\" >&2; exit 1; }\necho \"$*\" >> " + ghLog + "\n"
	if err := os.WriteFile(filepath.Join(stubs, "gh"), []byte(gh), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	script := strings.ReplaceAll(b.text, "https://github.com/", srv.URL+"/")
	cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(withoutToken(os.Environ()), "PATH="+stubs+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: the install failed: %v\n%s", b.pos(), err, out)
	}
	if !strings.Contains(string(out), archive+": OK") {
		t.Errorf("%s: the block did not check %s's sum:\n%s", b.pos(), archive, out)
	}
	logged, _ := os.ReadFile(ghLog)
	if want := "attestation verify " + archive + " --repo " + repo + "\n"; string(logged) != want {
		t.Errorf("%s: gh ran as %q, want %q", b.pos(), logged, want)
	}
	if want := "ghpkg " + tag + " (" + commit + ", " + date + "), ghpackages-go "; !strings.Contains(string(out), want) {
		t.Errorf("%s: the unpacked ghpkg did not report %q:\n%s", b.pos(), want, out)
	}
}
