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
	"testing"
	"time"

	"github.com/stackwebhook/stackwebhook/stackwebhooktest"
)

// TestNginxVerifiesAndProxies runs nginx with Debian's Lua module and
// lua/nginx.conf as shipped (its two addresses changed), the module and the
// library laid out as luarocks installs them in the prefix (side by side): a signed webhook
// is proxied to the application with the verified id in Stack-Webhook-Id
// (the renamed-header replay's stray svix-id and a forged Stack-Webhook-Id
// never reach it), a body nginx buffered to a file verifies, a tampered or
// unsigned one is answered 401, 101 headers 400, and none of those reaches
// the application.
func TestNginxVerifiesAndProxies(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the library and runs nginx")
	}
	if _, err := os.Stat("/usr/share/nginx/modules/ngx_http_lua_module.so"); err != nil {
		requireUnderCI(t, "nginx's Lua module is not installed (apt-get install nginx-light libnginx-mod-http-lua luajit2)")
		return
	}
	prefix := t.TempDir()
	for _, d := range []string{"share/lua/5.1"} {
		if err := os.MkdirAll(filepath.Join(prefix, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	run(t, nil, "go", "build", "-buildmode=c-shared", "-o", filepath.Join(prefix, "share/lua/5.1/libstackwebhook.so"), ".")
	module, err := os.ReadFile("lua/stackwebhook.lua")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(prefix, "share/lua/5.1/stackwebhook.lua"), module, 0o644); err != nil {
		t.Fatal(err)
	}

	type seen struct{ id, svixID string }
	got := make(chan seen, 100)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		got <- seen{strings.Join(r.Header.Values("Stack-Webhook-Id"), "|"), r.Header.Get("Svix-Id")}
		io.WriteString(w, "applied")
	}))
	defer app.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	listen := l.Addr().String()
	l.Close()
	conf, err := os.ReadFile("lua/nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	// The documented change: the two addresses.
	rendered := strings.NewReplacer("listen 127.0.0.1:8080;", "listen "+listen+";",
		"proxy_pass http://127.0.0.1:3000;", "proxy_pass "+app.URL+";").Replace(string(conf))
	if rendered == string(conf) || strings.Count(rendered, listen) != 1 {
		t.Fatal("lua/nginx.conf no longer holds the addresses the README says to change")
	}
	confFile := filepath.Join(prefix, "nginx.conf")
	if err := os.WriteFile(confFile, []byte(rendered), 0o644); err != nil {
		t.Fatal(err)
	}
	global := "daemon off;"
	if os.Geteuid() == 0 {
		global += " user root;" // the workers read this test's private temporary directory
	}
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	nginx := exec.Command("nginx", "-p", prefix, "-c", confFile, "-g", global)
	nginx.Env = append(os.Environ(), "STACK_WEBHOOK_SECRET="+secret)
	nginx.Env = slicesDeleteEnv(nginx.Env, "STACKWEBHOOK_LIB") // found in the prefix, as installed
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
			errLog, _ := os.ReadFile(filepath.Join(prefix, "error.log"))
			t.Logf("nginx output:\n%s\nerror.log:\n%s", logs.String(), errLog)
		}
	}()
	url := "http://" + listen + "/webhooks/stack"
	for i := 0; ; i++ { // until nginx listens
		if c, err := net.Dial("tcp", listen); err == nil {
			c.Close()
			break
		}
		if i > 100 {
			t.Fatal("nginx did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
	expect := func(name string, req *http.Request, status int, want *seen) {
		t.Helper()
		if code := send(t, req); code != status {
			t.Errorf("%s: status %d, want %d", name, code, status)
		}
		select {
		case s := <-got:
			if want == nil {
				t.Errorf("%s reached the application", name)
			} else if s != *want {
				t.Errorf("%s: the application saw %+v, want %+v", name, s, *want)
			}
		default:
			if want != nil {
				t.Errorf("%s did not reach the application", name)
			}
		}
	}

	body := []byte(`{"type":"team.deleted","data":{"id":"team_1"}}`)
	for i := 0; i < 20; i++ { // reaching both workers
		req, err := stackwebhooktest.NewRawRequest(url, secret, body, stackwebhooktest.WithMessageID(fmt.Sprintf("msg_%d", i)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Stack-Webhook-Id", "msg_forged") // replaced, never forwarded
		expect("a signed webhook", req, http.StatusOK, &seen{fmt.Sprintf("msg_%d", i), fmt.Sprintf("msg_%d", i)})
	}
	// The renamed-header replay: the application gets the verified id, the stray svix-id beside it.
	replay, _ := stackwebhooktest.NewRawRequest(url, secret, body, stackwebhooktest.WithMessageID("msg_genuine"))
	for _, name := range []string{"Id", "Timestamp", "Signature"} {
		replay.Header.Set("Webhook-"+name, replay.Header.Get("Svix-"+name))
		replay.Header.Del("Svix-" + name)
	}
	replay.Header.Set("Svix-Id", "msg_evil")
	expect("the renamed replay", replay, http.StatusOK, &seen{"msg_genuine", "msg_evil"})
	// A body over client_body_buffer_size: nginx buffers it to a file.
	large := []byte(`{"type":"team.deleted","data":{"id":"team_1"},"padding":"` + strings.Repeat("x", 64<<10) + `"}`)
	buffered, _ := stackwebhooktest.NewRawRequest(url, secret, large, stackwebhooktest.WithMessageID("msg_large"))
	expect("a body buffered to a file", buffered, http.StatusOK, &seen{"msg_large", "msg_large"})

	tampered, _ := stackwebhooktest.NewRawRequest(url, secret, body)
	tampered.Body = io.NopCloser(bytes.NewReader(append(bytes.Clone(body), ' ')))
	tampered.ContentLength++
	unsigned, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	other, _ := stackwebhooktest.NewRawRequest(url, "whsec_MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG0=", body)
	crowded, _ := stackwebhooktest.NewRawRequest(url, secret, body)
	for i := 0; i < 101; i++ {
		crowded.Header.Set(fmt.Sprintf("X-Extra-%d", i), "x")
	}
	expect("tampered", tampered, http.StatusUnauthorized, nil)
	expect("unsigned", unsigned, http.StatusUnauthorized, nil)
	expect("another secret", other, http.StatusUnauthorized, nil)
	expect("101 headers", crowded, http.StatusBadRequest, nil)
	errLog, _ := os.ReadFile(filepath.Join(prefix, "error.log"))
	if !strings.Contains(string(errLog), "more than 100 headers") {
		t.Errorf("no log line for the truncated headers:\n%s", errLog)
	}
}

// slicesDeleteEnv returns env without the variable name.
func slicesDeleteEnv(env []string, name string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
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
