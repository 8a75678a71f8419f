package main

import (
	"testing"

	"github.com/ghpackages/ghpackages-go/internal/exampletest"
)

func TestRunsOnTheFake(t *testing.T) {
	exampletest.RunsOnFake(t, run, nil,
		"team/app    public      37", "1260000044  sha256:25ee2014a050…  v1.9.0,latest,stable", "  37 versions", "errors.Is(err, ErrNotFound) = true; status 404")
}
