package phone_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/phone"
)

const invalidMsg = "invalid phone number: use +<country code><number>"

func TestErrInvalidMessage(t *testing.T) {
	t.Parallel()
	require.EqualError(t, phone.ErrInvalid, invalidMsg)
}

func TestNormalize(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name    string
		input   string
		region  string
		want    string
		wantErr string // substring of the error detail; "" means success
	}{
		{name: "E.164 BR unchanged", input: "+5511999999999", want: "+5511999999999"},
		{name: "E.164 GB unchanged", input: "+442071234567", want: "+442071234567"},
		{name: "formatted international", input: "+55 (11) 99999-9999", want: "+5511999999999"},
		{name: "dots and spaces", input: "+44 20.7123.4567", want: "+442071234567"},
		{name: "00 prefix", input: "0044 20 7123 4567", want: "+442071234567"},
		{name: "00 prefix with region", input: "0044 20 7123 4567", region: "BR", want: "+442071234567"},
		{name: "international ignores region", input: "+442071234567", region: "BR", want: "+442071234567"},
		{name: "national BR with region", input: "(11) 99999-9999", region: "BR", want: "+5511999999999"},
		{name: "national BR lowercase region", input: "(11) 99999-9999", region: "br", want: "+5511999999999"},
		{name: "national GB mobile with region", input: "07123456789", region: "GB", want: "+447123456789"},
		{name: "national GB mobile 074 with region", input: "07400 123456", region: "GB", want: "+447400123456"},

		{name: "national BR without region", input: "(11) 9999-9999", wantErr: `"(11) 9999-9999": no country code`},
		{name: "national GB without region", input: "07123456789", wantErr: `"07123456789": no country code`},
		{name: "national BR 8-digit mobile not valid", input: "(11) 9999-9999", region: "BR", wantErr: "not a valid number"},
		{name: "letters", input: "abc", wantErr: "unexpected character"},
		{name: "vanity letters", input: "+1 800 FLOWERS", wantErr: "unexpected character"},
		{name: "empty", input: "", wantErr: "empty input"},
		{name: "blank", input: "   ", wantErr: "empty input"},
		{name: "plus only", input: "+", wantErr: "no digits"},
		{name: "00 only", input: "00", wantErr: "no digits"},
		{name: "unknown country code", input: "+999123", wantErr: `"+999123"`},
		{name: "misplaced plus", input: "55+11999999999", wantErr: "misplaced '+'"},
		{name: "double plus", input: "++5511999999999", wantErr: "misplaced '+'"},
		{name: "extension", input: "+442071234567#12", wantErr: "unexpected character"},
		{name: "too short", input: "+55119", wantErr: `"+55119"`},
		{name: "too long", input: "+5511999999999999999999999999999999999999999999999999999999999999999", wantErr: "longer than"},
		{name: "unknown region", input: "07123456789", region: "XX", wantErr: `unknown default region "XX"`},
		{name: "unknown region with international input", input: "+442071234567", region: "ZZ", wantErr: "unknown default region"},
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			got, err := phone.Normalize(tc.input, tc.region)
			if tc.wantErr == "" {
				require.NoError(t, err)
				require.Equal(t, tc.want, got)
				return
			}
			require.Error(t, err)
			require.True(t, errors.Is(err, phone.ErrInvalid), "error %q does not wrap ErrInvalid", err)
			require.Contains(t, err.Error(), invalidMsg)
			require.Contains(t, err.Error(), tc.wantErr)
			require.Empty(t, got)
		})
	}
}

func TestFromWAID(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name    string
		waID    string
		want    string
		wantErr bool
	}{
		{name: "BR mobile", waID: "5511988887777", want: "+5511988887777"},
		{name: "Meta test number (not IsValidNumber)", waID: "15550783881", want: "+15550783881"},
		{name: "8 digits", waID: "12345678", want: "+12345678"},
		{name: "15 digits", waID: "123456789012345", want: "+123456789012345"},
		{name: "letters", waID: "12ab", wantErr: true},
		{name: "letters long enough", waID: "5511988ab7777", wantErr: true},
		{name: "empty", waID: "", wantErr: true},
		{name: "too short", waID: "1234567", wantErr: true},
		{name: "too long", waID: "1234567890123456", wantErr: true},
		{name: "with plus", waID: "+5511988887777", wantErr: true},
		{name: "leading zero", waID: "05511988887777", wantErr: true},
		{name: "non-ASCII digits", waID: "٥٥١١٩٨٨٨٨٧٧٧٧", wantErr: true},
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			got, err := phone.FromWAID(tc.waID)
			if tc.wantErr {
				require.ErrorIs(t, err, phone.ErrInvalid)
				require.Empty(t, got)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
			require.Equal(t, tc.waID, phone.WAID(got), "WAID must invert FromWAID")
		})
	}
}

func TestWAID(t *testing.T) {
	t.Parallel()

	tests := []struct{ in, want string }{
		{in: "+5511999999999", want: "5511999999999"},
		{in: "+15550783881", want: "15550783881"},
		{in: "5511999999999", want: "5511999999999"},
		{in: "", want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, phone.WAID(tc.in))
		})
	}
}

func TestValidRegion(t *testing.T) {
	t.Parallel()

	tests := []struct {
		region string
		want   bool
	}{
		{region: "BR", want: true},
		{region: "GB", want: true},
		{region: "US", want: true},
		{region: "br", want: true},
		{region: "", want: false},
		{region: "XX", want: false},
		{region: "ZZ", want: false},
		{region: "001", want: false},
		{region: "BRA", want: false},
	}
	for _, tc := range tests {
		t.Run(tc.region, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, phone.ValidRegion(tc.region))
		})
	}
}

func BenchmarkNormalize(b *testing.B) {
	b.Run("international", func(b *testing.B) {
		for b.Loop() {
			if _, err := phone.Normalize("+55 (11) 99999-9999", ""); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("national with region", func(b *testing.B) {
		for b.Loop() {
			if _, err := phone.Normalize("07123 456789", "GB"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
