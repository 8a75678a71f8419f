package cli

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ghpackages/ghpackages-go/retention"
)

// A run whose final check restored versions shows them: counted in the
// summary's healed (present only then), named in the text line, and
// each a restore-version item with outcome healed in the JSON.
func TestHealedItemsAreCountedAndShown(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 24, 3, 17, 0, 0, time.UTC)
	rep := &retention.Report{OwnerKind: "org", OwnerName: "octo-org", StartedAt: at, FinishedAt: at, Items: []retention.Item{
		{Type: "container", Package: "app", VersionID: 1, Version: "sha256:aa", Step: retention.StepDeleteVersion, Outcome: retention.OutcomeDeleted, At: at},
		{Type: "container", Package: "app", VersionID: 2, Version: "sha256:bb", Step: retention.StepDeleteVersion, Outcome: retention.OutcomeDeleted, At: at},
		{Type: "container", Package: "app", VersionID: 2, Version: "sha256:bb", Tags: []string{"latest"}, Step: retention.StepRestoreVersion,
			Reason: "final check: deleted by this run, needed by tag latest", Outcome: retention.OutcomeHealed, At: at},
	}}
	out := runOutput{Report: reportOf(rep)}
	tally(context.Background(), &out)
	assert.Equal(t, 2, out.Summary.Deleted)
	assert.Equal(t, 1, out.Summary.Healed)
	assert.Equal(t, "2 deleted, 1 healed (restored by the final check)", summaryLine(out))
	raw, err := json.Marshal(out.Summary)
	require.NoError(t, err)
	assert.Contains(t, string(raw), `"healed":1`)
	raw, err = json.Marshal(out.Report.Items[2])
	require.NoError(t, err)
	assert.Contains(t, string(raw), `"action":"restore-version"`)
	assert.Contains(t, string(raw), `"outcome":"healed"`)

	out = runOutput{Report: reportOf(&retention.Report{Items: rep.Items[:2]})}
	tally(context.Background(), &out)
	raw, err = json.Marshal(out.Summary)
	require.NoError(t, err)
	assert.NotContains(t, string(raw), `"healed"`, "absent when nothing was healed")
}
