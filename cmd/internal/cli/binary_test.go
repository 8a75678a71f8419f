//go:build unix

package cli_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/cmd/internal/cli"
	"github.com/ghpackages/ghpackages-go/ghcrtest"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
)

// These tests run the real ghpkg binary (ghpkgBinary: built once per test
// binary), so that signals and closed pipes act on it as they would on a
// user's.

// fakeLog is a fake's request log that tells a waiting test each DELETE.
type fakeLog struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	deletes chan struct{}
}

func (l *fakeLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if bytes.Contains(p, []byte(`"method":"DELETE"`)) {
		select {
		case l.deletes <- struct{}{}:
		default:
		}
	}
	return l.buf.Write(p)
}

// changes are the DELETE and PUT requests the fake logged, as
// "METHOD path".
func (l *fakeLog) changes(t *testing.T) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(l.buf.Bytes()))
	for sc.Scan() {
		var e ghpackagestest.LogEntry
		require.NoError(t, json.Unmarshal(sc.Bytes(), &e))
		if e.Method == "DELETE" || e.Method == "PUT" {
			out = append(out, e.Method+" "+e.Path)
		}
	}
	return out
}

// journalIntents are the requests a journal (or a final report's file,
// then none) recorded before sending, as "METHOD path".
func journalIntents(t *testing.T, raw []byte) []string {
	var out []string
	for _, line := range bytes.Split(raw, []byte("\n")) {
		var l struct {
			J      string `json:"j"`
			Method string `json:"method"`
			URL    string `json:"url"`
		}
		if json.Unmarshal(line, &l) != nil || l.J != "intent" {
			continue
		}
		u, err := url.Parse(l.URL)
		require.NoError(t, err)
		out = append(out, l.Method+" "+u.EscapedPath())
	}
	return out
}

// binaryFake starts a fake with the demo data and a registry, on the real
// clock, whose DELETEs take delay: slow enough to be killed in the middle.
func binaryFake(t *testing.T, delay time.Duration) (*ghpackagestest.Server, *fakeLog) {
	log := &fakeLog{deletes: make(chan struct{}, 64)}
	srv := ghpackagestest.NewServer(ghpackagestest.WithDemo(), ghcrtest.WithRegistry(), ghpackagestest.WithRequestLog(log),
		ghpackagestest.WithTokenSpec(secret, ghpackagestest.TokenSpec{Scopes: ghpackagestest.AllScopes()}))
	t.Cleanup(srv.Close)
	if delay > 0 {
		srv.InjectFault(ghpackagestest.Fault{Method: "DELETE", Count: 1000, Delay: delay})
	}
	return srv, log
}

// binaryCmd is the ghpkg binary with args against srv, its state and cache
// in dir.
func binaryCmd(t *testing.T, srv *ghpackagestest.Server, dir string, args ...string) *exec.Cmd {
	cmd := exec.Command(ghpkgBinary(t), append(args, "--base-url", srv.BaseURL())...)
	cmd.Env = []string{"GITHUB_TOKEN=" + secret, "HOME=" + dir, "XDG_STATE_HOME=" + filepath.Join(dir, "state"), "XDG_CACHE_HOME=" + filepath.Join(dir, "cache"), "PATH=" + os.Getenv("PATH")}
	return cmd
}

// activeSet is the set of team/app versions active in srv.
func activeSet(srv *ghpackagestest.Server) map[int64]bool {
	out := map[int64]bool{}
	for _, v := range srv.Versions("octo-org", ghpackages.Container, teamApp) {
		if v.DeletedAt == nil {
			out[v.ID] = true
		}
	}
	return out
}

