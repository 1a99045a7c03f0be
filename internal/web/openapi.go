package web

import (
	_ "embed"
	"net/http"
)

// openAPIDoc is the OpenAPI 3.1 description of the REST API (every route in
// routes() plus the public /healthz, /metrics, webhook and document
// endpoints). openapi_test.go keeps it in step with routes(): a route added
// or removed without updating openapi.json fails the tests.
//
//go:embed openapi.json
var openAPIDoc []byte

// serveOpenAPI answers GET /api/openapi.json with the embedded document. It
// needs no API key, so clients and tools can discover the API.
func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPIDoc)
}
