package readme

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghcrtest"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
	"github.com/ghpackages/ghpackages-go/internal/exampleenv"
)

// block is one fenced code block of the README or a docs/ page.
type block struct {
	file string // relative to the repository root, with forward slashes: "README.md", "docs/sdk.md"
	lang string
	line int // 1-based line of the opening fence
	text string
}

// pos is where the block starts, as "FILE:LINE".
func (b block) pos() string { return fmt.Sprintf("%s:%d", b.file, b.line) }

// repoRoot is the repository root (the go.work workspace), three
// directories up from this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// docFiles are the documentation files these tests keep true: README.md and
// every docs/*.md page, relative to the repository root.
func docFiles(t *testing.T) []string {
	t.Helper()
	pages, err := filepath.Glob(filepath.Join(repoRoot(t), "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	files := []string{"README.md"}
	for _, p := range pages {
		files = append(files, "docs/"+filepath.Base(p))
	}
	if len(files) < 2 {
		t.Fatal("no docs/*.md pages found: the README's detail lives there")
	}
	return files
}

// readmeBlocks returns the fenced code blocks of README.md and of every
// docs/*.md page, in that order.
func readmeBlocks(t *testing.T) []block {
	t.Helper()
	var blocks []block
	for _, file := range docFiles(t) {
		blocks = append(blocks, fileBlocks(t, file)...)
	}
	return blocks
}

// fileBlocks returns the fenced code blocks of one documentation file.
func fileBlocks(t *testing.T, file string) []block {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), filepath.FromSlash(file)))
	if err != nil {
		t.Fatal(err)
	}
	var blocks []block
	var cur *block
	var body strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case cur == nil && strings.HasPrefix(trimmed, "```"):
			cur = &block{file: file, lang: strings.TrimSpace(strings.TrimPrefix(trimmed, "```")), line: n}
			body.Reset()
		case cur != nil && trimmed == "```":
			cur.text = body.String()
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			body.WriteString(line)
			body.WriteByte('\n')
		}
	}
	if cur != nil {
		t.Fatalf("%s: code block never closed", cur.pos())
	}
	return blocks
}

// snippetImports are the packages a README snippet may use without saying
// so; each is referenced once so an unused one is no error.
var snippetImports = map[string]string{
	`"context"`:             "context.Background",
	`"errors"`:              "errors.New",
	`"fmt"`:                 "fmt.Sprint",
	`"log"`:                 "log.Println",
	`"net/http"`:            "http.StatusOK",
	`"os"`:                  "os.Getenv",
	`"testing"`:             "testing.Short",
	`"time"`:                "time.Now",
	`"golang.org/x/oauth2"`: "oauth2.NoContext",
	`ghpackages "github.com/ghpackages/ghpackages-go"`:     "ghpackages.NewClient",
	`"github.com/ghpackages/ghpackages-go/ghpackagestest"`: "ghpackagestest.NewServer",
	`"github.com/ghpackages/ghpackages-go/retention"`:      "retention.NewPlan",
}

// standIns declare what README snippets refer to without defining: values a
// reader supplies. A stand-in is declared only when the snippet does not
// declare the name itself.
var standIns = map[string]string{
	"ts":              "var ts oauth2.TokenSource",
	"corporateClient": "var corporateClient *http.Client",
	"runMyCleanup":    "func runMyCleanup(context.Context, *ghpackages.Client) {}",
}

// snippetFile turns a README Go block into a compilable file of package pkg:
// a whole file stays as it is (renamed to pkg), top-level declarations get
// the usual imports, and statements become the body of a function that
// returns an error (as the README's "return err" lines expect).
func snippetFile(pkg string, b block) string {
	src := b.text
	if strings.HasPrefix(strings.TrimSpace(src), "package ") {
		return regexp.MustCompile(`(?m)^package \w+`).ReplaceAllString(src, "package "+pkg)
	}
	var f strings.Builder
	fmt.Fprintf(&f, "package %s\n\nimport (\n", pkg)
	for imp := range snippetImports {
		fmt.Fprintf(&f, "\t%s\n", imp)
	}
	f.WriteString(")\n\n")
	for _, ref := range snippetImports {
		fmt.Fprintf(&f, "var _ = %s\n", ref)
	}
	for name, decl := range standIns {
		declared := regexp.MustCompile(`(?m)(\bfunc ` + name + `\(|\b` + name + `\s*:?=|\bvar ` + name + `\b)`)
		if regexp.MustCompile(`\b`+name+`\b`).MatchString(src) && !declared.MatchString(src) {
			f.WriteString(decl + "\n")
		}
	}
	fmt.Fprintf(&f, "\n//line %s:%d\n", b.file, b.line+1)
	if regexp.MustCompile(`(?m)^func `).MatchString(src) {
		f.WriteString(src)
		return f.String()
	}
	f.WriteString("func snippet() error {\n" + src + "\treturn nil\n}\n")
	return f.String()
}

