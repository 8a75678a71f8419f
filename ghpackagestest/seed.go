package ghpackagestest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	ghpackages "github.com/ghpackages/ghpackages-go"
)

// SeedFile is a data set read by ParseSeed: owners, packages and versions
// to create when the Server starts (WithSeed). It is JSON:
//
//	{
//	  "owners": [
//	    {"login": "octo-org", "type": "Organization"},
//	    {"login": "mona", "type": "User"}
//	  ],
//	  "packages": [
//	    {
//	      "owner": "octo-org", "type": "container", "name": "team/app",
//	      "visibility": "public", "repository": "app", "created_at": "-90d",
//	      "docker_conflict": false, "deleted_at": "",
//	      "versions": [
//	        {"tags": ["v2", "latest"], "created_at": "-2d",
//	         "image": {"platforms": ["linux/amd64", "linux/arm64"]}},
//	        {"tags": ["v1"], "created_at": "-40d", "downloads": 120, "image": {}},
//	        {"created_at": "-30d", "image": {"seed": "orphan build"}},
//	        {"name": "sha256:…", "created_at": "-5d", "deleted_at": "-1d"}
//	      ]
//	    },
//	    {
//	      "owner": "octo-org", "type": "npm", "name": "big",
//	      "versions": [{"name": "1.0.{i}", "count": 250, "created_at": "-300d", "every": "1h"}]
//	    }
//	  ]
//	}
//
// Owners: "type" is "Organization" (the default) or "User"; owners named
// only by packages are organizations.
//
// Packages: "owner", "type" (npm, maven, rubygems, docker, nuget,
// container) and "name" are required; "visibility" is public, private
// (the default) or internal; "repository" links the package to that
// repository of the owner; "docker_conflict" lists it among the owner's
// docker-migration conflicts; "deleted_at" adds it deleted (restorable for
// 30 days from then).
//
// Versions: "name" (for an image, its digest, filled in when empty),
// "tags", "created_at", "updated_at", "deleted_at", "downloads" (public
// versions above 5,000 cannot be deleted), "license", "description".
// "image", for container and docker packages, generates a real image and
// pushes it to the registry (WithRegistry): {} is a plain linux/amd64
// image, {"platform": "linux/arm64"} another platform, {"platforms": [...]}
// a multi-arch image index whose platform images are added as untagged
// versions created with it, and "seed" makes otherwise equal images
// distinct (the default is the version's position). "count" repeats the
// version that many times, with "{i}" in the name and tags replaced by
// 0, 1, …, each copy created "every" (default 1m) after the one before.
//
// Times are RFC 3339 ("2026-01-02T15:04:05Z") or relative to the server's
// clock at start: "now", "-90d", "-36h", "-90m", "-2d12h". Unknown fields,
// wrong types and invalid values are errors naming the line, column and
// field.
type SeedFile struct {
	// Owners are created first, in order.
	Owners []SeedOwner `json:"owners"`
	// Packages are created next, in order, each with its versions.
	Packages []SeedPackage `json:"packages"`

	// positions maps a field path ("packages[1].versions[0].created_at")
	// to the offset of its value in the file.
	positions map[string]int64
	source    string
	lc        func(int64) string
}

// SeedOwner is an owner of a SeedFile.
type SeedOwner struct {
	// Login is the owner's login; required.
	Login string `json:"login"`
	// Type is "Organization" (default) or "User".
	Type string `json:"type"`
}

// SeedPackage is a package of a SeedFile; its fields are PackageSpec's,
// as JSON (see SeedFile for the values each takes).
type SeedPackage struct {
	// Owner is the owner's login; required.
	Owner string `json:"owner"`
	// Type is the package type, e.g. "container"; required.
	Type string `json:"type"`
	// Name is the package name; required.
	Name string `json:"name"`
	// Visibility is public, private (the default) or internal.
	Visibility string `json:"visibility"`
	// Repository links the package to that repository of the owner.
	Repository string `json:"repository"`
	// CreatedAt is a seed time (RFC 3339 or relative, as "-90d").
	CreatedAt string `json:"created_at"`
	// DeletedAt, a seed time, adds the package deleted.
	DeletedAt string `json:"deleted_at"`
	// DockerConflict lists the package among docker conflicts.
	DockerConflict bool `json:"docker_conflict"`
	// Versions are the package's versions, in order.
	Versions []SeedVersion `json:"versions"`
}

