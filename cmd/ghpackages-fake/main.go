// Command ghpackages-fake serves the in-memory fake GitHub Packages API of
// package ghpackagestest over HTTP, with an OCI container registry beside
// it on the same host and port, so tools in any language can be tested
// against it:
//
//	ghpackages-fake -addr 127.0.0.1:8080 -seed demo \
//	    -token ghp_ci=read:packages,delete:packages \
//	    -token github_pat_ro=fine-grained \
//	    -token ghs_workflow=actions:octo-org/app:admin \
//	    -request-log requests.jsonl
//
// Flags:
//
//	-addr HOST:PORT        where to listen (default 127.0.0.1:0, a free port)
//	-seed demo|FILE        data to start with: the demo set, or a JSON seed
//	                       file (see ghpackagestest.SeedFile); repeatable
//	-token NAME=SPEC       accept the token NAME: classic scopes
//	                       (read:packages,repo), fine-grained, or
//	                       actions:OWNER/REPO[:admin]; "@LOGIN" at the end
//	                       names its user; repeatable
//	-registry=false        serve no container registry
//	-registry-latency D    answer every registry request after D (e.g.
//	                       20ms, ghcr.io's distance from a hosted runner)
//	-registry-limit N/min  answer 429 TOOMANYREQUESTS with Retry-After past
//	                       N manifest requests a minute, as ghcr.io does
//	                       past about 44000/min
//	-api-prefix /api/v3    serve the REST API under a prefix (GitHub
//	                       Enterprise Server's shape)
//	-primary-limit N       requests per token per window (default 5000)
//	-primary-window D      the primary budget's window (default 1h)
//	-primary-status 403|429
//	-secondary-points N    secondary limit: points per minute (GET 1, others 5)
//	-secondary-status 403|429
//	-max-concurrent N      requests in flight at once before refusals
//	-fault SPEC            inject a fault (see parseFaultSpec);
//	                       repeatable
//	-now TIME              a frozen clock at this RFC 3339 time
//	-clock-offset D        a clock that runs, moved by D (e.g. -720h)
//	-request-log FILE      append one JSON line per request ("-": stderr)
//	-tls                   serve HTTPS with a self-signed certificate for
//	                       127.0.0.1, ::1 and localhost
//	-tls-host HOST         also make it valid for HOST and containers.HOST
//	                       (implies -tls); repeatable
//	-tls-cert-file FILE    write the certificate (PEM) for clients to trust
//	-url-file FILE         write the base URL to FILE once serving
//	-first-id N            number owners, packages and versions from N
//	-npm-last-version-deletes-package
//	                       deleting an npm package's last version deletes
//	                       the package (instead of answering 400)
//	-version               print the version, VCS revision and commit date,
//	                       and exit
//
// It prints its base URL, the registry host, and the tokens it accepts, and
// stops cleanly on SIGINT or SIGTERM. A malformed seed file or flag stops
// it at start with exit status 2 and one line on stderr naming the flag
// (and pointing at -h); -h prints the flags on stdout and exits 0.
//
// The guide to the fake, with a CI job that starts it, is
// https://github.com/ghpackages/ghpackages-go/blob/main/docs/fake.md.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ghpackages/ghpackages-go/cmd/internal/buildinfo"
	"github.com/ghpackages/ghpackages-go/cmd/internal/editdistance"
	"github.com/ghpackages/ghpackages-go/ghcrtest"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
)

// A release build stamps these with -ldflags "-X main.version=v1.2.3
// -X main.commit=SHA -X main.date=RFC3339" (.goreleaser.yaml); a go build
// or go install leaves them empty, and -version reports what the Go
// toolchain recorded instead.
var (
	version string
	commit  string
	date    string
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, nil); err != nil {
		fmt.Fprintln(os.Stderr, "ghpackages-fake:", err)
		os.Exit(2)
	}
}

// usageError is a mistake on the command line: its message names the
// flag, and says where the flags are listed.
type usageError struct{ msg string }

