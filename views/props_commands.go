package views

// CommandForm is the console's form for one command, built from the
// catalogue. Every field posts a param (its name, hidden) and a value, as
// the free-form rows do, so the server reads both the same way.
type CommandForm struct {
	// Command is empty for the free-form console, where it is typed.
	Command string
	Summary string
	Groups  []FormGroup
	// Extra are free-form rows: parameters the catalogue does not know.
	Extra []ParamRow
}

// HasFields reports whether the command has a form of its own.
func (f CommandForm) HasFields() bool { return len(f.Groups) > 0 }

// FormGroup is a set of fields shown together; closed groups fold away.
type FormGroup struct {
	Title  string
	Open   bool
	Fields []FormField
}

// FormField is one known parameter. Kind is text, email, tel, number,
// select, textarea or password. Warning says how the platform changes the
// value.
type FormField struct {
	Name     string
	Label    string
	Kind     string
	Hint     string
	Warning  string
	Options  []string
	Value    string
	Required bool
}

// CommandChoice is one command of the console's picker.
type CommandChoice struct {
	Name    string
	URL     string
	HasForm bool
	Active  bool
}

// TemplateRow is one saved command template.
type TemplateRow struct {
	ID        int64
	Name      string
	Command   string
	LoadURL   string
	DeleteURL string
}

// CommandFilter is the history's filter as its form shows it.
type CommandFilter struct {
	Command string
	Outcome string
	User    string
	From    string
	To      string
}

// Option is one choice of a select: the value sent and its label.
type Option struct {
	Value string
	Label string
}

// BatchItem is one item of a batch answer, shown like an answer of its own.
type BatchItem struct {
	Index         int
	Command       string
	OK            bool
	Status        string
	StatusMeaning string
	Messages      []string
	Fields        []FieldGroup
	Error         string
}

// FollowUp is the state of the passive handshake follow-up, for the
// settings page and the dashboard.
type FollowUp struct {
	State     string // pending, retrying, succeeded or failed
	Label     string
	Attempts  int
	LastError string
	NextTry   string
	UpdatedAt string
}

// ConnectionTest is the outcome of the settings page's connection test.
type ConnectionTest struct {
	OK         bool
	Message    string
	AttemptURL string
}
