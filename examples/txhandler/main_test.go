package main

import (
	"database/sql"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/examples/internal/program"
	"github.com/stackwebhook/stackwebhook/stackwebhooktest"
)

func TestMain(m *testing.M) { program.Main(m) }

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// The program as the README shows it, run as its users run it: on a fresh
// database it creates its table and the store's, applies user.created once
// however often it is delivered, and user.deleted.
func TestRunsAsWritten(t *testing.T) {
	dsn := program.Postgres(t)
	p := program.Start(t, "DATABASE_URL="+dsn, "STACK_WEBHOOK_SECRET="+secret)
	p.Listening(t)
	email := "ada@example.com"
	post := func(id string, ev stackwebhook.Event) int {
		req, err := stackwebhooktest.NewRequest(p.URL+"/webhooks/stack", secret, ev, stackwebhooktest.WithMessageID(id))
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, 204, post("msg_1", &stackwebhook.UserCreated{Data: stackwebhook.User{ID: "u1", PrimaryEmail: &email}}))
	assert.Equal(t, 204, post("msg_1", &stackwebhook.UserCreated{Data: stackwebhook.User{ID: "u1", PrimaryEmail: &email}}))
	assert.Equal(t, 204, post("msg_2", &stackwebhook.UserCreated{Data: stackwebhook.User{ID: "u2"}}))
	assert.Equal(t, 204, post("msg_3", &stackwebhook.UserDeleted{Data: stackwebhook.DeletedUser{ID: "u2"}}))

	db, err := sql.Open("postgres", dsn)
	require.NoError(t, err)
	defer db.Close()
	var ids []string
	rows, err := db.Query("SELECT id || ' ' || coalesce(email, '') FROM users ORDER BY id")
	require.NoError(t, err)
	for rows.Next() {
		var s string
		require.NoError(t, rows.Scan(&s))
		ids = append(ids, s)
	}
	assert.Equal(t, []string{"u1 ada@example.com"}, ids)
	var records int
	require.NoError(t, db.QueryRow("SELECT count(*) FROM stackwebhook_messages").Scan(&records))
	assert.Equal(t, 3, records, "one record a message")
}
