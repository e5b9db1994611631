package web_test

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"citylink/web"
)

func TestLogs_LeaveOutTokens(t *testing.T) {
	out := &syncBuffer{}
	a := newTestAppLog(t, slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelDebug})))
	acme := mustCreateTenant(t, a.db, "acme")
	mustCreateMember(t, a.db, acme, "ann@acme.test", "admin")
	link := mustInvite(t, a.signIn(t, "ann@acme.test"), "acme", "vic@acme.test", "viewer")
	vic := a.browser(t)
	vic.get(link)
	res := vic.post(link, url.Values{"password": {testPassword}, "confirm": {testPassword}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("accept: got %d, want 303", res.status)
	}
	postHook(t, a.srv.URL, web.NotificationPath(acme), `{"request":"delivery"}`)
	vic.get(web.NotificationPath(acme))

	logs := out.String()
	inviteToken := strings.TrimPrefix(link, "/invite/")
	for name, token := range map[string]string{"invite": inviteToken, "hook": acme.HookToken} {
		if strings.Contains(logs, token) {
			t.Errorf("the %s token is in the log:\n%s", name, logs)
		}
	}
	if !strings.Contains(logs, "path=/invite/…") || !strings.Contains(logs, "path=/hooks/…") {
		t.Errorf("the log lacks the blanked paths:\n%s", logs)
	}
}
