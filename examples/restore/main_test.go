package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestRunsOnTheFake(t *testing.T) {
	t.Setenv("GITHUB_TOKEN", "") // always the built-in fake, never GitHub
	var out bytes.Buffer
	if err := run(t.Context(), []string{"-latest"}, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	first, _, _ := strings.Cut(out.String(), "\n")
	if !strings.HasPrefix(first, "GITHUB_TOKEN is not set: using the built-in fake GitHub Packages server at http://127.0.0.1:") {
		t.Errorf("first line %q does not say it runs on the fake", first)
	}
	for _, want := range []string{"deleted versions of container team/app", "restored version 1260000012", "it is active again"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
