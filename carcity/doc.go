// Package carcity speaks the dealer platform's protocol.
//
// Commands go from Citylink to the platform as URL-encoded POST bodies and
// come back as URL-encoded pairs (or JSON for batch): see [Client],
// [ParseAnswer] and [Error]. Notifications go the other way as JSON: see
// [DecodeRequest] and [AuthenticateAnswer]. [Simulator] plays the platform's
// side, for tests and demos.
//
// The package imports only the standard library, so that the database and
// web layers can depend on it and never the other way round.
package carcity
