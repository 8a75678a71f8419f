package cli

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// progressEvery is how often progress lines go to a non-terminal stderr
// (CI logs); a terminal gets a live line instead.
const progressEvery = 5 * time.Second

// progress reports a phase's progress on stderr: planning (pages read) or
// applying (items done of total).
type progress struct {
	a     *app
	verb  string
	total int // 0 while planning: count pages

	mu     sync.Mutex
	done   int
	failed int
	last   time.Time
	// pkgs are the packages whose versions planning has listed.
	pkgs map[string]bool
}

// startProgress begins a phase; total 0 counts pages read.
func (a *app) startProgress(verb string, total int) *progress {
	a.progressBreak()
	p := &progress{a: a, verb: verb, total: total, last: a.env.Now()}
	a.mu.Lock()
	a.cur = p
	a.mu.Unlock()
	return p
}

// pageRead counts a GET answered, for the planning phase; pkg names the
// package whose versions it listed, if it did.
func (a *app) pageRead(pkg string) {
	a.mu.Lock()
	p := a.cur
	a.mu.Unlock()
	if p == nil || p.total != 0 {
		return
	}
	if pkg != "" {
		p.mu.Lock()
		if p.pkgs == nil {
			p.pkgs = map[string]bool{}
		}
		p.pkgs[pkg] = true
		p.mu.Unlock()
	}
	p.step(false)
}

// step records one page or item.
func (p *progress) step(failed bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	if failed {
		p.failed++
	}
	now := p.a.env.Now()
	final := p.total > 0 && p.done == p.total
	if p.a.env.StderrIsTerminal {
		p.a.mu.Lock()
		fmt.Fprintf(p.a.env.Stderr, "\r%s", p.line())
		p.a.lineOpen = !final
		if final {
			fmt.Fprintln(p.a.env.Stderr)
		}
		p.a.mu.Unlock()
		return
	}
	if final || now.Sub(p.last) >= progressEvery {
		p.last = now
		fmt.Fprintln(p.a.env.Stderr, p.line())
	}
}

// line renders the progress: "deleting: 12/40 (1 failed)" or "planning:
// 37 pages read, 3 packages", with ", 2 registry wait(s)" once the
// registry was waited for.
func (p *progress) line() string {
	waits := ""
	if n := p.a.registryWaitCount(); n > 0 {
		waits = fmt.Sprintf(", %d registry wait(s)", n)
	}
	if p.total == 0 {
		return fmt.Sprintf("%s: %d pages read, %d packages%s", p.verb, p.done, len(p.pkgs), waits)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d/%d", p.verb, p.done, p.total)
	if p.failed > 0 {
		fmt.Fprintf(&b, " (%d failed)", p.failed)
	}
	b.WriteString(waits)
	return b.String()
}

// endProgress ends the current phase; in a CI log, planning ends with its
// totals.
func (a *app) endProgress() {
	a.progressBreak()
	a.mu.Lock()
	p := a.cur
	a.cur = nil
	a.mu.Unlock()
	if p != nil && p.total == 0 && !a.env.StderrIsTerminal {
		p.mu.Lock()
		if p.done > 0 {
			fmt.Fprintln(a.env.Stderr, p.line())
		}
		p.mu.Unlock()
	}
}

// progressBreak ends an unfinished live progress line before other output
// goes to stderr.
func (a *app) progressBreak() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.breakLocked()
}

// breakLocked ends a live progress line; a.mu is held.
func (a *app) breakLocked() {
	if a.lineOpen {
		fmt.Fprintln(a.env.Stderr)
		a.lineOpen = false
	}
}

// note prints line on stderr, on a line of its own after any live progress
// line. Registry lookups run concurrently and report their waits through
// it, so its lines never interleave.
func (a *app) note(line string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.breakLocked()
	fmt.Fprintln(a.env.Stderr, line)
}
