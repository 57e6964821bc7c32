package command

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"testing/quick"
	"time"

	"github.com/google/uuid"
	"github.com/remitflow/remitflow/domain/eventstore"
)

// referenceHash is the hash recipe written field by field with a
// hash.Hash, as documented on Hash.
func referenceHash(stream string, revision uint64, id uuid.UUID, eventType string, data []byte, m EventMetadata) string {
	h := sha256.New()
	field := func(s string) {
		fmt.Fprintf(h, "%d:%s,", len(s), s)
	}
	field(HashVersion)
	field(m.PrevHash)
	field(stream)
	field(strconv.FormatUint(revision, 10))
	field(id.String())
	field(eventType)
	field(m.OccurredAt.UTC().Format(time.RFC3339Nano))
	field(m.CorrelationID)
	field(m.CausationID)
	field(m.Actor)
	field(strconv.Itoa(m.SchemaVersion))
	field(m.CommandID)
	field(m.CommandHash)
	field(string(data))
	return hex.EncodeToString(h.Sum(nil))
}

func TestHashMatchesRecipe(t *testing.T) {
	f := func(stream, typ, corr, cause, actor, cmdID, cmdHash, prev string, data []byte, rev uint64, id [16]byte, nanos int64, schema int) bool {
		m := EventMetadata{
			Metadata: eventstore.Metadata{
				CorrelationID: corr, CausationID: cause, Actor: actor, PrevHash: prev,
				OccurredAt: time.Unix(0, nanos).In(time.FixedZone("x", 3600)), SchemaVersion: schema,
			},
			CommandID: cmdID, CommandHash: cmdHash,
		}
		return Hash(stream, rev, id, typ, data, m) == referenceHash(stream, rev, id, typ, data, m)
	}
	if err := quick.Check(f, &quick.Config{MaxCount: 2000}); err != nil {
		t.Fatal(err)
	}
	// Data larger than the pooled buffers.
	big := []byte(strings.Repeat("x", 3*maxPooledHashBuf))
	m := EventMetadata{Metadata: eventstore.Metadata{OccurredAt: time.Unix(1, 0)}}
	if got, want := Hash("s-1", 7, uuid.UUID{1}, "t", big, m), referenceHash("s-1", 7, uuid.UUID{1}, "t", big, m); got != want {
		t.Fatalf("Hash of large data = %s, want %s", got, want)
	}
}

func TestIDsMatchUUIDv5(t *testing.T) {
	f := func(stream, commandID string, index int, parts []string) bool {
		if got, want := EventID(stream, commandID, index), uuid.NewSHA1(eventNamespace, fmt.Appendf(nil, "%s\x00%s\x00%d", stream, commandID, index)); got != want {
			t.Logf("EventID(%q, %q, %d) = %s, want %s", stream, commandID, index, got, want)
			return false
		}
		var b []byte
		for _, p := range parts {
			b = append(append(b, p...), 0)
		}
		if got, want := DeriveID(parts...), uuid.NewSHA1(eventNamespace, b).String(); got != want {
			t.Logf("DeriveID(%q) = %s, want %s", parts, got, want)
			return false
		}
		return true
	}
	if err := quick.Check(f, &quick.Config{MaxCount: 2000}); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("p", 1000)
	if got, want := DeriveID(long, long), uuid.NewSHA1(eventNamespace, []byte(long+"\x00"+long+"\x00")).String(); got != want {
		t.Fatalf("DeriveID of long parts = %s, want %s", got, want)
	}
}

type cloneCounter struct{ n *int }

func (c cloneCounter) Clone() cloneCounter { *c.n++; return c }

type ptrCloner struct{ v int }

func (p *ptrCloner) Clone() ptrCloner { return ptrCloner{v: -1} }

func TestCloneState(t *testing.T) {
	n := 0
	cloneState(cloneCounter{n: &n})
	if n != 1 {
		t.Fatalf("Clone called %d times, want 1", n)
	}
	if got := cloneState(42); got != 42 {
		t.Fatalf("cloneState(42) = %d", got)
	}
	// Only a value-receiver Clone is part of S's method set, as before.
	if got := cloneState(ptrCloner{v: 3}); got.v != 3 {
		t.Fatalf("cloneState used a pointer-receiver Clone: %+v", got)
	}
}

func TestCommandHashMatchesMarshal(t *testing.T) {
	type cmd struct {
		Name  string            `json:"name"`
		Tags  map[string]string `json:"tags,omitempty"`
		Items []int             `json:"items"`
		When  time.Time         `json:"when"`
	}
	f := func(name string, tags map[string]string, items []int, nanos int64) bool {
		c := cmd{Name: name + "<&>\u2028", Tags: tags, Items: items, When: time.Unix(0, nanos).UTC()}
		b, err := json.Marshal(c)
		if err != nil {
			return false
		}
		sum := sha256.Sum256(b)
		got, err := commandHash(c)
		return err == nil && got == hex.EncodeToString(sum[:])
	}
	if err := quick.Check(f, &quick.Config{MaxCount: 1000}); err != nil {
		t.Fatal(err)
	}
	if _, err := commandHash(map[bool]func(){true: nil}); err == nil {
		t.Fatal("commandHash of an unencodable value did not fail")
	}
}

func TestAppendJSONStringRoundTrips(t *testing.T) {
	f := func(s string) bool {
		b := appendJSONString([]byte("x"), s)
		var back string
		if b[0] != 'x' || json.Unmarshal(b[1:], &back) != nil {
			return false
		}
		return back == string([]rune(s)) // each invalid byte becomes U+FFFD
	}
	if err := quick.Check(f, &quick.Config{MaxCount: 5000}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"", "plain", "\"q\" \\ \x00\x1f\n", "é ✓ \xff\xfe end", "<&>\u2028"} {
		if !f(s) {
			t.Errorf("appendJSONString(%q) does not round-trip", s)
		}
	}
}
