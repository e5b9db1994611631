// Package views holds Citylink's server-rendered pages, written in templ.
//
// Views know neither the database nor net/http: every page takes a props
// struct declared here, and package web fills it from what it loaded.
package views

// Page is what every signed-in page shares: the title, who is signed in,
// which tenant they are looking at and the navigation their role allows.
type Page struct {
	Title      string
	TenantSlug string
	TenantName string
	UserEmail  string
	Role       string
	Nav        []NavLink
	// Tenants lists the other tenants the user belongs to, for switching.
	Tenants []NavLink
	// Flash is a one-time notice shown at the top ("Settings saved").
	Flash string
}

// NavLink is one entry of the navigation.
type NavLink struct {
	Label  string
	URL    string
	Active bool
}

// LoginProps fills the sign-in page.
type LoginProps struct {
	Email string
	Error string
	// RetryAfter is set when sign-in is locked ("try again in 12 minutes").
	RetryAfter string
}

// TenantPickerProps lists the tenants a user may open after signing in.
type TenantPickerProps struct {
	UserEmail string
	Tenants   []NavLink
}

// ErrorProps fills the generic error page. Message is meant for people and
// never carries internal error text.
type ErrorProps struct {
	Page    Page
	Status  int
	Title   string
	Message string
}

// NotificationRow is one line of the notification list.
type NotificationRow struct {
	ID         int64
	URL        string
	Type       string
	ReceivedAt string
	Summary    string
	Repeat     bool
	Read       bool
	// ReadBy says who read it and when, for a read one.
	ReadBy  string
	Message Message
}

// NotificationFilter is the list's filter as the form shows it.
type NotificationFilter struct {
	Type   string
	Query  string
	From   string
	To     string
	Unread bool
	// Repeats shows repeats too; they are left out otherwise.
	Repeats bool
}

// NotificationsProps fills the notification list.
type NotificationsProps struct {
	Page   Page
	Filter NotificationFilter
	Types  []string
	Items  []NotificationRow
	// NextURL is the link to the next (older) page, empty on the last one.
	NextURL string
	// StreamURL is the server-sent events endpoint for live arrival; each
	// event named "notification" carries a rendered NotificationRowItem.
	StreamURL string
	// ReadURL takes the marking form; BackURL is this page, to return to.
	ReadURL string
	BackURL string
	// ExportURL is the export of the filtered list, without its format.
	ExportURL string
}

// Person is a readable card for messages that describe a person.
type Person struct {
	FirstName string
	LastName  string
	Email     string
	Phone     string
}

// NotificationProps fills the detail page of one notification.
type NotificationProps struct {
	Page       Page
	ID         int64
	Type       string
	ReceivedAt string
	// DataJSON is the data pretty-printed.
	DataJSON    string
	RepeatOfURL string
	RequestURL  string
	Read        bool
	ReadBy      string
	// Message is the data made readable; on this page Tree is always set.
	Message Message
	// ReadURL takes the mark read or unread form.
	ReadURL string
}

// HeaderLine is one HTTP header of a recorded request.
type HeaderLine struct {
	Name  string
	Value string
}

// HookRequestProps fills the page of one raw request to the notification URL.
type HookRequestProps struct {
	Page         Page
	ID           int64
	ReceivedAt   string
	RemoteAddr   string
	Method       string
	Kind         string
	Outcome      string
	Headers      []HeaderLine
	Body         string
	AnswerStatus int
	AnswerBody   string
	Error        string
	RepeatOfURL  string
}

// ParamRow is one name/value row of the command form.
type ParamRow struct {
	Name  string
	Value string
}

// FieldGroup is one result field of a command answer; indexed names such as
// lead[0], lead[1] are grouped into one list.
type FieldGroup struct {
	Name    string
	Values  []string
	Indexed bool
}

// CommandResult is a command answer as the console and history show it.
type CommandResult struct {
	AttemptID     int64
	AttemptURL    string
	Command       string
	SentAt        string
	User          string
	AuthKind      string
	Params        []ParamRow
	OK            bool
	Outcome       string
	Status        string
	StatusMeaning string
	Messages      []string
	Fields        []FieldGroup
	JSON          string
	Raw           string
	HTTPStatus    int
	Duration      string
	Error         string
	// Items is a batch answer, item by item.
	Items []BatchItem
	// ResendURL opens the console pre-filled with this attempt's command.
	ResendURL string
}

// CommandRow is one line of the command history.
type CommandRow struct {
	ID       int64
	URL      string
	Command  string
	SentAt   string
	User     string
	AuthKind string
	Source   string
	OK       bool
	Outcome  string
	Status   string
	Duration string
}

// CommandsProps fills the command console and history.
type CommandsProps struct {
	Page Page
	// CanSend is false for roles that may read the history only.
	CanSend      bool
	Form         CommandForm
	Choices      []CommandChoice
	CommandNames []string
	FormError    string
	// Warnings say where the platform will change a value just sent.
	Warnings  []string
	Result    *CommandResult
	Templates []TemplateRow
	// TemplateURL is where the form's "Save as template" posts.
	TemplateURL string
	Filter      CommandFilter
	Outcomes    []Option
	Users       []Option
	ExportURL   string
	History     []CommandRow
	NextURL     string
}

// CommandAttemptProps fills the page of one recorded command attempt.
type CommandAttemptProps struct {
	Page   Page
	Result CommandResult
}

// SettingsProps fills the tenant settings page. Saved secrets are never
// sent back: only whether one is set.
type SettingsProps struct {
	Page            Page
	CanEdit         bool
	ServiceURL      string
	LoginID         string
	HasPassword     bool
	HasCommKey      bool
	HasStaticToken  bool
	AuthMode        string
	AllowPlain      bool
	CommandAuth     string
	CommandTimeout  string
	NotificationURL string
	// TimeZone is the zone the tenant's pages show times in.
	TimeZone string
	Errors   map[string]string
	// FollowUp is the passive handshake follow-up, when there was one.
	FollowUp *FollowUp
	// TestURL is where the connection test posts; Test is its outcome.
	TestURL   string
	Test      *ConnectionTest
	Retention RetentionProps
}

// AuditRow is one audit event as the audit page shows it.
type AuditRow struct {
	At         string
	Actor      string
	Action     string
	Target     string
	Details    string
	RemoteAddr string
}

// AuditFilter is the audit page's filter as the form shows it; dates are
// YYYY-MM-DD in the tenant's time zone.
type AuditFilter struct {
	Actor  string
	Action string
	From   string
	To     string
}

// AuditProps fills the audit history page.
type AuditProps struct {
	Page       Page
	Filter     AuditFilter
	ActorKinds []string
	TimeZone   string
	Events     []AuditRow
	NextURL    string
	// ExportURL downloads the filtered history as CSV.
	ExportURL string
}
