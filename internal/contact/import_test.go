package contact_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/contact"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// A file with bad rows imports its good rows (new contacts created, known
// ones updated) and reports every bad row with its number and reason.
func TestImportReportsBadRowsAndImportsTheRest(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		s, _, by := newService(t, db)
		known, err := s.Create(ctx, contact.Input{Phone: ptr("+5511988887777"), Name: ptr("Ana"), Tags: &[]string{"VIP"},
			Fields: map[string]*string{"plan": ptr("gold")}}, "", by)
		require.NoError(t, err)

		file := "\ufeffTelefone;Nome;Tags;Cidade;Opted out;profile_name\n" +
			"(11) 98888-7777;Ana Souza;vip, loja;São Paulo;sim;ignored\n" + // known: updated
			"+55 21 97777-6666;Caio;;Rio;;\n" +
			"12345;Bad;;;;\n" + // row 4: invalid number
			"5521977776666;Caio again;;;;\n" + // row 5: the same number as row 3
			";;;;;\n" + // blank: skipped
			"+5531966665555;Duda;a,b|c;;talvez;\n" + // row 7: bad opt-out
			"+5541955554444;\"Eva\nNova\";;;;\n" + // row 8: a name on two lines
			"+5551944443333;Fabi;;Porto Alegre\n" + // row 9: a cell short
			"5551933332222;'=Gil;;;não;\n" // a formula-looking name as an export writes it
		res, err := s.Import(ctx, []byte(file), "BR", by)
		require.NoError(t, err)
		require.Equal(t, 8, res.Rows)
		require.Equal(t, 2, res.Created)
		require.Equal(t, 1, res.Updated)
		require.Equal(t, []string{"profile_name"}, res.Ignored)
		got := map[int]string{}
		for _, e := range res.Errors {
			got[e.Row] = e.Code
			require.NotEmpty(t, e.Message)
		}
		require.Equal(t, map[int]string{4: "invalid_phone", 5: "duplicate_phone", 7: "invalid_opt_out", 8: "invalid_name", 9: "wrong_columns"}, got)
		require.Equal(t, "12345", res.Errors[0].Phone)
		require.Contains(t, res.Errors[1].Message, "row 3")

		ana, err := s.Get(ctx, known.ID)
		require.NoError(t, err)
		require.Equal(t, "Ana Souza", ana.Name)
		require.Equal(t, []string{"loja", "VIP"}, ana.Tags, "tags added, VIP kept as spelled")
		require.Equal(t, map[string]string{"plan": "gold", "cidade": "São Paulo"}, ana.Fields)
		require.True(t, ana.OptedOut)
		h, err := s.OptOutHistory(ctx, known.ID)
		require.NoError(t, err)
		require.Len(t, h, 1)
		require.Equal(t, "import", h[0].Source)
		require.Equal(t, "row 2", h[0].Detail)
		require.Equal(t, by.UserID, h[0].UserID)

		p, err := s.List(ctx, contact.Filter{Phone: "+5521977776666"})
		require.NoError(t, err)
		require.Len(t, p.Contacts, 1)
		require.Equal(t, "Caio", p.Contacts[0].Name)
		require.Equal(t, map[string]string{"cidade": "Rio"}, p.Contacts[0].Fields)
		p, err = s.List(ctx, contact.Filter{Phone: "+5551933332222"})
		require.NoError(t, err)
		require.Equal(t, "=Gil", p.Contacts[0].Name, "the export's apostrophe is taken off")
		require.Equal(t, 3, count(t, db, `SELECT COUNT(*) FROM contacts`))
	})
}

// A malformed file imports nothing, not even its good rows.
func TestMalformedImportImportsNothing(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		s, _, by := newService(t, db)
		files := map[string]string{
			"invalid_csv":     "phone,name\n+5511988887777,Ana\n+5521977776666,\"Caio\n",
			"no_phone_column": "nome,cidade\nAna,Rio\n",
			"empty":           "",
			"not utf-8":       "phone,name\n+5511988887777,Jos\xe9\n",
			"untitled column": "phone,,name\n+5511988887777,x,Ana\n",
			"repeated column": "phone,city,City\n+5511988887777,a,b\n",
			"too_many_rows":   "phone\n" + strings.Repeat("+5511988887777\n", contact.MaxImportRows+1),
			"csv_too_large":   "phone,notes\n+5511988887777," + strings.Repeat("x", contact.MaxImportBytes) + "\n",
		}
		for name, file := range files {
			_, err := s.Import(ctx, []byte(file), "", by)
			ae, ok := apperr.As(err)
			require.True(t, ok, "%s: %v", name, err)
			require.Equal(t, apperr.KindInvalid, ae.Kind, name)
			require.Equal(t, "file", ae.Field, name)
			if strings.Contains(name, "_") {
				require.Equal(t, name, ae.Code)
			}
		}
		require.Zero(t, count(t, db, `SELECT COUNT(*) FROM contacts`), "nothing imported")
	})
}

// An export read back by an import changes nothing; a filtered export
// holds only what the filter selects.
func TestExportRoundTrips(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		s, _, by := newService(t, db)
		_, err := s.Create(ctx, contact.Input{Phone: ptr("+5511988887777"), Name: ptr("Ana, \"a primeira\""),
			Tags: &[]string{"VIP", "loja centro"}, Fields: map[string]*string{"city": ptr("São Paulo"), "notes": ptr("linha 1\nlinha 2")},
			OptedOut: ptr(true)}, "", by)
		require.NoError(t, err)
		_, err = s.Create(ctx, contact.Input{Phone: ptr("+5521977776666"), Name: ptr("=SUM(A1)"), Fields: map[string]*string{"plan": ptr("-10%")}}, "", by)
		require.NoError(t, err)
		for i := range 600 { // more than one page of the export
			_, err := s.Create(ctx, contact.Input{Phone: ptr(fmt.Sprintf("+55319%04d5555", i))}, "", by)
			require.NoError(t, err)
		}
		before := export(t, s, contact.Filter{})
		require.Equal(t, 603, strings.Count(before, "\n")-strings.Count(before, "linha 1\n"))
		require.True(t, strings.HasPrefix(before, "phone,name,profile_name,tags,opted_out,not_on_whatsapp,created_at,city,notes,plan\n"))
		require.Contains(t, before, `'=SUM(A1)`, "a formula is not a formula in a spreadsheet")

		all, err := s.List(ctx, contact.Filter{Limit: contact.MaxLimit})
		require.NoError(t, err)
		res, err := s.Import(ctx, []byte(before), "", by)
		require.NoError(t, err)
		require.Empty(t, res.Errors)
		require.Equal(t, 602, res.Updated)
		require.Zero(t, res.Created)
		again, err := s.List(ctx, contact.Filter{Limit: contact.MaxLimit})
		require.NoError(t, err)
		for i := range again.Contacts {
			again.Contacts[i].UpdatedAt = all.Contacts[i].UpdatedAt
		}
		require.Equal(t, all, again, "the import changed nothing")
		require.Equal(t, before, export(t, s, contact.Filter{}))

		vip := export(t, s, contact.Filter{Tag: "vip"})
		require.Equal(t, 1, strings.Count(vip, "+55"), "only Ana: %s", vip)
		require.Contains(t, vip, "+5511988887777,\"Ana, \"\"a primeira\"\"\",,\"loja centro, VIP\",true,false,")
	})
}
