package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/messaging"
)

// TestMediaFetchStateShowsInTheChat shows why a file could not be kept
// under its message, that a failed try is being retried, and nothing for
// a stored file.
func TestMediaFetchStateShowsInTheChat(t *testing.T) {
	render := func(mm *messaging.MediaMeta) string {
		m := messaging.Message{ID: 7, ConversationID: 3, Direction: messaging.Inbound, Type: "image",
			Content: json.RawMessage(`{"id":"55","mime_type":"image/jpeg"}`), Status: messaging.StatusReceived, Media: mm}
		var buf bytes.Buffer
		require.NoError(t, messageContent(m).Render(context.Background(), &buf))
		return buf.String()
	}
	failed := render(&messaging.MediaMeta{Status: messaging.MediaFailed, ErrorCode: "media_too_large",
		ErrorMessage: "the file is larger than 5242880 bytes, the limit for image media; it was not stored"})
	require.Contains(t, failed, `class="media-error"`)
	require.Contains(t, failed, "larger than 5242880 bytes")
	require.Contains(t, render(&messaging.MediaMeta{Status: messaging.MediaPending, ErrorCode: "media_unavailable"}), `class="media-error retrying"`)
	require.NotContains(t, render(&messaging.MediaMeta{Status: messaging.MediaStored}), "media-error")
	require.NotContains(t, render(&messaging.MediaMeta{Status: messaging.MediaPending}), "media-error")
}
