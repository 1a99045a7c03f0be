package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// openAPIMethods are the operation keys of an OpenAPI path item.
var openAPIMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// apiPrefix is where routes() lives; everything else in the document is a
// public endpoint registered by hand in NewHandler.
const apiPrefix = "/api/v1/"

// openAPIOp is one operation of the document.
type openAPIOp struct {
	Method string // upper case
	Path   string
	PathIt map[string]any // the path item, for path-level parameters
	Op     map[string]any
}

func (o openAPIOp) key() string { return o.Method + " " + o.Path }

// loadOpenAPI parses the embedded document.
func loadOpenAPI(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	require.NoError(t, json.Unmarshal(openAPIDoc, &doc), "openapi.json is not valid JSON")
	return doc
}

// openAPIOps lists the operations of the document whose path starts with
// prefix ("" for all), sorted by path and method.
func openAPIOps(t *testing.T, doc map[string]any, prefix string) []openAPIOp {
	t.Helper()
	paths, ok := doc["paths"].(map[string]any)
	require.True(t, ok, "openapi.json has no paths object")
	var ops []openAPIOp
	for p, v := range paths {
		if !strings.HasPrefix(p, prefix) {
			continue
		}
		item, ok := v.(map[string]any)
		require.True(t, ok, "path item %s is not an object", p)
		for _, m := range openAPIMethods {
			if raw, found := item[m]; found {
				op, ok := raw.(map[string]any)
				require.True(t, ok, "%s %s is not an object", m, p)
				ops = append(ops, openAPIOp{Method: strings.ToUpper(m), Path: p, PathIt: item, Op: op})
			}
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].key() < ops[j].key() })
	return ops
}

