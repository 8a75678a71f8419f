package ghpackages

// parseLinks parses RFC 8288 Link header values into a map from rel to URL.
// It tolerates extra whitespace, quoted or bare parameters, several rels in
// one parameter, several header lines, and skips entries it cannot read.
// The first link for a rel wins.
func parseLinks(headers []string) map[string]string {
	links := map[string]string{}
	eachLink(headers, func(rel, target string) {
		if _, seen := links[rel]; !seen {
			links[rel] = target
		}
	})
	return links
}
