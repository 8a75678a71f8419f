// Command relmod is the Go half of scripts/release.sh and
// scripts/release-gate.sh. Run it from the repository's root:
//
//	relmod modules              the directories of the modules a release tags, in release order
//	relmod next VERSION         fails unless VERSION can be the next release (SemVer, above the last tag);
//	                            prints the last release (empty before the first)
//	relmod check VERSION        fails, naming the module and the fix, unless the release's tags are installable
//	relmod pin [-drop-replace] VERSION
//	                            makes every nested go.mod require this repository's modules at VERSION
//	                            (-drop-replace: and cmd/go.mod replace none of them)
//	relmod versions OLD NEW FILE...
//	                            moves where the files install or pin release OLD to NEW (X.Y.Z, no "v")
//	relmod lint                 fails if a go.mod of the working tree requires a placeholder version
//	relmod proxy [-rev REV] -out DIR VERSION
//	                            writes a file GOPROXY serving every tagged module at VERSION
//
// proxy makes each module's zip as the Go module proxy does, with
// golang.org/x/mod/zip from git: the module's files at its tag (or at REV),
// without the files of nested modules.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"

	"github.com/ghpackages/ghpackages-go/cmd/internal/release"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	repo, err := os.Getwd()
	if err == nil {
		repo, err = gitOut(repo, "rev-parse", "--show-toplevel")
	}
	if err != nil {
		fail(err.Error())
	}
	args := os.Args[2:]
	switch os.Args[1] {
	case "modules":
		for _, d := range release.Tagged {
			fmt.Println(d)
		}
	case "next":
		if len(args) != 1 {
			usage()
		}
		out, err := gitOut(repo, "tag", "--list")
		if err != nil {
			fail(err.Error())
		}
		if err := release.CheckVersion(args[0], strings.Fields(out)); err != nil {
			fail(err.Error())
		}
		fmt.Println(release.LastRelease(strings.Fields(out)))
	case "check":
		if len(args) != 1 {
			usage()
		}
		if problems := release.CheckRelease(repo, args[0]); len(problems) > 0 {
			fail(strings.Join(problems, "\n"))
		}
	case "versions":
		if len(args) < 3 {
			usage()
		}
		for _, name := range args[2:] {
			data, err := os.ReadFile(name)
			if err == nil {
				err = os.WriteFile(name, []byte(release.RewriteVersions(string(data), args[0], args[1])), 0o644)
			}
			if err != nil {
				fail(err.Error())
			}
		}
	case "lint":
		mods, err := release.GoMods(repo)
		if err != nil {
			fail(err.Error())
		}
		var problems []string
		for _, dir := range sortedKeys(mods) {
			problems = append(problems, release.CheckGoMod(dir, mods[dir], "")...)
		}
		if len(problems) > 0 {
			fail(strings.Join(problems, "\n"))
		}
	case "pin":
		fs := flag.NewFlagSet("pin", flag.ExitOnError)
		dropReplace := fs.Bool("drop-replace", false, "also drop the binaries' module's replace directives of this repository's modules")
		_ = fs.Parse(args)
		if fs.NArg() != 1 {
			usage()
		}
		mods, err := release.GoMods(repo)
		if err != nil {
			fail(err.Error())
		}
		for _, dir := range sortedKeys(mods) {
			if dir == "." {
				continue
			}
			name := filepath.Join(repo, dir, "go.mod")
			data, err := release.Pin(name, mods[dir], fs.Arg(0), *dropReplace && dir == release.Binary)
			if err == nil {
				err = os.WriteFile(name, data, 0o644)
			}
			if err != nil {
				fail(err.Error())
			}
		}
	case "proxy":
		fs := flag.NewFlagSet("proxy", flag.ExitOnError)
		rev := fs.String("rev", "", "make every module's zip from this commit instead of its tag")
		out := fs.String("out", "", "the proxy's directory (GOPROXY=file://DIR)")
		_ = fs.Parse(args)
		if fs.NArg() != 1 || *out == "" {
			usage()
		}
		if err := proxy(repo, *rev, *out, fs.Arg(0)); err != nil {
			fail(err.Error())
		}
	default:
		usage()
	}
}

// proxy writes DIR/<module>/@v/{list,VERSION.info,VERSION.mod,VERSION.zip}
// for every tagged module, the layout GOPROXY=file://DIR reads.
func proxy(repo, rev, out, version string) error {
	for _, dir := range release.Tagged {
		ref := rev
		if ref == "" {
			ref = "refs/tags/" + release.Tag(dir, version)
		}
		commit, err := gitOut(repo, "rev-parse", "--verify", ref+"^{commit}")
		if err != nil {
			return err
		}
		when, err := gitOut(repo, "log", "-1", "--format=%cI", commit)
		if err != nil {
			return err
		}
		subdir, gomod := "", "go.mod"
		if dir != "." {
			subdir, gomod = dir, dir+"/go.mod"
		}
		modCmd := exec.Command("git", "-C", repo, "show", commit+":"+gomod)
		modCmd.Stderr = os.Stderr
		mod, err := modCmd.Output() // byte for byte: go.sum hashes it
		if err != nil {
			return fmt.Errorf("git show %s:%s: %w", commit, gomod, err)
		}
		path := release.Path(dir)
		esc, err := module.EscapePath(path)
		if err != nil {
			return err
		}
		vdir := filepath.Join(out, filepath.FromSlash(esc), "@v")
		if err := os.MkdirAll(vdir, 0o755); err != nil {
			return err
		}
		zf, err := os.Create(filepath.Join(vdir, version+".zip"))
		if err != nil {
			return err
		}
		err = modzip.CreateFromVCS(zf, module.Version{Path: path, Version: version}, repo, commit, subdir)
		if cerr := zf.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("%s@%s: %w", path, version, err)
		}
		info, err := json.Marshal(struct{ Version, Time string }{version, when})
		if err != nil {
			return err
		}
		for name, data := range map[string]string{version + ".info": string(info), version + ".mod": string(mod), "list": version + "\n"} {
			if err := os.WriteFile(filepath.Join(vdir, name), []byte(data), 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

func gitOut(repo string, args ...string) (string, error) {
	cmd := exec.Command("git", append([]string{"-C", repo}, args...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out)), nil
}

func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: relmod modules | next VERSION | check VERSION | versions OLD NEW FILE... | lint | pin [-drop-replace] VERSION | proxy [-rev REV] -out DIR VERSION")
	os.Exit(2)
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "relmod: "+strings.ReplaceAll(msg, "\n", "\nrelmod: "))
	os.Exit(1)
}
