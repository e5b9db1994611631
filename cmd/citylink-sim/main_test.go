package main

import (
	"io"
	"reflect"
	"testing"
	"time"

	"citylink/carcity"
)

func TestParseAccount(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    carcity.Account
		wantErr bool
	}{
		{name: "id and password", in: "apiuser:APIuser123",
			want: carcity.Account{LoginID: "apiuser", Password: "APIuser123"}},
		{name: "with comm key", in: "dealer42:s3cret:ck",
			want: carcity.Account{LoginID: "dealer42", Password: "s3cret", CommKey: "ck"}},
		{name: "colon in password", in: "d:pa:ss:",
			want: carcity.Account{LoginID: "d", Password: "pa:ss"}},
		{name: "no password", in: "apiuser", wantErr: true},
		{name: "empty password", in: "apiuser::ck", wantErr: true},
		{name: "empty id", in: ":pw", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseAccount(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("got error %v, want error %v", err, tt.wantErr)
			}
			if !tt.wantErr && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseFlags(t *testing.T) {
	cfg, opts, err := parseFlags([]string{"--account", "a:b:c", "--account", "d:e",
		"--notify", "http://127.0.0.1:8080/hooks/x", "--no-key", "--ignore-confirmation",
		"--every", "2s", "--example=false", "--site-user", "ann:pw"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	wantAccounts := []carcity.Account{{LoginID: "a", Password: "b", CommKey: "c"},
		{LoginID: "d", Password: "e"}}
	if !reflect.DeepEqual(cfg.Accounts, wantAccounts) {
		t.Errorf("got %+v, want %+v", cfg.Accounts, wantAccounts)
	}
	if !cfg.NoKey || !cfg.IgnoreConfirmation || cfg.NotifyURL != "http://127.0.0.1:8080/hooks/x" {
		t.Errorf("got %+v, want no key, ignore confirmation and the notify URL", cfg)
	}
	if opts.every != 2*time.Second || opts.example || opts.addr != "127.0.0.1:8090" {
		t.Errorf("got %+v, want every 2s, no example, the default address", opts)
	}
	wantUsers := []carcity.SiteUser{{ID: 1, Username: "ann", Password: "pw"}}
	if !reflect.DeepEqual(cfg.SiteUsers, wantUsers) {
		t.Errorf("got %+v, want %+v", cfg.SiteUsers, wantUsers)
	}

	cfg, opts, err = parseFlags(nil, io.Discard)
	if err != nil || len(cfg.Accounts) != 1 || !opts.example {
		t.Errorf("got %+v %+v %v, want one demo account and the example on", cfg, opts, err)
	}
	if _, _, err := parseFlags([]string{"--account", "nopassword"}, io.Discard); err == nil {
		t.Errorf("got no error for a bad account, want one")
	}
}