// Error returns the message and the pointer at -h, on one line.
func (e usageError) Error() string { return e.msg + " (run 'ghpackages-fake -h' for the flags)" }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// flagError rewrites an error of the flag package as one line naming the
// flag, with the closest known flag for a misspelt one.
func flagError(fs *flag.FlagSet, err error) error {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		best, bestDist := "", 3
		fs.VisitAll(func(f *flag.Flag) {
			if d := editdistance.Levenshtein(strings.TrimLeft(name, "-"), f.Name); d < bestDist {
				best, bestDist = f.Name, d
			}
		})
		msg = "unknown flag -" + name
		if best != "" {
			msg += fmt.Sprintf("; did you mean -%s?", best)
		}
	}
	return usageError{msg}
}

// tokenFlag is one -token NAME=SPEC.
type tokenFlag struct {
	name  string
	spec  string
	token ghpackagestest.TokenSpec
}

// tokenFlags collects repeated -token flags, in order.
type tokenFlags []tokenFlag

// String renders the tokens for flag defaults.
func (t *tokenFlags) String() string { return fmt.Sprint(len(*t), " tokens") }

// Set adds one NAME=SPEC token.
func (t *tokenFlags) Set(v string) error {
	name, spec, ok := strings.Cut(v, "=")
	if !ok || name == "" {
		return errors.New("want NAME=SPEC (NAME=read:packages,repo, NAME=fine-grained or NAME=actions:OWNER/REPO[:admin])")
	}
	tok, err := parseTokenSpec(spec)
	if err != nil {
		return err
	}
	tok.Name = name
	*t = append(*t, tokenFlag{name: name, spec: spec, token: tok})
	return nil
}

// listFlag collects a repeatable string flag.
type listFlag []string

// String renders the values.
func (l *listFlag) String() string { return strings.Join(*l, " ") }

// Set adds a value.
func (l *listFlag) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// lockedWriter serializes writes to the request log.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

