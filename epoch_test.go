package ghpackages_test

import (
	"testing"

	"github.com/ghpackages/ghpackages-go/internal/testguard"
)

// TestSuiteIsCalendarIndependent runs the tests that use a fake clock (the
// retry, rate-limit, pacing, deadline and fake-server tests) again with their
// fake time a year behind and a year ahead of the real clock. A test that
// mixes the fake time with the real one (a context deadline built from the
// fake "now", a fixed date compared with time.Now) fails here on any day,
// not only after some date has passed.
func TestSuiteIsCalendarIndependent(t *testing.T) {
	t.Parallel()
	testguard.RerunAtOtherEpochs(t, "Retry|Replay|RateLimit|Pacing|Deadline|Budget|Fault|OnTheFake|Limit|Example", "")
}
