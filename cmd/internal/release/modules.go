package release

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"
)

// ModulePath is the root module's path; every module of the repository
// has it as prefix.
const ModulePath = "github.com/ghpackages/ghpackages-go"

// Placeholder is the version "go mod edit -replace" leaves behind for a
// module that was never required at a real version. It names no commit:
// no proxy serves it, so no go.mod may require it.
const Placeholder = "v0.0.0-00010101000000-000000000000"

// Tagged is the directory of every module a release tags, in release
// order: each after the modules it requires. "." is the root module.
// examples/ is a module too, for development only: nobody requires it, so
// it is never tagged, but its go.mod is kept at the released versions.
var Tagged = []string{".", "ghcrtest", "retention", "cmd"}

// Binary is the directory of the module whose commands users install with
// "go install …@VERSION": at its tag, its go.mod may have no replace or
// exclude directive, which go install refuses.
const Binary = "cmd"

// Tag is the tag of the module in dir at version: "vX.Y.Z" for the root,
// "dir/vX.Y.Z" for a nested module.
func Tag(dir, version string) string {
	if dir == "." || dir == "" {
		return version
	}
	return dir + "/" + version
}

// Path is the module path of the module in dir.
func Path(dir string) string {
	if dir == "." || dir == "" {
		return ModulePath
	}
	return ModulePath + "/" + dir
}

// ours reports whether a module path is one of this repository's modules.
func ours(path string) bool {
	return path == ModulePath || strings.HasPrefix(path, ModulePath+"/")
}

// CheckVersion reports whether version can be the next release after the
// existing tags: canonical SemVer with a "v" (vX.Y.Z or vX.Y.Z-PRE, no
// build metadata), above every root release tag, and not yet tagged for any
// module; and v0, since every module is tagged with it and retention and
// ghcrtest make no v1 promise.
func CheckVersion(version string, tags []string) error {
	if !semver.IsValid(version) || semver.Canonical(version) != version || semver.Build(version) != "" {
		return fmt.Errorf("%q is not a release version: use vMAJOR.MINOR.PATCH or vMAJOR.MINOR.PATCH-PRERELEASE", version)
	}
	if semver.Major(version) != "v0" {
		// A release tags every module with one version, and a module's tag
		// is forever: retention/v1.0.0 would give retention the v1 promise
		// that docs/api-stability.md says it does not make yet.
		return fmt.Errorf("%s: scripts/release.sh tags every module with one version, but retention and ghcrtest stay v0 while the SDK takes v1 (docs/api-stability.md, \"Versioning\"): release.Tagged must version them apart first", version)
	}
	last := LastRelease(tags)
	for _, t := range tags {
		for _, dir := range Tagged {
			if t == Tag(dir, version) {
				return fmt.Errorf("tag %s exists already", t)
			}
		}
	}
	if last != "" && semver.Compare(version, last) <= 0 {
		return fmt.Errorf("%s is not above the last release, %s", version, last)
	}
	return nil
}

// LastRelease returns the highest root release tag (vX.Y.Z or
// vX.Y.Z-PRE) among tags, or "" when there is none.
func LastRelease(tags []string) string {
	last := ""
	for _, t := range tags {
		if !strings.Contains(t, "/") && semver.IsValid(t) && semver.Canonical(t) == t && (last == "" || semver.Compare(t, last) > 0) {
			last = t
		}
	}
	return last
}

