package carcity

import (
	"context"
	"io"
	"net/http"
	"strings"
	"time"
)

// DefaultTimeout is how long a command may take when [Client.Timeout] is
// zero.
const DefaultTimeout = 30 * time.Second

// maxAnswerSize bounds what is read of an answer, so that a broken
// platform cannot exhaust memory.
const maxAnswerSize = 8 << 20

// Auth says how a command authenticates: with plain credentials, or with
// an ai_sitecom_token in their place.
type Auth struct {
	LoginID  string
	Password string // sent only when Token is empty
	Token    string // when set, LoginID and Password are not sent
}

// Kind returns "token" when a is token authentication and "plain"
// otherwise.
func (a Auth) Kind() string {
	if a.Token != "" {
		return "token"
	}
	return "plain"
}

// CommandParams returns every pair of a command body in the order it is
// sent: ai_command, the authentication pairs, then params. Pass the
// result through [Redact] before storing it.
func CommandParams(auth Auth, command string, params Params) Params {
	p := make(Params, 0, len(params)+3)
	p = append(p, Param{"ai_command", command})
	if auth.Kind() == "token" {
		p = append(p, Param{"ai_sitecom_token", auth.Token})
	} else {
		p = append(p, Param{"ai_login_id", auth.LoginID}, Param{"ai_login_password", auth.Password})
	}
	return append(p, params...)
}

// Client sends commands to the platform. The zero value is ready to use.
type Client struct {
	HTTP    *http.Client  // nil means a client with no timeout of its own
	Timeout time.Duration // per command; zero means DefaultTimeout
}

// Command sends one command to serviceURL as a form POST and parses the
// answer. The time taken is in the answer's Duration.
//
// The answer is non-nil whenever an HTTP answer came back, also with an
// error. Every failure is an [*Error]: a transport kind when nothing came
// back, KindHTTP or KindMalformed from [ParseAnswer], and KindStatus for a
// well-formed answer whose status is not 0.
func (c *Client) Command(ctx context.Context, serviceURL string, auth Auth,
	command string, params Params) (*Answer, error) {
	limit := c.timeout()
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < limit {
		limit = time.Until(deadline).Round(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()

	body := CommandParams(auth, command, params).Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, serviceURL, strings.NewReader(body))
	if err != nil {
		return nil, &Error{Kind: KindTransport, Err: err, Msg: "the service URL is not valid"}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "Citylink")

	start := time.Now()
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return nil, transportError(err, limit)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerSize+1))
	elapsed := time.Since(start)
	if err != nil {
		return &Answer{HTTPStatus: resp.StatusCode, Raw: raw, Duration: elapsed},
			transportError(err, limit)
	}
	if len(raw) > maxAnswerSize {
		a := &Answer{HTTPStatus: resp.StatusCode, Raw: raw[:maxAnswerSize], Duration: elapsed}
		return a, malformedError("it is larger than 8 MiB")
	}

	a, err := ParseAnswer(resp.StatusCode, raw)
	a.Duration = elapsed
	if err != nil {
		return a, err
	}
	if a.HasStatus && a.Status != 0 {
		return a, statusError(a)
	}
	return a, nil
}

func (c *Client) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return http.DefaultClient
}
