package web

import (
	"context"
	"errors"
	"net/http"

	"citylink/db"
	"citylink/views"
)

// errInviteGone answers every invite link that cannot be used, whatever
// the reason, like an unknown one.
var errInviteGone = &userError{status: http.StatusNotFound,
	msg: "This invite link does not work: it may have expired, been used or been revoked."}

// inviteState is what an invite link's page is about: the invite, its
// tenant, whether the invited email has an account and who is signed in.
type inviteState struct {
	inv      db.Invite
	tenant   db.Tenant
	existing bool
	current  db.User // zero when nobody is signed in
}

func (s *Server) loadInvite(r *http.Request) (inviteState, error) {
	ctx := r.Context()
	var st inviteState
	inv, err := s.db.FindInviteByToken(ctx, r.PathValue("token"))
	if errors.Is(err, db.ErrNotFound) {
		return st, errInviteGone
	} else if err != nil {
		return st, err
	}
	st.inv = inv
	if st.tenant, err = s.db.FindTenantByID(ctx, inv.TenantID); err != nil {
		return st, err
	}
	if st.tenant.Disabled() {
		// A suspended tenant's pages are closed, so is joining it.
		return st, errTenantDisabled
	}
	_, err = s.db.FindUserByEmail(ctx, inv.Email)
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return st, err
	}
	st.existing = err == nil
	if u, err := s.currentUser(ctx); err == nil {
		st.current = u
	}
	return st, nil
}

func (st inviteState) props() views.InviteProps {
	p := views.InviteProps{
		Page:       views.Page{Title: "Join " + st.tenant.Name, UserEmail: st.current.Email},
		TenantName: st.tenant.Name,
		Email:      st.inv.Email,
		Role:       st.inv.Role,
	}
	switch {
	case st.current.ID != 0 && st.current.Email != st.inv.Email:
		p.OtherUser = st.current.Email
	case st.current.ID != 0:
		p.Confirm = true
	case st.existing:
		p.SignIn = true
	default:
		p.NewUser = true
	}
	return p
}

func (s *Server) handleInvitePage(w http.ResponseWriter, r *http.Request) {
	st, err := s.loadInvite(r)
	if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	s.render(w, r, http.StatusOK, views.InvitePage(st.props()))
}

// handleInviteAccept accepts an invite: as the signed-in invited user, by
// signing in to the invited account, or by creating it with a password.
// Whoever accepts is signed in on a new session token afterwards.
func (s *Server) handleInviteAccept(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	st, err := s.loadInvite(r)
	if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	p := st.props()
	var user db.User
	switch {
	case p.OtherUser != "":
		s.render(w, r, http.StatusForbidden, views.InvitePage(p))
		return
	case p.Confirm:
		user, err = st.current, s.db.AcceptInvite(ctx, st.inv, st.current.ID)
	case p.SignIn:
		user, err = s.authenticate(r, st.inv.Email, r.PostFormValue("password"))
		if err == nil {
			err = s.db.AcceptInvite(ctx, st.inv, user.ID)
		}
	default:
		user, err = s.acceptAsNewUser(ctx, st.inv, r.PostFormValue("password"),
			r.PostFormValue("confirm"))
	}
	if err != nil {
		s.failInvite(w, r, p, err)
		return
	}
	if err := s.startSession(ctx, user); err != nil {
		s.fail(w, r, nil, err)
		return
	}
	if p.SignIn {
		s.auditUser(ctx, r, user, "signin", "", nil)
	}
	s.writeAudit(ctx, userEvent(r, st.inv.TenantID, user, "invite.accepted", st.inv.Email,
		map[string]any{"role": st.inv.Role, "new_user": p.NewUser}))
	http.Redirect(w, r, "/t/"+st.tenant.Slug+"/", http.StatusSeeOther)
}

func (s *Server) acceptAsNewUser(ctx context.Context, inv db.Invite, password, confirm string,
) (db.User, error) {
	if password != confirm {
		return db.User{}, badRequest("The two passwords differ.")
	}
	hash, err := HashPassword(password)
	if errors.Is(err, ErrWeakPassword) {
		return db.User{}, badRequest("Choose a password of at least " + itoa(MinPasswordLength) +
			" characters.")
	} else if err != nil {
		return db.User{}, err
	}
	return s.db.AcceptInviteAsNewUser(ctx, inv, hash)
}

// failInvite shows the invite page again with what went wrong, or the
// error page for errors that are not the person's to fix.
func (s *Server) failInvite(w http.ResponseWriter, r *http.Request, p views.InviteProps,
	err error) {
	var ue *userError
	if status, msg, retry, ok := signInRefusal(w, err); ok {
		p.Error, p.RetryAfter = msg, retry
		s.render(w, r, status, views.InvitePage(p))
		return
	}
	switch {
	case errors.As(err, &ue) && ue.status == http.StatusBadRequest:
		p.Error = ue.msg
		s.render(w, r, http.StatusUnprocessableEntity, views.InvitePage(p))
	case errors.Is(err, db.ErrNotFound):
		s.fail(w, r, nil, errInviteGone)
	case errors.Is(err, db.ErrConflict):
		// The account was made in the meantime: the link now asks for its
		// password.
		p.Error = "An account for " + p.Email + " exists now: sign in to accept."
		s.render(w, r, http.StatusConflict, views.InvitePage(p))
	default:
		s.fail(w, r, nil, err)
	}
}