// SeedVersion is a version (or, with Count, a run of versions) of a
// SeedPackage.
type SeedVersion struct {
	// Name is the version name, with "{i}" replaced when Count repeats
	// it; for an image, its digest, filled in when empty.
	Name string `json:"name"`
	// Tags are the container or docker tags ("{i}" replaced too).
	Tags []string `json:"tags"`
	// CreatedAt is a seed time (RFC 3339 or relative, as "-2d").
	CreatedAt string `json:"created_at"`
	// UpdatedAt defaults to CreatedAt.
	UpdatedAt string `json:"updated_at"`
	// DeletedAt, if set, adds the version deleted at that time.
	DeletedAt string `json:"deleted_at"`
	// Downloads is the download count (above 5,000, a public version
	// cannot be deleted).
	Downloads int `json:"downloads"`
	// License is the version's license.
	License string `json:"license"`
	// Description is the version's description.
	Description string `json:"description"`
	// Image, for a container or docker package, generates a real image.
	Image *SeedImage `json:"image"`
	// Count repeats the version that many times.
	Count int `json:"count"`
	// Every is the time between repeated versions' creation (1m when
	// empty), as "1h" or "2d".
	Every string `json:"every"`
}

// SeedImage is a generated image (see ImageSpec).
type SeedImage struct {
	// Platforms makes a multi-arch image index (ImageSpec.Platforms).
	Platforms []string `json:"platforms"`
	// Platform is a plain image's platform (ImageSpec.Platform).
	Platform string `json:"platform"`
	// Seed makes otherwise equal images distinct (ImageSpec.Seed).
	Seed string `json:"seed"`
}

// allowedKeys lists the fields of each object of a seed file, by path
// with the indices removed.
var allowedKeys = map[string][]string{
	"":                            {"owners", "packages"},
	"owners[]":                    {"login", "type"},
	"packages[]":                  {"owner", "type", "name", "visibility", "repository", "created_at", "deleted_at", "docker_conflict", "versions"},
	"packages[].versions[]":       {"name", "tags", "created_at", "updated_at", "deleted_at", "downloads", "license", "description", "image", "count", "every"},
	"packages[].versions[].image": {"platforms", "platform", "seed"},
}

// ReadSeedFile reads and checks a seed file (see SeedFile).
func ReadSeedFile(path string) (*SeedFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseSeed(path, data)
}

// ParseSeed parses and checks a seed file's contents; source names it in
// errors, which read "source:LINE:COL: FIELD: problem".
func ParseSeed(source string, data []byte) (*SeedFile, error) {
	lc := lineCol(data)
	f := &SeedFile{positions: map[string]int64{}, source: source, lc: lc}
	if err := f.walk(data, lc); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, f); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			// Name the field by its full path: the last value with that
			// field name starting before the error's offset.
			field, at := te.Field, te.Offset
			last := field[strings.LastIndexByte(field, '.')+1:]
			best := int64(-1)
			for path, off := range f.positions {
				if (path == last || strings.HasSuffix(path, "."+last)) && off < te.Offset && off > best {
					field, at, best = path, off, off
				}
			}
			return nil, fmt.Errorf("%s:%s: %s: want a JSON %s, not %s", source, lc(at), field, jsonKind(te.Type.String()), te.Value)
		}
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	if err := f.check(); err != nil {
		return nil, err
	}
	return f, nil
}

func jsonKind(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "array"
	case goType == "string":
		return "string"
	case goType == "int", goType == "bool":
		return map[string]string{"int": "number", "bool": "boolean"}[goType]
	}
	return "object"
}

// lineCol returns a function turning a byte offset into "LINE:COL".
func lineCol(data []byte) func(int64) string {
	return func(off int64) string {
		off = min(max(off, 0), int64(len(data)))
		before := data[:off]
		line := bytes.Count(before, []byte("\n")) + 1
		col := int(off) - (bytes.LastIndexByte(before, '\n') + 1) + 1
		return fmt.Sprintf("%d:%d", line, col)
	}
}

// walk records where every field is, and refuses syntax errors and
// unknown fields with their position.
func (f *SeedFile) walk(data []byte, lc func(int64) string) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	start := func() int64 {
		off := dec.InputOffset()
		for off < int64(len(data)) && strings.IndexByte(" \t\r\n:,", data[off]) >= 0 {
			off++
		}
		return off
	}
	syntax := func(err error) error {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return fmt.Errorf("%s:%s: invalid JSON: %v", f.source, lc(se.Offset), se)
		}
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return fmt.Errorf("%s:%s: invalid JSON: unexpected end of file", f.source, lc(int64(len(data))))
		}
		return fmt.Errorf("%s: %w", f.source, err)
	}
	var value func(path, shape string) error
	value = func(path, shape string) error {
		f.positions[path] = start()
		tok, err := dec.Token()
		if err != nil {
			return syntax(err)
		}
		switch tok {
		case json.Delim('{'):
			allowed, checked := allowedKeys[shape]
			for dec.More() {
				at := start()
				k, err := dec.Token()
				if err != nil {
					return syntax(err)
				}
				key, _ := k.(string)
				field := strings.TrimPrefix(path+"."+key, ".")
				if checked && !slices.Contains(allowed, key) {
					return fmt.Errorf("%s:%s: %s: unknown field (want one of %s)", f.source, lc(at), field, strings.Join(allowed, ", "))
				}
				if err := value(field, strings.TrimPrefix(shape+"."+key, ".")); err != nil {
					return err
				}
			}
		case json.Delim('['):
			for i := 0; dec.More(); i++ {
				if err := value(fmt.Sprintf("%s[%d]", path, i), shape+"[]"); err != nil {
					return err
				}
			}
		default:
			return nil
		}
		if _, err := dec.Token(); err != nil {
			return syntax(err)
		}
		return nil
	}
	if err := value("", ""); err != nil {
		return err
	}
	at := start()
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%s:%s: invalid JSON: data after the top-level object", f.source, lc(at))
	}
	return nil
}

