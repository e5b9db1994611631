package web

import (
	"net/http"
	"net/mail"
	"strings"
	"time"

	"citylink/db"
	"citylink/views"
)

func (s *Server) handleStaff(w http.ResponseWriter, r *http.Request, tc *tenantCtx) {
	p, err := s.staffProps(r, tc)
	if err != nil {
		s.fail(w, r, tc, err)
		return
	}
	s.render(w, r, http.StatusOK, views.StaffPage(p))
}

// staffProps loads the members and pending invites, and offers actions on
// each only where the viewer's role allows them.
func (s *Server) staffProps(r *http.Request, tc *tenantCtx) (views.StaffProps, error) {
	ctx := r.Context()
	members, err := s.db.FindMembers(ctx, tc.tenant.ID)
	if err != nil {
		return views.StaffProps{}, err
	}
	invites, err := s.db.FindPendingInvites(ctx, tc.tenant.ID)
	if err != nil {
		return views.StaffProps{}, err
	}
	loc := tenantLocation(tc.tenant)
	p := views.StaffProps{Page: s.page(r, tc, "Staff", "staff"), Permissions: permissionTable(),
		InviteRole: "viewer"}
	for _, role := range roles {
		if tc.canManage(role) {
			p.RoleChoices = append(p.RoleChoices, role)
		}
	}
	for _, m := range members {
		row := views.MemberRow{Email: m.Email, Role: m.Role, You: m.UserID == tc.user.ID,
			Since: m.CreatedAt.In(loc).Format(time.DateOnly)}
		if tc.canManage(m.Role) {
			row.RoleURL = tc.path("/staff/" + itoa(m.UserID) + "/role")
			row.RemoveURL = tc.path("/staff/" + itoa(m.UserID) + "/remove")
		}
		p.Members = append(p.Members, row)
	}
	for _, inv := range invites {
		row := views.InviteRow{Email: inv.Email, Role: inv.Role,
			ExpiresAt: inv.ExpiresAt.In(loc).Format(timeLayout),
			Expired:   time.Now().After(inv.ExpiresAt)}
		if tc.canManage(inv.Role) {
			row.RevokeURL = tc.path("/staff/invites/" + itoa(inv.ID) + "/revoke")
		}
		p.Invites = append(p.Invites, row)
	}
	return p, nil
}

