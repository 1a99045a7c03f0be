package privacy

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zapflow/zapflow/internal/store"
)

// Export is one contact's data, ready to be written as a ZIP. Prepare
// checks the contact exists, so a caller can answer 404 before it starts
// a download.
type Export struct {
	svc *Service
	s   *subject
	m   *matcher
}

// Prepare starts the export of contact id (apperr not_found if none).
func (svc *Service) Prepare(ctx context.Context, id int64) (*Export, error) {
	s, m, err := loadSubject(ctx, svc.db.Read(), svc.db.Dialect(), id)
	if err != nil {
		return nil, err
	}
	return &Export{svc: svc, s: s, m: m}, nil
}

// Filename is the download's name.
func (e *Export) Filename() string {
	return "zapflow-contact-" + strconv.FormatInt(e.s.contactID, 10) + ".zip"
}

// WriteTo streams the ZIP to w: one JSON file per kind of record, the
// media files, then README.txt (which counts the records). Rows are read table by table and written
// as they come, media one file at a time, so a long history never sits in
// memory whole.
func (e *Export) WriteTo(ctx context.Context, w io.Writer) error {
	zw := zip.NewWriter(w)
	q, d, m := e.svc.db.Read(), e.svc.db.Dialect(), e.m
	now := e.svc.now().UTC()
	counts := map[string]int{}
	var files []blobFiles
	for _, t := range Tables {
		if t.File == "" {
			continue
		}
		cols, err := SchemaColumns(ctx, q, d, t.Name)
		if err != nil {
			return err
		}
		if t.Blob != nil {
			cols = without(cols, t.Blob.Column)
		}
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: t.File, Method: zip.Deflate, Modified: now})
		if err != nil {
			return err
		}
		enc := newListWriter(fw, t.One)
		var keys []any
		var names []string
		err = m.each(ctx, t, cols, func(r row) error {
			obj := object(cols, r.vals, t.JSON)
			if t.Blob != nil {
				name := t.Blob.Dir + "/" + text(valueOf(cols, r.vals, t.Blob.Name)) + extension(text(valueOf(cols, r.vals, t.Blob.Mime)))
				obj = append(obj, field{"file", name})
				keys, names = append(keys, r.key), append(names, name)
			}
			counts[t.File]++
			return enc.write(obj)
		})
		if err != nil {
			return err
		}
		if err := enc.close(); err != nil {
			return err
		}
		if t.Blob != nil {
			files = append(files, blobFiles{t, keys, names})
		}
	}
	for _, f := range files {
		for i, k := range f.keys {
			var data []byte
			err := q.QueryRow(ctx, `SELECT `+ident(f.t.Blob.Column)+` FROM `+ident(f.t.Name)+` WHERE `+ident(f.t.Key)+` = ?`, k).Scan(&data)
			if errors.Is(err, store.ErrNotFound) {
				continue // evicted from the cache since its row was read
			}
			if err != nil {
				return fmt.Errorf("privacy: read %s %v: %w", f.t.Name, k, err)
			}
			fw, err := zw.CreateHeader(&zip.FileHeader{Name: f.name[i], Method: zip.Store, Modified: now})
			if err != nil {
				return err
			}
			if _, err := fw.Write(data); err != nil {
				return err
			}
		}
	}
	fw, err := zw.CreateHeader(&zip.FileHeader{Name: "README.txt", Method: zip.Deflate, Modified: now})
	if err != nil {
		return err
	}
	if _, err := io.WriteString(fw, readme(e.s.contactID, now, counts)); err != nil {
		return err
	}
	return zw.Close()
}

// field is one member of a JSON object, kept in column order.
type field struct {
	name  string
	value any
}

// object turns a row into ordered fields: JSON columns are embedded as
// documents, *_at times (unix ms) become RFC 3339 (0: null), and blobs
// never reach it.
func object(cols []string, vals []any, jsonCols []string) []field {
	out := make([]field, 0, len(cols))
	for i, c := range cols {
		v := vals[i]
		if b, ok := v.([]byte); ok {
			v = string(b)
			if !utf8.Valid(b) {
				v = base64.StdEncoding.EncodeToString(b)
			}
		}
		if contains(jsonCols, c) {
			if s, ok := v.(string); ok && json.Valid([]byte(s)) {
				v = json.RawMessage(s)
			}
		}
		if strings.HasSuffix(c, "_at") {
			if ms, ok := v.(int64); ok {
				if ms == 0 {
					v = nil
				} else {
					v = time.UnixMilli(ms).UTC().Format(time.RFC3339Nano)
				}
			}
		}
		out = append(out, field{c, v})
	}
	return out
}

func valueOf(cols []string, vals []any, name string) any {
	for i, c := range cols {
		if c == name {
			return vals[i]
		}
	}
	return nil
}

// listWriter writes a JSON list (or, for one, the single object) one
// object at a time.
type listWriter struct {
	w     io.Writer
	one   bool
	n     int
	begun bool
}

func newListWriter(w io.Writer, one bool) *listWriter { return &listWriter{w: w, one: one} }

func (l *listWriter) write(obj []field) error {
	var b bytes.Buffer
	switch {
	case l.one && l.n > 0:
		return fmt.Errorf("privacy: more than one row for a single-object file")
	case l.one:
	case l.n == 0:
		b.WriteString("[\n  ")
	default:
		b.WriteString(",\n  ")
	}
	b.WriteString("{")
	for i, f := range obj {
		if i > 0 {
			b.WriteString(", ")
		}
		k, _ := json.Marshal(f.name)
		v, err := json.Marshal(f.value)
		if err != nil {
			return err
		}
		b.Write(k)
		b.WriteString(": ")
		b.Write(v)
	}
	b.WriteString("}")
	l.n++
	_, err := l.w.Write(b.Bytes())
	return err
}

func (l *listWriter) close() error {
	var end string
	switch {
	case l.one && l.n == 0:
		end = "null\n"
	case l.one:
		end = "\n"
	case l.n == 0:
		end = "[]\n"
	default:
		end = "\n]\n"
	}
	_, err := io.WriteString(l.w, end)
	return err
}

// extension is the file extension of a MIME type ("" if unknown).
func extension(mimeType string) string {
	switch mimeType {
	case "image/jpeg":
		return ".jpg"
	case "audio/ogg":
		return ".ogg"
	}
	if exts, _ := mime.ExtensionsByType(mimeType); len(exts) > 0 {
		return exts[0]
	}
	return ""
}

func without(cols []string, name string) []string {
	out := make([]string, 0, len(cols))
	for _, c := range cols {
		if c != name {
			out = append(out, c)
		}
	}
	return out
}

// blobFiles are the files of a table's blob column: the rows' keys and
// the names they take in the ZIP.
type blobFiles struct {
	t    Table
	keys []any
	name []string
}