// CheckGoMod returns what is wrong with the go.mod of the module in dir
// for a release at version, or for development when version is "". Every
// requirement of one of this repository's modules must name a real
// version, never Placeholder; in a release, exactly version. At the release,
// the Binary module may have no replace or exclude directive.
func CheckGoMod(dir string, data []byte, version string) []string {
	name := filepath.ToSlash(filepath.Join(dir, "go.mod"))
	where := name
	if version != "" {
		where = name + " at " + Tag(dir, version)
	}
	f, err := modfile.Parse(name, data, nil)
	if err != nil {
		return []string{fmt.Sprintf("%s: %v", where, err)}
	}
	var problems []string
	for _, r := range f.Require {
		if !ours(r.Mod.Path) {
			continue
		}
		switch {
		case r.Mod.Version == Placeholder:
			fix := "require the last release (see CONTRIBUTING.md, \"Releasing\"), keeping the replace for development"
			if version != "" {
				fix = "require " + r.Mod.Path + " " + version + ", as scripts/release.sh does"
			}
			problems = append(problems, fmt.Sprintf("%s requires %s at the placeholder %s, which names no commit, so a consumer's go get fails: %s", where, r.Mod.Path, Placeholder, fix))
		case version != "" && r.Mod.Version != version:
			problems = append(problems, fmt.Sprintf("%s requires %s %s, not this release's %s: require %s %s, as scripts/release.sh does", where, r.Mod.Path, r.Mod.Version, version, r.Mod.Path, version))
		}
	}
	if version != "" && dir == Binary {
		for _, r := range f.Replace {
			problems = append(problems, fmt.Sprintf("%s has \"replace %s => %s\": go install %s/...@%s refuses a go.mod with replace directives; drop them in the release commit and require the released versions (scripts/release.sh does; go.work serves development)", where, r.Old.Path, r.New.Path, Path(dir), version))
		}
		for _, x := range f.Exclude {
			problems = append(problems, fmt.Sprintf("%s has \"exclude %s %s\": go install refuses a go.mod with exclude directives; drop it", where, x.Mod.Path, x.Mod.Version))
		}
	}
	return problems
}

// CheckRelease checks the tags of a release at version in the git
// repository repo: every Tagged module has its tag, all on one commit,
// and each tagged go.mod passes CheckGoMod. It returns every problem.
func CheckRelease(repo, version string) []string {
	var problems []string
	commit := ""
	for _, dir := range Tagged {
		tag := Tag(dir, version)
		rev, err := git(repo, "rev-parse", "--verify", "--quiet", "refs/tags/"+tag+"^{commit}")
		if err != nil {
			problems = append(problems, fmt.Sprintf("tag %s is missing: scripts/release.sh %s creates every tag of the release", tag, version))
			continue
		}
		if commit == "" {
			commit = rev
		} else if rev != commit {
			problems = append(problems, fmt.Sprintf("tag %s is on %s, %s on %s: tag every module on the release commit", tag, short(rev), Tag(".", version), short(commit)))
		}
		file := "go.mod"
		if dir != "." {
			file = dir + "/go.mod"
		}
		data, err := git(repo, "show", tag+":"+file)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s has no %s: %v", tag, file, err))
			continue
		}
		problems = append(problems, CheckGoMod(dir, []byte(data), version)...)
	}
	return problems
}

func short(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	return rev
}

// git runs git in repo and returns its trimmed output.
func git(repo string, args ...string) (string, error) {
	cmd := exec.Command("git", append([]string{"-C", repo}, args...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(errOut.String()))
	}
	return strings.TrimSpace(out.String()), nil
}

// GoMods returns the go.mod of every module under root, by directory
// relative to root ("." for root itself), skipping testdata and hidden
// directories.
func GoMods(root string) (map[string][]byte, error) {
	mods := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != root && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") || d.Name() == "dist") {
			return filepath.SkipDir
		}
		if d.IsDir() || d.Name() != "go.mod" {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, filepath.Dir(p))
		if err != nil {
			return err
		}
		mods[filepath.ToSlash(rel)] = data
		return nil
	})
	return mods, err
}

// Pin rewrites the go.mod data of a nested module so that it requires each
// of this repository's modules it requires at version; with dropReplace,
// it also drops the replace directives of this repository's modules.
func Pin(name string, data []byte, version string, dropReplace bool) ([]byte, error) {
	f, err := modfile.Parse(name, data, nil)
	if err != nil {
		return nil, err
	}
	for _, r := range f.Require {
		if ours(r.Mod.Path) {
			if err := f.AddRequire(r.Mod.Path, version); err != nil {
				return nil, err
			}
		}
	}
	if dropReplace {
		for _, r := range slices.Clone(f.Replace) {
			if ours(r.Old.Path) {
				if err := f.DropReplace(r.Old.Path, r.Old.Version); err != nil {
					return nil, err
				}
			}
		}
	}
	f.Cleanup()
	return f.Format()
}
