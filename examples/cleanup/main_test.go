package main

import (
	"testing"

	"github.com/ghpackages/ghpackages-go/internal/exampletest"
)

func TestRunsOnTheFake(t *testing.T) {
	exampletest.RunsOnFake(t, run, []string{"-dry-run=false"},
		"keep    needed by kept sha256:", "deleted 3 versions")
}
