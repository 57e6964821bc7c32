package httpapi

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"github.com/remitflow/remitflow/domain/command"
)

// TestEveryRouteIsDocumented checks that the routes the server registers and
// the paths openapi.json documents are the same set, method by method.
func TestEveryRouteIsDocumented(t *testing.T) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(OpenAPIDocument)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	s := &Server{echo: echo.New(), d: Deps{Clock: command.ClockFunc(time.Now)}}
	s.routesForDocs()
	param := regexp.MustCompile(`:([a-z_]+)`)
	registered := map[string]bool{}
	for _, r := range s.echo.Routes() {
		if r.Method == echo.RouteNotFound || strings.HasPrefix(r.Path, "/callbacks") {
			continue
		}
		registered[r.Method+" "+param.ReplaceAllString(r.Path, "{$1}")] = true
	}
	for k := range registered {
		if !documented[k] {
			t.Errorf("route %s is not in openapi.json", k)
		}
	}
	for k := range documented {
		if !registered[k] {
			t.Errorf("openapi.json documents %s, which the server does not serve", k)
		}
	}
	if len(registered) < 30 {
		keys := make([]string, 0, len(registered))
		for k := range registered {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		t.Errorf("only %d routes registered: %v", len(registered), keys)
	}
	var anyDoc map[string]any
	if err := json.Unmarshal(OpenAPIDocument, &anyDoc); err != nil || anyDoc["openapi"] != "3.1.0" {
		t.Errorf("document version = %v (%v), want 3.1.0", anyDoc["openapi"], err)
	}
}
