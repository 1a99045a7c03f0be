package whatsapp

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseWebhook checks that no body, however broken, makes the parser
// panic, that every rejection wraps ErrMalformed, and that every accepted
// event can be deduplicated and stored as JSON.
func FuzzParseWebhook(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed corpus in testdata: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"2"},"errors":[{"code":1}]}}]}]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		events, err := ParseWebhook(body)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			if events != nil {
				t.Fatalf("partial events with error: %v", events)
			}
			return
		}
		for i, ev := range events {
			if ev.DedupeKey() == "" {
				t.Fatalf("event %d has an empty dedupe key: %+v", i, ev)
			}
			if _, err := json.Marshal(ev); err != nil {
				t.Fatalf("event %d does not marshal: %v", i, err)
			}
		}
	})
}
