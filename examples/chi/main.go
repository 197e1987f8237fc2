// Command chi receives Stack's webhooks on a chi router.
package main

import (
	"context"
	"log"
	"net/http"
	"os"

	"github.com/go-chi/chi/v5"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/examples/internal/listen"
	"github.com/stackwebhook/stackwebhook/receiver"
)

// router mounts the receiver at POST /webhooks/stack. receiver.Handler reads
// the raw body itself: mount it before any middleware that reads or rewrites
// the body.
func router(wh *stackwebhook.Webhook, fn func(context.Context, stackwebhook.Event) error) http.Handler {
	r := chi.NewRouter()
	r.Method(http.MethodPost, "/webhooks/stack", receiver.Handler(wh, fn, receiver.WithDeduplication(receiver.NewMemoryStore())))
	return r
}

func main() {
	wh, err := stackwebhook.NewWebhook(os.Getenv("STACK_WEBHOOK_SECRET"))
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(http.ListenAndServe(listen.Addr(), router(wh, func(ctx context.Context, ev stackwebhook.Event) error {
		log.Println("received", ev.EventType(), receiver.MessageID(ctx))
		return nil
	})))
}
