// Command echo receives Stack's webhooks on an echo server.
package main

import (
	"context"
	"log"
	"os"

	"github.com/labstack/echo/v4"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/examples/internal/listen"
	"github.com/stackwebhook/stackwebhook/receiver"
)

// server mounts the receiver with echo.WrapHandler: echo hands it the
// request with its body unread. Do not c.Bind the body before it.
func server(wh *stackwebhook.Webhook, fn func(context.Context, stackwebhook.Event) error) *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.POST("/webhooks/stack", echo.WrapHandler(receiver.Handler(wh, fn, receiver.WithDeduplication(receiver.NewMemoryStore()))))
	return e
}

func main() {
	wh, err := stackwebhook.NewWebhook(os.Getenv("STACK_WEBHOOK_SECRET"))
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(server(wh, func(ctx context.Context, ev stackwebhook.Event) error {
		log.Println("received", ev.EventType(), receiver.MessageID(ctx))
		return nil
	}).Start(listen.Addr()))
}
