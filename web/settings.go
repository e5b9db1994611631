package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"citylink/db"
	"citylink/views"
)

func (s *Server) handleSettings(w http.ResponseWriter, r *http.Request, tc *tenantCtx) {
	creds, err := s.db.FindCredentials(r.Context(), tc.tenant.ID)
	if err != nil {
		s.fail(w, r, tc, err)
		return
	}
	p := s.settingsProps(r, tc, creds)
	if err := s.fillSettingsConsole(r, tc, &p); err != nil {
		s.fail(w, r, tc, err)
		return
	}
	s.render(w, r, http.StatusOK, views.SettingsPage(p))
}

func (s *Server) settingsProps(r *http.Request, tc *tenantCtx, c db.Credentials) views.SettingsProps {
	return views.SettingsProps{
		Page:            s.page(r, tc, "Settings", "settings"),
		CanEdit:         tc.can(permSettings),
		ServiceURL:      c.ServiceURL,
		LoginID:         c.LoginID,
		HasPassword:     c.HasPassword,
		HasCommKey:      c.HasCommKey,
		HasStaticToken:  c.HasStaticToken,
		AuthMode:        c.AuthMode,
		AllowPlain:      c.AllowPlain,
		CommandAuth:     c.CommandAuth,
		CommandTimeout:  strconv.Itoa(int(commandTimeout(c).Seconds())),
		NotificationURL: s.notificationURL(r, tc.tenant),
		TimeZone:        tc.tenant.TimeZone,
		TestURL:         tc.path("/settings/test"),
		Retention:       retentionProps(tc),
	}
}

// notificationURL is the address the platform must post to for a tenant.
func (s *Server) notificationURL(r *http.Request, t db.Tenant) string {
	return s.absoluteURL(r, NotificationPath(t))
}

// absoluteURL is path on the address the world reaches Citylink at.
func (s *Server) absoluteURL(r *http.Request, path string) string {
	base := strings.TrimRight(s.cfg.PublicURL, "/")
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	return base + path
}

// NotificationPath is the path of a tenant's notification URL.
func NotificationPath(t db.Tenant) string { return "/hooks/" + t.HookToken }

func (s *Server) handleSettingsSave(w http.ResponseWriter, r *http.Request, tc *tenantCtx) {
	ctx := r.Context()
	u, errs := parseSettingsForm(r)
	if len(errs) > 0 {
		creds, err := s.db.FindCredentials(ctx, tc.tenant.ID)
		if err != nil {
			s.fail(w, r, tc, err)
			return
		}
		// Show the non-secret values as they were typed, so nothing typed
		// is lost; secrets are never sent back and must be typed again.
		p := s.settingsProps(r, tc, creds)
		p.ServiceURL, p.LoginID = deref(u.ServiceURL), deref(u.LoginID)
		p.AuthMode, p.CommandAuth, p.AllowPlain = deref(u.AuthMode), deref(u.CommandAuth), *u.AllowPlain
		p.CommandTimeout = r.PostFormValue("command_timeout_seconds")
		p.Errors = errs
		s.render(w, r, http.StatusUnprocessableEntity, views.SettingsPage(p))
		return
	}
	changed, err := s.db.UpdateCredentials(ctx, tc.tenant.ID, u)
	if err != nil {
		s.fail(w, r, tc, err)
		return
	}
	if len(changed) > 0 {
		s.audit(ctx, r, tc, "credentials.changed", "platform credentials", map[string]any{"fields": changed})
		s.auditAuthMode(r, tc, changed, u)
		s.flash(r, "Settings saved.")
	} else {
		s.flash(r, "Nothing changed.")
	}
	http.Redirect(w, r, tc.path("/settings"), http.StatusSeeOther)
}

