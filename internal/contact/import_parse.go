package contact

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/zapflow/zapflow/internal/apperr"
)

// Limits of one CSV import. The whole file is read and checked before
// anything is written, and its good rows go in one transaction.
const (
	MaxImportBytes   = 5 << 20
	MaxImportRows    = 20000
	MaxImportColumns = 60
)

// The column titles (compared as FieldKey makes them) an import reads as
// the phone, the name, the tags and the opt-out; any other column is a
// custom field, except the read-only ones an export writes.
var (
	phoneTitles  = []string{"phone", "telefone", "number", "whatsapp", "phone_number", "numero", "celular", "mobile", "fone"}
	nameTitles   = []string{"name", "nome"}
	tagTitles    = []string{"tags", "tag", "etiquetas"}
	optOutTitles = []string{"opted_out", "opt_out", "optout"}
	readOnly     = []string{"id", "wa_id", "profile_name", "not_on_whatsapp", "created_at", "updated_at"}
)

// RowError is a row an import left out, and why.
type RowError struct {
	// Row is the row's number as a spreadsheet shows it: the title row
	// is 1, the first contact 2.
	Row     int    `json:"row"`
	Phone   string `json:"phone"`
	Code    string `json:"code"`
	Message string `json:"message"`
	// SameAs is, for a duplicate_phone, the row the number was first on.
	SameAs int `json:"same_as,omitempty"`
}

// importRow is a good row, ready to write.
type importRow struct {
	row      int
	waID     string
	phone    string
	name     string
	tags     []string
	fields   map[string]string
	optedOut *bool
}

// importPlan is a checked file: the rows to write and the ones left out.
type importPlan struct {
	rows    []importRow
	errors  []RowError
	ignored []string // read-only columns
	read    int      // data rows read
}

// fileError is a malformed file: nothing of it is imported.
func fileError(code, msg string) error { return apperr.Invalid("file", code, msg) }

// parseImport reads and checks a whole CSV file (UTF-8, with a title row;
// commas or, as spreadsheets in Brazil write, semicolons). region reads
// numbers written without their country code.
func parseImport(data []byte, region string) (importPlan, error) {
	var p importPlan
	if len(data) > MaxImportBytes {
		return p, fileError("csv_too_large", "the file is larger than "+strconv.Itoa(MaxImportBytes>>20)+" MB: split it")
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		return p, fileError("invalid_csv", "the file is not UTF-8 text: save it as “CSV UTF-8”")
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = delimiter(data)
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return p, fileError("invalid_csv", "the file is empty: the first row names the columns, e.g. phone,name,tags")
	}
	if err != nil {
		return p, csvError(err)
	}
	cols, err := readHeader(header, &p)
	if err != nil {
		return p, err
	}
	firstRow := map[string]int{}
	for n := 2; ; n++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return p, csvError(err)
		}
		if blank(rec) {
			continue
		}
		p.read++
		if p.read > MaxImportRows {
			return p, fileError("too_many_rows", "the file has more than "+strconv.Itoa(MaxImportRows)+" contacts: split it")
		}
		row, rerr := cols.row(n, rec, region)
		if rerr == nil {
			if first, dup := firstRow[row.waID]; dup {
				rerr = &RowError{Code: "duplicate_phone", Message: "the same number as row " + strconv.Itoa(first), SameAs: first}
			} else {
				firstRow[row.waID] = n
			}
		}
		if rerr != nil {
			rerr.Row = n
			if rerr.Phone == "" && cols.phone < len(rec) {
				rerr.Phone = clip(strings.TrimSpace(rec[cols.phone]), 40)
			}
			p.errors = append(p.errors, *rerr)
			continue
		}
		p.rows = append(p.rows, row)
	}
	return p, nil
}

// delimiter is ';' when the title row has more semicolons than commas.
func delimiter(data []byte) rune {
	line, _, _ := bytes.Cut(data, []byte("\n"))
	if bytes.Count(line, []byte(";")) > bytes.Count(line, []byte(",")) {
		return ';'
	}
	return ','
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fileError("invalid_csv", "the file is not valid CSV: line "+strconv.Itoa(pe.Line)+": "+pe.Err.Error())
	}
	return fileError("invalid_csv", "the file is not valid CSV")
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// importColumns says which column holds what (-1: none).
type importColumns struct {
	width                 int
	phone, name, tags, oo int
	fields                map[int]string // column → field key
}

