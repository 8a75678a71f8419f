package ghpackages_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
)

// The examples below run against ghpackagestest, the project's fake GitHub
// Packages server, so their output is real output of the SDK. A program
// points the client at GitHub instead (see ExampleNewClient).

// fakeWithApp starts a fake with octo-org's container "team/app" holding n
// versions, the newest tagged "latest", and returns it with the version IDs,
// oldest first.
func fakeWithApp(n int) (*ghpackagestest.Server, []int64) {
	clock := ghpackagestest.NewFakeClock(time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC))
	srv := ghpackagestest.NewServer(ghpackagestest.WithClock(clock))
	srv.AddOrg("octo-org")
	srv.AddPackage(ghpackagestest.PackageSpec{Owner: "octo-org", Type: ghpackages.Container, Name: "team/app", Visibility: ghpackages.VisibilityPublic})
	ids := make([]int64, n)
	for i := range n {
		spec := ghpackagestest.VersionSpec{Name: ghpackagestest.Digest(fmt.Sprint("build ", i)), CreatedAt: clock.Now().Add(-time.Duration(n-i) * time.Hour)}
		if i == n-1 {
			spec.Tags = []string{"latest"}
		}
		ids[i] = srv.AddVersion("octo-org", ghpackages.Container, "team/app", spec)
	}
	return srv, ids
}

func ExampleNewClient() {
	srv, _ := fakeWithApp(3)
	defer srv.Close()

	// A program talking to GitHub writes:
	//
	//	client, err := ghpackages.NewClient(ghpackages.WithToken(os.Getenv("GITHUB_TOKEN")))
	//
	// Here the client talks to the fake instead.
	client, err := ghpackages.NewClient(
		ghpackages.WithBaseURL(srv.BaseURL()),
		ghpackages.WithHTTPClient(srv.HTTPClient()),
		ghpackages.WithToken(ghpackagestest.DefaultToken),
	)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	pkg, resp, err := client.Orgs.Get(context.Background(), "octo-org", ghpackages.Container, "team/app")
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(pkg.Name, pkg.PackageType, pkg.Visibility, pkg.VersionCount, "versions")
	fmt.Println("token scopes:", resp.TokenScopes)
	// Output:
	// team/app container public 3 versions
	// token scopes: [read:packages write:packages delete:packages repo]
}

func ExampleUserService_AllVersions() {
	srv, _ := fakeWithApp(250)
	defer srv.Close()
	client := srv.Client()

	// 250 versions come in three pages of 100; the iterator fetches each
	// page when the loop reaches it, following GitHub's Link header.
	n, tagged := 0, 0
	opts := &ghpackages.PackageVersionListOptions{PerPage: 100}
	for v, err := range client.Orgs.AllVersions(context.Background(), "octo-org", ghpackages.Container, "team/app", opts) {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		n++
		if len(v.Tags()) > 0 {
			tagged++
			fmt.Println("newest:", v.Tags())
		}
	}
	fmt.Println(n, "versions,", tagged, "tagged,", srv.Stats().Requests, "requests")
	// Output:
	// newest: [latest]
	// 250 versions, 1 tagged, 3 requests
}

// GitHub's named refusals match sentinel errors, so a cleanup tool can tell
// "keep this one" from "something is wrong".
func Example_errors() {
	srv, ids := fakeWithApp(2)
	defer srv.Close()
	client := srv.Client(ghpackages.WithRetry(ghpackages.NoRetry()))
	ctx := context.Background()

	// The only tagged version of a container cannot be deleted.
	_, err := client.Orgs.DeleteVersion(ctx, "octo-org", ghpackages.Container, "team/app", ids[1])
	fmt.Println("last tagged version:", errors.Is(err, ghpackages.ErrLastVersion))

	// An unknown package is a 404 (GitHub also answers 404 for packages the
	// token cannot see).
	_, _, err = client.Orgs.Get(ctx, "octo-org", ghpackages.Container, "no-such-app")
	var apiErr *ghpackages.Error
	if errors.As(err, &apiErr) {
		fmt.Println("not found:", errors.Is(err, ghpackages.ErrNotFound), apiErr.StatusCode, apiErr.Message)
	}

	// Bad input never reaches the server.
	_, err = client.Orgs.DeleteVersion(ctx, "octo-org", ghpackages.Container, "team/app", 0)
	fmt.Println("invalid argument:", errors.Is(err, ghpackages.ErrInvalidArgument))
	// Output:
	// last tagged version: true
	// not found: true 404 Package not found.
	// invalid argument: true
}