// resolvePointer follows a local JSON reference ("#/a/b") in doc.
func resolvePointer(doc map[string]any, ref string) (any, bool) {
	frag, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, false
	}
	var cur any = doc
	for _, tok := range strings.Split(frag, "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch c := cur.(type) {
		case map[string]any:
			if cur, ok = c[tok]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// deref returns v, or what its $ref points to (one level at a time).
func deref(t *testing.T, doc map[string]any, v any) map[string]any {
	t.Helper()
	for range 10 {
		m, ok := v.(map[string]any)
		require.True(t, ok, "expected an object, got %T", v)
		ref, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		v, ok = resolvePointer(doc, ref)
		require.True(t, ok, "$ref %q does not resolve", ref)
	}
	t.Fatalf("$ref chain too long")
	return nil
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	t.Parallel()
	doc := loadOpenAPI(t)

	version, _ := doc["openapi"].(string)
	require.Regexp(t, `^3\.1\.\d+$`, version, "openapi must be 3.1.x")

	info, ok := doc["info"].(map[string]any)
	require.True(t, ok, "info is missing")
	require.Equal(t, "zapflow", info["title"])
	require.NotEmpty(t, info["version"])
	require.Contains(t, info["description"], "Authorization: Bearer")

	comps, ok := doc["components"].(map[string]any)
	require.True(t, ok, "components is missing")
	schemes, _ := comps["securitySchemes"].(map[string]any)
	bearer, ok := schemes["bearerAuth"].(map[string]any)
	require.True(t, ok, "components.securitySchemes.bearerAuth is missing")
	require.Equal(t, "http", bearer["type"])
	require.Equal(t, "bearer", bearer["scheme"])

	schemas, _ := comps["schemas"].(map[string]any)
	for _, name := range []string{"Error", "Account", "AccountView", "AccountInput", "Sender", "SenderInput", "Template",
		"Contact", "Conversation", "ConversationPage", "Message"} {
		require.Contains(t, schemas, name, "components.schemas.%s is missing", name)
	}

	// The file is pretty-printed with two-space indentation, as json.Indent
	// writes it, so diffs stay readable.
	var compact, pretty bytes.Buffer
	require.NoError(t, json.Compact(&compact, openAPIDoc))
	require.NoError(t, json.Indent(&pretty, compact.Bytes(), "", "  "))
	require.True(t, bytes.Equal(pretty.Bytes(), bytes.TrimSpace(openAPIDoc)),
		"openapi.json is not formatted with a two-space indent (e.g. jq --indent 2 . or python3 -m json.tool --indent 2)")
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	doc := loadOpenAPI(t)

	routes := map[string]route{}
	for _, rt := range (&server{}).routes() {
		k := rt.Method + " " + rt.Pattern
		_, dup := routes[k]
		require.False(t, dup, "routes() declares %s twice", k)
		require.True(t, strings.HasPrefix(rt.Pattern, apiPrefix), "route %s is outside %s", k, apiPrefix)
		routes[k] = rt
	}
	documented := map[string]openAPIOp{}
	for _, op := range openAPIOps(t, doc, apiPrefix) {
		documented[op.key()] = op
	}

	var missing, extra []string
	for k := range routes {
		if _, ok := documented[k]; !ok {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if _, ok := routes[k]; !ok {
			extra = append(extra, k)
		}
	}
	slices.Sort(missing)
	slices.Sort(extra)
	require.True(t, len(missing) == 0 && len(extra) == 0,
		"openapi.json and routes() disagree\n  in routes() but not documented in openapi.json:\n    %s\n  documented in openapi.json but not in routes():\n    %s",
		orNone(missing), orNone(extra))

	// Each operation says which role (or permission) it needs, and
	// operations not open to every key document the 403 the adapter
	// answers to other keys.
	for k, rt := range routes {
		op := documented[k]
		want := map[authLevel]string{levelKey: "any", levelAdmin: "admin", levelPerm: "permission"}[rt.Auth.level]
		require.NotEmpty(t, want, "%s: route has no authentication; document it outside /api/v1 or give it a key", k)
		require.Equal(t, want, op.Op["x-zapflow-role"], "%s: x-zapflow-role does not match the route's auth", k)
		if rt.Auth.level == levelPerm {
			require.Equal(t, rt.Auth.perm, op.Op["x-zapflow-permission"], "%s: x-zapflow-permission does not match the route's permission", k)
		} else {
			require.NotContains(t, op.Op, "x-zapflow-permission", "%s: needs no permission", k)
		}
		responses, _ := op.Op["responses"].(map[string]any)
		if rt.Auth.level == levelAdmin || rt.Auth.level == levelPerm {
			require.Contains(t, responses, "403", "%s needs an admin key or a permission but does not document 403", k)
		}
	}
}

func orNone(list []string) string {
	if len(list) == 0 {
		return "(none)"
	}
	return strings.Join(list, "\n    ")
}

func TestOpenAPIOperations(t *testing.T) {
	t.Parallel()
	doc := loadOpenAPI(t)
	const errorRef = "#/components/schemas/Error"
	pathParam := regexp.MustCompile(`\{([^}]+)\}`)

	ids := map[string]string{}
	for _, op := range openAPIOps(t, doc, "") {
		k := op.key()

		id, _ := op.Op["operationId"].(string)
		require.NotEmpty(t, id, "%s has no operationId", k)
		prev, dup := ids[id]
		require.False(t, dup, "operationId %q is used by both %s and %s", id, prev, k)
		ids[id] = k
		require.NotEmpty(t, op.Op["summary"], "%s has no summary", k)

		responses, ok := op.Op["responses"].(map[string]any)
		require.True(t, ok && len(responses) > 0, "%s has no responses", k)

		// Every {name} in the path is declared as a required path parameter.
		declared := map[string]bool{}
		for _, src := range []any{op.PathIt["parameters"], op.Op["parameters"]} {
			list, _ := src.([]any)
			for _, p := range list {
				pm := deref(t, doc, p)
				if pm["in"] == "path" {
					require.Equal(t, true, pm["required"], "%s: path parameter %v must be required", k, pm["name"])
					declared[pm["name"].(string)] = true
				}
			}
		}
		for _, m := range pathParam.FindAllStringSubmatch(op.Path, -1) {
			require.True(t, declared[m[1]], "%s: path parameter {%s} is not declared", k, m[1])
		}

		if !strings.HasPrefix(op.Path, apiPrefix) {
			continue
		}

		sec, _ := op.Op["security"].([]any)
		require.NotEmpty(t, sec, "%s has no security requirement", k)
		hasBearer := false
		for _, s := range sec {
			if m, ok := s.(map[string]any); ok {
				_, found := m["bearerAuth"]
				hasBearer = hasBearer || found
			}
		}
		require.True(t, hasBearer, "%s does not require bearerAuth", k)

		var errorResponses []string
		for code, r := range responses {
			if !strings.HasPrefix(code, "4") {
				continue
			}
			resp := deref(t, doc, r)
			content, _ := resp["content"].(map[string]any)
			media, _ := content["application/json"].(map[string]any)
			schema, _ := media["schema"].(map[string]any)
			if schema["$ref"] == errorRef {
				errorResponses = append(errorResponses, code)
			}
		}
		require.NotEmpty(t, errorResponses, "%s has no 4xx response with the Error schema", k)
		require.Contains(t, responses, "401", "%s needs an API key but does not document 401", k)
	}
}

func TestOpenAPIRefsResolve(t *testing.T) {
	t.Parallel()
	doc := loadOpenAPI(t)

	var refs []string
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, child := range v {
				if k == "$ref" {
					if s, ok := child.(string); ok {
						refs = append(refs, fmt.Sprintf("%s -> %s", path, s))
						continue
					}
				}
				walk(path+"/"+k, child)
			}
		case []any:
			for i, child := range v {
				walk(path+"/"+strconv.Itoa(i), child)
			}
		}
	}
	walk("#", doc)
	require.NotEmpty(t, refs)

	var broken []string
	for _, r := range refs {
		_, ref, _ := strings.Cut(r, " -> ")
		target, ok := resolvePointer(doc, ref)
		if !ok || !strings.HasPrefix(ref, "#/components/") {
			broken = append(broken, r)
			continue
		}
		if _, isObj := target.(map[string]any); !isObj {
			broken = append(broken, r+" (not an object)")
		}
	}
	slices.Sort(broken)
	require.Empty(t, broken, "these $refs do not resolve to a component:\n  %s", strings.Join(broken, "\n  "))
}

func TestOpenAPIServed(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	serveOpenAPI(rec, httptest.NewRequest(http.MethodGet, "/api/openapi.json", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	require.JSONEq(t, string(openAPIDoc), rec.Body.String())
}
