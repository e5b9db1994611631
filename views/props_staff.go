package views

// MemberRow is one member of the staff list. The URLs are empty where the
// viewer may not act on the member.
type MemberRow struct {
	Email string
	Role  string
	Since string
	You   bool
	// RoleURL changes the role (form field "role"), RemoveURL removes.
	RoleURL   string
	RemoveURL string
}

// InviteRow is one invite that was neither accepted nor revoked.
type InviteRow struct {
	Email     string
	Role      string
	ExpiresAt string
	Expired   bool
	RevokeURL string
}

// PermissionTable shows which role may do what: one row per permission,
// one column per role.
type PermissionTable struct {
	Roles []string
	Rows  []PermissionRow
}

// PermissionRow is one permission with, per role of the table, whether
// the role has it.
type PermissionRow struct {
	Label   string
	Allowed []bool
}

// StaffProps fills the staff page.
type StaffProps struct {
	Page    Page
	Members []MemberRow
	Invites []InviteRow
	// RoleChoices are the roles the viewer may invite to or grant.
	RoleChoices []string
	Permissions PermissionTable
	// InviteLink is the link of the invite just made, shown this once.
	InviteLink  string
	InviteEmail string
	InviteRole  string
	Errors      map[string]string
}

// AccountProps fills the own-account page.
type AccountProps struct {
	Page   Page
	Errors map[string]string
}

// InviteProps fills the page an invite link opens. Exactly one of the
// modes is set: a new user sets a password, an existing user signs in (or,
// signed in already, confirms), or someone else is signed in.
type InviteProps struct {
	Page       Page
	TenantName string
	Email      string
	Role       string
	// NewUser: set a password. SignIn: give the password of the account.
	// Confirm: join as the signed-in user. OtherUser: the signed-in user
	// is not the one invited.
	NewUser    bool
	SignIn     bool
	Confirm    bool
	OtherUser  string
	Error      string
	RetryAfter string
}
