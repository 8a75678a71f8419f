#!/usr/bin/env bash
# The tests of every module of go.work: go vet, then go test under the race
# detector in random order. .ci/run runs this last; the README tells a
# newcomer to run it. Extra arguments go to go test (e.g. -count=1).
# A package pattern stops at a module boundary, so each module has its own
# pattern (cmd/internal/readme checks that none is left out).
set -euo pipefail
cd "$(dirname "$0")/.."
go vet ./... ./cmd/... ./examples/... ./ghcrtest/... ./retention/...
go test -race -shuffle=on "$@" ./... ./cmd/... ./examples/... ./ghcrtest/... ./retention/...