// TestGoSnippetsCompile compiles every ```go block of the README against
// the module as it is, each as its own package (through go build -overlay,
// so nothing is written into the tree). "declared and not used" is allowed:
// a snippet may show a value without using it.
func TestGoSnippetsCompile(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	tmp := t.TempDir()
	overlay := map[string]map[string]string{"Replace": {}}
	var dirs []string
	n := 0
	for _, b := range readmeBlocks(t) {
		if b.lang != "go" {
			continue
		}
		pkg := "snippet_" + regexp.MustCompile(`\W`).ReplaceAllString(strings.TrimSuffix(b.file, ".md"), "_") + fmt.Sprintf("_%d", b.line)
		src := filepath.Join(tmp, pkg+".go")
		if err := os.WriteFile(src, []byte(snippetFile(pkg, b)), 0o644); err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(root, "cmd", "internal", "readme", "snippets", pkg)
		overlay["Replace"][filepath.Join(dir, "snippet.go")] = src
		dirs = append(dirs, "./cmd/internal/readme/snippets/"+pkg)
		n++
	}
	if n == 0 {
		t.Fatal("README.md and docs/ have no ```go blocks: the extraction is broken")
	}
	ov := filepath.Join(tmp, "overlay.json")
	data, _ := json.Marshal(overlay)
	if err := os.WriteFile(ov, data, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), "go", append([]string{"build", "-overlay=" + ov, "-gcflags=-e", "-o", os.DevNull}, dirs...)...)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	var real []string
	for _, line := range strings.Split(string(out), "\n") {
		if line == "" || strings.HasPrefix(line, "#") || strings.Contains(line, "declared and not used") {
			continue
		}
		real = append(real, line)
	}
	if len(real) > 0 {
		t.Errorf("Go snippets of README.md and docs/ do not compile:\n%s", strings.Join(real, "\n"))
	} else if err != nil && !strings.Contains(string(out), "declared and not used") {
		t.Errorf("go build: %v\n%s", err, out)
	}
	t.Logf("compiled %d Go snippets of README.md and docs/", n)
}

// builds caches binaries built from this module for the shell-command tests.
var builds struct {
	sync.Mutex
	dir  string
	done map[string]string
}

// build compiles the module's package pkg (e.g. "./examples/quickstart")
// once per test binary and returns the executable's path.
func build(t *testing.T, pkg string) string {
	t.Helper()
	builds.Lock()
	defer builds.Unlock()
	if builds.done == nil {
		dir, err := os.MkdirTemp("", "readme-bin-")
		if err != nil {
			t.Fatal(err)
		}
		builds.dir, builds.done = dir, map[string]string{}
	}
	if exe, ok := builds.done[pkg]; ok {
		return exe
	}
	exe := filepath.Join(builds.dir, strings.NewReplacer("/", "_", ".", "_").Replace(pkg))
	if runtime.GOOS == "windows" {
		exe += ".exe"
	}
	cmd := exec.CommandContext(t.Context(), "go", "build", "-o", exe, pkg)
	cmd.Dir = repoRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	builds.done[pkg] = exe
	return exe
}

func TestMain(m *testing.M) {
	code := m.Run()
	if builds.dir != "" {
		os.RemoveAll(builds.dir)
	}
	os.Exit(code)
}

// shellCommands returns the commands of the README's shell blocks, one per
// line, without comments, with the README line each came from.
func shellCommands(t *testing.T) []command {
	var cmds []command
	for _, b := range readmeBlocks(t) {
		switch b.lang {
		case "sh", "bash", "shell", "console":
		default:
			continue
		}
		for i, line := range strings.Split(b.text, "\n") {
			text, comment, _ := strings.Cut(line, " #")
			text = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(text), "$ "))
			if text == "" || strings.HasPrefix(text, "#") {
				continue
			}
			cmds = append(cmds, command{line: b.line + 1 + i, text: text, comment: strings.TrimSpace(comment), block: b})
		}
	}
	return cmds
}

// command is one shell command of the README or a docs/ page.
type command struct {
	line    int
	text    string
	comment string
	block   block // the block it is in
}

