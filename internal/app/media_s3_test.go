package app_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/app/apptest"
	"github.com/zapflow/zapflow/internal/config"
)

// TestMediaInAnS3Bucket: with ZAPFLOW_MEDIA_S3_URL set, a sandbox
// customer's voice note is fetched into the bucket (through the outbound
// guard, which must allow the bucket's host) and served by the API from
// there; nothing is written under the data folder's media/.
func TestMediaInAnS3Bucket(t *testing.T) {
	backend := s3mem.New()
	require.NoError(t, backend.CreateBucket("zapflow"))
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	s3URL := "http://key:secret@" + strings.TrimPrefix(srv.URL, "http://") + "/zapflow/media?path_style=true"
	each(t, []apptest.Option{apptest.AllowOutbound(t, "127.0.0.1"), func(c *config.Config) { c.MediaS3URL = s3URL }},
		func(t *testing.T, env *apptest.Env) {
			ctx := context.Background()
			sb := env.App.Sandbox
			_, err := sb.CustomerSendsVoiceNote(sb.Senders()[0].PhoneNumberID, "+5511980000000", "Ana")
			require.NoError(t, err)
			env.Eventually(func() bool { return env.Count(`SELECT COUNT(*) FROM message_media WHERE status = 'stored'`) == 1 }, "stored")
			var id int64
			var hash string
			require.NoError(t, env.App.DB.Read().QueryRow(ctx, `SELECT message_id, sha256 FROM message_media`).Scan(&id, &hash))
			obj, err := backend.HeadObject("zapflow", "media/"+hash[:2]+"/"+hash)
			require.NoError(t, err, "the file is in the bucket")

			req, err := http.NewRequest(http.MethodGet, env.URL+"/api/v1/messages/"+strconv.FormatInt(id, 10)+"/media", nil)
			require.NoError(t, err)
			req.Header.Set("Authorization", "Bearer "+env.APIKey)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
			require.Equal(t, "audio/ogg", resp.Header.Get("Content-Type"))
			require.EqualValues(t, obj.Size, len(body))
			require.True(t, strings.HasPrefix(string(body), "OggS"))
			require.NoDirExists(t, env.DataDir+"/media")
		})
}
