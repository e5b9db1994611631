package web

import "context"

// DefaultCommandRate is how many commands a tenant may send per minute
// when the operator sets no rate.
const DefaultCommandRate = 60

// allowCommand takes one command from the tenant's allowance, which
// protects the tenant's platform account from a runaway console or
// script. Every Citylink process shares the allowance, in the database.
func (s *Server) allowCommand(ctx context.Context, tenantID int64) (bool, error) {
	rate := s.cfg.CommandRate
	if rate <= 0 {
		rate = DefaultCommandRate
	}
	return s.db.TakeCommandToken(ctx, tenantID, rate)
}
