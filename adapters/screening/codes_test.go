package screening_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/remitflow/remitflow/adapters/screening"
	"github.com/remitflow/remitflow/domain/customer"
	"github.com/remitflow/remitflow/domain/money"
	"github.com/remitflow/remitflow/domain/transfer"
)

var secret = bytes.Repeat([]byte("k"), screening.MinSecretBytes)

// outbox records notifications; fail makes Notify fail.
type outbox struct {
	mu   sync.Mutex
	sent []screening.Notification
	fail error
}

func (o *outbox) Notify(_ context.Context, n screening.Notification) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.fail != nil {
		return o.fail
	}
	o.sent = append(o.sent, n)
	return nil
}

func TestPickupCodeFor(t *testing.T) {
	g, err := screening.NewCodeGenerator(screening.CodeConfig{Secret: secret, Notifier: &outbox{}})
	if err != nil {
		t.Fatal(err)
	}
	other, _ := screening.NewCodeGenerator(screening.CodeConfig{Secret: bytes.Repeat([]byte("j"), 40), Notifier: &outbox{}})
	digits := regexp.MustCompile(`^[0-9]{10}$`)
	seen := map[string]string{}
	for i := range 2000 {
		id := fmt.Sprintf("tr_%d", i)
		code, err := g.PickupCodeFor(id)
		if err != nil || !digits.MatchString(code) {
			t.Fatalf("PickupCodeFor(%q) = %q, %v; want 10 digits", id, code, err)
		}
		if again, _ := g.PickupCodeFor(id); again != code {
			t.Fatalf("PickupCodeFor(%q) = %q then %q", id, code, again)
		}
		if o, _ := other.PickupCodeFor(id); o == code {
			t.Errorf("PickupCodeFor(%q) is the same under two secrets", id)
		}
		if prev, dup := seen[code]; dup {
			t.Errorf("transfers %s and %s share code %s", prev, id, code)
		}
		seen[code] = id
	}
	if _, err := g.PickupCodeFor(""); !errors.Is(err, screening.ErrInvalidSubject) {
		t.Errorf("PickupCodeFor(\"\") = %v, want ErrInvalidSubject", err)
	}
}

func TestNewCodeGeneratorBadConfig(t *testing.T) {
	for _, cfg := range []screening.CodeConfig{
		{Secret: []byte("short"), Notifier: &outbox{}},
		{Secret: nil, Notifier: &outbox{}},
		{Secret: secret},
	} {
		if _, err := screening.NewCodeGenerator(cfg); !errors.Is(err, screening.ErrInvalidConfig) {
			t.Errorf("NewCodeGenerator(secret of %d bytes, notifier %v) = %v, want ErrInvalidConfig", len(cfg.Secret), cfg.Notifier != nil, err)
		}
	}
}

func TestPickupCodeIsDelivered(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	e.register(t, "cus_1", "Amara Nwosu", "+254712345678", "KE", customer.Tier1)
	box := &outbox{}
	g, err := screening.NewCodeGenerator(screening.CodeConfig{Secret: secret, Notifier: box, Store: e.store, Vault: e.vault})
	if err != nil {
		t.Fatal(err)
	}
	tr := transferState("tr_1", "cus_1", "Ngozi Eze", money.MustParse("10.00", "USD"), t0)

	box.fail = errors.New("sms gateway down")
	if _, err := g.PickupCode(ctx, tr); !errors.Is(err, box.fail) {
		t.Fatalf("PickupCode with the gateway down = %v, want its error", err)
	}
	box.fail = nil
	code, err := g.PickupCode(ctx, tr)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := g.PickupCodeFor("tr_1")
	if code != want {
		t.Errorf("PickupCode = %q, PickupCodeFor = %q", code, want)
	}
	if len(box.sent) != 1 {
		t.Fatalf("sent %d notifications, want 1", len(box.sent))
	}
	n := box.sent[0]
	// A cash pickup has no recipient number: the sender gets the code.
	if n.To != "+254712345678" || n.Audience != screening.AudienceSender || n.Code != code || !strings.Contains(n.Text, code) {
		t.Errorf("notification = %+v", n)
	}
	// A repeated step issues the same code without another SMS.
	if again, err := g.PickupCode(ctx, tr); err != nil || again != code || len(box.sent) != 1 {
		t.Errorf("PickupCode again = %q, %v with %d notifications", again, err, len(box.sent))
	}

	// A recipient with a number gets it directly.
	wallet := transferState("tr_2", "cus_1", "Ngozi Eze", money.MustParse("10.00", "USD"), t0)
	wallet.Recipient.MSISDN = "+2348031234567"
	if _, err := g.PickupCode(ctx, wallet); err != nil {
		t.Fatal(err)
	}
	if n := box.sent[len(box.sent)-1]; n.To != "+2348031234567" || n.Audience != screening.AudienceRecipient {
		t.Errorf("notification = %+v, want to the recipient", n)
	}
}

func TestPickupCodeWithoutANumber(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	e.register(t, "cus_gone", "Amara Nwosu", "+254712345678", "KE", customer.Tier1)
	if err := e.vault.Forget("cus_gone"); err != nil {
		t.Fatal(err)
	}
	box := &outbox{}
	var logs bytes.Buffer
	g, _ := screening.NewCodeGenerator(screening.CodeConfig{Secret: secret, Notifier: box, Store: e.store, Vault: e.vault,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	noVault, _ := screening.NewCodeGenerator(screening.CodeConfig{Secret: secret, Notifier: box})
	for name, tc := range map[string]struct {
		g  *screening.CodeGenerator
		tr transfer.State
	}{
		"forgotten sender": {g, transferState("tr_1", "cus_gone", "N E", money.MustParse("10.00", "USD"), t0)},
		"unknown sender":   {g, transferState("tr_2", "cus_nobody", "N E", money.MustParse("10.00", "USD"), t0)},
		"no vault":         {noVault, transferState("tr_3", "cus_gone", "N E", money.MustParse("10.00", "USD"), t0)},
	} {
		code, err := tc.g.PickupCode(ctx, tc.tr)
		want, _ := g.PickupCodeFor(tc.tr.ID)
		if err != nil || code != want {
			t.Errorf("%s: PickupCode = %q, %v; want the code, undelivered", name, code, err)
		}
	}
	if len(box.sent) != 0 {
		t.Errorf("sent %+v, want nothing", box.sent)
	}
	if !strings.Contains(logs.String(), "not delivered") {
		t.Errorf("no warning logged: %s", logs.String())
	}
}

func TestLogNotifierMasks(t *testing.T) {
	var buf bytes.Buffer
	n := screening.LogNotifier{Logger: slog.New(slog.NewJSONHandler(&buf, nil))}
	if err := n.Notify(context.Background(), screening.Notification{TransferID: "tr_1", To: "+254712345678", Audience: screening.AudienceSender,
		Code: "4821736590", Text: "code 4821736590"}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, secret := range []string{"4821736590", "+254712345678", "2547123456"} {
		if strings.Contains(out, secret) {
			t.Errorf("log %s contains %q", out, secret)
		}
	}
	for _, masked := range []string{`"code":"********90"`, `"to":"***********78"`, `"transfer":"tr_1"`} {
		if !strings.Contains(out, masked) {
			t.Errorf("log %s lacks %s", out, masked)
		}
	}
}

func TestMask(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"7", "*"},
		{"42", "**"},
		{"123", "*23"},
		{"+254712345678", "***********78"},
		{"Çé€ab", "***ab"},
	}
	for _, tt := range tests {
		if got := screening.Mask(tt.in); got != tt.want {
			t.Errorf("Mask(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
