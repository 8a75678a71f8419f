package ghpackages

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestSystemClock checks the wall clock that Clients, ghpackagestest's
// server and retention default to: Sleep ends early with the context and
// returns its error, and never waits for a non-positive duration.
func TestSystemClock(t *testing.T) {
	t.Parallel()
	c := SystemClock()
	assert.Equal(t, c, SystemClock(), "comparable: code checks whether it was given the default")
	assert.WithinDuration(t, time.Now(), c.Now(), time.Minute)

	canceled, cancel := context.WithCancel(t.Context())
	cancel()
	assert.ErrorIs(t, c.Sleep(canceled, time.Hour), context.Canceled, "a canceled context ends an hour's sleep at once")
	assert.ErrorIs(t, c.Sleep(canceled, 0), context.Canceled)
	assert.NoError(t, c.Sleep(t.Context(), -time.Second))
	assert.NoError(t, c.Sleep(t.Context(), time.Millisecond))
}
