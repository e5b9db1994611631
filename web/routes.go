package web

import (
	"io/fs"
	"net/http"

	"citylink/static"
)

// Handler returns the application's whole route table, wrapped in the
// middleware every request passes through.
func (s *Server) Handler() http.Handler {
	root := http.NewServeMux()

	// The platform's side: no session and no cross-origin check, since the
	// token in the path is the credential.
	root.HandleFunc("POST /hooks/{token}", s.handleHook)
	root.HandleFunc("/hooks/{token}", s.handleHookOtherMethod)

	root.HandleFunc("GET /healthz", s.handleHealthz)
	root.HandleFunc("GET /readyz", s.handleReadyz)
	root.Handle("GET /static/", http.StripPrefix("/static/", staticHandler()))

	// The staff's side: sessions, and a refusal of cross-origin writes.
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", s.handleLoginPage)
	mux.HandleFunc("POST /login", s.handleLogin)
	mux.HandleFunc("POST /logout", s.handleLogout)
	mux.HandleFunc("GET /{$}", s.signedIn(s.handleHome))
	mux.HandleFunc("GET /account", s.signedIn(s.handleAccount))
	mux.HandleFunc("POST /account/password", s.signedIn(s.handlePasswordChange))
	mux.HandleFunc("POST /account/sign-out-everywhere", s.signedIn(s.handleSignOutEverywhere))

	// An invite link is its own credential; whoever opens it is signed in
	// or not, as the invite page explains.
	mux.HandleFunc("GET /invite/{token}", s.handleInvitePage)
	mux.HandleFunc("POST /invite/{token}", s.handleInviteAccept)

	// Tenant pages: each names the permission it needs; tenant() answers
	// 404 to non-members and 403 to members whose role lacks it.
	mux.HandleFunc("GET /t/{slug}/{$}", s.tenant(permRead, s.handleDashboard))
	mux.HandleFunc("GET /t/{slug}/notifications", s.tenant(permRead, s.handleNotifications))
	mux.HandleFunc("GET /t/{slug}/notifications/stream", s.tenant(permRead, s.handleNotificationStream))
	mux.HandleFunc("GET /t/{slug}/notifications/export", s.tenant(permRead, s.handleNotificationsExport))
	// Viewers may mark read too: the read state is their inbox's, not the platform's.
	mux.HandleFunc("POST /t/{slug}/notifications/read", s.tenant(permRead, s.handleNotificationsRead))
	mux.HandleFunc("GET /t/{slug}/notifications/{id}", s.tenant(permRead, s.handleNotification))
	mux.HandleFunc("GET /t/{slug}/requests", s.tenant(permRead, s.handleHookRequests))
	mux.HandleFunc("GET /t/{slug}/requests/{id}", s.tenant(permRead, s.handleHookRequest))
	mux.HandleFunc("GET /t/{slug}/commands", s.tenant(permRead, s.handleCommands))
	mux.HandleFunc("POST /t/{slug}/commands", s.tenant(permSend, s.handleCommandSend))
	mux.HandleFunc("GET /t/{slug}/commands/export", s.tenant(permRead, s.handleCommandExport))
	mux.HandleFunc("GET /t/{slug}/commands/{id}", s.tenant(permRead, s.handleCommandAttempt))
	mux.HandleFunc("POST /t/{slug}/commands/templates", s.tenant(permSend, s.handleTemplateSave))
	mux.HandleFunc("POST /t/{slug}/commands/templates/{id}/delete",
		s.tenant(permSend, s.handleTemplateDelete))
	mux.HandleFunc("GET /t/{slug}/settings", s.tenant(permRead, s.handleSettings))
	mux.HandleFunc("POST /t/{slug}/settings", s.tenant(permSettings, s.handleSettingsSave))
	mux.HandleFunc("POST /t/{slug}/settings/rotate-hook", s.tenant(permSettings, s.handleRotateHook))
	mux.HandleFunc("POST /t/{slug}/settings/time-zone",
		s.tenant(permSettings, s.handleTimeZoneSave))
	mux.HandleFunc("GET /t/{slug}/staff", s.tenant(permStaff, s.handleStaff))
	mux.HandleFunc("POST /t/{slug}/staff/invites", s.tenant(permStaff, s.handleInviteCreate))
	mux.HandleFunc("POST /t/{slug}/staff/invites/{id}/revoke",
		s.tenant(permStaff, s.handleInviteRevoke))
	mux.HandleFunc("POST /t/{slug}/staff/{id}/role", s.tenant(permStaff, s.handleMemberRole))
	mux.HandleFunc("POST /t/{slug}/staff/{id}/remove", s.tenant(permStaff, s.handleMemberRemove))
	mux.HandleFunc("POST /t/{slug}/settings/test", s.tenant(permSettings, s.handleSettingsTest))
	mux.HandleFunc("POST /t/{slug}/settings/retention", s.tenant(permSettings, s.handleRetentionSave))
	mux.HandleFunc("GET /t/{slug}/audit", s.tenant(permAudit, s.handleAudit))
	mux.HandleFunc("GET /t/{slug}/audit/export", s.tenant(permAudit, s.handleAuditExport))

	csrf := http.NewCrossOriginProtection()
	root.Handle("/", csrf.Handler(s.sessions.LoadAndSave(mux)))
	return fromProxies(s.cfg.TrustedProxies, s.accessLog(root))
}

func staticHandler() http.Handler {
	sub, err := fs.Sub(static.FS, ".")
	if err != nil {
		panic(err)
	}
	return http.FileServerFS(sub)
}
