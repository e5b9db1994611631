package web

import (
	"errors"
	"net/http"

	"citylink/db"
	"citylink/views"
)

// accountPage fills the frame of the own-account page, which belongs to no
// tenant: the navigation offers the user's tenants instead.
func (s *Server) accountPage(r *http.Request, user db.User) (views.Page, error) {
	ms, err := s.db.FindMembershipsByUser(r.Context(), user.ID)
	if err != nil {
		return views.Page{}, err
	}
	p := views.Page{Title: "Your account", UserEmail: user.Email,
		Flash: s.sessions.PopString(r.Context(), "flash")}
	for _, m := range ms {
		p.Tenants = append(p.Tenants,
			views.NavLink{Label: m.Tenant.Name, URL: "/t/" + m.Tenant.Slug + "/"})
	}
	return p, nil
}

func (s *Server) handleAccount(w http.ResponseWriter, r *http.Request, user db.User) {
	s.renderAccount(w, r, user, http.StatusOK, nil)
}

func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, user db.User, status int,
	errs map[string]string) {
	page, err := s.accountPage(r, user)
	if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	s.render(w, r, status, views.AccountPage(views.AccountProps{Page: page, Errors: errs}))
}

// handlePasswordChange asks for the current password (through the same
// lockout as sign-in), then ends every other session of the user: this
// one goes on under a new token and the new session version.
func (s *Server) handlePasswordChange(w http.ResponseWriter, r *http.Request, user db.User) {
	ctx := r.Context()
	_, err := s.authenticate(r, user.Email, r.PostFormValue("current_password"))
	if status, _, retry, ok := signInRefusal(w, err); ok {
		msg := "This is not your current password."
		if retry != "" {
			msg = retry
		}
		s.renderAccount(w, r, user, status, map[string]string{"current_password": msg})
		return
	} else if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	hash, err := HashPassword(r.PostFormValue("new_password"))
	if errors.Is(err, ErrWeakPassword) {
		msg := "Choose at least " + itoa(MinPasswordLength) + " characters."
		s.renderAccount(w, r, user, http.StatusUnprocessableEntity,
			map[string]string{"new_password": msg})
		return
	} else if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	if user.SessionVersion, err = s.db.UpdateUserPassword(ctx, user.ID, hash); err != nil {
		s.fail(w, r, nil, err)
		return
	}
	if err := s.startSession(ctx, user); err != nil {
		s.fail(w, r, nil, err)
		return
	}
	s.auditUser(ctx, r, user, "password.changed", user.Email, nil)
	s.flash(r, "Your password is changed, and your other sessions have ended.")
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

// handleSignOutEverywhere ends every session of the user, this one too.
func (s *Server) handleSignOutEverywhere(w http.ResponseWriter, r *http.Request, user db.User) {
	ctx := r.Context()
	if _, err := s.db.UpdateUserSessionVersion(ctx, user.ID); err != nil {
		s.fail(w, r, nil, err)
		return
	}
	s.auditUser(ctx, r, user, "signout.everywhere", user.Email, nil)
	if err := s.sessions.Destroy(ctx); err != nil {
		s.fail(w, r, nil, err)
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
