package ghpackages_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	ghpackages "github.com/ghpackages/ghpackages-go"
)

// newClient returns a client for the example's test server. A program
// would call ghpackages.NewClient(ghpackages.WithToken(token)) instead.
func newClient(srv *httptest.Server) *ghpackages.Client {
	client, err := ghpackages.NewClient(ghpackages.WithBaseURL(srv.URL), ghpackages.WithHTTPClient(srv.Client()), ghpackages.WithToken("ghp_example"))
	if err != nil {
		panic(err)
	}
	return client
}

func ExampleOrgsService_Get() {
	// A stand-in for api.github.com.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println(r.Method, r.RequestURI) // the "/" in the name is sent as %2F
		fmt.Fprint(w, `{"id":197,"name":"team/app","package_type":"container","visibility":"private","version_count":3}`)
	}))
	defer srv.Close()
	client := newClient(srv)

	pkg, _, err := client.Orgs.Get(context.Background(), "octo-org", ghpackages.Container, "team/app")
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(pkg.Name, pkg.PackageType, pkg.Visibility, pkg.VersionCount, "versions")
	// Output:
	// GET /orgs/octo-org/packages/container/team%2Fapp
	// team/app container private 3 versions
}

func ExampleOrgsService_AllVersions() {
	// Two pages, linked as GitHub links them.
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page") == "" {
			w.Header().Set("Link", `<`+srv.URL+r.URL.Path+`?page=2>; rel="next"`)
			fmt.Fprint(w, `[{"id":3,"metadata":{"container":{"tags":["v2","latest"]}}},{"id":2,"metadata":{"container":{"tags":[]}}}]`)
			return
		}
		fmt.Fprint(w, `[{"id":1,"metadata":{"container":{"tags":["v1"]}}}]`)
	}))
	defer srv.Close()
	client := newClient(srv)

	// Pages are fetched as the loop needs them; break stops fetching.
	for v, err := range client.Orgs.AllVersions(context.Background(), "octo-org", ghpackages.Container, "team/app", nil) {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		tags := strings.Join(v.Tags(), ",")
		if tags == "" {
			tags = "(untagged)"
		}
		fmt.Println(v.ID, tags)
	}
	// Output:
	// 3 v2,latest
	// 2 (untagged)
	// 1 v1
}

func ExampleOrgsService_DeleteVersion() {
	// GitHub refuses to delete the last tagged version of a container.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"message":"You cannot delete the last tagged version of a package. You must delete the package instead."}`)
	}))
	defer srv.Close()
	client := newClient(srv)

	_, err := client.Orgs.DeleteVersion(context.Background(), "octo-org", ghpackages.Container, "team/app", 1260000001)
	switch {
	case errors.Is(err, ghpackages.ErrLastVersion):
		fmt.Println("kept: the last version (delete the package instead)")
	case errors.Is(err, ghpackages.ErrNotFound):
		fmt.Println("already gone, or the token may not delete it")
	case err != nil:
		fmt.Println("error:", err)
	default:
		fmt.Println("deleted")
	}
	// Output: kept: the last version (delete the package instead)
}
