package cli

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// enum is a string flag that takes one of a fixed set of values; a wrong
// value is refused naming the allowed ones.
type enum struct {
	p       *string
	allowed []string
	// name, if set, names the value in help instead of the list.
	name string
}

func newEnum(p *string, def string, allowed ...string) *enum {
	*p = def
	return &enum{p: p, allowed: allowed}
}

// String returns the value.
func (e *enum) String() string { return *e.p }

// Set accepts one of the allowed values (case-insensitively).
func (e *enum) Set(v string) error {
	lv := strings.ToLower(v)
	if !slices.Contains(e.allowed, lv) {
		return fmt.Errorf("want %s", orList(e.allowed))
	}
	*e.p = lv
	return nil
}

// Type names the values in help: "a|b|c".
func (e *enum) Type() string {
	if e.name != "" {
		return e.name
	}
	return strings.Join(e.allowed, "|")
}

// orList renders "a, b or c".
func orList(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// fixedCompletion completes a flag's value from a fixed list.
func fixedCompletion(values ...string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return values, cobra.ShellCompDirectiveNoFileComp
	}
}

// ids collects a repeatable version-ID flag.
type ids []int64

// String joins the values.
func (m *ids) String() string {
	parts := make([]string, len(*m))
	for i, id := range *m {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}

// Set adds one ID, or several separated by commas.
func (m *ids) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil || id <= 0 {
			return fmt.Errorf("want a positive version ID, got %q", s)
		}
		*m = append(*m, id)
	}
	return nil
}

// Type names the value in help.
func (m *ids) Type() string { return "ID" }

// versionID is a single optional version-ID flag (0 when not given).
type versionID int64

// String returns the ID, or "" when unset.
func (v *versionID) String() string {
	if *v == 0 {
		return ""
	}
	return strconv.FormatInt(int64(*v), 10)
}

// Set accepts a positive 64-bit ID.
func (v *versionID) Set(s string) error {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return fmt.Errorf("want a positive version ID, got %q", s)
	}
	*v = versionID(id)
	return nil
}

// Type names the value in help.
func (v *versionID) Type() string { return "ID" }

// count is a non-negative integer flag.
type count int

// String returns the number.
func (c *count) String() string { return strconv.Itoa(int(*c)) }

// Set accepts 0 or more.
func (c *count) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return fmt.Errorf("want a whole number, 0 or more, got %q", s)
	}
	*c = count(n)
	return nil
}

// Type names the value in help.
func (c *count) Type() string { return "N" }

// waitLimit is --max-wait: a duration, 0 meaning "don't wait at all".
type waitLimit struct {
	d   time.Duration
	set bool
}

// String renders the duration.
func (w *waitLimit) String() string {
	if !w.set {
		return ""
	}
	return w.d.String()
}

// Set accepts a duration such as 90s, 15min or 1h (the units of ages:
// m is refused); 0 means no wait at all.
func (w *waitLimit) Set(s string) error {
	if strings.TrimSpace(s) == "0" {
		w.d, w.set = 0, true
		return nil
	}
	d, err := ageValue("--max-wait", s)
	var ue usageError
	switch {
	case errors.As(err, &ue):
		return errors.New(strings.TrimPrefix(ue.Error(), "--max-wait "+s+": "))
	case err != nil || d < 0 || strings.HasPrefix(strings.TrimSpace(s), "-"):
		return fmt.Errorf("want a duration such as 90s, 15min or 1h, got %q", s)
	}
	w.d, w.set = d, true
	return nil
}

// Type names the value in help.
func (w *waitLimit) Type() string { return "DURATION" }
