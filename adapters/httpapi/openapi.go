package httpapi

import (
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v4"
)

// OpenAPIDocument is the API's OpenAPI 3.1 description, served at
// /openapi.json and checked against the handlers by the package's tests.
//
//go:embed openapi.json
var OpenAPIDocument []byte

func (s *Server) openapi(c echo.Context) error {
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, OpenAPIDocument)
}
