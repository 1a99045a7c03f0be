package messaging

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/account"
	"github.com/zapflow/zapflow/internal/phone"
	"github.com/zapflow/zapflow/internal/whatsapp"
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

// WarmRecipients puts in the cache exactly what SendTx's normalize would:
// phone.Normalize of the customer's contact number (FromWAID) for the
// account's region, refusals and rewrites included, and nothing for
// events that are not messages or whose wa_id is not a number.
func TestWarmRecipientsCacheWhatNormalizeSays(t *testing.T) {
	msg := func(from string) whatsapp.Event {
		return whatsapp.Event{Kind: whatsapp.EventMessage, Message: &whatsapp.InboundMessage{From: from}}
	}
	evs := []whatsapp.Event{
		msg("5511988887777"), // valid
		msg("15550783881"),   // Meta's test number: FromWAID takes it, Normalize does not
		msg("551198888777"),  // an old 8-digit mobile: idem
		msg("4407911123456"), // a national 0 after the country code: Normalize drops it
		msg("12ab"),          // not a number: no contact, nothing to warm
		{Kind: whatsapp.EventStatus, Status: &whatsapp.Status{RecipientID: "5511977776666"}},
	}
	for _, region := range []string{"", "BR", "XX"} {
		var o Outbox
		o.WarmRecipients(account.Account{DefaultRegion: region}, evs)
		require.Len(t, o.phones.m, 4, region)
		for _, from := range []string{"5511988887777", "15550783881", "551198888777", "4407911123456"} {
			r, ok := o.phones.m[[2]string{"+" + from, region}]
			require.True(t, ok, from)
			e164, err := phone.Normalize("+"+from, region)
			require.Equal(t, e164, r.e164, from)
			require.Equal(t, err, r.err, from)
		}
	}
	var o Outbox
	o.WarmRecipients(account.Account{}, evs)
	got, err := o.phones.normalize("+4407911123456", "")
	require.NoError(t, err)
	require.Equal(t, "+447911123456", got)
	_, err = o.phones.normalize("+15550783881", "")
	require.ErrorIs(t, err, phone.ErrInvalid)
	_, err = o.phones.normalize("+5511988887777", "XX")
	require.ErrorIs(t, err, phone.ErrInvalid, "an unknown region refuses every number, warm or not")
}
