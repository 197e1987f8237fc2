package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
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

// Drift is visible within a scrape, and nothing is refused: today's
// payloads (testdata/events/current) move no departure counter; a payload
// from the future (a key added, a key removed, a new event type) moves
// them, and every answer stays 2xx.
func TestDriftCounted(t *testing.T) {
	wh, err := stackwebhook.NewWebhook(secret)
	require.NoError(t, err)
	server := httptest.NewServer(routes(wh, func(context.Context, stackwebhook.Event) error { return nil }, prometheus.NewRegistry()))
	defer server.Close()
	n := 0
	post := func(body []byte) int {
		n++
		req, err := stackwebhooktest.NewRawRequest(server.URL+"/webhooks/stack", secret, body, stackwebhooktest.WithMessageID(fmt.Sprintf("msg_%d", n)))
		require.NoError(t, err)
		resp, err := server.Client().Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	scrape := func() string {
		resp, err := http.Get(server.URL + "/metrics")
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return string(body)
	}
	files, err := filepath.Glob("../../testdata/events/current/*.json")
	require.NoError(t, err)
	require.Greater(t, len(files), 20)
	for _, f := range files {
		if strings.Contains(f, "unknown.") {
			continue // a type Stack does not send, kept there to test UnknownEvent
		}
		body, err := os.ReadFile(f)
		require.NoError(t, err)
		assert.Equal(t, 204, post(body), f)
	}
	today := scrape()
	assert.NotContains(t, today, "stackwebhook_payload_departures_total{", "today's payloads depart from nothing")
	assert.NotContains(t, today, "stackwebhook_unknown_events_total{")

	var user map[string]any
	data, err := os.ReadFile("../../testdata/events/current/user.updated-oauth-and-team.json")
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &user))
	u := user["data"].(map[string]any)
	u["region"] = "eu-west"   // a key added
	delete(u, "has_password") // a key removed
	future, err := json.Marshal(user)
	require.NoError(t, err)
	assert.Equal(t, 204, post(future))
	assert.Equal(t, 204, post(future))
	assert.Equal(t, 204, post([]byte(`{"type":"session.created","data":{"id":"s1"}}`)))
	assert.Equal(t, 204, post([]byte(`{"type":"session.created","data":{"id":"s2"}}`)))
	assert.Equal(t, 204, post([]byte(`{"type":"Session Created!","data":{}}`)))
	after := scrape()
	for _, line := range []string{
		`stackwebhook_payload_departures_total{event_type="user.updated",field="data.region",kind="unexpected_key"} 2`,
		`stackwebhook_payload_departures_total{event_type="user.updated",field="data.has_password",kind="missing"} 2`,
		`stackwebhook_unknown_events_total{event_type="session.created"} 2`,
		`stackwebhook_unknown_events_total{event_type="invalid"} 1`,
		`stackwebhook_requests_total{event_type="other",outcome="applied",status="204"} 3`,
	} {
		assert.Contains(t, after, line)
	}
}
