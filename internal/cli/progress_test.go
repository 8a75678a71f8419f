package cli

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/ghpackages/ghpackages-go/retention"
)

func TestProgress(t *testing.T) {
	t.Parallel()
	var ci, tty bytes.Buffer
	lines := (&app{env: Env{Stderr: &ci}}).progress(25)
	bar := (&app{env: Env{Stderr: &tty, StderrIsTerminal: true}}).progress(4)
	for range 25 {
		lines(retention.Item{})
	}
	for range 4 {
		bar(retention.Item{})
	}
	assert.Equal(t, "progress: 10/25 done\nprogress: 20/25 done\nprogress: 25/25 done\n", ci.String())
	assert.Equal(t, "\r[#######                       ] 1/4\r[###############               ] 2/4"+
		"\r[######################        ] 3/4\r[##############################] 4/4\n", tty.String())
}

func TestProgressBarClosedWhenStopped(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	a := &app{name: "prune", env: Env{Stdout: &out, Stderr: &errOut, StderrIsTerminal: true, Getenv: func(string) string { return "" }, Now: time.Now}}
	bar := a.progress(4)
	bar(retention.Item{})
	bar(retention.Item{})
	rep := &retention.Report{OwnerKind: "org", OwnerName: "o", Stopped: "stopped at the rate limit", Items: []retention.Item{
		{Outcome: retention.Deleted}, {Outcome: retention.Deleted}, {Outcome: retention.NotAttempted}, {Outcome: retention.NotAttempted}}}
	code := a.emitRun(t.Context(), runOutput{Report: rep}, false)
	assert.Equal(t, ExitOK, code, "a stop at the rate limit is a clean partial result")
	assert.Equal(t, "\r[#######                       ] 1/4\r[###############               ] 2/4\n"+
		"ghpkg prune: stopped at the rate limit; 2 done, 2 left; rerun to resume\n", errOut.String())
}
