package carcity

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// ErrorKind names the way a command failed, so that the user interface
// and the history can say so in plain words.
type ErrorKind string

// The kinds of [Error].
const (
	KindMalformed ErrorKind = "malformed" // 2xx, but no integer status
	KindHTTP      ErrorKind = "http"      // a non-2xx HTTP status
	KindTimeout   ErrorKind = "timeout"   // no answer in time
	KindRefused   ErrorKind = "refused"   // the connection was refused
	KindTLS       ErrorKind = "tls"       // the secure connection failed
	KindTransport ErrorKind = "transport" // any other network failure
	KindStatus    ErrorKind = "status"    // a well-formed answer, status != 0
)

// Error is the one error type of a failed command. Msg is a complete
// sentence meant for people; it never holds a credential or the request
// body. Err, when set, is the underlying cause.
type Error struct {
	Kind ErrorKind
	Msg  string
	Err  error
}

// AnswerError is the name [ParseAnswer]'s callers may use for [Error]; it
// is the same type.
type AnswerError = Error

// Error returns the human message.
func (e *Error) Error() string { return e.Msg }

// Unwrap returns the underlying cause, if any.
func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the kind of the first [Error] in err's chain, or "" when
// there is none.
func KindOf(err error) ErrorKind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return ""
}

func statusError(a *Answer) *Error {
	return &Error{
		Kind: KindStatus,
		Msg:  fmt.Sprintf("the platform refused the command with status %d%s", a.Status, joinMessages(a)),
	}
}

func httpError(a *Answer) *Error {
	msg := fmt.Sprintf("the platform answered HTTP %d", a.HTTPStatus)
	if text := http.StatusText(a.HTTPStatus); text != "" {
		msg += " " + text
	}
	if a.HasStatus {
		msg += fmt.Sprintf(" with status %d", a.Status)
	}
	return &Error{Kind: KindHTTP, Msg: msg + joinMessages(a)}
}

func malformedError(why string) *Error {
	return &Error{Kind: KindMalformed, Msg: "the platform's answer is malformed: " + why}
}

func joinMessages(a *Answer) string {
	if len(a.Messages) == 0 {
		return ""
	}
	return ": " + strings.Join(a.Messages, "; ")
}

// transportError classifies a failure to get an answer at all. limit is
// the time the command was allowed, for the timeout message.
func transportError(err error, limit time.Duration) *Error {
	cause := err
	var ue *url.Error
	if errors.As(err, &ue) {
		cause = ue.Err
	}
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return &Error{Kind: KindTimeout, Err: err,
			Msg: fmt.Sprintf("the platform did not answer within %s", limit)}
	case errors.Is(err, context.Canceled):
		return &Error{Kind: KindTransport, Err: err,
			Msg: "the command was cancelled before the platform answered"}
	case errors.Is(err, syscall.ECONNREFUSED):
		return &Error{Kind: KindRefused, Err: err,
			Msg: "the platform refused the connection: nothing listens at the service URL"}
	case isTLS(err):
		return &Error{Kind: KindTLS, Err: err,
			Msg: "the secure connection to the platform failed: " + cause.Error()}
	case errors.As(err, &dnsErr):
		return &Error{Kind: KindTransport, Err: err,
			Msg: fmt.Sprintf("the platform's host name %q could not be resolved", dnsErr.Name)}
	default:
		return &Error{Kind: KindTransport, Err: err,
			Msg: "the connection to the platform failed: " + cause.Error()}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func isTLS(err error) bool {
	var (
		verify   *tls.CertificateVerificationError
		header   tls.RecordHeaderError
		alert    tls.AlertError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
	)
	return errors.As(err, &verify) || errors.As(err, &header) || errors.As(err, &alert) ||
		errors.As(err, &unknown) || errors.As(err, &hostname) || errors.As(err, &invalid)
}
