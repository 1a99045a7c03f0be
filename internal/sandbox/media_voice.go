package sandbox

import (
	"bytes"
	"encoding/binary"
)

// sandboxVoiceNote is the voice note every simulated customer records:
// one second of silence as Ogg Opus (RFC 7845), the container and codec
// WhatsApp records voice notes in, built here so no file ships with the
// binary. Each 20 ms packet is Opus's three-byte silent CELT frame.
func sandboxVoiceNote() []byte {
	const (
		serial  = 0x7a617066 // "zapf"
		preSkip = 312
		packets = 50 // 50 × 20 ms
	)
	head := []byte("OpusHead")
	head = append(head, 1, 1) // version, mono
	head = binary.LittleEndian.AppendUint16(head, preSkip)
	head = binary.LittleEndian.AppendUint32(head, 48000)
	head = append(head, 0, 0, 0) // output gain, channel mapping family 0
	vendor := "zapflow sandbox"
	tags := []byte("OpusTags")
	tags = binary.LittleEndian.AppendUint32(tags, uint32(len(vendor)))
	tags = append(tags, vendor...)
	tags = binary.LittleEndian.AppendUint32(tags, 0) // no comments

	silence := []byte{0xf8, 0xff, 0xfe}
	audio := make([][]byte, packets)
	for i := range audio {
		audio[i] = silence
	}
	var out bytes.Buffer
	out.Write(oggPage(0x02, 0, serial, 0, [][]byte{head}))
	out.Write(oggPage(0x00, 0, serial, 1, [][]byte{tags}))
	out.Write(oggPage(0x04, preSkip+packets*960, serial, 2, audio))
	return out.Bytes()
}

// oggPage builds one Ogg page holding whole packets (each under 255
// bytes here, so one lacing value per packet).
func oggPage(flags byte, granule uint64, serial, seq uint32, packets [][]byte) []byte {
	p := []byte("OggS")
	p = append(p, 0, flags)
	p = binary.LittleEndian.AppendUint64(p, granule)
	p = binary.LittleEndian.AppendUint32(p, serial)
	p = binary.LittleEndian.AppendUint32(p, seq)
	p = append(p, 0, 0, 0, 0) // checksum, filled below
	p = append(p, byte(len(packets)))
	for _, pk := range packets {
		p = append(p, byte(len(pk)))
	}
	for _, pk := range packets {
		p = append(p, pk...)
	}
	binary.LittleEndian.PutUint32(p[22:], oggCRC(p))
	return p
}

// oggCRC is Ogg's CRC-32: polynomial 0x04c11db7, not reflected, zero
// initial value and no final xor.
func oggCRC(b []byte) uint32 {
	var crc uint32
	for _, c := range b {
		crc ^= uint32(c) << 24
		for range 8 {
			if crc&0x80000000 != 0 {
				crc = crc<<1 ^ 0x04c11db7
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}
