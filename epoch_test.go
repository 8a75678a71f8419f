package ghpackages_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestSuiteIsCalendarIndependent runs the tests that use a fake clock (the
// retry, rate-limit, pacing, deadline and fake-server tests) again with their
// fake time a year behind and a year ahead of the real clock. A test that
// mixes the fake time with the real one (a context deadline built from the
// fake "now", a fixed date compared with time.Now) fails here on any day,
// not only after some date has passed.
func TestSuiteIsCalendarIndependent(t *testing.T) {
	if os.Getenv("GHPACKAGES_TEST_EPOCH") != "" {
		t.Skip("already running at a moved epoch")
	}
	if testing.Short() {
		t.Skip("runs the clock-driven tests twice more; skipped with -short")
	}
	t.Parallel()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	const clockTests = "Retry|Replay|RateLimit|Pacing|Deadline|Budget|Fault|OnTheFake|Limit"
	for _, offset := range []string{"-8760h", "+8760h"} {
		cmd := exec.CommandContext(t.Context(), exe, "-test.run="+clockTests, "-test.count=1", "-test.shuffle=on")
		cmd.Env = append(os.Environ(), "GHPACKAGES_TEST_EPOCH="+offset)
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "PASS") {
			t.Errorf("with the test clock at real time %s: %v\n%s", offset, err, out)
		}
	}
}
