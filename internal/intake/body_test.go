package intake

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBodyBuffersRead(t *testing.T) {
	t.Parallel()
	var bodies bodyBuffers
	post := func(body string, contentLength int64) (*bytes.Buffer, error) {
		r := httptest.NewRequest(http.MethodPost, "/webhooks/whatsapp/1", strings.NewReader(body))
		r.ContentLength = contentLength
		return bodies.read(httptest.NewRecorder(), r)
	}

	// Bodies come back whole whatever Content-Length claims, and a reused
	// buffer holds nothing of the previous body.
	long := strings.Repeat("x", 5000)
	for _, tc := range []struct {
		body string
		cl   int64
	}{{long, int64(len(long))}, {"short", 5}, {long, -1}, {"tiny", 1 << 30}, {"", 0}} {
		buf, err := post(tc.body, tc.cl)
		require.NoError(t, err)
		require.Equal(t, tc.body, buf.String())
		bodies.release(buf)
	}

	// One byte past MaxBody is the MaxBytesReader error the handler maps
	// to 413.
	_, err := post(strings.Repeat(" ", MaxBody+1), MaxBody+1)
	var mbe *http.MaxBytesError
	require.True(t, errors.As(err, &mbe), "got %v", err)
	buf, err := post(strings.Repeat(" ", MaxBody), MaxBody)
	require.NoError(t, err)
	require.Equal(t, MaxBody, buf.Len())
}

func TestBodyBuffersKeepOnlySmallBuffers(t *testing.T) {
	t.Parallel()
	var bodies bodyBuffers
	big := bytes.NewBuffer(make([]byte, 0, bodyKeepMax+1))
	bodies.release(big)
	small := bytes.NewBuffer(make([]byte, 0, 1024))
	small.WriteString("old body")
	bodies.release(small)
	// sync.Pool may drop anything, so only what comes back is checked: it
	// is never the big buffer and always empty.
	for range 3 {
		got, _ := bodies.pool.Get().(*bytes.Buffer)
		if got == nil {
			continue
		}
		require.NotSame(t, big, got)
		require.Zero(t, got.Len())
	}
}
