// Command ghpackages-fake serves the in-memory fake GitHub Packages API of
// package ghpackagestest over HTTP, so tools in any language can be tested
// against it.
//
//	ghpackages-fake -addr 127.0.0.1:8080 -seed demo -token ghp_ci=read:packages,delete:packages -token github_pat_ro=fine-grained
//
// It prints its base URL and the tokens it accepts, and stops cleanly on
// SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, nil); err != nil {
		fmt.Fprintln(os.Stderr, "ghpackages-fake:", err)
		os.Exit(2)
	}
}

// tokenFlags collects repeated -token NAME=scope,scope flags.
type tokenFlags map[string][]ghpackages.Scope

// String renders the tokens for flag defaults.
func (t tokenFlags) String() string { return fmt.Sprint(map[string][]ghpackages.Scope(t)) }

// Set adds one NAME=scope,scope token.
func (t tokenFlags) Set(v string) error {
	name, scopes, ok := strings.Cut(v, "=")
	if !ok || name == "" {
		return errors.New("want NAME=scope,scope")
	}
	t[name] = ghpackages.ParseScopes(scopes)
	return nil
}

// names returns the token names in order, so the banner is stable.
func (t tokenFlags) names() []string { return slices.Sorted(maps.Keys(t)) }

// token is the fake's configuration of a -token flag: its classic scopes,
// or a fine-grained token for the single pseudo-scope "fine-grained".
func (t tokenFlags) token(name string) ghpackagestest.Token {
	if sc := t[name]; len(sc) == 1 && sc[0] == "fine-grained" {
		return ghpackagestest.Token{FineGrained: true}
	}
	return ghpackagestest.Token{Scopes: t[name]}
}

// run serves until ctx ends. ready, if not nil, receives the base URL.
func run(ctx context.Context, args []string, out io.Writer, ready chan<- string) error {
	fs := flag.NewFlagSet("ghpackages-fake", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "address to listen on")
	seed := fs.String("seed", "", `data to start with: "demo", or empty for none`)
	tokens := tokenFlags{}
	fs.Var(tokens, "token", `accept token NAME with the given classic scopes (NAME=scope,scope), or a fine-grained token (NAME=fine-grained); repeatable`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	var opts []ghpackagestest.Option
	switch *seed {
	case "":
	case "demo":
		opts = append(opts, ghpackagestest.WithDemo())
	default:
		return fmt.Errorf("unknown -seed %q (want demo)", *seed)
	}
	for _, name := range tokens.names() {
		opts = append(opts, ghpackagestest.WithToken(name, tokens.token(name)))
	}
	fake := ghpackagestest.NewServer(opts...)
	defer fake.Close()

	// The fake's own listener is loopback on a random port; put a server on
	// the requested address in front of it.
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: fake.Handler(), ReadHeaderTimeout: 10 * time.Second}
	url := "http://" + ln.Addr().String()
	fmt.Fprintf(out, "ghpackages-fake serving the GitHub Packages API at %s/\n", url)
	fmt.Fprintf(out, "  token %s (scopes: all) for user %s\n", ghpackagestest.DefaultToken, ghpackagestest.DefaultLogin)
	for _, name := range tokens.names() {
		if tokens.token(name).FineGrained {
			fmt.Fprintf(out, "  token %s (fine-grained)\n", name)
			continue
		}
		fmt.Fprintf(out, "  token %s (scopes: %v)\n", name, tokens[name])
	}
	if ready != nil {
		ready <- url
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	fmt.Fprintln(out, "ghpackages-fake: shutting down")
	return srv.Shutdown(shutdown)
}
