package ghpackages_test

import (
	"testing"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
)

// BenchmarkBulkDeleteBudget deletes 1,000 versions on the fake, which
// enforces GitHub's documented secondary budget (900 points a minute, 5 per
// DELETE), with the client's BudgetPacing(), on a shared fake clock. It reports
// the fraction of the budget achieved (goal ≥ 0.9) and how many limit
// responses the client received (goal 0).
func BenchmarkBulkDeleteBudget(b *testing.B) {
	const n = 1000
	for b.Loop() {
		b.StopTimer()
		srv, clock, ids := e2eFake(b, "octo-org", n+1, ghpackagestest.WithSecondaryLimit(900))
		c := srv.Client(ghpackages.WithPacing(ghpackages.BudgetPacing()))
		start := clock.Now()
		b.StartTimer()
		for _, id := range ids[:n] {
			if _, err := c.Orgs.DeleteVersion(b.Context(), "octo-org", ghpackages.Container, "team/app", id); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		elapsed := clock.Now().Sub(start)
		st := srv.Stats()
		if st.Deletes != n {
			b.Fatalf("deleted %d, want %d", st.Deletes, n)
		}
		// 1,000 deletes cost 5,000 points. Under a 60-second sliding window of
		// 900 points, the fastest possible schedule sends 180 at once every
		// minute, so the last batch goes after floor((5000-1)/900) = 5
		// minutes: the fraction is that over the time taken.
		best := float64((n*5 - 1) / 900)
		b.ReportMetric(best/elapsed.Minutes(), "budget-fraction")
		b.ReportMetric(float64(st.SecondaryLimited+st.PrimaryLimited), "limit-responses")
		b.ReportMetric(elapsed.Minutes(), "simulated-min")
		srv.Close()
		b.StartTimer()
	}
}
