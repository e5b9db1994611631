package web_test

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"citylink/carcity"
	"citylink/db"
	"citylink/web"
)

// route is one entry of the route table in routes.go.
type route struct {
	method, path string
	// perm is the permission value the tenant() guard names; "" for routes
	// outside a tenant.
	perm string
}

// routeTable reads the route table from routes.go itself, so that a route
// added there is walked by the tests below without anyone listing it.
func routeTable(tb testing.TB) []route {
	tb.Helper()
	fset := token.NewFileSet()
	pkg := map[string]*ast.File{}
	for _, name := range []string{"routes.go", "auth.go"} {
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			tb.Fatalf("parse %s: %v", name, err)
		}
		pkg[name] = f
	}
	perms := map[string]string{}
	ast.Inspect(pkg["auth.go"], func(n ast.Node) bool {
		if vs, ok := n.(*ast.ValueSpec); ok && len(vs.Names) == 1 && len(vs.Values) == 1 {
			if lit, ok := vs.Values[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				perms[vs.Names[0].Name], _ = strconv.Unquote(lit.Value)
			}
		}
		return true
	})

	var routes []route
	ast.Inspect(pkg["routes.go"], func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) != 2 {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || (sel.Sel.Name != "HandleFunc" && sel.Sel.Name != "Handle") {
			return true
		}
		lit, ok := call.Args[0].(*ast.BasicLit)
		if !ok {
			tb.Fatalf("%s: a route whose pattern is not a literal", fset.Position(call.Pos()))
		}
		pattern, _ := strconv.Unquote(lit.Value)
		method, path, _ := strings.Cut(pattern, " ")
		r := route{method: method, path: path}
		if guard, ok := call.Args[1].(*ast.CallExpr); ok {
			if gs, ok := guard.Fun.(*ast.SelectorExpr); ok && gs.Sel.Name == "tenant" {
				r.perm = perms[guard.Args[0].(*ast.Ident).Name]
			}
		}
		if strings.Contains(path, "{slug}") && r.perm == "" {
			tb.Fatalf("route %s has a {slug} but no tenant(perm, ...) guard", pattern)
		}
		routes = append(routes, r)
		return true
	})
	if len(routes) < 20 {
		tb.Fatalf("got %d routes from routes.go, want the whole table", len(routes))
	}
	return routes
}

// fill makes a request path from a route's pattern: the slug, and for
// each {id} the id ids gives for the segment before it.
func fill(tb testing.TB, path, slug string, ids map[string]int64) string {
	tb.Helper()
	segs := strings.Split(strings.TrimSuffix(path, "{$}"), "/")
	for i, seg := range segs {
		switch seg {
		case "{slug}":
			segs[i] = slug
		case "{id}":
			id, ok := ids[segs[i-1]]
			if !ok {
				tb.Fatalf("%s: no test id for {id} after %q; add one to the route tests", path, segs[i-1])
			}
			segs[i] = itoa(id)
		}
	}
	return strings.Join(segs, "/")
}

// routeForm is a plausible body for any of the tenant POST routes.
var routeForm = url.Values{
	"command": {"create_lead"}, "role": {"viewer"}, "email": {"someone@example.test"},
	"time_zone": {"UTC"}, "service_url": {"http://127.0.0.1:1/service"}, "auth_mode": {"passive"},
	"command_auth": {"plain"},
}

