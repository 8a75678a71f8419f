package ghpackages

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRequiredScopes(t *testing.T) {
	t.Parallel()
	const (
		read    = ScopeReadPackages
		write   = ScopeWritePackages
		del     = ScopeDeletePackages
		repo    = ScopeRepo
		unknown = Operation("publish")
	)
	tests := []struct {
		op   Operation
		typ  PackageType
		want []Scope
	}{
		{OperationRead, Container, []Scope{read}},
		{OperationRead, Docker, []Scope{read, repo}},
		{OperationRead, NPM, []Scope{read, repo}},
		{OperationRead, Maven, []Scope{read, repo}},
		{OperationRead, RubyGems, []Scope{read, repo}},
		{OperationRead, NuGet, []Scope{read, repo}},
		{OperationDelete, Container, []Scope{read, del}},
		{OperationDelete, Docker, []Scope{read, del, repo}},
		{OperationDelete, NPM, []Scope{read, del, repo}},
		{OperationDelete, Maven, []Scope{read, del, repo}},
		{OperationDelete, RubyGems, []Scope{read, del, repo}},
		{OperationDelete, NuGet, []Scope{read, del, repo}},
		{OperationRestore, Container, []Scope{read, write}},
		{OperationRestore, Docker, []Scope{read, write, repo}},
		{OperationRestore, NPM, []Scope{read, write, repo}},
		{OperationRestore, Maven, []Scope{read, write, repo}},
		{OperationRestore, RubyGems, []Scope{read, write, repo}},
		{OperationRestore, NuGet, []Scope{read, write, repo}},
		{unknown, Container, nil},
		{"", NPM, nil},
	}
	seen := map[PackageType]int{}
	for _, tc := range tests {
		assert.Equal(t, tc.want, RequiredScopes(tc.op, tc.typ), "%s %s", tc.op, tc.typ)
		if tc.want != nil {
			seen[tc.typ]++
		}
	}
	for _, typ := range PackageTypes() {
		assert.Equal(t, 3, seen[typ], "every operation kind is in the table for %s", typ)
	}
	// The result is the caller's to keep.
	a := RequiredScopes(OperationRead, Container)
	a[0] = "mutated"
	assert.Equal(t, []Scope{read}, RequiredScopes(OperationRead, Container))
}

func TestParseScopes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		header string
		want   []Scope
	}{
		{"", []Scope{}},
		{" ", []Scope{}},
		{",, ,", []Scope{}},
		{"repo", []Scope{"repo"}},
		{"read:packages, delete:packages", []Scope{ScopeReadPackages, ScopeDeletePackages}},
		{" repo,read:packages ,, admin:org", []Scope{"repo", "read:packages", "admin:org"}},
		{"write:packages,\trepo", []Scope{"write:packages", "repo"}},
	}
	for _, tc := range tests {
		got := ParseScopes(tc.header)
		assert.Equal(t, tc.want, got, "%q", tc.header)
		assert.NotNil(t, got, "%q: a present header gives a non-nil slice", tc.header)
	}
}

func TestMissingScopes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		have []Scope
		op   Operation
		typ  PackageType
		want []Scope
	}{
		{"no scopes, read container", nil, OperationRead, Container, []Scope{ScopeReadPackages}},
		{"no scopes, restore npm: all, in order", []Scope{}, OperationRestore, NPM, []Scope{ScopeReadPackages, ScopeWritePackages, ScopeRepo}},
		{"read covers container reads", []Scope{ScopeReadPackages}, OperationRead, Container, nil},
		{"read lacks repo for npm", []Scope{ScopeReadPackages}, OperationRead, NPM, []Scope{ScopeRepo}},
		{"write implies read", []Scope{ScopeWritePackages}, OperationRead, Container, nil},
		{"write implies read for restore", []Scope{ScopeWritePackages, ScopeRepo}, OperationRestore, Maven, nil},
		{"write does not imply delete", []Scope{ScopeReadPackages, ScopeWritePackages}, OperationDelete, Container, []Scope{ScopeDeletePackages}},
		{"delete does not imply read", []Scope{ScopeDeletePackages}, OperationDelete, Container, []Scope{ScopeReadPackages}},
		{"delete with write", []Scope{ScopeWritePackages, ScopeDeletePackages}, OperationDelete, Container, nil},
		{"read does not imply write", []Scope{ScopeReadPackages, ScopeRepo}, OperationRestore, RubyGems, []Scope{ScopeWritePackages}},
		{"unrelated scopes", []Scope{"admin:org", "gist"}, OperationDelete, NuGet, []Scope{ScopeReadPackages, ScopeDeletePackages, ScopeRepo}},
		{"everything", []Scope{ScopeRepo, ScopeDeletePackages, ScopeWritePackages}, OperationDelete, Docker, nil},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, MissingScopes(tc.have, RequiredScopes(tc.op, tc.typ)), tc.name)
	}
	assert.Nil(t, MissingScopes([]Scope{ScopeRepo}, nil))
}

func TestTokenScopes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		header []string // nil: no X-OAuth-Scopes header at all
		want   []Scope
	}{
		{"classic PAT", []string{"read:packages, delete:packages, repo"}, []Scope{ScopeReadPackages, ScopeDeletePackages, ScopeRepo}},
		{"classic PAT with no scopes", []string{""}, []Scope{}},
		{"fine-grained token: no header", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := setup(t)
			env.mux.HandleFunc("GET /rate_limit", func(w http.ResponseWriter, r *http.Request) {
				testAPIHeaders(t, r)
				testURI(t, r, "/rate_limit")
				for _, v := range tc.header {
					w.Header().Add("X-OAuth-Scopes", v)
				}
				w.Write([]byte(`{"resources":{"core":{"limit":5000,"remaining":4999}}}`))
			})
			got, resp, err := env.client.TokenScopes(t.Context())
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.want, resp.TokenScopes)
			assert.Equal(t, int32(1), env.hits.Load())
		})
	}
	t.Run("error", func(t *testing.T) {
		t.Parallel()
		env := setup(t)
		env.mux.HandleFunc("GET /rate_limit", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, `{"message":"Bad credentials"}`, http.StatusUnauthorized)
		})
		got, resp, err := env.client.TokenScopes(t.Context())
		assert.ErrorIs(t, err, ErrUnauthorized)
		assert.Nil(t, got)
		require.NotNil(t, resp)
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	})
}