func readHeader(header []string, p *importPlan) (importColumns, error) {
	c := importColumns{width: len(header), phone: -1, name: -1, tags: -1, oo: -1, fields: map[int]string{}}
	if len(header) > MaxImportColumns {
		return c, fileError("invalid_csv", "the file has more than "+strconv.Itoa(MaxImportColumns)+" columns")
	}
	seen := map[string]bool{}
	for i, title := range header {
		key := FieldKey(title)
		if key == "" {
			if strings.TrimSpace(title) == "" {
				return c, fileError("invalid_csv", "column "+strconv.Itoa(i+1)+" has no title: the first row names every column")
			}
			return c, fileError("invalid_csv", "column "+strconv.Itoa(i+1)+" ("+strconv.Quote(clip(title, 40))+") needs a title with letters or digits")
		}
		if seen[key] {
			return c, fileError("invalid_csv", "two columns are called "+strconv.Quote(key))
		}
		seen[key] = true
		switch {
		case c.phone < 0 && isOneOf(key, phoneTitles):
			c.phone = i
		case isOneOf(key, nameTitles):
			c.name = i
		case isOneOf(key, tagTitles):
			c.tags = i
		case isOneOf(key, optOutTitles):
			c.oo = i
		case isOneOf(key, readOnly):
			p.ignored = append(p.ignored, strings.TrimSpace(title))
		default:
			c.fields[i] = key
		}
	}
	if c.phone < 0 {
		return c, fileError("no_phone_column", "no phone column: title one column phone, telefone, number or whatsapp")
	}
	if len(c.fields) > MaxFields {
		return c, fileError("invalid_csv", "the file has more than "+strconv.Itoa(MaxFields)+" custom field columns")
	}
	return c, nil
}

func isOneOf(key string, titles []string) bool {
	for _, t := range titles {
		if key == t {
			return true
		}
	}
	return false
}

// row checks one data row.
func (c importColumns) row(n int, rec []string, region string) (importRow, *RowError) {
	row := importRow{row: n, fields: map[string]string{}}
	if len(rec) != c.width {
		return row, &RowError{Code: "wrong_columns", Message: "the row has " + strconv.Itoa(len(rec)) + " cells and the title row " + strconv.Itoa(c.width)}
	}
	cell := func(i int) string {
		if i < 0 {
			return ""
		}
		return strings.TrimSpace(unescapeCell(rec[i]))
	}
	e164, err := normPhone(cell(c.phone), region)
	if err != nil {
		return row, rowError("invalid_phone", err)
	}
	row.phone, row.waID = e164, strings.TrimPrefix(e164, "+")
	if row.name, err = normName(cell(c.name)); err != nil {
		return row, rowError("invalid_name", err)
	}
	if row.tags, err = normTags(splitTags(cell(c.tags))); err != nil {
		return row, rowError("invalid_tags", err)
	}
	if v := cell(c.oo); v != "" {
		b, ok := parseYesNo(v)
		if !ok {
			return row, &RowError{Code: "invalid_opt_out", Message: "opted_out is yes or no (true/false, sim/não, 1/0): " + strconv.Quote(clip(v, 20))}
		}
		row.optedOut = &b
	}
	for i, key := range c.fields {
		v := cell(i)
		if v == "" {
			continue
		}
		if err := checkFieldValue(key, v); err != nil {
			return row, rowError("invalid_field", err)
		}
		row.fields[key] = v
	}
	return row, nil
}

func rowError(code string, err error) *RowError {
	msg := err.Error()
	if ae, ok := apperr.As(err); ok {
		msg = ae.Message
	}
	return &RowError{Code: code, Message: msg}
}

// parseYesNo reads an opt-out cell.
func parseYesNo(v string) (bool, bool) {
	switch FieldKey(v) {
	case "yes", "y", "true", "1", "sim", "s", "opted_out", "x":
		return true, true
	case "no", "n", "false", "0", "nao":
		return false, true
	}
	return false, false
}

// unescapeCell undoes escapeCell: an export writes a text cell that a
// spreadsheet would run as a formula with a leading apostrophe.
func unescapeCell(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(s[1])) {
		return s[1:]
	}
	return s
}
