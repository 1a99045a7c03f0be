package flow

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Validation errors and save warnings name the field at fault by its path
// in the definition (steps[2].branches[0].steps[1].template.name). An
// editor shows the problem at the line of the file that holds that field:
// FieldLine finds it, in YAML or JSON text, falling back to the nearest
// enclosing field that is written (a missing field points at its step).

// FieldLine returns the 1-based line of text (in format f) where the
// field at path is written, or of its nearest written parent; 0 when the
// text does not parse or the path names nothing in it.
func FieldLine(text []byte, f Format, path string) int {
	lines := fieldLines(text, f)
	if lines == nil {
		return 0
	}
	segs := splitPath(path)
	for n := len(segs); n > 0; n-- {
		if line, ok := lines[strings.Join(segs[:n], "")]; ok {
			return line
		}
	}
	return 0
}

// splitPath splits steps[2].template.name into steps, [2], .template, .name
// so that joining any prefix gives the key fieldLines uses.
func splitPath(path string) []string {
	var segs []string
	for path != "" {
		i := strings.IndexAny(path[1:], ".[")
		if i < 0 {
			segs = append(segs, path)
			break
		}
		segs = append(segs, path[:i+1])
		path = path[i+1:]
	}
	return segs
}

// fieldLines maps every field path of text to its line.
func fieldLines(text []byte, f Format) map[string]int {
	out := map[string]int{}
	switch f {
	case YAML:
		var doc yaml.Node
		if err := yaml.Unmarshal(text, &doc); err != nil || len(doc.Content) == 0 {
			return nil
		}
		yamlLines(doc.Content[0], "", out, 0)
	case JSON:
		dec := json.NewDecoder(bytes.NewReader(text))
		dec.UseNumber()
		lineAt := lineIndex(text)
		if err := jsonLines(dec, "", out, lineAt, 0); err != nil {
			return nil
		}
	default:
		return nil
	}
	return out
}

func yamlLines(n *yaml.Node, path string, out map[string]int, depth int) {
	if n == nil || depth > 200 {
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			p := join(path, k.Value)
			out[p] = k.Line
			yamlLines(n.Content[i+1], p, out, depth+1)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p := path + "[" + strconv.Itoa(i) + "]"
			out[p] = c.Line
			yamlLines(c, p, out, depth+1)
		}
	}
}

// jsonLines reads one JSON value from dec, recording the line of every
// member key and array element under path.
func jsonLines(dec *json.Decoder, path string, out map[string]int, lineAt func(int64) int, depth int) error {
	if depth > 200 {
		return errTooDeep
	}
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	switch d {
	case '{':
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return err
			}
			p := join(path, k.(string))
			out[p] = lineAt(dec.InputOffset())
			if err := jsonLines(dec, p, out, lineAt, depth+1); err != nil {
				return err
			}
		}
	case '[':
		for i := 0; dec.More(); i++ {
			p := path + "[" + strconv.Itoa(i) + "]"
			// The element starts after the separator that ends the
			// previous one (lineAt skips it).
			out[p] = lineAt(dec.InputOffset())
			if err := jsonLines(dec, p, out, lineAt, depth+1); err != nil {
				return err
			}
		}
	}
	_, err = dec.Token() // the closing delimiter
	return err
}

type tooDeep struct{}

func (tooDeep) Error() string { return "nested too deeply" }

var errTooDeep error = tooDeep{}

// lineIndex returns a function giving the 1-based line of a byte offset.
// An offset that sits on separators or spaces counts from the next
// non-space character.
func lineIndex(text []byte) func(int64) int {
	return func(off int64) int {
		i := int(min(off, int64(len(text))))
		for i < len(text) && strings.IndexByte(" \t\r\n,:", text[i]) >= 0 {
			i++
		}
		return 1 + bytes.Count(text[:min(i, len(text))], []byte("\n"))
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
