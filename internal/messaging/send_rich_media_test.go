package messaging_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/messaging"
)

// WhatsApp's supported media types and sizes, per type.
func TestCheckMedia(t *testing.T) {
	t.Parallel()
	webp := func(animated bool, size int) []byte {
		b := make([]byte, size)
		copy(b, "RIFF\x00\x00\x00\x00WEBPVP8X")
		if animated {
			b[20] = 0x02
		}
		return b
	}
	ok := []struct {
		typ, mime string
		size      int
	}{
		{"image", "image/jpeg", 5 << 20},
		{"image", "image/png", 10},
		{"video", "video/mp4", 16 << 20},
		{"audio", "audio/ogg; codecs=opus", 10},
		{"document", "application/pdf", 100 << 20},
		{"document", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", 10},
	}
	for _, c := range ok {
		mt, err := messaging.CheckMedia(c.typ, messaging.Upload{MimeType: c.mime, Data: make([]byte, c.size)})
		require.NoError(t, err, "%s %s", c.typ, c.mime)
		require.NotContains(t, mt, ";", "parameters are dropped")
	}
	_, err := messaging.CheckMedia("sticker", messaging.Upload{MimeType: "image/webp", Data: webp(true, 400<<10)})
	require.NoError(t, err, "an animated sticker may be 500 KB")

	bad := []struct {
		typ, mime string
		data      []byte
		code      string
	}{
		{"image", "image/gif", []byte("GIF89a"), "unsupported_media_type"},
		{"image", "image/webp", []byte("x"), "unsupported_media_type"},
		{"audio", "audio/wav", []byte("x"), "unsupported_media_type"},
		{"document", "application/zip", []byte("x"), "unsupported_media_type"},
		{"image", "image/png", make([]byte, 5<<20+1), "media_too_large"},
		{"video", "video/mp4", make([]byte, 16<<20+1), "media_too_large"},
		{"sticker", "image/webp", webp(false, 100<<10+1), "media_too_large"},
		{"sticker", "image/webp", webp(true, 500<<10+1), "media_too_large"},
	}
	for _, c := range bad {
		_, err := messaging.CheckMedia(c.typ, messaging.Upload{MimeType: c.mime, Data: c.data})
		ae, ok := apperr.As(err)
		require.True(t, ok, "%s %s: %v", c.typ, c.mime, err)
		require.Equal(t, c.code, ae.Code, "%s %s", c.typ, c.mime)
		require.Equal(t, "file", ae.Field)
	}
}
