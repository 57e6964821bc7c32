package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"

	"github.com/labstack/echo/v4"
)

// bindStrict decodes a JSON body, refusing unknown fields, trailing data and
// non-JSON content types with a 400 that says what was wrong. An empty body
// decodes as {}.
func bindStrict(c echo.Context, v any) error {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return &Error{Status: 413, Code: "too_large", Title: "Request too large", Detail: err.Error()}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	} else if ct != "" && !strings.HasPrefix(ct, echo.MIMEApplicationJSON) {
		return &Error{Status: 415, Code: "unsupported_media_type", Title: "Unsupported media type", Detail: "send application/json"}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return BadRequest("invalid_json", "request body: "+cleanJSONError(err))
	}
	if dec.More() {
		return BadRequest("invalid_json", "request body: trailing data after the JSON object")
	}
	return nil
}

func cleanJSONError(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return "malformed JSON: " + se.Error()
	case errors.As(err, &te):
		return "field " + te.Field + " must be " + te.Type.String()
	}
	return err.Error()
}

// requestID returns the request's ID (set by the RequestID middleware).
func requestID(c echo.Context) string {
	return c.Response().Header().Get(echo.HeaderXRequestID)
}
