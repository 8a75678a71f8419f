package main

import (
	"testing"

	"github.com/ghpackages/ghpackages-go/internal/exampletest"
)

func TestRunsOnTheFake(t *testing.T) {
	exampletest.RunsOnFake(t, run, []string{"-latest"},
		"deleted versions of container team/app", "restored version 1260000012", "it is active again")
}
