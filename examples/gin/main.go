// Command gin receives Stack's webhooks on a gin engine.
package main

import (
	"context"
	"log"
	"os"

	"github.com/gin-gonic/gin"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/examples/internal/listen"
	"github.com/stackwebhook/stackwebhook/receiver"
)

// engine mounts the receiver with gin.WrapH: gin hands it the request with
// its body unread. Do not bind the body (c.ShouldBindJSON) before it.
func engine(wh *stackwebhook.Webhook, fn func(context.Context, stackwebhook.Event) error) *gin.Engine {
	r := gin.New()
	r.POST("/webhooks/stack", gin.WrapH(receiver.Handler(wh, fn, receiver.WithDeduplication(receiver.NewMemoryStore()))))
	return r
}

func main() {
	wh, err := stackwebhook.NewWebhook(os.Getenv("STACK_WEBHOOK_SECRET"))
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(engine(wh, func(ctx context.Context, ev stackwebhook.Event) error {
		log.Println("received", ev.EventType(), receiver.MessageID(ctx))
		return nil
	}).Run(listen.Addr()))
}