// parseSettingsForm reads the settings form. Secret fields left empty keep
// what is saved.
func parseSettingsForm(r *http.Request) (db.CredentialsUpdate, map[string]string) {
	errs := map[string]string{}
	field := func(name string) *string {
		v := strings.TrimSpace(r.PostFormValue(name))
		return &v
	}
	secret := func(name string) *string {
		v := r.PostFormValue(name)
		if v == "" {
			return nil
		}
		return &v
	}
	allowPlain := r.PostFormValue("allow_plain") == "1"
	u := db.CredentialsUpdate{
		ServiceURL:  field("service_url"),
		LoginID:     field("login_id"),
		Password:    secret("password"),
		CommKey:     secret("comm_key"),
		StaticToken: secret("static_token"),
		AuthMode:    field("auth_mode"),
		CommandAuth: field("command_auth"),
		AllowPlain:  &allowPlain,
	}
	su, err := url.Parse(*u.ServiceURL)
	if err != nil || (su.Scheme != "https" && su.Scheme != "http") || su.Host == "" {
		errs["service_url"] = "Give the full address of the platform's service, " +
			"such as https://www.carcitycentral.com/service."
	}
	if *u.AuthMode != "immediate" && *u.AuthMode != "passive" {
		errs["auth_mode"] = "Choose immediate or passive."
	}
	switch *u.CommandAuth {
	case "plain", "static_token", "derived_token":
	default:
		errs["command_auth"] = "Choose how commands authenticate."
	}
	if v := strings.TrimSpace(r.PostFormValue("command_timeout_seconds")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 120 {
			errs["command_timeout_seconds"] = "Give a whole number of seconds from 1 to 120."
		} else {
			u.CommandTimeoutSeconds = &n
		}
	}
	if len(*u.LoginID) > 200 {
		errs["login_id"] = "The login id is too long."
	}
	return u, errs
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (s *Server) handleRotateHook(w http.ResponseWriter, r *http.Request, tc *tenantCtx) {
	ctx := r.Context()
	if _, err := s.db.RotateHookToken(ctx, tc.tenant.ID); err != nil {
		s.fail(w, r, tc, err)
		return
	}
	s.audit(ctx, r, tc, "notification_url.rotated", "notification URL", nil)
	s.flash(r, "A new notification URL is in place. Give it to the platform: the old one no longer works.")
	http.Redirect(w, r, tc.path("/settings"), http.StatusSeeOther)
}

// auditAuthMode records a change of the handshake mode with its old and
// new value, besides the credentials event that names the field. The
// update itself decides, in its transaction, whether the mode changed; as
// there are only two modes, the old one is then the other.
func (s *Server) auditAuthMode(r *http.Request, tc *tenantCtx, changed []string,
	u db.CredentialsUpdate) {
	if !slices.Contains(changed, "auth_mode") {
		return
	}
	mode := deref(u.AuthMode)
	old := "immediate"
	if mode == "immediate" {
		old = "passive"
	}
	s.audit(r.Context(), r, tc, "auth_mode.changed", "notification handshake",
		map[string]any{"old": old, "new": mode})
}

// handleTimeZoneSave sets the zone the tenant's pages and audit filters
// use; it must be a zone name Go's time package knows.
func (s *Server) handleTimeZoneSave(w http.ResponseWriter, r *http.Request, tc *tenantCtx) {
	ctx := r.Context()
	zone := strings.TrimSpace(r.PostFormValue("time_zone"))
	if _, err := time.LoadLocation(zone); err != nil || zone == "" || zone == "Local" {
		creds, err := s.db.FindCredentials(ctx, tc.tenant.ID)
		if err != nil {
			s.fail(w, r, tc, err)
			return
		}
		p := s.settingsProps(r, tc, creds)
		p.TimeZone = zone
		p.Errors = map[string]string{
			"time_zone": "Give a time zone name, such as Europe/Berlin or UTC."}
		s.render(w, r, http.StatusUnprocessableEntity, views.SettingsPage(p))
		return
	}
	if zone == tc.tenant.TimeZone {
		s.flash(r, "Nothing changed.")
		http.Redirect(w, r, tc.path("/settings"), http.StatusSeeOther)
		return
	}
	if err := s.db.UpdateTenantTimeZone(ctx, tc.tenant.ID, zone); err != nil {
		s.fail(w, r, tc, err)
		return
	}
	s.audit(ctx, r, tc, "time_zone.changed", "tenant", map[string]any{"old": tc.tenant.TimeZone,
		"new": zone})
	s.flash(r, "Times now show in "+zone+".")
	http.Redirect(w, r, tc.path("/settings"), http.StatusSeeOther)
}
