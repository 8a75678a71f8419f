package cli_test

import (
	"os"
	"testing"

	"github.com/ghpackages/ghpackages-go/internal/testguard"
)

// TestMain makes every test of this package own its HTTP transport (see
// package testguard): ghpkg runs get Env.Transport, registry pushes their
// own http.Transport.
func TestMain(m *testing.M) {
	testguard.Install()
	os.Exit(m.Run())
}
