package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/remitflow/remitflow/adapters/pii"
	"github.com/remitflow/remitflow/domain/command"
	"github.com/remitflow/remitflow/domain/eventstore"
)

// IdempotencyHeader is the request header carrying a client's idempotency key.
const IdempotencyHeader = "Idempotency-Key"

// MaxIdempotencyKeyLen bounds idempotency keys.
const MaxIdempotencyKeyLen = 200

// idempotencyRecorded is the event stored for a key: the request's hash and
// the first response. Responses carry personal data (names, phone numbers),
// so the body is sealed with the PII vault under the key of the customer it
// concerns (KeyID): erasing that customer makes the stored response
// unreadable too.
type idempotencyRecorded struct {
	Principal   string `json:"principal"`
	RequestHash string `json:"request_hash"`
	Method      string `json:"method"`
	Path        string `json:"path"`
	Status      int    `json:"status"`
	ContentType string `json:"content_type"`
	Location    string `json:"location,omitempty"`
	KeyID       string `json:"key_id"`
	SealedBody  []byte `json:"sealed_body"`
}

const idempotencyEventType = "idempotency.recorded.v1"

// idempotencyStream names the stream of one principal's key; hashed so any
// key fits the stream-name rules.
func idempotencyStream(p Principal, key string) string {
	sum := sha256.Sum256([]byte(p.Actor() + "\x00" + key))
	return "idem-" + hex.EncodeToString(sum[:20])
}

// idempotencyKey returns the request's key, validated; "" when absent.
func idempotencyKey(c echo.Context) (string, error) {
	key := c.Request().Header.Get(IdempotencyHeader)
	if key == "" {
		return "", nil
	}
	if len(key) > MaxIdempotencyKeyLen || strings.ContainsAny(key, "\x00\r\n") {
		return "", BadRequest("invalid_idempotency_key", "Idempotency-Key must be 1 to 200 printable bytes")
	}
	return key, nil
}

// recorder captures a response so it can be stored.
type recorder struct {
	http.ResponseWriter
	buf bytes.Buffer
}

func (r *recorder) Write(b []byte) (int, error) {
	r.buf.Write(b)
	return r.ResponseWriter.Write(b)
}

// idempotency replays stored responses for repeated keys and stores first
// responses (2xx and 4xx; a 5xx is not final, so the key stays unused).
func (s *Server) idempotency() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if c.Request().Method != http.MethodPost {
				return next(c)
			}
			key, err := idempotencyKey(c)
			if err != nil || key == "" {
				if err != nil {
					return err
				}
				return next(c)
			}
			body, err := io.ReadAll(c.Request().Body)
			if err != nil {
				return &Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Title: "Request too large", Detail: err.Error()}
			}
			c.Request().Body = io.NopCloser(bytes.NewReader(body))
			p := principal(c)
			stream := idempotencyStream(p, key)
			sum := sha256.Sum256(append([]byte(c.Request().Method+" "+c.Request().URL.Path+"\n"), body...))
			hash := hex.EncodeToString(sum[:])

			if rec, ok, err := s.loadIdempotency(c, stream); err != nil {
				return err
			} else if ok {
				return s.replay(c, rec, hash)
			}

			rw := &recorder{ResponseWriter: c.Response().Writer}
			c.Response().Writer = rw
			if err := next(c); err != nil {
				c.Error(err)
			}
			c.Response().Writer = rw.ResponseWriter
			status := c.Response().Status
			if status >= 500 || !json.Valid(rw.buf.Bytes()) {
				return nil
			}
			rec := idempotencyRecorded{
				Principal: p.Actor(), RequestHash: hash, Method: c.Request().Method, Path: c.Request().URL.Path,
				Status: status, ContentType: c.Response().Header().Get(echo.HeaderContentType),
				Location: c.Response().Header().Get("Location"),
			}
			if rec.KeyID, rec.SealedBody, err = s.d.Vault.Encrypt(dataSubject(c, p), rw.buf.Bytes()); err != nil {
				s.log.WarnContext(c.Request().Context(), "idempotency record not stored", "stream", stream, "err", err)
				return nil
			}
			if err := s.storeIdempotency(c, stream, rec); err != nil {
				// The response was sent; a lost record only means a retry runs
				// the (idempotent) command again.
				s.log.WarnContext(c.Request().Context(), "idempotency record not stored", "stream", stream, "err", err)
			}
			return nil
		}
	}
}

func (s *Server) replay(c echo.Context, rec idempotencyRecorded, hash string) error {
	if rec.RequestHash != hash {
		return &Error{Status: http.StatusUnprocessableEntity, Code: "idempotency_key_reused", Title: "Idempotency key reused",
			Detail: "this Idempotency-Key was used for a different request; use a new key"}
	}
	body, err := s.d.Vault.Decrypt(rec.KeyID, rec.SealedBody)
	if errors.Is(err, pii.ErrForgotten) {
		return &Error{Status: http.StatusGone, Code: "response_erased", Title: "Gone",
			Detail: "the first response to this Idempotency-Key was erased with the customer's personal data"}
	}
	if err != nil {
		return err
	}
	if rec.Location != "" {
		c.Response().Header().Set("Location", rec.Location)
	}
	c.Response().Header().Set("Idempotent-Replayed", "true")
	return c.Blob(rec.Status, rec.ContentType, body)
}

// dataSubject names whose personal data a response concerns: the customer
// calling, or the customer a staff call addresses (in the path, or created
// by it), else the caller.
func dataSubject(c echo.Context, p Principal) string {
	if p.Role == RoleCustomer {
		return p.Subject
	}
	for _, path := range []string{c.Request().URL.Path, c.Response().Header().Get("Location")} {
		if rest, ok := strings.CutPrefix(path, "/v1/customers/"); ok {
			if id, _, _ := strings.Cut(rest, "/"); id != "" {
				return id
			}
		}
	}
	return p.Actor()
}

func (s *Server) loadIdempotency(c echo.Context, stream string) (idempotencyRecorded, bool, error) {
	for ev, err := range s.d.Store.ReadStream(c.Request().Context(), stream, eventstore.ReadStreamOptions{MaxCount: 1}) {
		if errors.Is(err, eventstore.ErrStreamNotFound) {
			return idempotencyRecorded{}, false, nil
		}
		if err != nil {
			return idempotencyRecorded{}, false, err
		}
		var rec idempotencyRecorded
		if err := json.Unmarshal(ev.Data, &rec); err != nil {
			return idempotencyRecorded{}, false, err
		}
		return rec, true, nil
	}
	return idempotencyRecorded{}, false, nil
}

func (s *Server) storeIdempotency(c echo.Context, stream string, rec idempotencyRecorded) error {
	data, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	ev := eventstore.EventData{ID: uuid.NewSHA1(uuid.NameSpaceURL, []byte("urn:remitflow:"+stream)), Type: idempotencyEventType, Data: data}
	meta := command.EventMetadata{}
	meta.OccurredAt = s.d.Clock.Now()
	meta.Actor = rec.Principal
	meta.CorrelationID = c.Response().Header().Get(echo.HeaderXRequestID)
	if _, err := command.Seal(stream, 0, "", &ev, meta); err != nil {
		return err
	}
	_, err = s.d.Store.Append(c.Request().Context(), stream, eventstore.NoStream(), ev)
	if errors.Is(err, eventstore.ErrWrongExpectedRevision) {
		// A concurrent request with the same key stored its response first;
		// both ran the same idempotent command.
		return nil
	}
	return err
}
