package views

import (
	"strings"
	"testing"
)

func testStaff() StaffProps {
	return StaffProps{
		Page: testPage("Staff"),
		Members: []MemberRow{
			{Email: "admin@demo.test", Role: "admin", Since: "2025-12-01", You: true,
				RoleURL: "/t/demo/staff/1/role", RemoveURL: "/t/demo/staff/1/remove"},
			{Email: "owner@demo.test", Role: "owner", Since: "2025-11-30"},
		},
		Invites: []InviteRow{{Email: "new@demo.test", Role: "viewer",
			ExpiresAt: "2025-12-10 11:00:00 UTC", RevokeURL: "/t/demo/staff/invites/3/revoke"}},
		RoleChoices: []string{"admin", "operator", "viewer"},
		Permissions: PermissionTable{Roles: []string{"owner", "viewer"}, Rows: []PermissionRow{
			{Label: "Read", Allowed: []bool{true, true}},
			{Label: "Manage owners", Allowed: []bool{true, false}},
		}},
		InviteLink:  "http://citylink.test/invite/abc",
		InviteEmail: "new@demo.test",
		InviteRole:  "viewer",
	}
}

func TestStaffPages_Golden(t *testing.T) {
	checkGolden(t, "staff", StaffPage(testStaff()))
	checkGolden(t, "account", AccountPage(AccountProps{Page: Page{Title: "Your account",
		UserEmail: "admin@demo.test"}, Errors: map[string]string{"current_password": "Wrong."}}))
	checkGolden(t, "invite_new_user", InvitePage(InviteProps{TenantName: "Demo Motors",
		Email: "new@demo.test", Role: "viewer", NewUser: true}))
	checkGolden(t, "invite_other_user", InvitePage(InviteProps{Page: Page{UserEmail: "x@demo.test"},
		TenantName: "Demo Motors", Email: "new@demo.test", Role: "viewer", OtherUser: "x@demo.test"}))
}

func TestStaffPage_NoActionsWithoutURLs(t *testing.T) {
	p := testStaff()
	p.Members[0].RoleURL, p.Members[0].RemoveURL = "", ""
	p.RoleChoices = nil
	got := mustRender(t, StaffPage(p))
	for _, unwanted := range []string{"/staff/1/role", "/staff/1/remove", `data-testid="invite-form"`} {
		if strings.Contains(got, unwanted) {
			t.Errorf("got %s in the page, want it left out", unwanted)
		}
	}
}
