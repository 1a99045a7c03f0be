package messaging

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPhoneCacheKeepsResultsPerRegion(t *testing.T) {
	var c phoneCache
	for range 2 { // the second round is served from the cache
		got, err := c.normalize("(11) 99999-9999", "BR")
		require.NoError(t, err)
		require.Equal(t, "+5511999999999", got)
		_, err = c.normalize("(11) 99999-9999", "")
		require.Error(t, err, "no region: the same text is invalid")
	}
	require.Len(t, c.m, 2)
	c.m = make(map[[2]string]phoneResult, phoneCacheMax)
	for i := range phoneCacheMax {
		c.m[[2]string{string(rune(i)), ""}] = phoneResult{}
	}
	_, _ = c.normalize("+442071234567", "")
	require.Len(t, c.m, 1, "a full cache starts over")
}
