package main

import (
	"testing"

	"github.com/stackwebhook/stackwebhook/examples/internal/routetest"
)

func TestRoute(t *testing.T) { routetest.Check(t, router) }
