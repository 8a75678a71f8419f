// Command ghpkg lists, inspects, deletes, restores and prunes GitHub
// Packages from a terminal or a CI job.
//
//	go install github.com/ghpackages/ghpackages-go/cmd/ghpkg@latest
//
// Commands:
//
//	ghpkg packages  [--visibility V]           list the owner's packages of --type
//	ghpkg versions  PACKAGE [--state deleted]  list a package's versions
//	ghpkg get       PACKAGE [--id ID]          show a package, or one version
//	ghpkg delete    PACKAGE [--id ID] --yes    delete a package, or one version
//	ghpkg restore   PACKAGE [--id ID]          restore a deleted package or version
//	ghpkg restore   --report FILE              restore what a prune or delete deleted
//	ghpkg prune     [PACKAGE|GLOB...] [policy] plan a cleanup; carry it out with --yes
//	ghpkg scopes    [--for COMMAND]            the token's scopes against what commands need
//
// The owner is --org NAME, --user NAME, --owner NAME (looked up), or by
// default the token's own account. The token comes from GITHUB_TOKEN or
// GH_TOKEN, or --token-file FILE ("-" for stdin), and is never printed.
// --base-url points at GitHub Enterprise Server (https://HOST/api/v3/).
//
// prune's policy flags: --older-than 30d (or --all-ages), --keep N,
// --untagged-only (default) / --tagged-only / --any-tags, --include and
// --exclude tag patterns (globs, or re:REGEXP), --keep-tag, --keep-name,
// --keep-id, --max-delete N, --delete-package-when-empty. Without --yes it
// is a dry run. Untagged container versions that a kept multi-arch image or
// signature references are kept (the registry is asked; --registry sets its
// host).
//
// Output is an aligned table, or with --json one JSON object whose schema
// "ghpkg/v1" 'ghpkg help json' documents. In GitHub Actions
// (GITHUB_STEP_SUMMARY set) delete, restore and prune append a Markdown
// table to the step summary. Waits for rate limits and retries are reported
// on stderr, and so is progress.
//
// Exit codes: 0 success, including a prune stopped by the rate limit (rerun
// to resume); 1 some operations failed; 2 usage, authentication or scope
// error.
//
// Example, in a scheduled workflow:
//
//	GITHUB_TOKEN=... ghpkg prune --org my-org --older-than 30d --keep 10 --yes 'my-image'
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/ghpackages/ghpackages-go/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fi, err := os.Stderr.Stat()
	terminal := err == nil && fi.Mode()&os.ModeCharDevice != 0
	code := cli.Run(ctx, os.Args[1:], cli.Env{Getenv: os.Getenv, Stdout: os.Stdout, Stderr: os.Stderr, Stdin: os.Stdin, StderrIsTerminal: terminal})
	stop()
	os.Exit(code)
}