// permissionTable is rolePermissions as the staff page shows it.
func permissionTable() views.PermissionTable {
	t := views.PermissionTable{Roles: roles}
	for _, pl := range permissionLabels {
		row := views.PermissionRow{Label: pl.label}
		for _, role := range roles {
			row.Allowed = append(row.Allowed, roleAllows(role, pl.perm))
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// handleInviteCreate makes an invite and shows its link this once: only
// its hash is kept, so the page answers directly rather than redirecting.
func (s *Server) handleInviteCreate(w http.ResponseWriter, r *http.Request, tc *tenantCtx) {
	ctx := r.Context()
	email := strings.ToLower(strings.TrimSpace(r.PostFormValue("email")))
	role := r.PostFormValue("role")
	errs := s.inviteErrors(r, tc, email, role)
	p, err := s.staffProps(r, tc)
	if err != nil {
		s.fail(w, r, tc, err)
		return
	}
	p.InviteEmail, p.InviteRole = email, role
	if len(errs) > 0 {
		p.Errors = errs
		s.render(w, r, http.StatusUnprocessableEntity, views.StaffPage(p))
		return
	}
	inv, token, err := s.db.CreateInvite(ctx, tc.tenant.ID, email, role, tc.user.ID)
	if err != nil {
		s.fail(w, r, tc, err)
		return
	}
	s.audit(ctx, r, tc, "invite.sent", inv.Email, map[string]any{"role": inv.Role,
		"expires_at": inv.ExpiresAt})
	if p, err = s.staffProps(r, tc); err != nil {
		s.fail(w, r, tc, err)
		return
	}
	p.InviteLink, p.InviteEmail = s.absoluteURL(r, "/invite/"+token), inv.Email
	s.render(w, r, http.StatusOK, views.StaffPage(p))
}

// inviteErrors checks the invite form: a plain address of someone not yet
// a member, and a role the inviting member may grant.
func (s *Server) inviteErrors(r *http.Request, tc *tenantCtx, email, role string,
) map[string]string {
	errs := map[string]string{}
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 {
		errs["email"] = "Give an email address, such as name@dealer.example."
	}
	if !ValidRole(role) || !tc.canManage(role) {
		errs["role"] = "Choose one of the roles offered."
	}
	if len(errs) == 0 {
		if u, err := s.db.FindUserByEmail(r.Context(), email); err == nil {
			if _, err := s.db.FindMember(r.Context(), tc.tenant.ID, u.ID); err == nil {
				errs["email"] = "This person is a member already."
			}
		}
	}
	return errs
}

func (s *Server) handleInviteRevoke(w http.ResponseWriter, r *http.Request, tc *tenantCtx) {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, tc, err)
		return
	}
	pending, err := s.db.FindPendingInvites(ctx, tc.tenant.ID)
	if err != nil {
		s.fail(w, r, tc, err)
		return
	}
	for _, inv := range pending {
		if inv.ID == id && !tc.canManage(inv.Role) {
			s.fail(w, r, tc, errForbidden)
			return
		}
	}
	inv, err := s.db.RevokeInvite(ctx, tc.tenant.ID, id)
	if err != nil {
		s.fail(w, r, tc, err)
		return
	}
	s.audit(ctx, r, tc, "invite.revoked", inv.Email, map[string]any{"role": inv.Role})
	s.flash(r, "The invite for "+inv.Email+" no longer works.")
	http.Redirect(w, r, tc.path("/staff"), http.StatusSeeOther)
}

// staffTarget is the member a staff action names by {id}, once it is
// known that the viewer may manage them.
func (s *Server) staffTarget(r *http.Request, tc *tenantCtx) (db.Member, error) {
	id, err := pathID(r)
	if err != nil {
		return db.Member{}, err
	}
	m, err := s.db.FindMember(r.Context(), tc.tenant.ID, id)
	if err != nil {
		return db.Member{}, err
	}
	if !tc.canManage(m.Role) {
		return db.Member{}, errForbidden
	}
	return m, nil
}

func (s *Server) handleMemberRole(w http.ResponseWriter, r *http.Request, tc *tenantCtx) {
	ctx := r.Context()
	m, err := s.staffTarget(r, tc)
	role := r.PostFormValue("role")
	if err == nil && (!ValidRole(role) || !tc.canManage(role)) {
		err = badRequest("Choose one of the roles offered.")
	}
	if err == nil {
		err = s.db.UpdateMemberRole(ctx, tc.tenant.ID, m.UserID, role)
	}
	if err != nil {
		s.fail(w, r, tc, err)
		return
	}
	if role == m.Role {
		http.Redirect(w, r, tc.path("/staff"), http.StatusSeeOther)
		return
	}
	s.audit(ctx, r, tc, "member.role_changed", m.Email, map[string]any{"old": m.Role, "new": role})
	// A change of one's own privileges gets a new session token.
	if m.UserID == tc.user.ID {
		if err := s.startSession(ctx, tc.user); err != nil {
			s.fail(w, r, tc, err)
			return
		}
	}
	s.flash(r, m.Email+" is now "+role+".")
	http.Redirect(w, r, tc.path("/staff"), http.StatusSeeOther)
}

func (s *Server) handleMemberRemove(w http.ResponseWriter, r *http.Request, tc *tenantCtx) {
	ctx := r.Context()
	m, err := s.staffTarget(r, tc)
	if err == nil {
		err = s.db.DeleteMembership(ctx, tc.tenant.ID, m.UserID)
	}
	if err != nil {
		s.fail(w, r, tc, err)
		return
	}
	s.audit(ctx, r, tc, "member.removed", m.Email, map[string]any{"role": m.Role})
	if m.UserID == tc.user.ID {
		if err := s.startSession(ctx, tc.user); err != nil {
			s.fail(w, r, tc, err)
			return
		}
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	s.flash(r, m.Email+" is no longer a member.")
	http.Redirect(w, r, tc.path("/staff"), http.StatusSeeOther)
}
