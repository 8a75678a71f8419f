package exampleenv

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"testing"

	ghpackages "github.com/ghpackages/ghpackages-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The owner flags: -org NAME, -user NAME or -me, at most one; the demo
// organization by default. "-user octocat" must read octocat's packages, not
// silently octo-org's.
func TestOwnerFlags(t *testing.T) {
	tests := []struct {
		args    []string
		want    ghpackages.Owner
		wantErr bool
	}{
		{args: nil, want: ghpackages.OrgOwner("octo-org")},
		{args: []string{"-org", "acme"}, want: ghpackages.OrgOwner("acme")},
		{args: []string{"-user", "octocat"}, want: ghpackages.UserOwner("octocat")},
		{args: []string{"-me"}, want: ghpackages.AuthenticatedOwner()},
		{args: []string{"-org", "acme", "-user", "octocat"}, wantErr: true},
		{args: []string{"-user", "octocat", "-me"}, wantErr: true},
	}
	for _, tc := range tests {
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		var f Flags
		f.Register(fs)
		require.NoError(t, Parse(fs, tc.args))
		got, err := f.owner()
		if tc.wantErr {
			assert.ErrorIs(t, err, ErrUsage, "%v", tc.args)
			continue
		}
		require.NoError(t, err, "%v", tc.args)
		assert.Equal(t, tc.want, got, "%v", tc.args)
	}
}

// -h exits 0 (the flag package prints the usage), a bad flag exits 2 with
// only the flag package's message, a usage error exits 2 with its message,
// and any other error exits 1.
func TestExitCodes(t *testing.T) {
	parse := func(args ...string) error {
		fs := flag.NewFlagSet("quickstart", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		var f Flags
		f.Register(fs)
		return Parse(fs, args)
	}
	tests := []struct {
		name    string
		err     error
		want    int
		wantOut string
	}{
		{"ok", nil, 0, ""},
		{"-h", parse("-h"), 0, ""},
		{"--help", parse("--help"), 0, ""},
		{"unknown flag", parse("-nope"), 2, ""},
		{"-user without a name", parse("-user"), 2, ""},
		{"usage", errors.Join(ErrUsage, errors.New("give one of -org, -user and -me")), 2, "quickstart: usage\ngive one of -org, -user and -me\n"},
		{"failure", errors.New("boom"), 1, "quickstart: boom\n"},
	}
	for _, tc := range tests {
		var out bytes.Buffer
		assert.Equal(t, tc.want, ExitCode("quickstart", tc.err, &out), tc.name)
		assert.Equal(t, tc.wantOut, out.String(), tc.name)
	}
}
