package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/stackwebhooktest"
)

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// Requests that end in each way are counted, and /metrics shows them in
// Prometheus's text format.
func TestMetricsScraped(t *testing.T) {
	wh, err := stackwebhook.NewWebhook(secret)
	require.NoError(t, err)
	server := httptest.NewServer(routes(wh, func(_ context.Context, ev stackwebhook.Event) error {
		if _, ok := ev.(*stackwebhook.TeamDeleted); ok {
			return errors.New("database down")
		}
		return nil
	}, prometheus.NewRegistry()))
	defer server.Close()
	post := func(body string, id string, tamper bool) int {
		req, err := stackwebhooktest.NewRawRequest(server.URL+"/webhooks/stack", secret, []byte(body), stackwebhooktest.WithMessageID(id))
		require.NoError(t, err)
		if tamper {
			req.Header.Set("svix-signature", "v1,AAAA")
		}
		resp, err := server.Client().Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	created := `{"type":"team_membership.created","data":{"team_id":"t","user_id":"u"}}`
	assert.Equal(t, 204, post(created, "msg_1", false))
	assert.Equal(t, 204, post(created, "msg_1", false)) // duplicate
	assert.Equal(t, 401, post(created, "msg_2", true))
	assert.Equal(t, 500, post(`{"type":"team.deleted","data":{"id":"t"}}`, "msg_3", false))
	assert.Equal(t, 204, post(`{"success": true}`, "msg_4", false))
	assert.Equal(t, 204, post(`{"type":"team.archived","data":{"id":"t"}}`, "msg_5", false))

	resp, err := http.Get(server.URL + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	text := string(body)
	for _, line := range []string{
		`stackwebhook_requests_total{event_type="team_membership.created",outcome="applied",status="204"} 1`,
		`stackwebhook_requests_total{event_type="team_membership.created",outcome="duplicate",status="204"} 1`,
		`stackwebhook_requests_total{event_type="",outcome="refused",status="401"} 1`,
		`stackwebhook_requests_total{event_type="team.deleted",outcome="fn_failed",status="500"} 1`,
		`stackwebhook_refusals_total{refusal="no_match",status="401"} 1`,
		`stackwebhook_requests_total{event_type="svix.ping",outcome="ping",status="204"} 1`,
		`stackwebhook_requests_total{event_type="other",outcome="applied",status="204"} 1`,
		`stackwebhook_request_duration_seconds_count{outcome="applied"} 2`,
	} {
		assert.Contains(t, text, line)
	}
}