// pos is where the command is, as "FILE:LINE".
func (c command) pos() string { return fmt.Sprintf("%s:%d", c.block.file, c.line) }

// isScript reports whether a shell block is one script rather than a list of
// commands: it starts a background job (a line ending in "&"), so its lines
// only make sense together. Such a block is run whole.
func isScript(b block) bool {
	for _, line := range strings.Split(b.text, "\n") {
		if strings.HasSuffix(strings.TrimSpace(line), "&") {
			return true
		}
	}
	return false
}

// runScript runs a README shell block as one bash script (-e, -u, pipefail)
// in the module root with GITHUB_TOKEN unset, and fails on a non-zero exit.
func runScript(t *testing.T, b block) {
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", b.text)
	cmd.Dir = repoRoot(t)
	// ghpkg's manifest cache goes to a directory of the test's own; Go's
	// build cache, which also defaults to a directory under XDG_CACHE_HOME,
	// stays where it is (an empty one makes a script's go build compile
	// every dependency again, for minutes on a busy machine).
	cmd.Env = append(withoutToken(os.Environ()), "XDG_CACHE_HOME="+t.TempDir(), "GOCACHE="+goEnv(t, "GOCACHE"))
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: the script failed: %v\n%s", b.pos(), err, out)
	}
}

// goEnv returns the go command's setting of name (go env NAME).
func goEnv(t *testing.T, name string) string {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), "go", "env", name).Output()
	if err != nil {
		t.Fatalf("go env %s: %v", name, err)
	}
	return strings.TrimSpace(string(out))
}

// testScript is the script that runs the tests of every module; .ci/run
// runs it last, and the README tells a newcomer to run it.
const testScript = "./scripts/test.sh"

// ciTestCommand is the test command .ci/run runs: its line that runs
// testScript, which the README shows as it is.
func ciTestCommand(t *testing.T) string {
	data, err := os.ReadFile(filepath.Join(repoRoot(t), ".ci", "run"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if line = strings.TrimSpace(line); strings.HasPrefix(line, testScript) {
			return line
		}
	}
	t.Fatalf(".ci/run does not run %s", testScript)
	return ""
}

// testScriptCommands returns the go vet and go test lines of testScript.
func testScriptCommands(t *testing.T) (vet, test string) {
	data, err := os.ReadFile(filepath.Join(repoRoot(t), filepath.FromSlash(testScript)))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "go vet "):
			vet = line
		case strings.HasPrefix(line, "go test "):
			test = line
		}
	}
	if vet == "" || test == "" {
		t.Fatalf("%s lacks a go vet or a go test line", testScript)
	}
	return vet, test
}

