package ghpackages

import (
	"bytes"
	"errors"
	"go/token"
	"io"
	"reflect"
	"sync"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	jsonv1 "github.com/go-json-experiment/json/v1"
)

// The decode stage of the request path: a 2xx body, read whole into a
// pooled buffer, is parsed once into the caller's value.

// maxDrain bounds how much of a response body that was not read to its end
// is read and thrown away before closing it. Reading a body to its end lets
// the transport reuse the connection (a JSON decoder stops at the value's
// last byte, before the chunked terminator); past this many bytes it is
// cheaper to drop the connection than to keep reading.
const maxDrain = 256 << 10

// drainClose reads what is left of body, up to maxDrain bytes, and closes
// it, so the connection goes back to the transport's pool.
func drainClose(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, maxDrain))
	body.Close()
}

// Bodies are decoded with the JSON v2 implementation
// (github.com/go-json-experiment/json, which is encoding/json/v2 from Go
// 1.27): it parses each value once and needs no intermediate buffer.
//
// One rule picks the semantics: a value of a type this package exports
// (a *Package, a *[]PackageVersion, …: the types GitHub's answers decode
// into) is decoded with v2's, which match the names GitHub sends exactly; duplicate names and invalid UTF-8 are
// tolerated as encoding/json tolerates them (the last duplicate wins,
// invalid bytes become U+FFFD). Any other value, such as a caller's struct
// passed to Client.Do, is decoded with encoding/json's semantics
// (case-insensitive names and all), so the escape hatch behaves as it would
// with the standard library.
var (
	sdkOptions = json.JoinOptions(jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	v1Options  = jsonv1.DefaultOptionsV1()
)

// ourPackage is this package's import path, as reflect reports it.
var ourPackage = reflect.TypeFor[Package]().PkgPath()

// decodeOptions returns the options v is decoded with: sdkOptions when the
// type v points to is one this package exports, or a slice, array or map
// (or pointer) of such; v1Options otherwise. (v2's exact names decode a
// page of versions about 15% faster than encoding/json's rules.)
func decodeOptions(v any) json.Options {
	t := reflect.TypeOf(v)
	for t != nil {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
			t = t.Elem()
			continue
		}
		if t.PkgPath() == ourPackage && token.IsExported(t.Name()) {
			return sdkOptions
		}
		break
	}
	return v1Options
}

// decodeInto decodes the JSON body in b, the answer resp brought, into v
// (see bodyBuffer.decode); a failure is a *DecodeError (whose request
// Client.do names).
func decodeInto(resp *Response, b *bodyBuffer, v any) error {
	err := b.decode(v)
	if err == nil {
		return nil
	}
	return &DecodeError{Type: reflect.TypeOf(v), StatusCode: resp.StatusCode, Err: err}
}

// bodyBuffer holds one response body and the decoder that parses it in
// place. They are pooled: a walk reads every page into the same memory.
type bodyBuffer struct {
	buf bytes.Buffer
	dec *jsontext.Decoder
	lim io.LimitedReader // readFrom's reader, kept here so it costs no allocation
}

// maxPooledBody is the largest buffer kept for reuse; a rare huge body is
// left to the garbage collector rather than pinned in the pool.
const maxPooledBody = 4 << 20

var bodyPool = sync.Pool{New: func() any { return &bodyBuffer{dec: jsontext.NewDecoder(bytes.NewReader(nil))} }}

func getBodyBuffer() *bodyBuffer { return bodyPool.Get().(*bodyBuffer) }

// release returns b to the pool; b must not be used afterwards.
func (b *bodyBuffer) release() {
	if b.buf.Cap() > maxPooledBody {
		return
	}
	b.buf.Reset()
	bodyPool.Put(b)
}

// readFrom reads r to its end into b, but no more than limit bytes: it
// reports whether r held more. size is the expected length (the
// Content-Length), or -1 when unknown.
func (b *bodyBuffer) readFrom(r io.Reader, size, limit int64) (over bool, err error) {
	if size > 0 && size <= maxPooledBody {
		b.buf.Grow(int(size) + 1) // +1: room to see EOF without growing
	}
	b.lim = io.LimitedReader{R: r, N: limit + 1}
	_, err = b.buf.ReadFrom(&b.lim)
	b.lim.R = nil
	return int64(b.buf.Len()) > limit, err
}

// decode parses the first JSON value in b into v. Anything after that value
// is ignored, as encoding/json's Decoder ignores it. It consumes b's data.
// A body that holds no value at all (empty, or white space only) is no
// body: v is left as it is. When the body ends inside its first value (a
// cut body), the error is io.ErrUnexpectedEOF, whatever the decoder called
// it.
func (b *bodyBuffer) decode(v any) error {
	data := b.buf.Bytes() // still valid after the decoder consumes b.buf
	if blank(data) {
		b.buf.Reset()
		return nil
	}
	b.dec.Reset(&b.buf, decodeOptions(v))
	err := json.UnmarshalDecode(b.dec, v)
	if err != nil && endsEarly(data) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// blank reports whether data is empty or JSON white space only.
func blank(data []byte) bool {
	for _, c := range data {
		switch c {
		case ' ', '\t', '\n', '\r':
		default:
			return false
		}
	}
	return true
}

// endsEarly reports whether data ends before its first JSON value is
// complete (or holds none).
func endsEarly(data []byte) bool {
	d := jsontext.NewDecoder(bytes.NewReader(data), sdkOptions)
	_, err := d.ReadValue()
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// pointers returns pointers to the elements of vs, which share vs's array:
// a page is decoded into one slice of values, not one allocation per item.
func pointers[T any](vs []T) []*T {
	if vs == nil {
		return nil
	}
	out := make([]*T, len(vs))
	for i := range vs {
		out[i] = &vs[i]
	}
	return out
}
