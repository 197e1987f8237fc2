package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/examples/internal/program"
	"github.com/stackwebhook/stackwebhook/stackwebhooktest"
)

func TestMain(m *testing.M) { program.Main(m) }

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// The program as the documentation shows it, run as its users run it: a
// message delivered twice reaches the function once.
func TestRunsAsWritten(t *testing.T) {
	p := program.Start(t, "DATABASE_URL="+program.Postgres(t), "STACK_WEBHOOK_SECRET="+secret)
	p.Listening(t)
	for range 2 {
		req, err := stackwebhooktest.NewRequest(p.URL+"/webhooks/stack/acme", secret, &stackwebhook.TeamDeleted{Data: stackwebhook.DeletedTeam{ID: "t1"}},
			stackwebhooktest.WithMessageID("msg_1"))
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, 204, resp.StatusCode)
	}
	assert.Equal(t, 1, strings.Count(p.Output.String(), "received team.deleted msg_1"), p.Output.String())
	assert.Contains(t, p.Output.String(), " acme\n", "the tenant from the route")
}

// Started while the database cannot be reached, it waits and says so
// instead of exiting.
func TestWaitsForTheDatabase(t *testing.T) {
	p := program.Start(t, "DATABASE_URL=host=127.0.0.1 port=9 user=nobody sslmode=disable connect_timeout=2", "STACK_WEBHOOK_SECRET="+secret)
	assert.True(t, p.Wait(func() bool { return strings.Count(p.Output.String(), "is not ready") >= 2 }), "it exited:\n%s", p.Output)
}
