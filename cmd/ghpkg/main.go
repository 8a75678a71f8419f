// Command ghpkg lists, inspects, deletes, restores and prunes GitHub
// Packages from a terminal or a CI job.
//
//	go install github.com/ghpackages/ghpackages-go/cmd/ghpkg@latest
//
// Commands ('ghpkg help COMMAND' shows each one's usage, flags and examples):
//
//	ghpkg packages                              list the owner's packages of --type
//	ghpkg versions PACKAGE [--state deleted]    list a package's versions
//	ghpkg get      PACKAGE [--id ID]            show a package, or one version
//	ghpkg delete   PACKAGE [--id ID] --yes      delete a package, or one version
//	ghpkg restore  PACKAGE [--id ID]            restore a deleted package or version
//	ghpkg restore  --report FILE                restore what a prune or delete deleted
//	ghpkg prune    [PACKAGE|PATTERN...] POLICY  plan a cleanup; carry it out with --yes
//	ghpkg verify   PACKAGE...                   prove every tag of container packages is a whole image
//	ghpkg verify   --report FILE                the same for the packages a run touched (its journal)
//	ghpkg scopes   [--for COMMAND]              the token's scopes against what commands need
//	ghpkg version                               version, VCS revision and date, Go version
//	ghpkg completion bash|zsh|fish|powershell   shell completion script
//	ghpkg help json                             the --json output schema (ghpkg/v1)
//
// The owner is --org NAME, --user NAME, --owner NAME (looked up), or by
// default the token's own account. The token comes from GITHUB_TOKEN or
// GH_TOKEN, or --token-file FILE ("-" for stdin), and is never printed.
//
// Every run that changes something keeps an undo journal (the --report
// file, or a file under $XDG_STATE_HOME/ghpkg/runs), written before and
// after each change, so 'ghpkg restore --report FILE' undoes even a run
// that was killed.
//
// Exit codes: 0 done, including nothing to do and a dry run; 1 some
// operations failed, or the run stopped early (rate limit, --max-wait,
// canceled); 2 usage, authentication or scope error, found before any
// change.
//
// Example, in a scheduled workflow:
//
//	GITHUB_TOKEN=... ghpkg prune --org my-org --older-than 30d --keep 10 --yes 'my-image'
//
// The ghpkg reference:
// https://github.com/ghpackages/ghpackages-go/blob/main/docs/ghpkg.md. The GitHub Action
// that runs it:
// https://github.com/ghpackages/ghpackages-go/blob/main/docs/action.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/ghpackages/ghpackages-go/cmd/internal/buildinfo"
	"github.com/ghpackages/ghpackages-go/cmd/internal/cli"
)

// A release build stamps these with -ldflags "-X main.version=v1.2.3
// -X main.commit=SHA -X main.date=RFC3339" (.goreleaser.yaml); a go build
// or go install leaves them empty, and 'ghpkg version' reports what the Go
// toolchain recorded instead.
var (
	version string
	commit  string
	date    string
)

func main() {
	// Output can never stop a run: with SIGPIPE ignored, a write to a
	// closed stdout or stderr (ghpkg ... | head -1) returns EPIPE instead
	// of killing ghpkg between two deletes. Progress lines are then
	// dropped, the --json document is saved to a file (exit 1), and the
	// undo journal is complete either way.
	signal.Ignore(syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fi, err := os.Stderr.Stat()
	terminal := err == nil && fi.Mode()&os.ModeCharDevice != 0
	code := cli.Run(ctx, os.Args[1:], cli.Env{Getenv: os.Getenv, Stdout: os.Stdout, Stderr: os.Stderr, Stdin: os.Stdin, StderrIsTerminal: terminal,
		Build: buildinfo.Resolve(version, commit, date)})
	stop()
	os.Exit(code)
}
