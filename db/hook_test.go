package db_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"citylink/db"
	"citylink/db/dbtest"
)

// exampleMessages are the platform's own example delivery.
var exampleMessages = []db.NewNotification{
	{Type: "generic", Data: json.RawMessage(`"Hello World"`)},
	{Type: "new_user", Data: json.RawMessage(`{"first_name": "John", "last_name": "Doe"}`)},
}

func delivery(tenantID int64, hash string, at time.Time) db.HookRequest {
	return db.HookRequest{
		TenantID:     tenantID,
		ReceivedAt:   at,
		RemoteAddr:   "192.0.2.1:5000",
		Method:       "POST",
		Headers:      map[string][]string{"Content-Type": {"application/json"}},
		Body:         []byte(`{"request":"delivery"}`),
		AnswerStatus: 200,
		AnswerBody:   `{"status":"OK"}`,
		MessagesHash: hash,
	}
}

func TestCreateDelivery(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	tn := dbtest.MustCreateTenant(t, d, "demo")
	other := dbtest.MustCreateTenant(t, d, "other")
	start := time.Now().Add(-time.Hour).Truncate(time.Microsecond)

	first, err := d.CreateDelivery(ctx, delivery(tn.ID, "h1", start), exampleMessages)
	if err != nil {
		t.Fatalf("first delivery: %v", err)
	}

	t.Run("Stored", func(t *testing.T) {
		got, err := d.FindHookRequestByID(ctx, tn.ID, first.ID)
		if err != nil {
			t.Fatalf("find: %v", err)
		}
		if got.RequestKind != "delivery" || got.Outcome != "accepted" || got.MessageCount != 2 ||
			got.RepeatOf != nil || got.MessagesHash != "h1" || !got.ReceivedAt.Equal(start) ||
			got.Headers["Content-Type"][0] != "application/json" ||
			string(got.Body) != `{"request":"delivery"}` {
			t.Errorf("got %+v", got)
		}

		ns, err := d.FindNotifications(ctx, tn.ID, db.NotificationFilter{})
		if err != nil || len(ns) != 2 {
			t.Fatalf("got %d notifications, %v, want 2", len(ns), err)
		}
		// Newest first: the last message of the delivery comes first.
		if ns[0].Type != "new_user" || ns[0].Position != 1 || ns[1].Type != "generic" ||
			ns[1].RequestID != first.ID || string(ns[1].Data) != `"Hello World"` {
			t.Errorf("got %+v", ns)
		}
	})

	t.Run("Repeat", func(t *testing.T) {
		again, err := d.CreateDelivery(ctx, delivery(tn.ID, "h1", start.Add(time.Minute)), exampleMessages)
		if err != nil {
			t.Fatalf("repeat: %v", err)
		}
		if again.RepeatOf == nil || *again.RepeatOf != first.ID {
			t.Fatalf("got repeat of %v, want %d", again.RepeatOf, first.ID)
		}

		// A third copy points at the first delivery, not at the second.
		third, err := d.CreateDelivery(ctx, delivery(tn.ID, "h1", start.Add(2*time.Minute)), exampleMessages)
		if err != nil || third.RepeatOf == nil || *third.RepeatOf != first.ID {
			t.Fatalf("got %v, %v, want repeat of %d", third.RepeatOf, err, first.ID)
		}

		all, err := d.FindNotifications(ctx, tn.ID, db.NotificationFilter{WithRepeats: true})
		if err != nil || len(all) != 6 {
			t.Fatalf("got %d notifications, %v, want 6", len(all), err)
		}
		byID := make(map[int64]db.Notification)
		for _, n := range all {
			byID[n.ID] = n
		}
		for _, n := range all {
			if n.RequestID == first.ID {
				continue
			}
			if n.RepeatOf == nil {
				t.Errorf("notification %d: got no repeat, want one", n.ID)
				continue
			}
			orig := byID[*n.RepeatOf]
			if orig.RequestID != first.ID || orig.Position != n.Position {
				t.Errorf("notification %d at %d: got repeat of %+v", n.ID, n.Position, orig)
			}
		}

		fresh, _ := d.FindNotifications(ctx, tn.ID, db.NotificationFilter{})
		if len(fresh) != 2 {
			t.Errorf("without repeats: got %d, want 2", len(fresh))
		}
	})

	t.Run("NotARepeat", func(t *testing.T) {
		tests := []struct {
			name string
			req  db.HookRequest
		}{
			{"OtherHash", delivery(tn.ID, "h2", start)},
			{"OtherTenant", delivery(other.ID, "h1", start)},
			{"DayLater", delivery(tn.ID, "h1", start.Add(25*time.Hour))},
			{"NoHash", delivery(tn.ID, "", start)},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := d.CreateDelivery(ctx, tt.req, exampleMessages)
				if err != nil || got.RepeatOf != nil {
					t.Errorf("got repeat of %v, %v, want none", got.RepeatOf, err)
				}
			})
		}
	})

	t.Run("NoMessages", func(t *testing.T) {
		got, err := d.CreateDelivery(ctx, delivery(tn.ID, "", start), nil)
		if err != nil || got.MessageCount != 0 || got.ID == 0 {
			t.Errorf("got %+v, %v, want a stored empty delivery", got, err)
		}
	})
}

