package backup

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"
)

// FormatVersion is the archive layout this package writes and reads.
const FormatVersion = 1

// Member names inside the archive.
const (
	manifestName = "manifest.json"
	databaseName = "zapflow.db"
	mediaPrefix  = "media/"
)

// Manifest describes one backup. It is the archive's first member.
type Manifest struct {
	Format         int              `json:"format"`
	SchemaVersion  int64            `json:"schema_version"`
	ZapflowVersion string           `json:"zapflow_version"`
	CreatedAt      time.Time        `json:"created_at"`
	Database       string           `json:"database"`
	Tables         map[string]int64 `json:"tables"`
	Files          []File           `json:"files"`
}

// File is one member of the archive and its checksum.
type File struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// ErrDamaged means the archive is not a complete, unchanged zapflow backup.
var ErrDamaged = errors.New("backup: the archive is damaged or not a zapflow backup")

func (m Manifest) encode() ([]byte, error) { return json.MarshalIndent(m, "", "  ") }

func decodeManifest(b []byte) (Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("%w: manifest.json: %v", ErrDamaged, err)
	}
	if m.Format < 1 {
		return m, fmt.Errorf("%w: manifest.json has no format version", ErrDamaged)
	}
	if m.Format > FormatVersion {
		return m, fmt.Errorf("backup: archive format %d is newer than this zapflow reads (%d): restore it with the zapflow version that wrote it (%s) or newer", m.Format, FormatVersion, m.ZapflowVersion)
	}
	seen := map[string]bool{}
	hasDB := false
	for _, f := range m.Files {
		if !safeName(f.Name) || seen[f.Name] || len(f.SHA256) != 64 {
			return m, fmt.Errorf("%w: manifest lists an invalid member %q", ErrDamaged, f.Name)
		}
		seen[f.Name] = true
		hasDB = hasDB || f.Name == databaseName
	}
	if !hasDB {
		return m, fmt.Errorf("%w: manifest lists no database", ErrDamaged)
	}
	return m, nil
}

// safeName accepts the member names this package writes: the database and
// relative paths under media/, never absolute or climbing out.
func safeName(name string) bool {
	if name == databaseName {
		return true
	}
	if !strings.HasPrefix(name, mediaPrefix) || strings.Contains(name, "\\") {
		return false
	}
	clean := path.Clean(name)
	return clean == name && !strings.Contains(clean, "..") && len(clean) > len(mediaPrefix)
}
