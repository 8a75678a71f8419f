package ghcrtest_test

import (
	"os"
	"testing"
	"time"

	"github.com/ghpackages/ghpackages-go/internal/testguard"
)

// TestMain makes every test of this package own its HTTP transport (see
// package testguard).
func TestMain(m *testing.M) {
	testguard.Install()
	os.Exit(m.Run())
}

// fixedNow is the start of every FakeClock in these tests.
var fixedNow = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