// errAt is a problem with field, reported at its position.
func (f *SeedFile) errAt(field, format string, args ...any) error {
	pos, ok := f.positions[field]
	for !ok && field != "" {
		// A missing field: point at the object it belongs in.
		i := max(strings.LastIndexAny(field, ".["), 0)
		pos, ok = f.positions[field[:i]]
		if ok {
			break
		}
		field = field[:i]
	}
	return fmt.Errorf("%s:%s: %s: %s", f.source, f.lc(pos), field, fmt.Sprintf(format, args...))
}

// parseSeedTime reads an RFC 3339 time or a time relative to now.
func parseSeedTime(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	rel, ok := strings.CutPrefix(s, "now")
	if rel == "" && ok {
		return now, nil
	}
	d, err := parseSeedDuration(rel)
	if err != nil || (rel[0] != '-' && rel[0] != '+') {
		return time.Time{}, fmt.Errorf(`%q is neither RFC 3339 nor relative to now ("now", "-90d", "-36h", "-2d12h")`, s)
	}
	return now.Add(d), nil
}

// parseSeedDuration is time.ParseDuration with a leading days unit: "2d",
// "-2d12h".
func parseSeedDuration(s string) (time.Duration, error) {
	sign, rest := "", s
	if rest != "" && (rest[0] == '-' || rest[0] == '+') {
		sign, rest = rest[:1], rest[1:]
	}
	var days time.Duration
	if i := strings.IndexByte(rest, 'd'); i > 0 {
		n, err := strconv.Atoi(rest[:i])
		if err != nil {
			return 0, fmt.Errorf("bad duration %q", s)
		}
		days, rest = time.Duration(n)*24*time.Hour, rest[i+1:]
	}
	var d time.Duration
	if rest != "" {
		var err error
		if d, err = time.ParseDuration(rest); err != nil || d < 0 {
			return 0, fmt.Errorf("bad duration %q", s)
		}
	} else if days == 0 {
		return 0, fmt.Errorf("bad duration %q", s)
	}
	if sign == "-" {
		return -(days + d), nil
	}
	return days + d, nil
}

// check validates the values that JSON decoding cannot, with positions.
func (f *SeedFile) check() error {
	zero := time.Time{}
	for i, o := range f.Owners {
		at := fmt.Sprintf("owners[%d]", i)
		if o.Login == "" {
			return f.errAt(at+".login", "required")
		}
		if o.Type != "" && o.Type != "Organization" && o.Type != "User" {
			return f.errAt(at+".type", "%q is not Organization or User", o.Type)
		}
	}
	for i, p := range f.Packages {
		at := fmt.Sprintf("packages[%d]", i)
		switch {
		case p.Owner == "":
			return f.errAt(at+".owner", "required")
		case p.Name == "":
			return f.errAt(at+".name", "required")
		case !ghpackages.PackageType(p.Type).Valid():
			return f.errAt(at+".type", "%q is not one of npm, maven, rubygems, docker, nuget, container", p.Type)
		case p.Visibility != "" && !ghpackages.Visibility(p.Visibility).Valid():
			return f.errAt(at+".visibility", "%q is not public, private or internal", p.Visibility)
		}
		for _, field := range []struct{ name, v string }{{"created_at", p.CreatedAt}, {"deleted_at", p.DeletedAt}} {
			if _, err := parseSeedTime(field.v, zero); err != nil {
				return f.errAt(at+"."+field.name, "%v", err)
			}
		}
		for j, v := range p.Versions {
			vat := fmt.Sprintf("%s.versions[%d]", at, j)
			if v.Name == "" && v.Image == nil {
				return f.errAt(vat+".name", "required (unless image generates it)")
			}
			if v.Count < 0 || (v.Count > 1 && v.Name != "" && !strings.Contains(v.Name, "{i}")) {
				return f.errAt(vat+".count", "a count above 1 needs {i} in the name")
			}
			for _, field := range []struct{ name, v string }{{"created_at", v.CreatedAt}, {"updated_at", v.UpdatedAt}, {"deleted_at", v.DeletedAt}} {
				if _, err := parseSeedTime(field.v, zero); err != nil {
					return f.errAt(vat+"."+field.name, "%v", err)
				}
			}
			if v.Every != "" {
				if d, err := parseSeedDuration(v.Every); err != nil || d <= 0 {
					return f.errAt(vat+".every", "%q is not a positive duration", v.Every)
				}
			}
			if v.Image == nil {
				continue
			}
			if p.Type != string(ghpackages.Container) && p.Type != string(ghpackages.Docker) {
				return f.errAt(vat+".image", "only container and docker packages have images")
			}
			if v.Image.Platform != "" && len(v.Image.Platforms) > 0 {
				return f.errAt(vat+".image.platform", "give platform (a plain image) or platforms (an index), not both")
			}
			for k, pl := range append([]string{v.Image.Platform}, v.Image.Platforms...) {
				if pl == "" {
					continue
				}
				if _, err := parsePlatform(pl); err != nil {
					field := vat + ".image.platform"
					if k > 0 {
						field = fmt.Sprintf("%s.image.platforms[%d]", vat, k-1)
					}
					return f.errAt(field, "%q is not a platform like linux/amd64", pl)
				}
			}
		}
	}
	return nil
}

