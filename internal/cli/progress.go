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

// pageRead counts a GET answered, for the planning phase.
func (a *app) pageRead() {
	a.mu.Lock()
	p := a.cur
	a.mu.Unlock()
	if p != nil && p.total == 0 {
		p.step(false)
	}
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
// 37 pages read".
func (p *progress) line() string {
	if p.total == 0 {
		return fmt.Sprintf("%s: %d pages read", p.verb, p.done)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d/%d", p.verb, p.done, p.total)
	if p.failed > 0 {
		fmt.Fprintf(&b, " (%d failed)", p.failed)
	}
	return b.String()
}

// endProgress ends the current phase.
func (a *app) endProgress() {
	a.progressBreak()
	a.mu.Lock()
	a.cur = nil
	a.mu.Unlock()
}

// progressBreak ends an unfinished live progress line before other output
// goes to stderr.
func (a *app) progressBreak() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.lineOpen {
		fmt.Fprintln(a.env.Stderr)
		a.lineOpen = false
	}
}
