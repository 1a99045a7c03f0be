package contact

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"
)

// exportPage is how many contacts Export reads at a time.
const exportPage = 500

// Export writes the contacts f selects (Limit and Offset ignored) as CSV,
// oldest first, a page at a time so a large address book streams: phone,
// name, profile_name, tags, opted_out, not_on_whatsapp, created_at, then
// one column per custom field. Import reads the file back (profile_name,
// not_on_whatsapp and created_at are left as they are).
func (s *Service) Export(ctx context.Context, w io.Writer, f Filter) error {
	keys, err := s.fieldKeys(ctx)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	header := append([]string{"phone", "name", "profile_name", "tags", "opted_out", "not_on_whatsapp", "created_at"}, keys...)
	if err := cw.Write(header); err != nil {
		return err
	}
	where, args := f.where(s.db.Dialect())
	if where == "" {
		where = " WHERE k.id > ?"
	} else {
		where += " AND k.id > ?"
	}
	var last int64
	for {
		list, err := query(ctx, s.db.Read(), `SELECT `+columns+` FROM contacts k`+where+` ORDER BY k.id LIMIT ?`,
			append(args, last, exportPage)...)
		if err != nil {
			return err
		}
		if err := fillExtras(ctx, s.db.Read(), list); err != nil {
			return err
		}
		for _, c := range list {
			rec := []string{c.Phone, escapeCell(c.Name), escapeCell(c.ProfileName), escapeCell(strings.Join(c.Tags, ", ")),
				strconv.FormatBool(c.OptedOut), strconv.FormatBool(c.NotOnWhatsApp), c.CreatedAt.UTC().Format(time.RFC3339)}
			for _, k := range keys {
				rec = append(rec, escapeCell(c.Fields[k]))
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
			last = c.ID
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		if len(list) < exportPage {
			return nil
		}
	}
}

// fieldKeys lists every custom field name in use, sorted.
func (s *Service) fieldKeys(ctx context.Context) ([]string, error) {
	rows, err := s.db.Read().Query(ctx, `SELECT DISTINCT name FROM contact_fields ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	keys := []string{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

// escapeCell keeps a spreadsheet from running a text cell as a formula
// (a customer picks their own WhatsApp name): a leading =, +, -, @, tab
// or carriage return gets an apostrophe, which Import removes again.
func escapeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
