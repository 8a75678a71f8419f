package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestRunsOnTheFake(t *testing.T) {
	t.Setenv("GITHUB_TOKEN", "") // always the built-in fake, never GitHub
	var out bytes.Buffer
	if err := run(t.Context(), nil, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	first, _, _ := strings.Cut(out.String(), "\n")
	if !strings.HasPrefix(first, "GITHUB_TOKEN is not set: using the built-in fake GitHub Packages server at http://127.0.0.1:") {
		t.Errorf("first line %q does not say it runs on the fake", first)
	}
	for _, want := range []string{"team/app    public      37", "1260000044  sha256:25ee2014a050…  v1.9.0,latest,stable", "  37 versions", "errors.Is(err, ErrNotFound) = true; status 404"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