// WithSeed fills the Server with f's data when it starts (after WithDemo's,
// if both are given). Relative times are relative to the server's clock
// then. NewServer panics, and New fails its test, if the data conflicts
// (for example a package listed twice). A nil f is invalid.
func WithSeed(f *SeedFile) Option {
	return func(s *Server) {
		if f == nil {
			s.invalid("WithSeed: nil SeedFile (read one with ReadSeedFile or ParseSeed)")
			return
		}
		s.seeds = append(s.seeds, f)
	}
}

// apply adds f's data to s.
func (f *SeedFile) apply(s *Server) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	now := s.now()
	tm := func(v string) time.Time {
		t, _ := parseSeedTime(v, now)
		return t
	}
	deleted := func(v string) *time.Time {
		if v == "" {
			return nil
		}
		return new(tm(v))
	}
	for _, o := range f.Owners {
		if o.Type == "User" {
			s.AddUser(o.Login)
		} else {
			s.AddOrg(o.Login)
		}
	}
	for i, p := range f.Packages {
		typ := ghpackages.PackageType(p.Type)
		s.mu.Lock()
		o := s.owners[lower(p.Owner)]
		dup := o != nil && p.DeletedAt == "" && s.findPackage(o, typ, p.Name) != nil
		s.mu.Unlock()
		if dup {
			return f.errAt(fmt.Sprintf("packages[%d]", i), "%s package %s/%s is listed twice", typ, p.Owner, p.Name)
		}
		s.AddPackage(PackageSpec{Owner: p.Owner, Type: typ, Name: p.Name, Visibility: ghpackages.Visibility(p.Visibility),
			Repository: p.Repository, CreatedAt: tm(p.CreatedAt), DockerConflict: p.DockerConflict, DeletedAt: deleted(p.DeletedAt)})
		for j, v := range p.Versions {
			every := time.Minute
			if v.Every != "" {
				every, _ = parseSeedDuration(v.Every)
			}
			for k := range max(v.Count, 1) {
				repl := strings.NewReplacer("{i}", strconv.Itoa(k))
				spec := VersionSpec{Name: repl.Replace(v.Name), Downloads: v.Downloads, License: v.License, Description: v.Description,
					CreatedAt: tm(v.CreatedAt), UpdatedAt: tm(v.UpdatedAt), DeletedAt: deleted(v.DeletedAt)}
				if spec.CreatedAt.IsZero() {
					spec.CreatedAt = now
				}
				spec.CreatedAt = spec.CreatedAt.Add(time.Duration(k) * every)
				for _, t := range v.Tags {
					spec.Tags = append(spec.Tags, repl.Replace(t))
				}
				if v.Image != nil {
					seed := v.Image.Seed
					if seed != "" && max(v.Count, 1) > 1 {
						seed += "#" + strconv.Itoa(k)
					}
					spec.Image = &ImageSpec{Platforms: v.Image.Platforms, Platform: v.Image.Platform, Seed: seed}
				}
				if err := addSeedVersion(s, p, typ, spec); err != nil {
					return f.errAt(fmt.Sprintf("packages[%d].versions[%d]", i, j), "%v", err)
				}
			}
		}
	}
	return nil
}

// addSeedVersion adds one version, turning AddVersion's panic into an error.
func addSeedVersion(s *Server, p SeedPackage, typ ghpackages.PackageType, spec VersionSpec) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	s.AddVersion(p.Owner, typ, p.Name, spec)
	return nil
}
