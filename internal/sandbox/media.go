package sandbox

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strings"
)

// mediaPrefix starts every media id the sandbox hands out. Every such id
// names the same generated picture, so serving media needs no state.
const mediaPrefix = "880"

// newMediaID returns a Graph-like numeric id: the prefix and 12 random digits.
func newMediaID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s%012d", mediaPrefix, binary.BigEndian.Uint64(b[:])%1_000_000_000_000)
}

// isMediaID reports whether id is one the sandbox handed out.
func isMediaID(id string) bool {
	return strings.HasPrefix(id, mediaPrefix) && len(id) > len(mediaPrefix) && digitsOf(id) == id
}

// sandboxImage is the photo every simulated customer sends: a 96×96 PNG
// drawn here (a green tile with a white speech bubble), so no third-party
// file ships with the binary.
func sandboxImage() []byte {
	const n = 96
	img := image.NewRGBA(image.Rect(0, 0, n, n))
	green := color.RGBA{0x00, 0x80, 0x69, 0xff}
	white := color.RGBA{0xff, 0xff, 0xff, 0xff}
	for y := range n {
		for x := range n {
			c := green
			dx, dy := x-n/2, y-n/2+6
			inBubble := dx*dx*4+dy*dy*9 < 30*30*4
			inTail := x > 26 && x < 38 && y > 60 && y < 76 && x-26 > (y-60)/2
			if inBubble || inTail {
				c = white
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img) // encoding an in-memory RGBA image cannot fail
	return buf.Bytes()
}

// sandboxImageSHA256 is the picture's hash as media webhooks carry it.
func sandboxImageSHA256() string {
	sum := sha256.Sum256(sandboxImage())
	return base64.StdEncoding.EncodeToString(sum[:])
}

// mediaObject is GET /{media-id}'s answer: where to download the file
// (with the same Bearer token, as on Meta's lookaside host).
func mediaObject(r *http.Request, id string) map[string]any {
	body := sandboxImage()
	return map[string]any{"messaging_product": "whatsapp", "id": id, "mime_type": "image/png",
		"sha256": sandboxImageSHA256(), "file_size": len(body),
		"url": requestScheme(r) + "://" + r.Host + "/sandbox/media/" + id}
}

// mediaRoutes serves the media download URL: the bytes, for the right token.
func (s *Sandbox) mediaRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /sandbox/media/{id}", func(w http.ResponseWriter, r *http.Request) {
		if e := s.checkToken(r); e != nil {
			writeGraphError(w, e)
			return
		}
		if !isMediaID(r.PathValue("id")) {
			writeGraphError(w, unsupportedErr(r.Method, r.PathValue("id")))
			return
		}
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(sandboxImage())
	})
}
