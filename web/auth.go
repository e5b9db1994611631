package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"

	"citylink/db"
	"citylink/views"
)

// The session keeps the signed-in user and the user's session version at
// sign-in; a later bump of the version ends the session.
const (
	sessionUserKey    = "user_id"
	sessionVersionKey = "session_version"
)

func newSessionManager(store scs.Store, secure bool) *scs.SessionManager {
	m := scs.New()
	m.Store = store
	m.IdleTimeout = 30 * time.Minute
	m.Lifetime = 12 * time.Hour
	m.Cookie.HttpOnly = true
	m.Cookie.SameSite = http.SameSiteLaxMode
	m.Cookie.Path = "/"
	m.Cookie.Secure = secure
	// The __Host- prefix pins the cookie to this host and path "/", but
	// browsers accept it only with Secure, so plain-http development keeps
	// a plain name.
	m.Cookie.Name = "citylink_session"
	if secure {
		m.Cookie.Name = "__Host-citylink_session"
	}
	return m
}

// permission names one thing a role may do; rolePermissions is the one
// table that says which role may do what.
type permission string

const (
	permRead     permission = "read"     // notifications, requests, command history
	permSend     permission = "send"     // send commands
	permSettings permission = "settings" // credentials, notification URL
	permAudit    permission = "audit"    // read and export the audit history
	permStaff    permission = "staff"    // manage staff other than owners
	permOwners   permission = "owners"   // manage admins and owners
)

var rolePermissions = map[string][]permission{
	"viewer":   {permRead},
	"operator": {permRead, permSend},
	"admin":    {permRead, permSend, permSettings, permAudit, permStaff},
	"owner":    {permRead, permSend, permSettings, permAudit, permStaff, permOwners},
}

// roles lists the roles from the most to the least powerful, the order in
// which pages show them.
var roles = []string{"owner", "admin", "operator", "viewer"}

// permissionLabels says in words what each permission lets a member do, in
// the order the staff page shows them.
var permissionLabels = []struct {
	perm  permission
	label string
}{
	{permRead, "Read notifications, the command history and the dashboard"},
	{permSend, "Send commands"},
	{permSettings, "Change settings and credentials, rotate the notification URL"},
	{permAudit, "Read and export the audit history"},
	{permStaff, "Invite staff, change roles and remove members other than owners"},
	{permOwners, "Manage owners, and make members owners"},
}

func roleAllows(role string, p permission) bool {
	for _, q := range rolePermissions[role] {
		if q == p {
			return true
		}
	}
	return false
}

// tenantCtx is what a tenant page handler knows about its request.
type tenantCtx struct {
	tenant db.Tenant
	user   db.User
	role   string
	others []db.Membership
}

func (tc *tenantCtx) can(p permission) bool { return roleAllows(tc.role, p) }

// canManage reports whether the member may invite to, grant or take away
// role: owners need permOwners, every other role permStaff.
func (tc *tenantCtx) canManage(role string) bool {
	if role == "owner" {
		return tc.can(permOwners)
	}
	return tc.can(permStaff)
}

func (tc *tenantCtx) path(suffix string) string { return "/t/" + tc.tenant.Slug + suffix }

type tenantHandler func(w http.ResponseWriter, r *http.Request, tc *tenantCtx)

// signedIn passes on only requests with a signed-in user; others are sent
// to the sign-in page.
func (s *Server) signedIn(h func(http.ResponseWriter, *http.Request, db.User)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		user, err := s.currentUser(r.Context())
		if err != nil {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		h(w, r, user)
	}
}

// tenant guards a tenant page: the user must be signed in and a member of
// the tenant named in the path (else 404, so that other tenants' names and
// ids tell nothing), and the member's role must allow p (else 403).
func (s *Server) tenant(p permission, h tenantHandler) http.HandlerFunc {
	return s.signedIn(func(w http.ResponseWriter, r *http.Request, user db.User) {
		ctx := r.Context()
		memberships, err := s.db.FindMembershipsByUser(ctx, user.ID)
		if err != nil {
			s.fail(w, r, nil, err)
			return
		}
		slug := r.PathValue("slug")
		tc := &tenantCtx{user: user}
		for _, m := range memberships {
			if m.Tenant.Slug == slug {
				tc.tenant, tc.role = m.Tenant, m.Role
			} else {
				tc.others = append(tc.others, m)
			}
		}
		switch {
		case tc.role == "":
			s.fail(w, r, nil, db.ErrNotFound)
		case tc.tenant.Disabled():
			s.fail(w, r, tc, errTenantDisabled)
		case !tc.can(p):
			s.fail(w, r, tc, errForbidden)
		default:
			h(w, r, tc)
		}
	})
}

