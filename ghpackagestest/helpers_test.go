package ghpackagestest_test

import "time"

// fixedNow is the start of every FakeClock in these tests.
var fixedNow = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
