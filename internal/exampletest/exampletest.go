// Package exampletest checks that an example program runs on the built-in
// fake server and prints what it should.
package exampletest

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/ghpackages/ghpackages-go/internal/exampleenv"
)

// RunsOnFake runs an example's run function with GITHUB_TOKEN unset (so it
// uses the fake server, never GitHub), and checks that its first line says
// so and that its output contains each of wants.
func RunsOnFake(t *testing.T, run func(context.Context, []string, io.Writer) error, args []string, wants ...string) {
	t.Helper()
	t.Setenv("GITHUB_TOKEN", "")
	var out bytes.Buffer
	if err := run(t.Context(), args, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	first, _, _ := strings.Cut(out.String(), "\n")
	prefix, _, _ := strings.Cut(exampleenv.FakeBanner, "%s")
	if !strings.HasPrefix(first, prefix+"http://127.0.0.1:") {
		t.Errorf("first line %q does not say it runs on the fake (%q)", first, exampleenv.FakeBanner)
	}
	for _, want := range wants {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
