package netguard

import "errors"

// Code is the stable error code a refused request is reported with (a
// flow step's error code, the AI error code).
const Code = "destination_not_allowed"

// DeniedError is a request the guard refused before sending anything.
type DeniedError struct {
	// Destination is what was refused: an IP address, a host name or a
	// URL scheme.
	Destination string
	// Reason says why and how to allow it.
	Reason string
}

func (e *DeniedError) Error() string {
	return "destination " + e.Destination + " is not allowed: " + e.Reason
}

// AsDenied returns the DeniedError in err's chain (through url.Error and
// net.OpError), if any.
func AsDenied(err error) (*DeniedError, bool) {
	var d *DeniedError
	ok := errors.As(err, &d)
	return d, ok
}

// reasonAddress is the fix for a refused address.
const reasonAddress = "outbound requests to private, loopback, link-local and other internal addresses are refused; add it to ZAPFLOW_OUTBOUND_ALLOW to allow it"

// reasonScheme is the fix for a refused scheme.
const reasonScheme = "only http and https URLs can be requested"
