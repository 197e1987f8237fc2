// Command lambda receives Stack's webhooks in an AWS Lambda function behind
// API Gateway (HTTP API, payload format 2.0).
package main

import (
	"context"
	"encoding/base64"
	"errors"
	"log"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/stackwebhook/stackwebhook"
)

// handler verifies and decodes one API Gateway request. API Gateway gives
// the headers as a map with lower-case names (stackwebhook.HeaderMap reads
// any case) and the body as a string, base64-encoded when IsBase64Encoded:
// decode it first, since the signature covers the raw bytes.
func handler(wh *stackwebhook.Webhook, apply func(ctx context.Context, id string, ev stackwebhook.Event) error) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		body := []byte(req.Body)
		if req.IsBase64Encoded {
			var err error
			if body, err = base64.StdEncoding.DecodeString(req.Body); err != nil {
				return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusBadRequest}, nil
			}
		}
		headers := stackwebhook.HeaderMap(req.Headers)
		ev, err := wh.VerifyEvent(body, headers)
		switch {
		case errors.Is(err, stackwebhook.ErrInvalidPayload):
			return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusBadRequest}, nil
		case err != nil:
			log.Printf("webhook refused: %v", err)
			return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusUnauthorized}, nil
		}
		id, _, _, _ := stackwebhook.ReadHeaders(headers) // the id Verify checked: the idempotency key
		if err := apply(ctx, id, ev); err != nil {
			return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusInternalServerError}, nil // Svix retries
		}
		return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusNoContent}, nil
	}
}

func main() {
	wh, err := stackwebhook.NewWebhook(os.Getenv("STACK_WEBHOOK_SECRET"))
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(handler(wh, func(ctx context.Context, id string, ev stackwebhook.Event) error {
		log.Println("received", ev.EventType(), id)
		return nil
	}))
}
