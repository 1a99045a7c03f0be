//go:build !unix

package doctor

import "errors"

// FreeDisk is not implemented off Unix.
func FreeDisk(string) (uint64, uint64, error) {
	return 0, 0, errors.New("free disk space is only read on Unix systems")
}
