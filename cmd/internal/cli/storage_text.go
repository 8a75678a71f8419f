package cli

import (
	"fmt"
	"strings"

	"github.com/ghpackages/ghpackages-go/retention"
)

// formatBytes writes n in binary units: "512 B", "3.0 KiB", "1.2 GiB".
func formatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, i := float64(n), -1
	for v >= unit && i < 5 {
		v /= unit
		i++
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGTPE"[i])
}

// storageOf formats s: "frees 1.2 GiB of 3.4 GiB" (verb "frees" or
// "freed"), or that the amount is unknown.
func storageOf(verb string, s retention.Storage) string {
	if !s.Known() {
		return verb + " an unknown amount of storage"
	}
	return fmt.Sprintf("%s %s of %s", verb, formatBytes(*s.FreedBytes), formatBytes(*s.FreedBytes+*s.KeptBytes))
}

// withStorage adds to a prune's summary line what it frees (before "; dry
// run" in a plan, at the end after a run that deleted something).
func withStorage(line string, out runOutput) string {
	st := out.Summary.Storage
	if st == nil || out.Plan == nil || len(out.Plan.Untag) > 0 {
		return line
	}
	if out.Report == nil {
		if before, after, ok := strings.Cut(line, "; dry run"); ok {
			return before + "; " + storageOf("frees", *st) + "; dry run" + after
		}
		return line
	}
	if out.Summary.Deleted == 0 && out.Summary.GoneUnconfirmed == 0 {
		return line
	}
	return line + "; " + storageOf("freed", *st)
}
