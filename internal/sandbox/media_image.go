package sandbox

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
)

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
