// Command ghpkg lists, inspects, deletes, restores and prunes GitHub
// Packages from a terminal or a CI job. Run "ghpkg help" for its commands.
//
//	go install github.com/ghpackages/ghpackages-go/cmd/ghpkg@latest
//	GITHUB_TOKEN=... ghpkg prune --org my-org --older-than 30d 'my-image'
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
	code := cli.Run(ctx, os.Args[1:], cli.Env{Getenv: os.Getenv, Stdout: os.Stdout, Stderr: os.Stderr, StderrIsTerminal: terminal})
	stop()
	os.Exit(code)
}
