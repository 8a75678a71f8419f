package cli_test

import (
	"strconv"
	"testing"
	"time"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
)

// BenchmarkPrunePace deletes 300 versions with ghpkg prune against the
// fake's model of GitHub's secondary limit (900 points a minute, a DELETE
// costing 5), on the fake clock, and reports the deletes per minute of
// fake time and the limit responses for each --pace:
//
//	go test ./cmd/internal/cli -run '^$' -bench PrunePace
//
// guidance gives 60/min with no limit response. budget sends up to 180
// deletes in a burst per 61-second window, so 300 deletes finish in about
// one window plus the burst (≈295/min measured end to end); the fake counts
// the planning GETs in the same server-wide budget while the client's
// pacing counts reads and mutations apart (GitHub budgets per endpoint), so
// one limit response is answered and waited out.
func BenchmarkPrunePace(b *testing.B) {
	const n = 300
	for _, pace := range []string{"guidance", "budget"} {
		b.Run(pace, func(b *testing.B) {
			var perMin float64
			var limited int
			for range b.N {
				h := newHarness(b, ghpackagestest.WithSecondaryLimit(900))
				h.paced = true
				h.srv.AddPackage(ghpackagestest.PackageSpec{Owner: "octo-org", Type: ghpackages.NPM, Name: "bulk"})
				for i := range n + 1 {
					h.srv.AddVersion("octo-org", ghpackages.NPM, "bulk", ghpackagestest.VersionSpec{
						Name: "1.0." + strconv.Itoa(i), CreatedAt: start.Add(-time.Duration(400-i) * time.Hour)})
				}
				before := h.clock.Now()
				code, _, errOut := h.run(b, "prune", "bulk", "--org", "octo-org", "--type", "npm", "--older-than", "1h", "--yes", "--pace", pace)
				if code != 0 {
					b.Fatalf("exit %d: %s", code, errOut)
				}
				st := h.srv.Stats()
				if st.Deletes != n {
					b.Fatalf("deleted %d, want %d", st.Deletes, n)
				}
				perMin = float64(st.Deletes) / h.clock.Now().Sub(before).Minutes()
				limited = st.SecondaryLimited + st.PrimaryLimited
			}
			b.ReportMetric(perMin, "deletes/min")
			b.ReportMetric(float64(limited), "limit-responses")
		})
	}
}
