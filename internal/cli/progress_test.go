package cli

import (
	"bytes"
	"testing"

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