// TestShellCommands runs, or checks, every command in the shell blocks of
// README.md and docs/*.md. A command this test does not know how to
// exercise fails it, so a new documented command cannot go untested.
func TestShellCommands(t *testing.T) {
	t.Parallel()
	cmds := shellCommands(t)
	if len(cmds) == 0 {
		t.Fatal("README.md and docs/ have no shell commands: the extraction is broken")
	}
	ci := ciTestCommand(t)
	seenCI := false
	scripts := map[string]bool{}
	for _, c := range cmds {
		name := c.pos()
		fields := strings.Fields(c.text)
		switch {
		case isReleaseInstall(c.block):
			if !scripts[c.block.pos()] {
				scripts[c.block.pos()] = true
				b := c.block
				t.Run(b.pos(), func(t *testing.T) { t.Parallel(); runReleaseInstall(t, b) })
			}
		case isScript(c.block):
			if !scripts[c.block.pos()] {
				scripts[c.block.pos()] = true
				b := c.block
				t.Run(b.pos(), func(t *testing.T) { t.Parallel(); runScript(t, b) })
			}
		case c.text == ci:
			// The README's test command is the one CI runs; running it here
			// would run this test again.
			seenCI = seenCI || c.block.file == "README.md"
		case fields[0] == "ghpkg":
			t.Run(name, func(t *testing.T) { t.Parallel(); runGhpkg(t, fields[1:]) })
		case strings.HasPrefix(c.text, "go run ./examples/"):
			t.Run(name, func(t *testing.T) { t.Parallel(); runExample(t, fields[2], fields[3:]) })
		case strings.HasPrefix(c.text, "go run ./cmd/ghpackages-fake"):
			t.Run(name, func(t *testing.T) { t.Parallel(); runFake(t, fields[3:]) })
		case strings.HasPrefix(c.text, "go test ") && strings.Contains(c.text, "-bench"):
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				runGo(t, append(fields[1:], "-benchtime=1x"), "")
			})
		case strings.HasPrefix(c.text, "go test ") && strings.Contains(c.text, "-fuzz"):
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				runGo(t, append(fields[1:], "-fuzztime=20x"), "")
			})
		case strings.HasPrefix(c.text, "go test ") && strings.Contains(c.text, "-update"):
			// Rewrites checked-in files; its test runs (without -update) in
			// the suite. Check that the named test exists.
			requireTestNamed(t, c)
		case len(fields) == 3 && fields[0] == "go" && fields[1] == "get":
			// Needs the module published; check it names this module.
			if fields[2] != modulePath(t) {
				t.Errorf("%s: go get %s, but the module is %s", name, fields[2], modulePath(t))
			}
		case len(fields) == 3 && fields[0] == "go" && fields[1] == "install" && strings.HasSuffix(fields[2], "@latest"):
			// Needs the module published; check the package builds here.
			pkg := strings.TrimSuffix(fields[2], "@latest")
			if !strings.HasPrefix(pkg, modulePath(t)+"/") {
				t.Errorf("%s: go install %s is not a package of %s", name, pkg, modulePath(t))
				continue
			}
			build(t, "."+strings.TrimPrefix(pkg, modulePath(t)))
		case len(fields) == 3 && fields[0] == "go" && fields[1] == "install" && strings.Contains(fields[2], "@v"):
			// A release: the one ghpackages.Version names (scripts/release.sh
			// rewrites it), and a package that builds here.
			pkg, version, _ := strings.Cut(fields[2], "@")
			if version != "v"+ghpackages.Version {
				t.Errorf("%s: go install %s at %s; show this version's, v%s (ghpackages.Version)", name, pkg, version, ghpackages.Version)
			}
			if !strings.HasPrefix(pkg, modulePath(t)+"/") {
				t.Errorf("%s: go install %s is not a package of %s", name, pkg, modulePath(t))
				continue
			}
			build(t, "."+strings.TrimPrefix(pkg, modulePath(t)))
		case len(fields) > 2 && fields[0] == "go" && fields[1] == "install" && strings.HasPrefix(fields[2], "./"):
			// From a clone: each package builds.
			for _, pkg := range fields[2:] {
				build(t, pkg)
			}
		case len(fields) == 3 && fields[0] == "git" && fields[1] == "clone":
			if want := "https://" + modulePath(t); fields[2] != want {
				t.Errorf("%s: git clone %s, but the repository is %s", name, fields[2], want)
			}
		case c.text == "cd "+path.Base(modulePath(t)):
			// Into the clone above.
		default:
			// ghpkg steps of workflows run in TestWorkflowCommands.
			t.Errorf("%s: no test exercises README command %q; teach internal/readme how to run or check it", name, c.text)
		}
	}
	if !seenCI {
		t.Errorf("README.md's shell blocks lack .ci/run's test command %q", ci)
	}
}

func requireTestNamed(t *testing.T, c command) {
	m := regexp.MustCompile(`-run\s+'?\^?(\w+)`).FindStringSubmatch(c.text)
	if m == nil {
		t.Errorf("%s: %q names no test", c.pos(), c.text)
		return
	}
	cmd := exec.CommandContext(t.Context(), "go", "test", "-list", "^"+m[1]+"$", ".")
	cmd.Dir = repoRoot(t)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), m[1]) {
		t.Errorf("%s: test %s not found: %v\n%s", c.pos(), m[1], err, out)
	}
}

func modulePath(t *testing.T) string {
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^module\s+(\S+)`).FindSubmatch(data)
	if m == nil {
		t.Fatal("go.mod names no module")
	}
	return string(m[1])
}

// runGo runs the go command with args in the module root and fails on a
// non-zero exit.
func runGo(t *testing.T, args []string, want string) {
	t.Helper()
	for i, a := range args {
		args[i] = strings.Trim(a, `'"`)
	}
	// A benchmark or fuzz build from a cold cache on a busy machine takes
	// minutes: no fixed limit, only the test binary's own deadline (less a
	// minute, so that the failure names the command).
	ctx := t.Context()
	if d, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, d.Add(-time.Minute))
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = repoRoot(t)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	if want != "" && !strings.Contains(string(out), want) {
		t.Errorf("go %s: output lacks %q:\n%s", strings.Join(args, " "), want, out)
	}
}

