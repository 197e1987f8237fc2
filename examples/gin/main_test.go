package main

import (
	"context"
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/examples/internal/routetest"
)

func TestRoute(t *testing.T) {
	gin.SetMode(gin.TestMode)
	routetest.Check(t, func(wh *stackwebhook.Webhook, fn func(context.Context, stackwebhook.Event) error) http.Handler {
		return engine(wh, fn)
	})
}