// currentUser is the session's user. A session made before the user's
// session version was bumped (a password change, "sign out everywhere")
// counts as signed out.
func (s *Server) currentUser(ctx context.Context) (db.User, error) {
	id := s.sessions.GetInt64(ctx, sessionUserKey)
	if id == 0 {
		return db.User{}, db.ErrNotFound
	}
	u, err := s.db.FindUserByID(ctx, id)
	if err != nil {
		return db.User{}, err
	}
	if s.sessions.GetInt(ctx, sessionVersionKey) != u.SessionVersion {
		return db.User{}, db.ErrNotFound
	}
	return u, nil
}

// startSession signs the user in on a new session token, so that a token
// planted before is worth nothing. It serves every change of who is
// signed in or of what they may do.
func (s *Server) startSession(ctx context.Context, u db.User) error {
	if err := s.sessions.RenewToken(ctx); err != nil {
		return fmt.Errorf("renew session: %w", err)
	}
	s.sessions.Put(ctx, sessionUserKey, u.ID)
	s.sessions.Put(ctx, sessionVersionKey, u.SessionVersion)
	return nil
}

// page fills what every tenant page shares.
func (s *Server) page(r *http.Request, tc *tenantCtx, title, section string) views.Page {
	p := views.Page{
		Title:      title,
		TenantSlug: tc.tenant.Slug,
		TenantName: tc.tenant.Name,
		UserEmail:  tc.user.Email,
		Role:       tc.role,
		Flash:      s.sessions.PopString(r.Context(), "flash"),
	}
	links := []struct {
		label, section string
		need           permission
	}{
		{"Dashboard", "", permRead},
		{"Notifications", "notifications", permRead},
		{"Requests", "requests", permRead},
		{"Commands", "commands", permRead},
		{"Settings", "settings", permRead},
		{"Staff", "staff", permStaff},
		{"Audit", "audit", permAudit},
	}
	for _, l := range links {
		if tc.can(l.need) {
			p.Nav = append(p.Nav, views.NavLink{Label: l.label, URL: tc.path("/" + l.section),
				Active: l.section == section})
		}
	}
	for _, m := range tc.others {
		p.Tenants = append(p.Tenants, views.NavLink{Label: m.Tenant.Name, URL: "/t/" + m.Tenant.Slug + "/"})
	}
	return p
}

func (s *Server) flash(r *http.Request, msg string) {
	s.sessions.Put(r.Context(), "flash", msg)
}

func (s *Server) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, views.LoginPage(views.LoginProps{}))
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	email := strings.TrimSpace(r.PostFormValue("email"))
	user, err := s.authenticate(r, email, r.PostFormValue("password"))
	if err != nil {
		s.failSignIn(w, r, err, views.LoginProps{Email: email})
		return
	}
	if err := s.startSession(ctx, user); err != nil {
		s.fail(w, r, nil, err)
		return
	}
	s.auditUser(ctx, r, user, "signin", "", nil)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if user, err := s.currentUser(ctx); err == nil {
		s.auditUser(ctx, r, user, "signout", "", nil)
	}
	if err := s.sessions.Destroy(ctx); err != nil {
		s.fail(w, r, nil, err)
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// handleHome sends a user to their only tenant, or lets them pick one.
func (s *Server) handleHome(w http.ResponseWriter, r *http.Request, user db.User) {
	memberships, err := s.db.FindMembershipsByUser(r.Context(), user.ID)
	if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	if len(memberships) == 1 {
		http.Redirect(w, r, "/t/"+memberships[0].Tenant.Slug+"/", http.StatusSeeOther)
		return
	}
	p := views.TenantPickerProps{UserEmail: user.Email}
	for _, m := range memberships {
		p.Tenants = append(p.Tenants, views.NavLink{Label: m.Tenant.Name, URL: "/t/" + m.Tenant.Slug + "/"})
	}
	s.render(w, r, http.StatusOK, views.TenantPickerPage(p))
}

// ValidRole reports whether role is one of the roles a member can have.
func ValidRole(role string) bool {
	_, ok := rolePermissions[role]
	return ok
}
