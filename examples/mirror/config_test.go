package main

import (
	"io"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stackwebhook/stackwebhook"
)

// Settings are read under Hexclave's names and Stack's older ones; when
// both are set, Hexclave's wins.
func TestSettingNames(t *testing.T) {
	t.Setenv("HEXCLAVE_WEBHOOK_SECRET", "")
	t.Setenv("STACK_WEBHOOK_SECRET", "")
	assert.Equal(t, "", setting("WEBHOOK_SECRET"))
	t.Setenv("STACK_WEBHOOK_SECRET", "whsec_old")
	assert.Equal(t, "whsec_old", setting("WEBHOOK_SECRET"))
	t.Setenv("HEXCLAVE_WEBHOOK_SECRET", "whsec_new")
	assert.Equal(t, "whsec_new", setting("WEBHOOK_SECRET"))
}

// The user's stored data keeps what Hexclave sends today, its external
// auth providers included.
func TestStoredUserKeepsExternalAuthProviders(t *testing.T) {
	db := freshDB(t)
	h, err := newHandler(db, secret, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	u := user("9f3c2a1e-0000-4000-8000-000000000001", "ext@example.com", "Ext")
	u.ExternalAuthProviders = []stackwebhook.ExternalAuthProvider{{ID: "better-auth-integration"}}
	send(t, h, delivery{"msg_ext", &stackwebhook.UserCreated{Data: u}})
	var got string
	require.NoError(t, db.QueryRow("SELECT data::jsonb -> 'external_auth_providers' ->> 0 FROM users").Scan(&got))
	assert.JSONEq(t, `{"id":"better-auth-integration"}`, got)
}
