package privacy

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestMentionsWholeNumbersOnly: Brazilian numbers exist with and without
// the ninth digit, so one number can be the start of another; a mention
// is the whole number, never a part of a longer one.
func TestMentionsWholeNumbersOnly(t *testing.T) {
	s := &subject{numbers: []string{"551199999999"}, wamids: map[string]bool{"wamid.HBgABC": true}}
	for text, want := range map[string]bool{
		`{"wa_id":"551199999999"}`:              true,
		`call +551199999999 now`:                true,
		`551199999999`:                          true,
		`{"wa_id":"5511999999999"}`:             false, // the longer number
		`{"wa_id":"1551199999999"}`:             false,
		`5511999999990 and 551199999999`:        true,
		`{"id":"wamid.HBgABC","status":"read"}`: true,
		`{"id":"wamid.HBgABCD"}`:                false,
		``:                                      false,
	} {
		require.Equal(t, want, s.mentions(text), text)
	}
}

// TestEveryExportFileIsDescribed: the README explains each file.
func TestEveryExportFileIsDescribed(t *testing.T) {
	for _, tb := range Tables {
		if tb.File != "" {
			require.NotEmpty(t, fileDescriptions[tb.File], tb.File)
		}
	}
}
