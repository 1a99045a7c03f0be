package flow

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/zapflow/zapflow/internal/apperr"
)

// Format is a flow file format.
type Format string

// The two file formats.
const (
	JSON Format = "json"
	YAML Format = "yaml"
)

// MaxFileSize bounds an imported file.
const MaxFileSize = 1 << 20

// MaxDefinitionSize bounds a definition once read: YAML aliases let a
// small file describe a huge one (a 9.6 KB file of nested aliases expands
// to tens of megabytes), so the expanded size is counted before the
// definition is built, and the result is measured again as stored.
const MaxDefinitionSize = 1 << 20

// Parse reads a flow file strictly: an unknown field is an error, so a
// typo never silently drops a setting. It does not validate; see Validate.
func Parse(data []byte, f Format) (Flow, error) {
	var fl Flow
	if len(data) > MaxFileSize {
		return fl, apperr.Invalid("", "file_too_large", "the flow file is larger than 1 MiB")
	}
	var err error
	switch f {
	case JSON:
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		err = dec.Decode(&fl)
	case YAML:
		if err := checkExpandedYAML(data); err != nil {
			return fl, err
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		err = dec.Decode(&fl)
		if errors.Is(err, io.EOF) {
			err = errors.New("the file is empty")
		}
	default:
		return fl, apperr.Invalid("format", "invalid_format", `format must be "json" or "yaml"`)
	}
	if err != nil {
		return fl, apperr.Invalid("", "invalid_flow_file", "the flow file is not valid "+strings.ToUpper(string(f))+": "+err.Error())
	}
	if err := normalize(&fl); err != nil {
		return fl, err
	}
	if def, err := json.Marshal(fl); err == nil && len(def) > MaxDefinitionSize {
		return fl, errFlowTooLarge()
	}
	return fl, nil
}

func errFlowTooLarge() error {
	return apperr.Invalid("", "flow_too_large", "the flow definition is larger than 1 MiB once YAML aliases are expanded: repeat less through anchors and aliases (&, *)")
}

// checkExpandedYAML counts what a YAML file expands to, following every
// alias, and stops counting at MaxDefinitionSize: the walk costs at most
// that much however deeply aliases nest. A file that does not parse is
// left for the decoder to report.
func checkExpandedYAML(data []byte) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil
	}
	n := 0
	var walk func(nd *yaml.Node, depth int)
	walk = func(nd *yaml.Node, depth int) {
		if nd == nil || n > MaxDefinitionSize {
			return
		}
		if depth > 10_000 {
			n = MaxDefinitionSize + 1 // aliases that loop
			return
		}
		n += len(nd.Value) + 2
		if nd.Kind == yaml.AliasNode {
			walk(nd.Alias, depth+1)
			return
		}
		for _, c := range nd.Content {
			walk(c, depth+1)
			if n > MaxDefinitionSize {
				return
			}
		}
	}
	walk(&doc, 0)
	if n > MaxDefinitionSize {
		return errFlowTooLarge()
	}
	return nil
}

// normalize makes values that both formats can hold compare equal after
// either one is read: http bodies become plain JSON values (YAML reads 5
// as an int, JSON as a float64).
func normalize(fl *Flow) error {
	var err error
	Walk(fl.Steps, "steps", func(s *Step, path string, _ int) {
		if s.Body == nil || err != nil {
			return
		}
		raw, e := json.Marshal(s.Body)
		if e != nil {
			err = apperr.Invalid(path+".body", "invalid_flow_file", "body must be JSON: "+e.Error())
			return
		}
		var v any
		_ = json.Unmarshal(raw, &v)
		s.Body = v
	})
	return err
}

// Export writes a flow in format f. Exporting what Parse read gives the
// same bytes for a file in canonical form (the shipped examples are), and
// Parse(Export(x)) always equals x: files round-trip.
func Export(fl Flow, f Format) ([]byte, error) {
	switch f {
	case JSON:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(fl); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	case YAML:
		var buf bytes.Buffer
		enc := yaml.NewEncoder(&buf)
		enc.SetIndent(2)
		if err := enc.Encode(fl); err != nil {
			return nil, err
		}
		if err := enc.Close(); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	return nil, apperr.Invalid("format", "invalid_format", `format must be "json" or "yaml"`)
}

// FormatOf picks a format from a Content-Type or file name.
func FormatOf(s string) Format {
	s = strings.ToLower(s)
	if strings.Contains(s, "yaml") || strings.HasSuffix(s, ".yml") {
		return YAML
	}
	return JSON
}

// ParseDuration reads a duration, also in days ("2d", "1d12h").
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i > 0 {
		n, err := strconv.Atoi(s[:i])
		if err != nil {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		days = time.Duration(n) * 24 * time.Hour
		s = s[i+1:]
	}
	var rest time.Duration
	if s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			return 0, fmt.Errorf("invalid duration %q: use e.g. 30s, 10m, 2h, 1d", s)
		}
		rest = d
	}
	d := days + rest
	if neg {
		d = -d
	}
	return d, nil
}

func itoa(i int) string { return strconv.Itoa(i) }
