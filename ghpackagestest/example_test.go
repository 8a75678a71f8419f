package ghpackagestest_test

import (
	"context"
	"fmt"
	"time"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
)

// deleteUntagged is the code under test: it deletes an org's untagged
// container versions older than maxAge, gathering them all before deleting.
func deleteUntagged(ctx context.Context, client *ghpackages.Client, org, name string, now time.Time, maxAge time.Duration) (int, error) {
	versions, err := ghpackages.Collect(client.Orgs.AllVersions(ctx, org, ghpackages.Container, name, nil))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, v := range versions {
		if len(v.Tags()) == 0 && now.Sub(v.CreatedAt) > maxAge {
			if _, err := client.Orgs.DeleteVersion(ctx, org, ghpackages.Container, name, v.ID); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// A test of a program's own cleanup code: seed the fake, run the code with
// the fake's client, then check the fake's state. In a _test.go file this is
// the body of a func TestXxx(t *testing.T), with t.Error instead of Println.
func ExampleNewServer() {
	clock := ghpackagestest.NewFakeClock(time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC))
	srv := ghpackagestest.NewServer(ghpackagestest.WithClock(clock))
	defer srv.Close()
	srv.AddOrg("acme")
	srv.AddPackage(ghpackagestest.PackageSpec{Owner: "acme", Type: ghpackages.Container, Name: "team/app"})
	old := srv.AddVersion("acme", ghpackages.Container, "team/app", ghpackagestest.VersionSpec{
		Name: ghpackagestest.Digest("old build"), CreatedAt: clock.Now().AddDate(0, 0, -90)})
	srv.AddVersion("acme", ghpackages.Container, "team/app", ghpackagestest.VersionSpec{
		Name: ghpackagestest.Digest("new build"), CreatedAt: clock.Now().AddDate(0, 0, -1)})
	srv.AddVersion("acme", ghpackages.Container, "team/app", ghpackagestest.VersionSpec{
		Name: ghpackagestest.Digest("release"), Tags: []string{"v1", "latest"}, CreatedAt: clock.Now().AddDate(0, 0, -120)})

	// srv.Client() is a *ghpackages.Client for the fake, on its clock.
	n, err := deleteUntagged(context.Background(), srv.Client(), "acme", "team/app", clock.Now(), 30*24*time.Hour)
	fmt.Println("deleted:", n, err)

	for _, v := range srv.Versions("acme", ghpackages.Container, "team/app") {
		fmt.Println(v.ID == old, v.Tags, v.DeletedAt != nil)
	}
	fmt.Println("deletes the server saw:", srv.Stats().Deletes)
	// Output:
	// deleted: 1 <nil>
	// true [] true
	// false [] false
	// false [v1 latest] false
	// deletes the server saw: 1
}
