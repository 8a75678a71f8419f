package ghpackages

import "io"

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
