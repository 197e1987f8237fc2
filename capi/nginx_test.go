package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stackwebhook/stackwebhook/stackwebhooktest"
)

// TestNginxVerifiesAndProxies runs nginx with Debian's Lua module and
// lua/nginx.conf: a signed webhook is proxied to the application, a
// tampered or unsigned one is answered 401 and never reaches it.
func TestNginxVerifiesAndProxies(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the library and runs nginx")
	}
	if _, err := os.Stat("/usr/share/nginx/modules/ngx_http_lua_module.so"); err != nil {
		requireUnderCI(t, "nginx's Lua module is not installed (apt-get install nginx-light libnginx-mod-http-lua luajit2)")
		return
	}
	dir := t.TempDir()
	so := filepath.Join(dir, "libstackwebhook.so")
	run(t, nil, "go", "build", "-buildmode=c-shared", "-o", so, ".")

	var reached atomic.Int32
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		io.WriteString(w, "applied")
	}))
	defer app.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := fmt.Sprint(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	lua, err := filepath.Abs("lua")
	if err != nil {
		t.Fatal(err)
	}
	conf, err := os.ReadFile("lua/nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;" // the workers read this test's private temporary directory
	}
	conf = []byte(strings.NewReplacer("@USER@", user, "@DIR@", dir, "@PORT@", port, "@LUA@", lua,
		"@UPSTREAM@", strings.TrimPrefix(app.URL, "http://127.0.0.1:")).Replace(string(conf)))
	confFile := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confFile, conf, 0o644); err != nil {
		t.Fatal(err)
	}
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	nginx := exec.Command("nginx", "-p", dir, "-c", confFile)
	nginx.Env = append(os.Environ(), "STACKWEBHOOK_LIB="+so, "STACK_WEBHOOK_SECRET="+secret)
	var logs bytes.Buffer
	nginx.Stdout, nginx.Stderr = &logs, &logs
	if err := nginx.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = nginx.Process.Signal(os.Interrupt) // fast shutdown of master and workers
		done := make(chan struct{})
		go func() { _ = nginx.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = nginx.Process.Kill()
		}
		if t.Failed() {
			errLog, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Logf("nginx output:\n%s\nerror.log:\n%s", logs.String(), errLog)
		}
	}()
	url := "http://127.0.0.1:" + port + "/webhooks/stack"
	for i := 0; ; i++ { // until nginx listens
		if c, err := net.Dial("tcp", "127.0.0.1:"+port); err == nil {
			c.Close()
			break
		}
		if i > 100 {
			t.Fatal("nginx did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}

	body := []byte(`{"type":"team.deleted","data":{"id":"team_1"}}`)
	for i := 0; i < 20; i++ { // reaching both workers
		req, err := stackwebhooktest.NewRawRequest(url, secret, body)
		if err != nil {
			t.Fatal(err)
		}
		if code := send(t, req); code != http.StatusOK {
			t.Fatalf("a signed webhook: status %d", code)
		}
	}
	if got := reached.Load(); got != 20 {
		t.Fatalf("the application got %d of 20 signed webhooks", got)
	}
	tampered, _ := stackwebhooktest.NewRawRequest(url, secret, body)
	tampered.Body = io.NopCloser(bytes.NewReader(append(bytes.Clone(body), ' ')))
	tampered.ContentLength++
	unsigned, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	other, _ := stackwebhooktest.NewRawRequest(url, "whsec_MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG0=", body)
	for name, req := range map[string]*http.Request{"tampered": tampered, "unsigned": unsigned, "another secret": other} {
		if code := send(t, req); code != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", name, code)
		}
	}
	if got := reached.Load(); got != 20 {
		t.Errorf("a refused webhook reached the application (%d)", got)
	}
}

func send(t *testing.T, req *http.Request) int {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}
