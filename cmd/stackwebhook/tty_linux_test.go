package main

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// With standard input a terminal (a pseudo-terminal here), verify says that
// it is reading the body from it, before it waits.
func TestReadingTerminalSaysSo(t *testing.T) {
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals in this sandbox: %v", err)
	}
	defer master.Close()
	var unlock, n int32
	ioctl := func(req uintptr, arg unsafe.Pointer) syscall.Errno {
		_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, master.Fd(), req, uintptr(arg))
		return errno
	}
	if errno := ioctl(syscall.TIOCSPTLCK, unsafe.Pointer(&unlock)); errno != 0 {
		t.Skipf("unlockpt: %v", errno)
	}
	if errno := ioctl(syscall.TIOCGPTN, unsafe.Pointer(&n)); errno != 0 {
		t.Skipf("ptsname: %v", errno)
	}
	tty, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	require.NoError(t, err)
	defer tty.Close()
	assert.True(t, isTerminal(tty))

	// End of input typed at the terminal: Ctrl-D on an empty line.
	_, err = master.Write([]byte{4})
	require.NoError(t, err)
	e := loadOfficialEvent(t, "event_team.created")
	var out, errOut strings.Builder
	code := run(e.args(), tty, &out, &errOut, func(string) string { return "" })
	assert.Equal(t, 1, code, "an empty body does not verify")
	assert.True(t, strings.HasPrefix(errOut.String(), "stackwebhook: reading the body from standard input"), errOut.String())
}
