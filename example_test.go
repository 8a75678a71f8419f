package ghpackages_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
)

// exampleServer is a fake GitHub with one container image of three
// versions, on a fixed clock so the output below is stable.
func exampleServer() *ghpackagestest.Server {
	start := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	srv := ghpackagestest.NewServer(ghpackagestest.WithClock(ghpackagestest.NewFakeClock(start)))
	srv.AddPackage(ghpackagestest.PackageSpec{Owner: "octo-org", Type: ghpackages.Container, Name: "team/app",
		Visibility: ghpackages.VisibilityPublic, CreatedAt: start.AddDate(0, -1, 0)})
	for i, tags := range [][]string{{"v1.0.0"}, nil, {"v1.1.0", "latest"}} {
		srv.AddVersion("octo-org", ghpackages.Container, "team/app", ghpackagestest.VersionSpec{
			Name: ghpackagestest.Digest(fmt.Sprint("build ", i)), Tags: tags, CreatedAt: start.AddDate(0, 0, -10+i)})
	}
	return srv
}

func ExampleOrgsService_Get() {
	srv := exampleServer()
	defer srv.Close()
	client := srv.Client() // in a program: ghpackages.NewClient(ghpackages.WithToken(token))

	pkg, _, err := client.Orgs.Get(context.Background(), "octo-org", ghpackages.Container, "team/app")
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(pkg.Name, pkg.PackageType, pkg.Visibility, pkg.VersionCount, "versions")
	// Output: team/app container public 3 versions
}

func ExampleOrgsService_AllVersions() {
	srv := exampleServer()
	defer srv.Close()
	client := srv.Client()

	// Pages are fetched as the loop needs them; break stops fetching.
	opts := &ghpackages.ListVersionsOptions{PerPage: 2}
	for v, err := range client.Orgs.AllVersions(context.Background(), "octo-org", ghpackages.Container, "team/app", opts) {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		tags := strings.Join(v.Tags(), ",")
		if tags == "" {
			tags = "(untagged)"
		}
		fmt.Println(v.CreatedAt.Format("2006-01-02"), tags)
	}
	// Output:
	// 2026-10-24 v1.1.0,latest
	// 2026-10-23 (untagged)
	// 2026-10-22 v1.0.0
}

func ExampleOrgsService_DeleteVersion() {
	srv := exampleServer()
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()

	versions, err := ghpackages.Collect(client.Orgs.AllVersions(ctx, "octo-org", ghpackages.Container, "team/app", nil))
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	// Delete oldest first. GitHub refuses to delete the last tagged version
	// of a container: errors.Is tells that refusal from a failure.
	for i := len(versions) - 1; i >= 0; i-- {
		v := versions[i]
		_, err := client.Orgs.DeleteVersion(ctx, "octo-org", ghpackages.Container, "team/app", v.ID)
		switch {
		case errors.Is(err, ghpackages.ErrLastVersion):
			fmt.Println("kept", v.Tags(), "(the last tagged version)")
		case errors.Is(err, ghpackages.ErrNotFound):
			fmt.Println("already gone")
		case err != nil:
			fmt.Println("error:", err)
			return
		default:
			fmt.Println("deleted", v.Tags())
		}
	}
	// Output:
	// deleted [v1.0.0]
	// deleted []
	// kept [v1.1.0 latest] (the last tagged version)
}