// TestKillLeavesJournal kills ghpkg (SIGKILL) at random points of a
// paced --yes run, 20 times and more: every time, every DELETE and PUT the
// fake logged has its intent in the journal, and 'ghpkg restore --report'
// of the journal brings back every version the run deleted and every tag
// an untag run removed.
func TestKillLeavesJournal(t *testing.T) {
	t.Parallel()
	ghpkgBinary(t)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 27))
	const runs = 22
	for i := range runs {
		untag := i%4 == 3
		srv, log := binaryFake(t, 30*time.Millisecond)
		dir := t.TempDir()
		report := filepath.Join(dir, "run.json")
		args := []string{"prune", teamApp, "--org", "octo-org", "--older-than", "30d", "--yes", "--pace", "budget", "--report", report}
		if untag {
			args = []string{"untag", teamApp, "stable", "latest", "--org", "octo-org", "--yes", "--pace", "budget", "--report", report}
		}
		before, tagsBefore := activeSet(srv), tagSet(srv)
		cmd := binaryCmd(t, srv, dir, args...)
		require.NoError(t, cmd.Start())
		// Kill after a random number of answered DELETEs (0 = while
		// planning, or before the first), a random moment later.
		k := rng.IntN(8)
		if untag {
			k = rng.IntN(2)
		}
		deadline := time.After(20 * time.Second)
	wait:
		for range k {
			select {
			case <-log.deletes:
			case <-deadline:
				break wait
			}
		}
		time.Sleep(time.Duration(rng.IntN(40)) * time.Millisecond)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()

		raw, err := os.ReadFile(report)
		logged := log.changes(t)
		if err != nil {
			assert.Empty(t, logged, "run %d: no journal, so no change was sent", i)
			continue
		}
		intents := journalIntents(t, raw)
		final := len(intents) == 0 && bytes.HasPrefix(raw, []byte("{\n"))
		if !final {
			left := append([]string{}, intents...)
			for _, c := range logged {
				j := indexOf(left, c)
				if assert.GreaterOrEqual(t, j, 0, "run %d (%v): the fake saw %s, which the journal does not account for", i, args[0], c) {
					left = append(left[:j], left[j+1:]...)
				}
			}
		}
		// The journal (or final report) restores every version deleted,
		// and every tag an untag removed.
		var out, errOut bytes.Buffer
		tr := &http.Transport{}
		code := cli.Run(t.Context(), []string{"restore", "--report", report, "--base-url", srv.BaseURL()}, cli.Env{
			Getenv: func(k string) string { return map[string]string{"GITHUB_TOKEN": secret}[k] }, Stdout: &out, Stderr: &errOut,
			Transport: tr, ClientOptions: []ghpackages.Option{ghpackages.WithPacing(ghpackages.NoPacing())},
			StateDir: func() (string, error) { return dir, nil }})
		tr.CloseIdleConnections()
		assert.Contains(t, []int{0, 1}, code, "run %d: %s", i, errOut.String())
		after := activeSet(srv)
		if untag {
			// The placeholder of an untag killed before deleting it stays,
			// an untagged version the next prune deletes.
			for id := range after {
				if !before[id] {
					delete(after, id)
				}
			}
		}
		assert.Equal(t, before, after, "run %d (killed after %d deletes): restore --report of the journal undoes the run\n%s\n%s", i, k, out.String(), errOut.String())
		assert.Equal(t, tagsBefore, tagSet(srv), "run %d (%s, killed after %d deletes): restore --report of the journal puts every tag back\n%s\n%s", i, args[0], k, out.String(), errOut.String())
	}
}

// tagSet is the tags of each active team/app version in srv, in order.
func tagSet(srv *ghpackagestest.Server) map[int64][]string {
	out := map[int64][]string{}
	for _, v := range srv.Versions("octo-org", ghpackages.Container, teamApp) {
		if v.DeletedAt == nil && len(v.Tags) > 0 {
			out[v.ID] = slices.Sorted(slices.Values(v.Tags))
		}
	}
	return out
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

// TestClosedPipe: a stdout and stderr that are a pipe closed after the
// first line (ghpkg ... 2>&1 | head -1) never stop a --yes run: it
// finishes, every delete is in the final report, and ghpkg is not killed
// by SIGPIPE. A --json document a closed pipe cannot take is saved to a
// file, exit 1, and the message saying where reaches stderr.
func TestClosedPipe(t *testing.T) {
	t.Parallel()
	ghpkgBinary(t)
	t.Run("progress and table", func(t *testing.T) {
		t.Parallel()
		srv, _ := binaryFake(t, 0)
		dir := t.TempDir()
		report := filepath.Join(dir, "run.json")
		r, w, err := os.Pipe()
		require.NoError(t, err)
		cmd := binaryCmd(t, srv, dir, "prune", teamApp, "--org", "octo-org", "--older-than", "30d", "--yes", "--pace", "budget", "--report", report)
		cmd.Stdout, cmd.Stderr = w, w
		require.NoError(t, cmd.Start())
		w.Close()
		line, err := bufio.NewReader(r).ReadString('\n')
		require.NoError(t, err)
		assert.NotEmpty(t, line)
		r.Close() // head -1 exits
		err = cmd.Wait()
		code := cmd.ProcessState.ExitCode()
		assert.NotEqual(t, -1, code, "ghpkg was killed by a signal: %v", err)
		assert.Contains(t, []int{0, 1}, code)
		var final reportDoc
		decodeStrict(t, readFile(t, report), &final)
		assert.Len(t, final.Items, prunedApp, "the run finished: every delete is in the report")
		assert.Empty(t, final.Stopped)
	})
	t.Run("json", func(t *testing.T) {
		t.Parallel()
		srv, _ := binaryFake(t, 0)
		dir := t.TempDir()
		r, w, err := os.Pipe()
		require.NoError(t, err)
		var errOut bytes.Buffer
		cmd := binaryCmd(t, srv, dir, "prune", teamApp, "--org", "octo-org", "--older-than", "30d", "--yes", "--pace", "budget", "--json")
		cmd.Stdout, cmd.Stderr = w, &errOut
		r.Close() // | head -c 0: nothing reads stdout
		require.NoError(t, cmd.Start())
		w.Close()
		_ = cmd.Wait()
		assert.Equal(t, 1, cmd.ProcessState.ExitCode(), "output lost: exit 1\n%s", errOut.String())
		m := regexp.MustCompile(`the output is in (\S+) instead`).FindStringSubmatch(errOut.String())
		require.NotNil(t, m, errOut.String())
		t.Cleanup(func() { os.Remove(m[1]) })
		var doc runDoc
		decodeStrict(t, readFile(t, m[1]), &doc)
		require.NotNil(t, doc.Report)
		assert.Len(t, doc.Report.Items, prunedApp)
		assert.Contains(t, errOut.String(), "undo journal: ", "without --report, the journal's path is printed before the first change")
	})
}
