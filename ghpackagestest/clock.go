package ghpackagestest

import (
	"context"
	"sync"
	"time"

	ghpackages "github.com/ghpackages/ghpackages-go"
)

// FakeClock is a settable clock whose Sleep advances it at once. It
// implements ghpackages.Clock, so one FakeClock can drive both the Server
// (WithClock) and a client (ghpackages.WithClock): retries, rate-limit waits
// and pacing then take no real time, and the 30-day restore window can be
// crossed with Advance.
type FakeClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewFakeClock returns a FakeClock reading start.
func NewFakeClock(start time.Time) *FakeClock { return &FakeClock{now: start} }

// Now returns the clock's time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Sleep advances the clock by d, unless ctx is already done.
func (c *FakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d > 0 {
		c.Advance(d)
	}
	return nil
}

// OffsetClock returns a Clock reading the wall clock moved by d (negative
// for the past), for a server that lives at another time but still moves;
// its Sleep takes real time. For a clock that stands still, use
// NewFakeClock.
func OffsetClock(d time.Duration) ghpackages.Clock { return offsetClock{d} }

type offsetClock struct{ d time.Duration }

// Now returns the wall clock plus the offset.
func (c offsetClock) Now() time.Time { return time.Now().Add(c.d) }

// Sleep waits for d in real time, or until ctx is done.
func (offsetClock) Sleep(ctx context.Context, d time.Duration) error {
	return ghpackages.SystemClock().Sleep(ctx, d)
}
