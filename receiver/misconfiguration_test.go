//go:build !tinygo

// TinyGo on WebAssembly cannot recover from a panic, and these tests recover
// the panics a misconfigured Handler raises: they run with the standard
// toolchain only.

package receiver_test

import (
	"context"
	"testing"

	"github.com/stackwebhook/stackwebhook"
	"github.com/stackwebhook/stackwebhook/receiver"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHandlerPanicsOnMisconfiguration(t *testing.T) {
	wh, err := stackwebhook.NewWebhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	require.NoError(t, err)
	fn := func(context.Context, stackwebhook.Event) error { return nil }
	assert.Panics(t, func() { receiver.Handler(nil, fn) })
	assert.Panics(t, func() { receiver.Handler(wh, nil) })
	assert.Panics(t, func() { receiver.Handler(wh, fn, receiver.WithMaxBodyBytes(0)) })
	assert.Equal(t, "", receiver.MessageID(context.Background()))
}
