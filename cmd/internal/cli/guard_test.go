package cli_test

import (
	"os"
	"testing"

	"github.com/ghpackages/ghpackages-go/internal/testguard"
)

// TestMain makes every test of this package own its HTTP transport (see
// package testguard): ghpkg runs get Env.Transport, registry pushes their
// own http.Transport. It removes the ghpkg binary the action tests built.
func TestMain(m *testing.M) {
	testguard.Install()
	code := m.Run()
	if ghpkgBuild.dir != "" {
		os.RemoveAll(ghpkgBuild.dir)
	}
	os.Exit(code)
}

// TestCalendarIndependent reruns this package's tests with their clocks a
// year behind and a year ahead of real time (see testguard.Epoch).
func TestCalendarIndependent(t *testing.T) {
	t.Parallel()
	testguard.RerunAtOtherEpochs(t, "Test", "TestCalendarIndependent|TestJSONGolden")
}
