package contact

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/phone"
)

// Limits of what a contact holds, so one contact stays a small row and a
// page of them a small answer.
const (
	MaxNameLen       = 100 // characters
	MaxTags          = 30
	MaxTagLen        = 40
	MaxFields        = 50
	MaxFieldKeyLen   = 40
	MaxFieldValueLen = 500
)

// codeInvalid is the code of every refused contact input; the field says
// which part.
const codeInvalid = "invalid_request"

// normPhone turns input into E.164, using region (an ISO country code,
// may be "") for a number written without its country code.
func normPhone(input, region string) (string, error) {
	e164, err := phone.Normalize(input, region)
	if err != nil && !strings.ContainsAny(input, "+") {
		// Spreadsheets and CRMs often drop the "+": 5511988887777.
		e164, err = phone.Normalize("+"+strings.TrimSpace(input), "")
	}
	if err != nil {
		msg := "phone must be a valid number with its country code, e.g. +5511988887777"
		if region != "" {
			msg = "phone must be a valid number, e.g. +5511988887777 (or a number of " + strings.ToUpper(region) + " without its country code)"
		}
		return "", apperr.Invalid("phone", codeInvalid, msg)
	}
	return e164, nil
}

// checkRegion normalises region, the country of numbers written without
// their country code ("" for none).
func checkRegion(region string) (string, error) {
	region = strings.ToUpper(strings.TrimSpace(region))
	if region != "" && !phone.ValidRegion(region) {
		return "", apperr.Invalid("region", codeInvalid, "region is an ISO country code such as BR or PT")
	}
	return region, nil
}

// normName trims a display name and checks it.
func normName(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !plainText(s, false) || utf8.RuneCountInString(s) > MaxNameLen {
		return "", apperr.Invalid("name", codeInvalid, "name must be text of at most "+strconv.Itoa(MaxNameLen)+" characters, on one line")
	}
	return s, nil
}

// normTags trims each tag, drops blanks and repeats (ignoring case: the
// first spelling stays) and checks them. A tag holds no comma, semicolon
// or bar, so a list of them fits one CSV cell.
func normTags(in []string) ([]string, error) {
	out := []string{}
	seen := map[string]bool{}
	for _, t := range in {
		t = strings.Join(strings.Fields(t), " ")
		if t == "" {
			continue
		}
		if !plainText(t, false) || strings.ContainsAny(t, ",;|") || utf8.RuneCountInString(t) > MaxTagLen {
			return nil, apperr.Invalid("tags", codeInvalid,
				"a tag is at most "+strconv.Itoa(MaxTagLen)+" characters, without commas, semicolons or bars: "+strconv.Quote(clip(t, 50)))
		}
		if k := strings.ToLower(t); !seen[k] {
			seen[k] = true
			out = append(out, t)
		}
	}
	if len(out) > MaxTags {
		return nil, apperr.Invalid("tags", codeInvalid, "a contact has at most "+strconv.Itoa(MaxTags)+" tags")
	}
	return out, nil
}

// splitTags reads a CSV cell of tags: separated by commas, semicolons or
// bars.
func splitTags(cell string) []string {
	return strings.FieldsFunc(cell, func(r rune) bool { return r == ',' || r == ';' || r == '|' })
}

// checkFieldKey checks a custom field's name: lower-case letters, digits
// and underscores (so a flow can name it as contact.fields.<key>).
func checkFieldKey(k string) error {
	ok := k != "" && len(k) <= MaxFieldKeyLen
	for i := 0; ok && i < len(k); i++ {
		c := k[i]
		ok = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_'
	}
	if ok && reserved(k) {
		return apperr.Invalid("fields", codeInvalid, "a custom field cannot be called "+k+": a contact has it already")
	}
	if !ok {
		return apperr.Invalid("fields", codeInvalid, "a custom field's name is 1 to "+strconv.Itoa(MaxFieldKeyLen)+
			" lower-case letters, digits or underscores, e.g. city or birth_date: "+strconv.Quote(clip(k, 50)))
	}
	return nil
}

// reserved reports whether k names a contact's own column in a CSV file.
func reserved(k string) bool {
	for _, list := range [][]string{phoneTitles, nameTitles, tagTitles, optOutTitles, readOnly} {
		if isOneOf(k, list) {
			return true
		}
	}
	return false
}

// checkFieldValue checks a custom field's value (newlines allowed).
func checkFieldValue(k, v string) error {
	if !plainText(v, true) || utf8.RuneCountInString(v) > MaxFieldValueLen {
		return apperr.Invalid("fields."+k, codeInvalid, "the value of "+k+" must be text of at most "+strconv.Itoa(MaxFieldValueLen)+" characters")
	}
	return nil
}

// FieldKey turns a column title into a custom field name: "Data de
// nascimento" is data_de_nascimento, "E-mail" is e_mail. "" when nothing
// is left.
func FieldKey(title string) string {
	var b strings.Builder
	under := false
	for _, r := range norm.NFD.String(strings.ToLower(strings.TrimSpace(title))) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if under && b.Len() > 0 {
				b.WriteByte('_')
			}
			under = false
			b.WriteRune(r)
		default:
			under = true
		}
	}
	return clip(b.String(), MaxFieldKeyLen)
}

// plainText reports whether s is valid UTF-8 without control characters
// (newlines and tabs allowed when multiline).
func plainText(s string, multiline bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t')) {
			return false
		}
	}
	return true
}

// clip cuts s to at most n characters.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