// status makes a request and returns its status and Location without
// reading the body, so that a stream answers as soon as its headers are out.
func (b *browser) status(method, path string, form url.Values) (int, string) {
	b.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var body *strings.Reader
	if form == nil {
		body = strings.NewReader("")
	} else {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, b.base+path, body)
	if err != nil {
		b.tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := b.client.Do(req)
	if err != nil {
		b.tb.Fatalf("%s %s: %v", method, path, err)
	}
	res.Body.Close()
	return res.StatusCode, res.Header.Get("Location")
}

// seedTenantData gives a tenant a notification, a command attempt, an
// audit event, a pending invite, a command template and a member beyond
// its owner, and returns
// the ids a route's {id} may take, keyed by the segment before it.
func seedTenantData(tb testing.TB, a *testApp, t db.Tenant, secret string) map[string]int64 {
	tb.Helper()
	ctx := context.Background()
	res := postHook(tb, a.srv.URL, web.NotificationPath(t),
		`{"request":"delivery","messages":[{"type":"generic","data":"`+secret+`"}]}`)
	if res.status != http.StatusOK {
		tb.Fatalf("delivery to %s: got %d", t.Slug, res.status)
	}
	notes, err := a.db.FindNotifications(ctx, t.ID, db.NotificationFilter{Limit: 1})
	if err != nil || len(notes) != 1 {
		tb.Fatalf("notifications of %s: %v %v", t.Slug, notes, err)
	}
	cmd, err := a.db.CreateCommandAttempt(ctx, db.CommandAttempt{TenantID: t.ID,
		Command: "create_lead", Outcome: "ok", ResponseBody: secret})
	if err != nil {
		tb.Fatalf("command of %s: %v", t.Slug, err)
	}
	member := mustCreateMember(tb, a.db, t, "staff-"+secret+"@"+t.Slug+".test", "viewer")
	inv, _, err := a.db.CreateInvite(ctx, t.ID, "invited-"+secret+"@"+t.Slug+".test", "viewer", member.ID)
	if err != nil {
		tb.Fatalf("invite of %s: %v", t.Slug, err)
	}
	tpl, err := a.db.CreateCommandTemplate(ctx, db.CommandTemplate{TenantID: t.ID,
		Name: "template " + secret, Command: "create_lead", CreatedBy: &member.ID})
	if err != nil {
		tb.Fatalf("template of %s: %v", t.Slug, err)
	}
	return map[string]int64{
		"notifications": notes[0].ID, "requests": notes[0].RequestID, "commands": cmd.ID,
		"staff": member.ID, "invites": inv.ID, "templates": tpl.ID,
	}
}

// TestRoutes_OtherTenant walks every tenant route as an owner of acme,
// against bravo's slug with bravo's ids and against acme's slug with
// bravo's ids: each must answer 404 and show nothing of bravo.
func TestRoutes_OtherTenant(t *testing.T) {
	a := newTestApp(t)
	acme := mustCreateTenant(t, a.db, "acme")
	bravo := mustCreateTenant(t, a.db, "bravo")
	mustCreateMember(t, a.db, acme, "ann@acme.test", "owner")
	mustCreateMember(t, a.db, bravo, "bob@bravo.test", "owner")
	withSimulator(t, a, acme, carcity.SimConfig{})
	const secret = "bravosecret"
	ids := seedTenantData(t, a, bravo, secret)
	seedTenantData(t, a, acme, "acmedata")
	ann := a.signIn(t, "ann@acme.test")

	leaks := []string{secret, "Bravo Motors", "bob@bravo.test", bravo.HookToken}
	walked := 0
	for _, r := range routeTable(t) {
		if r.perm == "" {
			continue
		}
		paths := []string{fill(t, r.path, "bravo", ids)}
		if strings.Contains(r.path, "{id}") {
			paths = append(paths, fill(t, r.path, "acme", ids))
		}
		for _, p := range paths {
			walked++
			var form url.Values
			if r.method == http.MethodPost {
				form = routeForm
			}
			res := ann.do(r.method, p, form)
			if res.status != http.StatusNotFound {
				t.Errorf("%s %s: got %d, want 404", r.method, p, res.status)
			}
			for _, leak := range leaks {
				if strings.Contains(res.body, leak) {
					t.Errorf("%s %s: the body shows %q of bravo", r.method, p, leak)
				}
			}
		}
	}
	if walked < 15 {
		t.Errorf("walked %d requests, want every tenant route", walked)
	}
	// Nothing of bravo changed on the way.
	after, err := a.db.FindTenantBySlug(context.Background(), "bravo")
	if err != nil || after.HookToken != bravo.HookToken || after.TimeZone != bravo.TimeZone {
		t.Errorf("bravo after the walk: got %+v, %v, want it unchanged", after, err)
	}
}

// TestRoutes_Roles walks every tenant route as each role: a role the
// route's permission allows is let through, any other gets 403.
func TestRoutes_Roles(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	acme := mustCreateTenant(t, a.db, "acme")
	mustCreateMember(t, a.db, acme, "keeper@acme.test", "owner")
	withSimulator(t, a, acme, carcity.SimConfig{})
	ids := seedTenantData(t, a, acme, "acmedata")
	browsers := map[string]*browser{}
	for _, role := range web.Roles() {
		email := role + "@acme.test"
		mustCreateMember(t, a.db, acme, email, role)
		browsers[role] = a.signIn(t, email)
	}

	for _, r := range routeTable(t) {
		if r.perm == "" {
			continue
		}
		// The table itself is checked where a slip would hurt most: staff,
		// audit and every settings change are for admins and owners only.
		sensitive := strings.Contains(r.path, "/staff") || strings.Contains(r.path, "/audit") ||
			strings.Contains(r.path, "/settings") && r.method == http.MethodPost
		if sensitive && (web.RoleAllows("operator", r.perm) || !web.RoleAllows("admin", r.perm)) {
			t.Errorf("%s %s: permission %q, want one for admins and owners only", r.method, r.path, r.perm)
		}
		for _, role := range web.Roles() {
			// Staff and template actions use up their target: give each
			// request a fresh invite, template and the member back.
			target := mustCreateMember(t, a.db, acme, "target@acme.test", "viewer")
			inv, _, err := a.db.CreateInvite(ctx, acme.ID, "fresh@acme.test", "viewer", target.ID)
			if err != nil {
				t.Fatal(err)
			}
			tpl, err := a.db.CreateCommandTemplate(ctx, db.CommandTemplate{TenantID: acme.ID,
				Name: "fresh " + role + " " + r.method + " " + r.path, Command: "create_lead"})
			if err != nil {
				t.Fatal(err)
			}
			ids["staff"], ids["invites"], ids["templates"] = target.ID, inv.ID, tpl.ID
			var form url.Values
			if r.method == http.MethodPost {
				form = routeForm
			}
			p := fill(t, r.path, "acme", ids)
			got, location := browsers[role].status(r.method, p, form)
			allowed := web.RoleAllows(role, r.perm)
			switch {
			case allowed && (got == http.StatusForbidden || got == http.StatusNotFound ||
				location == "/login"):
				t.Errorf("%s %s as %s: got %d, want it allowed", r.method, p, role, got)
			case !allowed && got != http.StatusForbidden:
				t.Errorf("%s %s as %s: got %d, want 403", r.method, p, role, got)
			}
		}
	}
}