func TestCreateDelivery_CommitFails(t *testing.T) {
	ctx := context.Background()
	url := dbtest.URL(t)
	d := dbtest.Open(t, url)
	tn := dbtest.MustCreateTenant(t, d, "demo")

	// A deferred constraint trigger fires at COMMIT, after every statement
	// of the delivery has succeeded: the last moment anything can fail.
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect as owner: %v", err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `
		CREATE FUNCTION fail_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF NEW.type = 'fail-at-commit' THEN
				RAISE EXCEPTION 'failing at commit as asked';
			END IF;
			RETURN NULL;
		END $$;
		CREATE CONSTRAINT TRIGGER fail_at_commit AFTER INSERT ON notifications
			DEFERRABLE INITIALLY DEFERRED
			FOR EACH ROW EXECUTE FUNCTION fail_at_commit();`)
	if err != nil {
		t.Fatalf("install trigger: %v", err)
	}

	msgs := []db.NewNotification{
		{Type: "generic", Data: json.RawMessage(`"kept?"`)},
		{Type: "fail-at-commit", Data: json.RawMessage(`{}`)},
	}
	_, err = d.CreateDelivery(ctx, delivery(tn.ID, "h", time.Now()), msgs)
	if err == nil || !strings.Contains(err.Error(), "failing at commit as asked") {
		t.Fatalf("got %v, want the commit to fail", err)
	}

	reqs, err := d.FindHookRequests(ctx, tn.ID, db.HookRequestFilter{})
	if err != nil || len(reqs) != 0 {
		t.Errorf("requests: got %d, %v, want 0", len(reqs), err)
	}
	ns, err := d.FindNotifications(ctx, tn.ID, db.NotificationFilter{WithRepeats: true})
	if err != nil || len(ns) != 0 {
		t.Errorf("notifications: got %d, %v, want 0", len(ns), err)
	}

	// The same delivery re-sent later is stored, and is no repeat of the
	// failed one, which never existed.
	msgs[1].Type = "generic"
	got, err := d.CreateDelivery(ctx, delivery(tn.ID, "h", time.Now()), msgs)
	if err != nil || got.RepeatOf != nil {
		t.Errorf("re-sent: got repeat of %v, %v, want a first delivery", got.RepeatOf, err)
	}
}

func TestHookRequests(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	tn := dbtest.MustCreateTenant(t, d, "demo")

	if _, err := d.FindLastHandshake(ctx, tn.ID); !isNotFound(err) {
		t.Errorf("before any handshake: got %v, want ErrNotFound", err)
	}

	var ids []int64
	for _, r := range []db.HookRequest{
		{TenantID: tn.ID, RequestKind: "authenticate", Outcome: "accepted", AnswerStatus: 200},
		{TenantID: tn.ID, RequestKind: "", Outcome: "rejected", AnswerStatus: 400, Error: "invalid JSON"},
		{TenantID: tn.ID, RequestKind: "authenticate", Outcome: "error", AnswerStatus: 500},
	} {
		got, err := d.CreateHookRequest(ctx, r)
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		if got.ReceivedAt.IsZero() {
			t.Errorf("got no received_at")
		}
		ids = append(ids, got.ID)
	}

	t.Run("LastHandshake", func(t *testing.T) {
		got, err := d.FindLastHandshake(ctx, tn.ID)
		if err != nil || got.ID != ids[2] {
			t.Errorf("got %d, %v, want %d", got.ID, err, ids[2])
		}
	})
	t.Run("Filter", func(t *testing.T) {
		got, err := d.FindHookRequests(ctx, tn.ID, db.HookRequestFilter{Outcome: "rejected"})
		if err != nil || len(got) != 1 || got[0].Error != "invalid JSON" {
			t.Errorf("got %+v, %v, want the rejected one", got, err)
		}
	})
	t.Run("Pages", func(t *testing.T) {
		page1, _ := d.FindHookRequests(ctx, tn.ID, db.HookRequestFilter{Limit: 2})
		if len(page1) != 2 || page1[0].ID != ids[2] || page1[1].ID != ids[1] {
			t.Fatalf("page 1: got %+v", page1)
		}
		page2, _ := d.FindHookRequests(ctx, tn.ID, db.HookRequestFilter{Limit: 2, BeforeID: page1[1].ID})
		if len(page2) != 1 || page2[0].ID != ids[0] {
			t.Errorf("page 2: got %+v", page2)
		}
	})
	t.Run("BadOutcome", func(t *testing.T) {
		_, err := d.CreateHookRequest(ctx, db.HookRequest{TenantID: tn.ID, Outcome: "maybe"})
		if !isInvalid(err) {
			t.Errorf("got %v, want ErrInvalid", err)
		}
	})
}

func TestFindNotifications(t *testing.T) {
	ctx := context.Background()
	d := dbtest.New(t)
	tn := dbtest.MustCreateTenant(t, d, "demo")
	at := time.Now().Add(-time.Hour)
	msgs := append(exampleMessages,
		db.NewNotification{Type: "complex", Data: json.RawMessage(`{"a": "50%_off"}`)})
	if _, err := d.CreateDelivery(ctx, delivery(tn.ID, "", at), msgs); err != nil {
		t.Fatalf("create: %v", err)
	}

	later := at.Add(time.Minute)
	tests := []struct {
		name string
		f    db.NotificationFilter
		want []string
	}{
		{"All", db.NotificationFilter{}, []string{"complex", "new_user", "generic"}},
		{"Type", db.NotificationFilter{Type: "new_user"}, []string{"new_user"}},
		{"QueryData", db.NotificationFilter{Query: "john"}, []string{"new_user"}},
		{"QueryType", db.NotificationFilter{Query: "GENER"}, []string{"generic"}},
		{"QueryWildcardsLiteral", db.NotificationFilter{Query: "0%_o"}, []string{"complex"}},
		{"QueryNoMatch", db.NotificationFilter{Query: "5_%"}, nil},
		{"From", db.NotificationFilter{From: &later}, nil},
		{"To", db.NotificationFilter{To: &later}, []string{"complex", "new_user", "generic"}},
		{"Unread", db.NotificationFilter{Unread: true, Limit: 1}, []string{"complex"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns, err := d.FindNotifications(ctx, tn.ID, tt.f)
			if err != nil {
				t.Fatalf("find: %v", err)
			}
			var got []string
			for _, n := range ns {
				got = append(got, n.Type)
			}
			if !equalStrings(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}

	t.Run("Types", func(t *testing.T) {
		got, err := d.FindNotificationTypes(ctx, tn.ID)
		if want := []string{"complex", "generic", "new_user"}; err != nil || !equalStrings(got, want) {
			t.Errorf("got %v, %v, want %v", got, err, want)
		}
	})
	t.Run("ByID", func(t *testing.T) {
		ns, _ := d.FindNotifications(ctx, tn.ID, db.NotificationFilter{Type: "generic"})
		got, err := d.FindNotificationByID(ctx, tn.ID, ns[0].ID)
		if err != nil || got.Type != "generic" {
			t.Errorf("got %+v, %v", got, err)
		}
		if _, err := d.FindNotificationByID(ctx, tn.ID, ns[0].ID+1000); !isNotFound(err) {
			t.Errorf("got %v, want ErrNotFound", err)
		}
	})
}
