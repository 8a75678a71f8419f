package ghpackages_test

import (
	"testing"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
)

// BenchmarkBulkDelete deletes 1,000 versions on the fake, which enforces
// GitHub's documented secondary budget (900 points a minute, 5 per DELETE),
// with each pacing preset, on a shared fake clock, and reports the rate in
// simulated time (deletes/min), the limit responses the client received
// (goal 0) and the simulated minutes taken:
//
//   - guidance (DefaultPacing(), GitHub's advice: mutations serially, at
//     least a second apart): goal 60 deletes a minute;
//   - budget (BudgetPacing(), the full 900 points a minute): goal at least
//     160 deletes a minute. The budget allows 180 a minute in the long run;
//     1,000 deletes take about 5.1 minutes (about 197 a minute), since the
//     first minute's 180 go at once.
func BenchmarkBulkDelete(b *testing.B) {
	const n = 1000
	for _, preset := range []struct {
		name   string
		pacing ghpackages.Pacing
	}{
		{"pace=guidance", ghpackages.DefaultPacing()},
		{"pace=budget", ghpackages.BudgetPacing()},
	} {
		b.Run(preset.name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				srv, clock, ids := e2eFake(b, "octo-org", n+1, ghpackagestest.WithSecondaryLimit(900))
				c := srv.Client(ghpackages.WithPacing(preset.pacing))
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
				b.ReportMetric(n/elapsed.Minutes(), "deletes/min")
				b.ReportMetric(float64(st.SecondaryLimited+st.PrimaryLimited), "limit-responses")
				b.ReportMetric(elapsed.Minutes(), "simulated-min")
				srv.Close()
				b.StartTimer()
			}
		})
	}
}
