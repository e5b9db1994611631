package web

import "time"

// PasswordChecks is how many times CheckPassword has run in this process.
func PasswordChecks() int64 { return passwordChecks.Load() }

// RoleAllows reports whether the role has the permission of this value.
func RoleAllows(role, perm string) bool { return roleAllows(role, permission(perm)) }

// Roles are the roles a member can have, most powerful first.
func Roles() []string { return roles }

// SetStreamLifetime caps notification streams at d until the returned
// function puts the cap back.
func SetStreamLifetime(d time.Duration) func() {
	old := streamLifetime
	streamLifetime = d
	return func() { streamLifetime = old }
}
