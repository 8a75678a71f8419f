package cli

import (
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/ghpackages/ghpackages-go/retention"
)

// barWidth is the width of a full bar in 'ghpkg usage'.
const barWidth = 30

// bar draws n of total as plain text ('#' characters, no colour).
func bar(n, total int64) string {
	if total <= 0 || n <= 0 {
		return ""
	}
	w := int((n*barWidth + total - 1) / total)
	return strings.Repeat("#", min(w, barWidth))
}

// bytesText writes a byte count, or "unknown".
func bytesText(n *int64) string {
	if n == nil {
		return "unknown"
	}
	return formatBytes(*n)
}

// rowMeasure is what a row's bar measures: its bytes when known, else its
// versions.
func rowMeasure(r retention.UsageRow, p retention.PackageUsage) (int64, int64) {
	if r.Bytes != nil && p.Bytes != nil {
		return *r.Bytes, *p.Bytes
	}
	return int64(r.Versions), int64(p.Versions)
}

// usageText renders 'ghpkg usage' for a terminal or a log.
func usageText(out usageOutput) string {
	var b strings.Builder
	for i, p := range out.Packages {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%s (%s): %s, %s\n", p.Name, p.Type, plural(p.Versions, "version"), bytesText(p.Bytes))
		tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		for _, section := range []struct {
			title string
			rows  []retention.UsageRow
		}{{"KIND", p.ByKind}, {"AGE", p.ByAge}} {
			fmt.Fprintf(tw, "  %s\tVERSIONS\tSIZE\t\n", section.title)
			for _, r := range section.rows {
				n, total := rowMeasure(r, p)
				fmt.Fprintf(tw, "  %s\t%d\t%s\t%s\n", r.Name, r.Versions, bytesText(r.Bytes), bar(n, total))
			}
		}
		tw.Flush()
		if sum, ok := rowsBytes(p.ByKind); ok && p.Bytes != nil && sum > *p.Bytes {
			fmt.Fprintf(&b, "  (rows add up to %s: a layer shared by two rows counts in each, once in the total)\n", formatBytes(sum))
		}
	}
	if len(out.Packages) > 1 {
		fmt.Fprintf(&b, "\n%s in %s, %s\n", plural(out.Versions, "version"), plural(len(out.Packages), "package"), bytesText(out.Bytes))
	}
	return b.String()
}

// rowsBytes adds up rows' bytes; false when any is unknown.
func rowsBytes(rows []retention.UsageRow) (int64, bool) {
	var sum int64
	for _, r := range rows {
		if r.Bytes == nil {
			return 0, false
		}
		sum += *r.Bytes
	}
	return sum, true
}

// usageMarkdown renders 'ghpkg usage' for a job summary: per package a
// table and a Mermaid xychart-beta bar chart of bytes (or versions) by
// age.
func usageMarkdown(out usageOutput) string {
	var b strings.Builder
	b.WriteString("### ghpkg usage")
	if out.Owner != nil && out.Owner.Name != "" {
		fmt.Fprintf(&b, ": %s %s", out.Owner.Kind, out.Owner.Name)
	}
	b.WriteString("\n\n")
	for _, p := range out.Packages {
		fmt.Fprintf(&b, "#### %s (%s): %s, %s\n\n", p.Name, p.Type, plural(p.Versions, "version"), bytesText(p.Bytes))
		var rows [][]string
		for _, r := range p.ByKind {
			rows = append(rows, []string{"kind", r.Name, strconv.Itoa(r.Versions), bytesText(r.Bytes)})
		}
		for _, r := range p.ByAge {
			rows = append(rows, []string{"age", r.Name, strconv.Itoa(r.Versions), bytesText(r.Bytes)})
		}
		b.WriteString(markdownTable([]string{"by", "row", "versions", "size"}, rows))
		b.WriteString("\n")
		b.WriteString(usageChart(p))
		b.WriteString("\n")
	}
	return b.String()
}

// usageChart is a Mermaid xychart-beta bar chart of p's rows by age: KiB
// when sizes are known, else versions.
func usageChart(p retention.PackageUsage) string {
	labels := make([]string, len(p.ByAge))
	values := make([]string, len(p.ByAge))
	unit := "KiB"
	if p.Bytes == nil {
		unit = "versions"
	}
	for i, r := range p.ByAge {
		labels[i] = strconv.Quote(r.Name)
		if p.Bytes == nil || r.Bytes == nil {
			values[i] = strconv.Itoa(r.Versions)
			continue
		}
		values[i] = strconv.FormatFloat(float64(*r.Bytes)/1024, 'f', 1, 64)
	}
	title := strings.ReplaceAll(p.Name, `"`, "'") + " by age (" + unit + ")"
	return fmt.Sprintf("```mermaid\nxychart-beta\n    title %q\n    x-axis [%s]\n    y-axis %q\n    bar [%s]\n```\n",
		title, strings.Join(labels, ", "), unit, strings.Join(values, ", "))
}
