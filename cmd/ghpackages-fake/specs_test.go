package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/ghpackages/ghpackages-go/ghpackagestest"
)

// TestParseFaultSpec reads each kind of -fault spec, the "after" ones
// included, and refuses what does not say how to fail.
func TestParseFaultSpec(t *testing.T) {
	t.Parallel()
	for spec, want := range map[string]ghpackagestest.Fault{
		"status=502,count=3,method=get,path=/orgs/*/packages/*/*/versions": {Status: 502, Count: 3, Method: "GET", Path: "/orgs/*/packages/*/*/versions"},
		"truncate,prefix=/orgs/octo-org":                                   {Truncate: true, PathPrefix: "/orgs/octo-org"},
		"drop":                                                             {Drop: true},
		"delay=2s,count=5":                                                 {Delay: 2 * time.Second, Count: 5},
		"after,drop,method=DELETE,prefix=/orgs/octo-org/packages": {After: true, Drop: true, Method: "DELETE", PathPrefix: "/orgs/octo-org/packages"},
		"status=502, after, method=POST":                          {After: true, Status: 502, Method: "POST"},
		"after,status=504,delay=1s":                               {After: true, Status: 504, Delay: time.Second},
	} {
		got, err := parseFaultSpec(spec)
		require.NoError(t, err, spec)
		assert.Equal(t, want, got, spec)
	}
	for spec, says := range map[string]string{
		"after":              "neither status, drop, truncate nor delay",
		"after,delay=1s":     "after needs status or drop",
		"after,truncate":     "after needs status or drop",
		"after=1":            `unknown item "after=1"`,
		"status=99,after":    "not an HTTP status",
		"drop,path=[":        "path",
		"status=502,count=0": "want at least 1",
	} {
		_, err := parseFaultSpec(spec)
		assert.ErrorContains(t, err, says, spec)
	}
}

// TestParseTokenSpec reads each kind of -token spec and refuses what
// GitHub has no token for.
func TestParseTokenSpec(t *testing.T) {
	t.Parallel()
	for spec, want := range map[string]ghpackagestest.TokenSpec{
		"actions:octo-org/app":       {Repository: "octo-org/app"},
		"actions:octo-org/app:admin": {Repository: "octo-org/app", Admin: true},
		"fine-grained@mona":          {FineGrained: true, Login: "mona"},
	} {
		got, err := parseTokenSpec(spec)
		require.NoError(t, err, spec)
		assert.Equal(t, want, got, spec)
	}
	for _, bad := range []string{"read:packages,admin:everything", "actions:", "actions:octo-org", "actions:o/r/x", "fine-grained@"} {
		_, err := parseTokenSpec(bad)
		assert.Error(t, err, bad)
	}
	named, err := parseTokenSpec("read:packages,repo@mona")
	require.NoError(t, err)
	assert.Equal(t, ghpackagestest.TokenSpec{Login: "mona", Scopes: []ghpackages.Scope{"read:packages", "repo"}}, named)
}

func TestParseRegistryLimit(t *testing.T) {
	for _, bad := range []string{"", "100", "0/min", "-5/min", "x/min", "100/s", "100/hour"} {
		_, err := parseRegistryLimit(bad)
		assert.Error(t, err, bad)
	}
	for spec, want := range map[string]int{"44000/min": 44000, "5/m": 5, " 7/min ": 7} {
		n, err := parseRegistryLimit(spec)
		require.NoError(t, err, spec)
		assert.Equal(t, want, n, spec)
	}
}
