package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/net/html"

	"citylink/db"
	"citylink/db/dbtest"
	"citylink/web"
)

// testApp is a running Citylink on a fresh database.
type testApp struct {
	db  *db.DB
	url string
	srv *httptest.Server
	app *web.Server
}

// loopback lets the tests' commands reach simulators on 127.0.0.1, which
// the outbound guard refuses by default.
var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}

func newTestApp(tb testing.TB, opts ...func(*web.Config)) *testApp {
	tb.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(tbWriter{tb}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return newTestAppLog(tb, log, opts...)
}

// newTestAppLog is newTestApp writing its logs to log.
func newTestAppLog(tb testing.TB, log *slog.Logger, opts ...func(*web.Config)) *testApp {
	tb.Helper()
	dbURL := dbtest.URL(tb)
	d := dbtest.Open(tb, dbURL)
	cfg := web.Config{JobRetryBase: 50 * time.Millisecond, AllowTargets: loopback}
	for _, o := range opts {
		o(&cfg)
	}
	app, err := web.New(cfg, d, log)
	if err != nil {
		tb.Fatalf("new app: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := app.Start(ctx); err != nil {
		tb.Fatalf("start app: %v", err)
	}
	srv := httptest.NewServer(app.Handler())
	tb.Cleanup(func() {
		app.EndStreams()
		srv.Close()
		stop, done := context.WithTimeout(context.Background(), 5*time.Second)
		defer done()
		_ = app.Close(stop)
		cancel()
	})
	return &testApp{db: d, url: dbURL, srv: srv, app: app}
}

type tbWriter struct{ tb testing.TB }

func (w tbWriter) Write(p []byte) (int, error) {
	w.tb.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func mustCreateTenant(tb testing.TB, d *db.DB, slug string) db.Tenant {
	tb.Helper()
	t, err := d.CreateTenant(context.Background(), slug, strings.ToUpper(slug[:1])+slug[1:]+" Motors")
	if err != nil {
		tb.Fatalf("create tenant %s: %v", slug, err)
	}
	return t
}

// testPassword is every test user's password.
const testPassword = "correct horse battery"

func mustCreateMember(tb testing.TB, d *db.DB, t db.Tenant, email, role string) db.User {
	tb.Helper()
	ctx := context.Background()
	u, err := d.FindUserByEmail(ctx, email)
	if err != nil {
		hash, herr := web.HashPassword(testPassword)
		if herr != nil {
			tb.Fatalf("hash: %v", herr)
		}
		if u, err = d.CreateUser(ctx, email, hash); err != nil {
			tb.Fatalf("create user %s: %v", email, err)
		}
	}
	if err := d.UpsertMembership(ctx, t.ID, u.ID, role); err != nil {
		tb.Fatalf("add %s to %s: %v", email, t.Slug, err)
	}
	return u
}

func mustSetCredentials(tb testing.TB, d *db.DB, t db.Tenant, u db.CredentialsUpdate) {
	tb.Helper()
	if _, err := d.UpdateCredentials(context.Background(), t.ID, u); err != nil {
		tb.Fatalf("set credentials of %s: %v", t.Slug, err)
	}
}

func ptr[T any](v T) *T { return &v }

// browser is an HTTP client with its own cookies, like one browser.
type browser struct {
	tb     testing.TB
	base   string
	client *http.Client
}

func (a *testApp) browser(tb testing.TB) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		tb.Fatal(err)
	}
	return &browser{tb: tb, base: a.srv.URL, client: &http.Client{
		Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

// signIn signs in and fails the test when that does not work.
func (a *testApp) signIn(tb testing.TB, email string) *browser {
	tb.Helper()
	b := a.browser(tb)
	res := b.post("/login", url.Values{"email": {email}, "password": {testPassword}})
	if res.status != http.StatusSeeOther {
		tb.Fatalf("sign in %s: got status %d, want 303; body: %s", email, res.status, res.body)
	}
	return b
}

type response struct {
	status int
	header http.Header
	body   string
}

func (b *browser) get(path string) response {
	b.tb.Helper()
	return b.do(http.MethodGet, path, nil)
}

func (b *browser) post(path string, form url.Values) response {
	b.tb.Helper()
	return b.do(http.MethodPost, path, form)
}

func (b *browser) do(method, path string, form url.Values) response {
	b.tb.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		b.tb.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := b.client.Do(req)
	if err != nil {
		b.tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		b.tb.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return response{status: res.StatusCode, header: res.Header, body: string(data)}
}

// postHook sends a raw body to a notification URL, as the platform would.
func postHook(tb testing.TB, base, path, body string) response {
	tb.Helper()
	res, err := http.Post(base+path, "application/json", strings.NewReader(body))
	if err != nil {
		tb.Fatalf("post %s: %v", path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: string(data)}
}

// mustExecAsOwner runs SQL as the owner of the test database's tables,
// for setups the application's own role may not do.
func (a *testApp) mustExecAsOwner(tb testing.TB, sql string) {
	tb.Helper()
	conn, err := pgx.Connect(context.Background(), a.url)
	if err != nil {
		tb.Fatalf("connect as owner: %v", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		tb.Fatalf("exec as owner: %v", err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// testidText is the text inside the first element with this data-testid,
// with its white space folded; "" when there is none.
func testidText(body, id string) string {
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		return ""
	}
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		for _, attr := range n.Attr {
			if attr.Key == "data-testid" && attr.Val == id {
				var text strings.Builder
				for c := range n.Descendants() {
					if c.Type == html.TextNode {
						text.WriteString(c.Data + " ")
					}
				}
				return strings.Join(strings.Fields(text.String()), " ")
			}
		}
	}
	return ""
}
