package carcity

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
)

// ExampleDelivery returns the messages of the platform's example delivery:
// a generic "Hello World" and a new_user John Doe.
func ExampleDelivery() []Message {
	return []Message{
		{Type: "generic", Data: json.RawMessage(`"Hello World"`)},
		{Type: "new_user", Data: json.RawMessage(`{"first_name":"John","last_name":"Doe"}`)},
	}
}

var (
	firstNames = []string{"Maria", "James", "Aiko", "Oluwaseun", "Lena", "Carlos", "Priya",
		"Noah", "Zoë", "Mateo", "Fatima", "Liam"}
	lastNames = []string{"García", "Smith", "Tanaka", "Adeyemi", "Müller", "Rossi", "Patel",
		"O'Brien", "Nguyen", "Kowalski", "Haddad", "Johnson"}
	vehicles = []vehicle{{"Toyota", "Corolla"}, {"Ford", "F-150"}, {"Honda", "Civic"},
		{"Tesla", "Model 3"}, {"Chevrolet", "Silverado"}, {"Subaru", "Outback"}}
	sources = []string{"website", "walk-in", "phone", "referral", "trade-in form"}
	notes   = []string{"Test drive booked for Saturday", "Price list updated",
		"Customer asked for a call back", "Inventory sync finished", "Service reminder sent"}
)

type vehicle struct {
	Make  string `json:"make"`
	Model string `json:"model"`
}

type newUserData struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Email     string `json:"email,omitempty"`
}

type leadData struct {
	LeadID    int      `json:"lead_id"`
	FirstName string   `json:"first_name,omitempty"`
	LastName  string   `json:"last_name,omitempty"`
	Email     string   `json:"email,omitempty"`
	Phone     string   `json:"phone,omitempty"`
	Source    string   `json:"source,omitempty"`
	Vehicle   *vehicle `json:"vehicle,omitempty"`
	Year      int      `json:"year,omitempty"`
}

// RandomMessage returns a realistic message for demos and load: a
// new_user, a simple or generic text, or a new_lead with a vehicle.
func RandomMessage(r *rand.Rand) Message {
	first, last := pick(r, firstNames), pick(r, lastNames)
	switch r.IntN(4) {
	case 0:
		return Message{Type: "new_user", Data: mustMarshal(newUserData{
			FirstName: first, LastName: last, Email: email(first, last)})}
	case 1:
		return Message{Type: "simple", Data: mustMarshal(pick(r, notes))}
	case 2:
		return Message{Type: "generic", Data: mustMarshal(
			fmt.Sprintf("%d vehicles viewed in the last hour", r.IntN(200)))}
	default:
		v := pick(r, vehicles)
		return Message{Type: "new_lead", Data: mustMarshal(leadData{
			LeadID: 5000 + r.IntN(5000), FirstName: first, LastName: last,
			Email: email(first, last), Phone: fmt.Sprintf("+1 555 %04d", r.IntN(10000)),
			Source: pick(r, sources), Vehicle: &v, Year: 2015 + r.IntN(11)})}
	}
}

// leadMessage is the notification that follows a created lead.
func leadMessage(l Lead) Message {
	return Message{Type: "new_lead", Data: mustMarshal(leadData{
		LeadID: l.ID, FirstName: l.Params.Get("first_name"), LastName: l.Params.Get("last_name"),
		Email: l.Params.Get("email"), Phone: l.Params.Get("phone"), Source: l.Params.Get("source")})}
}

func pick[T any](r *rand.Rand, list []T) T {
	return list[r.IntN(len(list))]
}

func email(first, last string) string {
	local := strings.NewReplacer("'", "", "ü", "ue", "í", "i", "ë", "e").Replace(first + "." + last)
	return strings.ToLower(local) + "@example.com"
}
