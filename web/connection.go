package web

import (
	"net/http"
	"strings"

	"citylink/carcity"
	"citylink/db"
	"citylink/views"
)

// testCommand is what the connection test sends: validate_user with a
// user no site has. The platform only checks it, so nothing changes on
// the tenant's site, and its answer, whatever it says of that user, proves
// that the service URL and the credentials work.
var testCommand = carcity.Params{{Name: "username", Value: "citylink-connection-test"},
	{Name: "password", Value: "not-a-real-password"}}

// handleSettingsTest sends the test command and shows what it proves.
func (s *Server) handleSettingsTest(w http.ResponseWriter, r *http.Request, tc *tenantCtx) {
	ctx := r.Context()
	allowed, err := s.allowCommand(ctx, tc.tenant.ID)
	if err != nil {
		s.fail(w, r, tc, err)
		return
	}
	if !allowed {
		s.flash(r, "Too many commands: nothing was sent. Try the connection again in a moment.")
		http.Redirect(w, r, tc.path("/settings"), http.StatusSeeOther)
		return
	}
	a, err := s.sendCommand(ctx, commandSend{
		tenantID: tc.tenant.ID, userID: &tc.user.ID, actor: tc.user.Email,
		command: "validate_user", params: testCommand, source: "test",
		remote: clientAddr(r), userAgent: r.UserAgent(),
	})
	if err != nil {
		s.fail(w, r, tc, err)
		return
	}
	http.Redirect(w, r, tc.path("/settings?test=")+itoa(a.ID), http.StatusSeeOther)
}

// connectionVerdict says in plain words what a test attempt proves.
func connectionVerdict(tc *tenantCtx, a db.CommandAttempt) *views.ConnectionTest {
	t := &views.ConnectionTest{AttemptURL: tc.path("/commands/") + itoa(a.ID)}
	switch a.Outcome {
	case "ok":
		t.OK, t.Message = true, "The service URL and the credentials work: the platform answered."
	case "status":
		if badCredentials(a) {
			t.Message = "The service URL works, but the platform refused the credentials: " +
				a.Error + ". Check the login id, the password or the token."
		} else {
			t.OK, t.Message = true, "The service URL and the credentials work: the platform "+
				"accepted them and answered the test command."
		}
	case "http", "malformed":
		t.Message = "Something answers at the service URL, but not as the platform does: " +
			a.Error + ". Check the service URL."
	case "blocked":
		t.Message = "Not sent: " + a.Error
	default:
		t.Message = "The service URL does not work: " + a.Error + "."
	}
	return t
}

// badCredentials reports whether a well-formed error answer is about the
// credentials: the platform's status -1, or a message that says so.
func badCredentials(a db.CommandAttempt) bool {
	if a.Status != nil && *a.Status == -1 {
		return true
	}
	for _, m := range a.Messages {
		m = strings.ToLower(m)
		if strings.Contains(m, "credential") || strings.Contains(m, "invalid token") {
			return true
		}
	}
	return false
}

// fillSettingsConsole adds the handshake follow-up and, after a test, its
// verdict to the settings page.
func (s *Server) fillSettingsConsole(r *http.Request, tc *tenantCtx, p *views.SettingsProps) error {
	ctx := r.Context()
	f, err := s.followUpView(ctx, tc)
	if err != nil {
		return err
	}
	p.FollowUp = f
	if id := queryInt64(r, "test"); id > 0 {
		a, err := s.db.FindCommandAttemptByID(ctx, tc.tenant.ID, id)
		if err != nil {
			return err
		}
		if a.Source == "test" {
			p.Test = connectionVerdict(tc, a)
		}
	}
	return nil
}
