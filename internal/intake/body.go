package intake

import (
	"bytes"
	"net/http"
	"sync"
)

// Webhook bodies are read into pooled buffers: every POST needs one, they
// are dead once the body is parsed (the events hold copies of what they
// need), and io.ReadAll would grow a fresh slice from 512 bytes through
// several copies for each request.
const (
	// bodyPreGrow bounds how much Content-Length may make us allocate up
	// front: the header is the sender's word, checked only after the body
	// is read and signed, so a larger claim just grows as bytes arrive.
	bodyPreGrow = 64 << 10
	// bodyKeepMax is the largest buffer returned to the pool, so one rare
	// large delivery does not pin megabytes for good.
	bodyKeepMax = 256 << 10
)

// bodyBuffers is a pool of webhook body buffers. The zero value is ready.
type bodyBuffers struct{ pool sync.Pool }

// read reads r's body, at most MaxBody bytes, into a pooled buffer. The
// caller must pass the buffer to release once it no longer uses its bytes;
// on error the buffer is already released. Errors are those of
// http.MaxBytesReader and the body, as from io.ReadAll.
func (b *bodyBuffers) read(w http.ResponseWriter, r *http.Request) (*bytes.Buffer, error) {
	buf, _ := b.pool.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	if n := r.ContentLength; n > 0 {
		// ReadFrom wants MinRead spare bytes before each read, including
		// the last one that finds EOF.
		buf.Grow(int(min(n, bodyPreGrow)) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, MaxBody)); err != nil {
		b.release(buf)
		return nil, err
	}
	return buf, nil
}

// release returns buf to the pool unless it grew too large to keep.
func (b *bodyBuffers) release(buf *bytes.Buffer) {
	if buf.Cap() > bodyKeepMax {
		return
	}
	buf.Reset()
	b.pool.Put(buf)
}
