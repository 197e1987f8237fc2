package main

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/stackwebhooktest"
)

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// An API Gateway v2 event as it arrives: lower-case header names, the body
// base64-encoded or not.
func TestHandler(t *testing.T) {
	wh, err := stackwebhook.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"type":"team.deleted","data":{"id":"team_1"}}`)
	signed, err := stackwebhooktest.Headers(secret, body, stackwebhooktest.WithMessageID("msg_lambda"))
	if err != nil {
		t.Fatal(err)
	}
	headers := map[string]string{"content-type": "application/json"}
	for name := range signed {
		headers[strings.ToLower(name)] = signed.Get(name)
	}
	var ids []string
	h := handler(wh, func(ctx context.Context, id string, ev stackwebhook.Event) error {
		ids = append(ids, id+" "+ev.EventType())
		return nil
	})
	for _, tc := range []struct {
		name   string
		req    events.APIGatewayV2HTTPRequest
		status int
	}{
		{"plain body", events.APIGatewayV2HTTPRequest{Headers: headers, Body: string(body)}, http.StatusNoContent},
		{"base64 body", events.APIGatewayV2HTTPRequest{Headers: headers, Body: base64.StdEncoding.EncodeToString(body), IsBase64Encoded: true}, http.StatusNoContent},
		{"base64 body not decoded", events.APIGatewayV2HTTPRequest{Headers: headers, Body: base64.StdEncoding.EncodeToString(body)}, http.StatusUnauthorized},
		{"tampered", events.APIGatewayV2HTTPRequest{Headers: headers, Body: string(body) + " "}, http.StatusUnauthorized},
		{"bad base64", events.APIGatewayV2HTTPRequest{Headers: headers, Body: "%%%", IsBase64Encoded: true}, http.StatusBadRequest},
	} {
		resp, err := h(context.Background(), tc.req)
		if err != nil || resp.StatusCode != tc.status {
			t.Errorf("%s: status %d, %v; want %d", tc.name, resp.StatusCode, err, tc.status)
		}
	}
	if len(ids) != 2 || ids[0] != "msg_lambda team.deleted" {
		t.Errorf("applied %v", ids)
	}
}