// Write writes p at once.
func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// run serves until ctx ends. ready, if not nil, receives the base URL. -h
// prints the flags on out and returns nil; a flag error is returned as a
// usageError, without the usage text.
func run(ctx context.Context, args []string, out io.Writer, ready chan<- string) error {
	fs := flag.NewFlagSet("ghpackages-fake", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	addr := fs.String("addr", "127.0.0.1:0", "address to listen on")
	var seeds, faults listFlag
	fs.Var(&seeds, "seed", `data to start with: "demo", or a JSON seed file; repeatable`)
	var tokens tokenFlags
	fs.Var(&tokens, "token", "accept token NAME: NAME=scope,scope (classic), NAME=fine-grained, or NAME=actions:OWNER/REPO[:admin]; end with @LOGIN to name its user; repeatable")
	withRegistry := fs.Bool("registry", true, "serve an OCI container registry at /v2/ on the same host and port")
	regLatency := fs.Duration("registry-latency", 0, "answer every registry request after this long (e.g. 20ms)")
	listingLag := fs.Duration("listing-lag", 0, "show a registry push in the REST version listing (its new version, the tags it moved) only this long after it, on the server's clock (e.g. 30s)")
	regLimit := fs.String("registry-limit", "", "answer 429 TOOMANYREQUESTS past N manifest requests a minute, written N/min (e.g. 44000/min)")
	prefix := fs.String("api-prefix", "", `serve the REST API under this prefix, e.g. "/api/v3" as GitHub Enterprise Server`)
	primary := fs.Int("primary-limit", 5000, "primary rate limit: requests per token per window")
	window := fs.Duration("primary-window", time.Hour, "primary rate limit window")
	primaryStatus := fs.Int("primary-status", 403, "status of primary-limit refusals (403 or 429)")
	points := fs.Int("secondary-points", 0, "secondary rate limit: points per minute, GET 1, others 5 (0: off)")
	secondaryStatus := fs.Int("secondary-status", 403, "status of secondary-limit refusals (403 or 429)")
	maxConc := fs.Int("max-concurrent", 0, "requests in flight at once before secondary-limit refusals (0: no limit)")
	fs.Var(&faults, "fault", "inject a fault: status=N|drop|truncate|delay=D (after: status or drop once the request is carried out) with count=N, method=M, path=PATTERN, prefix=P; repeatable")
	now := fs.String("now", "", "freeze the clock at this RFC 3339 time")
	offset := fs.Duration("clock-offset", 0, "run the clock this far from the wall clock (e.g. -720h)")
	logPath := fs.String("request-log", "", `append one JSON line per request to this file ("-": stderr)`)
	urlFile := fs.String("url-file", "", "write the base URL to this file once serving")
	firstID := fs.Int64("first-id", 0, "number owners, packages and versions from this ID (default 1260000001)")
	npmLastDeletes := fs.Bool("npm-last-version-deletes-package", false, "deleting an npm package's last version deletes the package instead of answering 400")
	useTLS := fs.Bool("tls", false, "serve HTTPS with a self-signed certificate for 127.0.0.1, ::1 and localhost")
	var tlsHosts listFlag
	fs.Var(&tlsHosts, "tls-host", "also make the certificate valid for HOST and containers.HOST (implies -tls); repeatable")
	certFile := fs.String("tls-cert-file", "", "write the certificate (PEM) to this file, for clients to trust")
	showVersion := fs.Bool("version", false, "print the version, VCS revision and commit date, and exit")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(out, "Usage: ghpackages-fake [flags]\n\nServes the fake GitHub Packages API and a container registry on one port.\n\nFlags:")
			fs.SetOutput(out)
			fs.PrintDefaults()
			return nil
		}
		return flagError(fs, err)
	}
	if *showVersion {
		_, err := fmt.Fprintln(out, buildinfo.Resolve(version, commit, date).Line("ghpackages-fake"))
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q: ghpackages-fake takes only flags", fs.Arg(0))
	}
	for _, st := range []struct {
		flag   string
		status int
	}{{"-primary-status", *primaryStatus}, {"-secondary-status", *secondaryStatus}} {
		if st.status != 403 && st.status != 429 {
			return usagef("%s %d: want 403 or 429", st.flag, st.status)
		}
	}
	opts := []ghpackagestest.Option{
		ghpackagestest.WithPrimaryLimit(*primary, *primaryStatus), ghpackagestest.WithPrimaryWindow(*window),
		ghpackagestest.WithSecondaryStatus(*secondaryStatus),
	}
	if *points > 0 {
		opts = append(opts, ghpackagestest.WithSecondaryLimit(*points))
	}
	if *maxConc > 0 {
		opts = append(opts, ghpackagestest.WithMaxConcurrent(*maxConc))
	}
	if *regLatency < 0 {
		return usagef("-registry-latency %s: want a duration of 0 or more, e.g. 20ms", *regLatency)
	}
	if (*regLatency > 0 || *regLimit != "") && !*withRegistry {
		return usagef("-registry-latency and -registry-limit need the registry: drop -registry=false")
	}
	if *regLatency > 0 {
		opts = append(opts, ghpackagestest.WithRegistryLatency(*regLatency))
	}
	if *listingLag < 0 {
		return usagef("-listing-lag %s: want a duration of 0 or more, e.g. 30s", *listingLag)
	}
	if *listingLag > 0 {
		opts = append(opts, ghpackagestest.WithListingLag(*listingLag))
	}
	if *regLimit != "" {
		n, err := parseRegistryLimit(*regLimit)
		if err != nil {
			return usagef("-registry-limit: %v", err)
		}
		opts = append(opts, ghpackagestest.WithRegistryLimit(n))
	}
	if *withRegistry {
		opts = append(opts, ghcrtest.WithRegistry())
	}
	if *prefix != "" {
		opts = append(opts, ghpackagestest.WithAPIPrefix(*prefix))
	}
	if *firstID > 0 {
		opts = append(opts, ghpackagestest.WithFirstID(*firstID))
	}
	if *npmLastDeletes {
		opts = append(opts, ghpackagestest.WithNPMLastVersionDeletesPackage())
	}
	if *useTLS || len(tlsHosts) > 0 {
		opts = append(opts, ghpackagestest.WithTLS(tlsHosts...))
	} else if *certFile != "" {
		return usagef("-tls-cert-file needs -tls or -tls-host")
	}
	switch {
	case *now != "" && *offset != 0:
		return usagef("-now and -clock-offset exclude each other: give one")
	case *now != "":
		t, err := time.Parse(time.RFC3339, *now)
		if err != nil {
			return usagef("-now %q: want an RFC 3339 time such as 2026-06-01T12:00:00Z", *now)
		}
		opts = append(opts, ghpackagestest.WithClock(ghpackagestest.NewFakeClock(t)))
	case *offset != 0:
		opts = append(opts, ghpackagestest.WithClock(ghpackagestest.OffsetClock(*offset)))
	}
	for _, spec := range faults {
		f, err := parseFaultSpec(spec)
		if err != nil {
			return usagef("-fault %s: %v", spec, err)
		}
		opts = append(opts, ghpackagestest.WithFault(f))
	}
	for _, seed := range seeds {
		if seed == "demo" {
			opts = append(opts, ghpackagestest.WithDemo())
			continue
		}
		f, err := ghpackagestest.ReadSeedFile(seed)
		if err != nil {
			return fmt.Errorf("-seed: %w", err)
		}
		opts = append(opts, ghpackagestest.WithSeed(f))
	}
	for _, t := range tokens {
		opts = append(opts, ghpackagestest.WithTokenSpec(t.name, t.token))
	}
	if *logPath != "" {
		var w io.Writer = os.Stderr
		if *logPath != "-" {
			f, err := os.OpenFile(*logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
			if err != nil {
				return err
			}
			defer f.Close()
			w = f
		}
		opts = append(opts, ghpackagestest.WithRequestLog(&lockedWriter{w: w}))
	}
	fake, err := newServer(opts)
	if err != nil {
		return err
	}
	defer fake.Close()

	// The fake's own listener is loopback on a random port; put a server on
	// the requested address in front of it.
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: fake.Handler(), ReadHeaderTimeout: 10 * time.Second}
	host := ln.Addr().String()
	scheme := "http"
	if cfg := fake.TLSConfig(); cfg != nil {
		ln, scheme = tls.NewListener(ln, cfg), "https"
		if *certFile != "" {
			if err := os.WriteFile(*certFile, fake.CertificatePEM(), 0o644); err != nil {
				ln.Close()
				return err
			}
		}
	}
	base := scheme + "://" + host + "/"
	if p := strings.Trim(*prefix, "/"); p != "" {
		base += p + "/"
	}
	fmt.Fprintf(out, "ghpackages-fake serving the GitHub Packages API at %s\n", base)
	if *withRegistry {
		fmt.Fprintf(out, "  container registry at %s (same host and port: ghpkg finds it for a loopback --base-url; otherwise pass --registry %s)\n", host, host)
		fmt.Fprintf(out, "  requests with a Host header starting \"containers.\" go to the registry too (GitHub Enterprise Server's containers.HOST)\n")
	}
	for _, h := range tlsHosts {
		fmt.Fprintf(out, "  TLS certificate also valid for %s and containers.%s\n", h, h)
	}
	fmt.Fprintf(out, "  token %s (scopes: all) for user %s\n", ghpackagestest.DefaultToken, ghpackagestest.DefaultLogin)
	for _, t := range tokens {
		fmt.Fprintf(out, "  token %s (%s)\n", t.name, describe(t))
	}
	if *urlFile != "" {
		if err := os.WriteFile(*urlFile, []byte(base+"\n"), 0o644); err != nil {
			ln.Close()
			return err
		}
	}
	if ready != nil {
		ready <- base
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

// newServer starts the fake, turning a seed conflict's panic into an error.
func newServer(opts []ghpackagestest.Option) (s *ghpackagestest.Server, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return ghpackagestest.NewServer(opts...), nil
}

// describe says what kind of token t is, for the banner.
func describe(t tokenFlag) string {
	switch {
	case t.token.FineGrained:
		return "fine-grained"
	case t.token.Repository != "":
		admin := ""
		if t.token.Admin {
			admin = ", admin"
		}
		return "Actions workflow token of " + t.token.Repository + admin
	}
	return fmt.Sprintf("scopes: %v", t.token.Scopes)
}
