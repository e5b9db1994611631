package db

import (
	"fmt"
	"strings"
)

// conds collects the conditions of a dynamic WHERE clause with their
// arguments, numbering the placeholders as they are added. It always starts
// with the tenant, the first wall.
type conds struct {
	sql  []string
	args []any
}

func tenantConds(tenantID int64) *conds {
	return &conds{sql: []string{"tenant_id = $1"}, args: []any{tenantID}}
}

// add appends cond, whose one %d becomes the placeholder of arg.
func (c *conds) add(cond string, arg any) {
	c.args = append(c.args, arg)
	c.sql = append(c.sql, fmt.Sprintf(cond, len(c.args)))
}

// arg appends v and returns its placeholder.
func (c *conds) arg(v any) string {
	c.args = append(c.args, v)
	return fmt.Sprintf("$%d", len(c.args))
}

// limit appends n, bounded, and returns its placeholder, for LIMIT.
func (c *conds) limit(n int) string { return c.arg(limit(n)) }

func (c *conds) where() string {
	return strings.Join(c.sql, " AND ")
}

// likePattern matches s anywhere, with LIKE's wildcards in s taken
// literally.
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

// only returns the one element of xs, or [ErrNotFound] when there is none.
func only[T any](xs []T, err error) (T, error) {
	var zero T
	if err != nil {
		return zero, err
	}
	if len(xs) == 0 {
		return zero, ErrNotFound
	}
	return xs[0], nil
}
