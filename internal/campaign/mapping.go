package campaign

import (
	"errors"
	"strings"
)

// member is one audience member as the mapping sees it.
type member struct {
	contactID  int64
	phone      string // as given (CSV) or stored (contact)
	name       string
	optedOut   bool
	notOnWA    bool
	fields     map[string]string
	leadStatus string
	leadSource string
	csv        map[string]string
}

// parseFrom splits a mapping source into its kind and key.
func parseFrom(from string) (kind, key string, err error) {
	if rest, ok := strings.CutPrefix(from, "text:"); ok {
		return "text", rest, nil
	}
	kind, key, ok := strings.Cut(from, ".")
	if !ok || key == "" {
		return "", "", errors.New(`mapping source must be contact.<field>, lead.status, lead.source, csv.<column> or text:<fixed text>, not "` + from + `"`)
	}
	switch kind {
	case "contact", "csv":
		return kind, key, nil
	case "lead":
		if key == "status" || key == "source" {
			return kind, key, nil
		}
	}
	return "", "", errors.New(`unknown mapping source "` + from + `"`)
}

// resolve fills the template's placeholders for m; missing lists the
// placeholders that stayed empty (no value and no default).
func resolve(mapping map[string]Source, placeholders []string, m member) (vars map[string]string, missing []string) {
	vars = make(map[string]string, len(placeholders))
	for _, ph := range placeholders {
		src := mapping[ph]
		v := ""
		kind, key, _ := parseFrom(src.From)
		switch kind {
		case "text":
			v = key
		case "contact":
			switch key {
			case "name":
				v = m.name
			case "phone":
				v = m.phone
			default:
				v = m.fields[key]
			}
		case "lead":
			if key == "status" {
				v = m.leadStatus
			} else {
				v = m.leadSource
			}
		case "csv":
			v = m.csv[key]
		}
		if strings.TrimSpace(v) == "" {
			v = src.Default
		}
		if strings.TrimSpace(v) == "" {
			missing = append(missing, ph)
			continue
		}
		vars[ph] = v
	}
	return vars, missing
}
