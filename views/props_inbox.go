package views

// JSONNode is one value of a message's data, for the collapsible tree.
// Containers (object, array) have Children and their compact JSON, which
// the copy button copies; scalars have Value, as JSON spells it.
type JSONNode struct {
	Key      string // the member name, or "[i]" in an array; "" at the root
	Kind     string // object, array, string, number, bool or null
	Value    string
	JSON     string
	Children []JSONNode
}

// Message is a notification's data made readable: Text for the text
// types, Person for new_user, else Tree.
type Message struct {
	Text   string
	Person *Person
	Tree   *JSONNode
}

// DashboardProps fills the tenant's overview.
type DashboardProps struct {
	Page             Page
	Today            int
	LastDelivery     string // "" when none came yet
	Handshake        *Handshake
	Chart            Chart
	NotificationURL  string
	NotificationsURL string
	RequestsURL      string
	// FollowUp is the passive handshake follow-up, when there was one.
	FollowUp *FollowUp
}

// Handshake is the last authenticate request and what came of it.
type Handshake struct {
	At      string
	Outcome string
	OK      bool
	URL     string
}

// Chart is the notifications per day and type, as stacked bars.
type Chart struct {
	Title  string
	Days   []ChartDay
	Series []ChartSeries // one per type, in legend order
	Max    int           // the tallest day's total
}

// ChartDay is one bar: its date label and a count per series.
type ChartDay struct {
	Label  string
	Counts []int // in the order of Chart.Series
	Total  int
}

// ChartSeries is one type of the chart with its colour.
type ChartSeries struct {
	Type  string
	Color string
	Total int
}

// RequestRow is one line of the requests log.
type RequestRow struct {
	ID           int64
	URL          string
	ReceivedAt   string
	RemoteAddr   string
	Kind         string
	Outcome      string
	AnswerStatus int
	Answer       string
	Repeat       bool
}

// RequestsProps fills the requests log.
type RequestsProps struct {
	Page     Page
	Outcome  string
	Outcomes []string
	Rows     []RequestRow
	NextURL  string
}

// RetentionProps fills the retention part of the settings page.
type RetentionProps struct {
	TenantSlug string
	Days       int
	CanEdit    bool
	Error      string
}
