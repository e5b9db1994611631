package web

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"

	"citylink/db"
	"citylink/views"
)

const sessionUserKey = "user_id"

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

func (s *Server) currentUser(ctx context.Context) (db.User, error) {
	id := s.sessions.GetInt64(ctx, sessionUserKey)
	if id == 0 {
		return db.User{}, db.ErrNotFound
	}
	return s.db.FindUserByID(ctx, id)
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
		{"Commands", "commands", permRead},
		{"Settings", "settings", permRead},
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

// errSignIn is the one answer to a failed sign-in, whether the email is
// unknown or the password wrong.
const errSignIn = "The email or password is not right."

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	email := strings.TrimSpace(r.PostFormValue("email"))
	password := r.PostFormValue("password")

	user, err := s.db.FindUserByEmail(ctx, email)
	hash := user.PasswordHash
	if errors.Is(err, db.ErrNotFound) {
		hash = dummyHash
	} else if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	ok, err := CheckPassword(hash, password)
	if err != nil || !ok || user.ID == 0 {
		if user.ID != 0 {
			s.auditUser(ctx, r, user, "signin.failed", "")
		}
		s.render(w, r, http.StatusUnauthorized, views.LoginPage(views.LoginProps{Email: email, Error: errSignIn}))
		return
	}
	// A new token at sign-in, so a token planted before it is worth nothing.
	if err := s.sessions.RenewToken(ctx); err != nil {
		s.fail(w, r, nil, err)
		return
	}
	s.sessions.Put(ctx, sessionUserKey, user.ID)
	s.auditUser(ctx, r, user, "signin", "")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if user, err := s.currentUser(ctx); err == nil {
		s.auditUser(ctx, r, user, "signout", "")
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