// runExample runs an example with GITHUB_TOKEN unset, as a newcomer would on
// a fresh machine: it must exit 0 on the built-in fake, say so on its first
// line, and (for the quickstart) print the banner the README quotes.
func runExample(t *testing.T, pkg string, args []string) {
	exe := build(t, pkg)
	for i, a := range args {
		args[i] = strings.Trim(a, `'"`)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = append(withoutToken(os.Environ()), "XDG_CACHE_HOME="+t.TempDir()) // ghpkg's manifest cache
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", pkg, strings.Join(args, " "), err, out)
	}
	first, _, _ := strings.Cut(string(out), "\n")
	prefix, suffix, _ := strings.Cut(exampleenv.FakeBanner, "%s")
	if !strings.HasPrefix(first, prefix) {
		t.Errorf("%s: first line %q does not say it uses the fake", pkg, first)
	}
	if pkg == "./examples/quickstart" && !strings.HasSuffix(first, suffix) {
		t.Errorf("%s: first line %q is not the banner %q", pkg, first, exampleenv.FakeBanner)
	}
}

// runGhpkg runs a documented ghpkg command against a fake seeded with the
// demo (and its registry), the one change being --base-url pointing at the
// fake: it must exit 0, and one that says --yes must delete something.
func runGhpkg(t *testing.T, args []string) {
	exe := build(t, "./cmd/ghpkg")
	for i, a := range args {
		args[i] = strings.Trim(a, `'"`)
	}
	srv := ghpackagestest.New(t, ghpackagestest.WithDemo(), ghcrtest.WithRegistry())
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, append(args, "--base-url", srv.BaseURL())...)
	home := t.TempDir()
	cmd.Env = []string{"GITHUB_TOKEN=" + ghpackagestest.DefaultToken, "HOME=" + home, "XDG_CACHE_HOME=" + home}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ghpkg %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	if slices.Contains(args, "--yes") && srv.Stats().Deletes == 0 {
		t.Errorf("ghpkg %s deleted nothing on the demo: show a command that does\n%s", strings.Join(args, " "), out)
	}
}

// withoutToken returns env without GITHUB_TOKEN, so nothing can reach GitHub.
func withoutToken(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "GITHUB_TOKEN=") {
			out = append(out, kv)
		}
	}
	return out
}

// runFake starts the standalone fake with the README's flags on a free
// loopback port and checks it serves the API until stopped.
func runFake(t *testing.T, args []string) {
	exe := build(t, "./cmd/ghpackages-fake")
	for i, a := range args {
		args[i] = strings.Trim(a, `'"`)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, append(args, "-addr", "127.0.0.1:0")...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}()
	sc := bufio.NewScanner(stdout)
	url := regexp.MustCompile(`http://127\.0\.0\.1:\d+\S*`)
	for sc.Scan() {
		if u := url.FindString(sc.Text()); u != "" {
			return
		}
	}
	t.Fatalf("ghpackages-fake %s printed no URL; stderr:\n%s", strings.Join(args, " "), stderr.String())
}

// TestReadmeQuotesTheQuickstartBanner: the README says what the quickstart
// prints first when no token is set; that must be what it prints.
func TestReadmeQuotesTheQuickstartBanner(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	prefix, suffix, _ := strings.Cut(exampleenv.FakeBanner, "%s")
	quoted := "`" + prefix + "http://127.0.0.1:PORT" + suffix + "`"
	if !strings.Contains(strings.Join(strings.Fields(string(data)), " "), quoted) {
		t.Errorf("README.md does not quote the quickstart's first line %s", quoted)
	}
}

// TestTestCommandCoversEveryModule checks that the README's test command,
// scripts/test.sh, which .ci/run runs, vets and tests every module go.work
// names: a package pattern stops at a module boundary, so a module left out
// would go untested without a word.
func TestTestCommandCoversEveryModule(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "go.work"))
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	in := false
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "use (":
			in = true
		case in && line == ")":
			in = false
		case in && line != "":
			dirs = append(dirs, line)
		case strings.HasPrefix(line, "use "):
			dirs = append(dirs, strings.TrimSpace(strings.TrimPrefix(line, "use ")))
		}
	}
	if len(dirs) < 2 {
		t.Fatalf("go.work names %d modules: the parsing is broken", len(dirs))
	}
	vet, test := testScriptCommands(t)
	for _, d := range dirs {
		pattern := strings.TrimSuffix(d, "/") + "/..."
		for _, part := range []string{vet, test} {
			if !slices.Contains(strings.Fields(part), pattern) {
				t.Errorf("%q leaves out module %s of go.work: add %s", part, d, pattern)
			}
		}
	}
}
