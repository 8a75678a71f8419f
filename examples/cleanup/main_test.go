package main

import (
	"testing"

	"github.com/ghpackages/ghpackages-go/examples/internal/exampletest"
)

func TestRunsOnTheFake(t *testing.T) {
	exampletest.RunsOnFake(t, run, []string{"-dry-run=false"},
		"keep    needed by kept sha256:", "deleted 3 versions")
}
