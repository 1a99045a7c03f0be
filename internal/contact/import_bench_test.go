package contact_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/contact"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// BenchmarkImportMaxRows imports the largest file an import takes
// (MaxImportRows contacts with a name, two tags and two custom fields)
// into an empty database, then again over the same contacts (all
// updates), on each dialect:
//
//	go test -run '^$' -bench ImportMaxRows -benchtime 1x ./internal/contact
func BenchmarkImportMaxRows(b *testing.B) {
	var file strings.Builder
	file.WriteString("phone,name,tags,city,plan\n")
	for i := range contact.MaxImportRows {
		fmt.Fprintf(&file, "+55119%08d,Cliente %d,\"vip, loja\",São Paulo,gold\n", 10000000+i, i)
	}
	data := []byte(file.String())
	for _, d := range storetest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			for range b.N {
				db := storetest.New(b, d)
				s := contact.New(db, nil)
				start := time.Now()
				res, err := s.Import(context.Background(), data, "", contact.Actor{Source: contact.SourceAPI})
				require.NoError(b, err)
				require.Equal(b, contact.MaxImportRows, res.Created, res.Errors)
				b.ReportMetric(time.Since(start).Seconds(), "s/create")
				start = time.Now()
				res, err = s.Import(context.Background(), data, "", contact.Actor{Source: contact.SourceAPI})
				require.NoError(b, err)
				require.Equal(b, contact.MaxImportRows, res.Updated)
				b.ReportMetric(time.Since(start).Seconds(), "s/update")
			}
		})
	}
}
