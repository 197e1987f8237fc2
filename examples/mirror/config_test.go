package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// Settings are read under Hexclave's names and Stack's older ones; when
// both are set, Hexclave's wins.
func TestSettingNames(t *testing.T) {
	t.Setenv("HEXCLAVE_WEBHOOK_SECRET", "")
	t.Setenv("STACK_WEBHOOK_SECRET", "")
	assert.Equal(t, "", setting("WEBHOOK_SECRET"))
	t.Setenv("STACK_WEBHOOK_SECRET", "whsec_old")
	assert.Equal(t, "whsec_old", setting("WEBHOOK_SECRET"))
	t.Setenv("HEXCLAVE_WEBHOOK_SECRET", "whsec_new")
	assert.Equal(t, "whsec_new", setting("WEBHOOK_SECRET"))
}
