package listen

import "testing"

func TestAddr(t *testing.T) {
	t.Setenv("ADDR", "")
	if got := Addr(); got != Default {
		t.Errorf("without ADDR: %q, want %q", got, Default)
	}
	t.Setenv("ADDR", "127.0.0.1:9000")
	if got := Addr(); got != "127.0.0.1:9000" {
		t.Errorf("with ADDR: %q", got)
	}
}
