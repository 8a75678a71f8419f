//go:build unix

package cli_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ghpackages/ghpackages-go/ghpackagestest"
)

// binaryMistakes are the cases of TestMistakes that run the real ghpkg
// binary against the harness's fake: a pipe closed under a --yes run, and
// a kill in the middle of one. The run deletes every untagged team/app
// version whatever the clocks say (--all-ages --grace 0), so it does the
// same at any test epoch.
func binaryMistakes() []mistake {
	args := []string{"prune", teamApp, "--org", "octo-org", "--all-ages", "--grace", "0", "--yes", "--pace", "budget"}
	withReport := append(append([]string{}, args...), "--report", "{DIR}/r.json")
	return []mistake{
		{name: "pipe closed after the first line (2>&1 | head -1)", args: withReport, code: 0, run: closedPipe(true), report: finalReport},
		{name: "stdout closed under --json (| head -c 0)", args: append(append([]string{}, args...), "--json"), code: 1, run: closedPipe(false),
			want: []string{"writing the --json output failed", "broken pipe"}, report: rescued("output", true)},
		{name: "killed in the middle of a --yes run", setup: func(_ *testing.T, h *harness) {
			h.srv.InjectFault(ghpackagestest.Fault{Method: "DELETE", Count: 1000, Delay: 30 * time.Millisecond})
		}, args: withReport, code: -1, run: killedAfter(3), report: journalDoc},
	}
}

// binaryCommand is the ghpkg binary with args against h's fake, with its
// own home, state and cache directories.
func binaryCommand(t *testing.T, h *harness, args []string) *exec.Cmd {
	home := t.TempDir()
	cmd := exec.Command(ghpkgBinary(t), append(args, "--base-url", h.srv.BaseURL())...)
	cmd.Env = []string{"GITHUB_TOKEN=" + h.env["GITHUB_TOKEN"], "HOME=" + home, "XDG_STATE_HOME=" + filepath.Join(home, "state"),
		"XDG_CACHE_HOME=" + filepath.Join(home, "cache"), "PATH=" + os.Getenv("PATH")}
	return cmd
}

// closedPipe runs the binary with stdout (and with both, stderr) a pipe
// whose reader goes away: after the first line, or at once.
func closedPipe(both bool) func(t *testing.T, h *harness, args []string) (int, string, string) {
	return func(t *testing.T, h *harness, args []string) (int, string, string) {
		r, w, err := os.Pipe()
		require.NoError(t, err)
		var errOut bytes.Buffer
		cmd := binaryCommand(t, h, args)
		cmd.Stdout, cmd.Stderr = w, &errOut
		if both {
			cmd.Stderr = w
		} else {
			r.Close()
		}
		require.NoError(t, cmd.Start())
		w.Close()
		line := ""
		if both {
			line, _ = bufio.NewReader(r).ReadString('\n')
			r.Close()
		}
		_ = cmd.Wait()
		return cmd.ProcessState.ExitCode(), "", line + errOut.String()
	}
}

// killedAfter runs the binary and kills it (SIGKILL) once the fake has
// carried out n deletes.
func killedAfter(n int) func(t *testing.T, h *harness, args []string) (int, string, string) {
	return func(t *testing.T, h *harness, args []string) (int, string, string) {
		var errOut bytes.Buffer
		cmd := binaryCommand(t, h, args)
		cmd.Stderr = &errOut
		require.NoError(t, cmd.Start())
		deadline := time.Now().Add(30 * time.Second)
		for h.srv.Stats().Deletes < n && time.Now().Before(deadline) {
			time.Sleep(2 * time.Millisecond)
		}
		require.NoError(t, cmd.Process.Kill())
		_ = cmd.Wait()
		return cmd.ProcessState.ExitCode(), "", errOut.String()
	}
}

// finalReport is {DIR}/r.json, which must be the finished run's report.
func finalReport(t *testing.T, h *harness, _, _ string) *reportDoc {
	var rep reportDoc
	decodeStrict(t, readFile(t, filepath.Join(h.dir, "r.json")), &rep)
	require.Empty(t, rep.Stopped, "the run finished")
	require.NotEmpty(t, rep.Items)
	return &rep
}

var versionURL = regexp.MustCompile(`/packages/([^/]+)/([^/]+)/versions/([0-9]+)$`)

// journalDoc reads {DIR}/r.json as the killed run's journal: each DELETE
// it recorded before sending is an item, "deleted" when its 2xx answer
// was recorded, "gone-unconfirmed" when not (it may have been done). A
// run that finished first left its report.
func journalDoc(t *testing.T, h *harness, _, _ string) *reportDoc {
	raw := []byte(readFile(t, filepath.Join(h.dir, "r.json")))
	if !bytes.HasPrefix(raw, []byte(`{"j":"start"`)) {
		var rep reportDoc
		decodeStrict(t, string(raw), &rep)
		return &rep
	}
	rep := &reportDoc{}
	status := map[int]int{}
	type intent struct {
		seq int
		it  itemDoc
	}
	var intents []intent
	for _, line := range bytes.Split(raw, []byte("\n")) {
		var l struct {
			J      string `json:"j"`
			Seq    int    `json:"seq"`
			Method string `json:"method"`
			URL    string `json:"url"`
			Status int    `json:"status"`
		}
		if json.Unmarshal(line, &l) != nil {
			continue
		}
		switch l.J {
		case "done":
			status[l.Seq] = l.Status
		case "intent":
			u, err := url.Parse(l.URL)
			require.NoError(t, err)
			m := versionURL.FindStringSubmatch(u.EscapedPath())
			if l.Method != "DELETE" || m == nil {
				continue
			}
			name, err := url.PathUnescape(m[2])
			require.NoError(t, err)
			id, _ := strconv.ParseInt(m[3], 10, 64)
			intents = append(intents, intent{l.Seq, itemDoc{Type: m[1], Package: name, VersionID: id, Action: "delete-version"}})
		}
	}
	require.NotEmpty(t, intents, "the journal holds the DELETEs sent before the kill")
	for _, in := range intents {
		in.it.Outcome = "gone-unconfirmed"
		if s := status[in.seq]; s >= 200 && s < 300 {
			in.it.Outcome = "deleted"
		}
		rep.Items = append(rep.Items, in.it)
	}
	return rep
}
