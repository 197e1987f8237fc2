package main

import (
	"context"
	"net/http"
	"testing"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/examples/internal/routetest"
)

func TestRoute(t *testing.T) {
	routetest.Check(t, func(wh *stackwebhook.Webhook, fn func(context.Context, stackwebhook.Event) error) http.Handler {
		return server(wh, fn)
	})
}
