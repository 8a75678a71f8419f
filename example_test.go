package ghpackages_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
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

// installationTransport stands for a GitHub App installation transport,
// such as the one github.com/bradleyfalzon/ghinstallation builds from an App
// ID, an installation ID and a private key: an http.RoundTripper that adds
// a fresh installation token to each request.
type installationTransport struct {
	base  http.RoundTripper
	token func() (string, error) // mints or refreshes the installation token
}

func (t *installationTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	tok, err := t.token()
	if err != nil {
		return nil, err
	}
	r = r.Clone(r.Context()) // a RoundTripper must not modify the request it is given
	r.Header.Set("Authorization", "token "+tok)
	return t.base.RoundTrip(r)
}

// Any *http.Client works: here one whose transport authenticates as a GitHub
// App installation. No token option is given; the transport authenticates
// every request, and the Client adds its headers, retries and pacing.
func ExampleWithHTTPClient() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, _, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		fmt.Println(r.Method, r.RequestURI, "authorized with:", scheme)
		fmt.Fprint(w, `[{"id":197,"name":"team/app","package_type":"container"}]`)
	}))
	defer srv.Close()

	hc := &http.Client{Transport: &installationTransport{
		base:  srv.Client().Transport,
		token: func() (string, error) { return "ghs_installation", nil },
	}}
	client, err := ghpackages.NewClient(
		ghpackages.WithBaseURL(srv.URL), // omit for api.github.com
		ghpackages.WithHTTPClient(hc),
	)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	pkgs, _, err := client.Orgs.List(context.Background(), "octo-org", ghpackages.Container, nil)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(len(pkgs), "package:", pkgs[0].Name)
	// Output:
	// GET /orgs/octo-org/packages?package_type=container authorized with: token
	// 1 package: team/app
}

// NewRequest and Do reach any endpoint with the Client's headers, retries
// and error mapping. As in go-github, NewRequest's last argument is a JSON
// body; query parameters go in the URL, through AddQuery.
func ExampleClient_NewRequest() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println(r.Method, r.RequestURI)
		fmt.Fprint(w, `{"total_count":1}`)
	}))
	defer srv.Close()
	client := newClient(srv)
	ctx := context.Background()

	path, err := ghpackages.AddQuery("orgs/octo-org/packages", struct {
		PackageType string `url:"package_type"`
		PerPage     int    `url:"per_page,omitempty"`
	}{"container", 100})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	req, err := client.NewRequest(ctx, http.MethodGet, path, nil)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	var out struct {
		TotalCount int `json:"total_count"`
	}
	if _, err := client.Do(req, &out); err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(out.TotalCount)

	// Options passed as a body are refused, not sent as something else.
	_, err = client.NewRequest(ctx, http.MethodGet, "orgs/octo-org/packages", &ghpackages.PackageListOptions{PerPage: 100})
	fmt.Println(errors.Is(err, ghpackages.ErrInvalidArgument))
	// Output:
	// GET /orgs/octo-org/packages?package_type=container&per_page=100
	// 1
	// true
}

// Example_whereToStart is the package doc's "Where to start": list a
// package's versions, then delete the untagged ones, telling GitHub's
// refusal to delete the last version from a failure. (Compiled, not run: it
// calls api.github.com.)
func Example_whereToStart() {
	ctx := context.Background()
	client, err := ghpackages.NewClient(ghpackages.WithToken(os.Getenv("GITHUB_TOKEN")))
	if err != nil {
		log.Fatal(err)
	}
	opts := &ghpackages.PackageVersionListOptions{PerPage: 100}
	versions, err := ghpackages.Collect(client.Orgs.AllVersions(ctx, "octo-org", ghpackages.Container, "team/app", opts))
	if err != nil {
		log.Fatal(err)
	}
	for _, v := range versions {
		if len(v.Tags()) > 0 {
			continue // keep tagged images
		}
		_, err := client.Orgs.DeleteVersion(ctx, "octo-org", ghpackages.Container, "team/app", v.ID)
		switch {
		case errors.Is(err, ghpackages.ErrLastVersion):
			fmt.Println("kept", v.Name, "(GitHub keeps the last version)")
		case err != nil:
			log.Fatal(err)
		default:
			fmt.Println("deleted", v.Name)
		}
	}
}
