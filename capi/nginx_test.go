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

// nginxPrefix lays the module and a freshly built library out in a prefix
// as luarocks installs them (side by side), and returns it.
func nginxPrefix(t *testing.T) string {
	if _, err := os.Stat("/usr/share/nginx/modules/ngx_http_lua_module.so"); err != nil {
		requireUnderCI(t, "nginx's Lua module is not installed (apt-get install nginx-light libnginx-mod-http-lua luajit2)")
		t.SkipNow()
	}
	prefix := t.TempDir()
	lua := filepath.Join(prefix, "share/lua/5.1")
	if err := os.MkdirAll(lua, 0o755); err != nil {
		t.Fatal(err)
	}
	run(t, nil, "go", "build", "-buildmode=c-shared", "-o", filepath.Join(lua, "libstackwebhook.so"), ".")
	module, err := os.ReadFile("lua/stackwebhook.lua")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(lua, "stackwebhook.lua"), module, 0o644); err != nil {
		t.Fatal(err)
	}
	return prefix
}

// edge is an nginx running lua/nginx.conf as shipped, its two addresses
// changed as the file says.
type edge struct {
	prefix, url string
	logs        *bytes.Buffer
	exited      chan error // nginx's exit, once it has exited
}

// startNginx starts nginx in prefix with lua/nginx.conf proxying to app,
// with env added to its environment (STACKWEBHOOK_LIB removed first: the
// library is found in the prefix, as installed). It returns once nginx
// listens, or once it has exited (edge.exited then holds its error).
func startNginx(t *testing.T, prefix, app string, env ...string) *edge {
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
		"proxy_pass http://127.0.0.1:3000;", "proxy_pass "+app+";").Replace(string(conf))
	if rendered == string(conf) || strings.Count(rendered, listen) != 1 {
		t.Fatal("lua/nginx.conf no longer holds the addresses docs/nginx.md says to change")
	}
	confFile := filepath.Join(prefix, "nginx.conf")
	if err := os.WriteFile(confFile, []byte(rendered), 0o644); err != nil {
		t.Fatal(err)
	}
	global := "daemon off;"
	if os.Geteuid() == 0 {
		global += " user root;" // the workers read this test's private temporary directory
	}
	nginx := exec.Command("nginx", "-p", prefix, "-c", confFile, "-g", global)
	nginx.Env = append(slicesDeleteEnv(slicesDeleteEnv(os.Environ(), "STACKWEBHOOK_LIB"), "STACK_WEBHOOK_SECRET"), env...)
	e := &edge{prefix: prefix, url: "http://" + listen + "/webhooks/stack", logs: &bytes.Buffer{}, exited: make(chan error, 1)}
	nginx.Stdout, nginx.Stderr = e.logs, e.logs
	if err := nginx.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { e.exited <- nginx.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = nginx.Process.Signal(os.Interrupt) // fast shutdown of master and workers
		select {
		case <-done:
		case <-time.After(time.Minute):
			_ = nginx.Process.Kill()
			<-done
		}
		if t.Failed() {
			errLog, _ := os.ReadFile(filepath.Join(prefix, "error.log"))
			t.Logf("nginx output:\n%s\nerror.log:\n%s", e.logs.String(), errLog)
		}
	})
	for { // until nginx listens, or exits: decided by either event, not by a time
		if c, err := net.Dial("tcp", listen); err == nil {
			c.Close()
			return e
		}
		select {
		case err := <-e.exited:
			e.exited <- err
			return e
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// TestNginxVerifiesAndProxies runs nginx with Debian's Lua module and
// lua/nginx.conf as shipped: a signed webhook is proxied to the application
// with the verified id in Stack-Webhook-Id and no signature header (the
// renamed-header replay's stray svix-id and a forged Stack-Webhook-Id never
// reach it), the access log names the verified id, a 1 MiB body verifies
// without a warning, a tampered or unsigned one is answered 401, 101
// headers 400, and none of those reaches the application.
func TestNginxVerifiesAndProxies(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the library and runs nginx")
	}
	prefix := nginxPrefix(t)
	type seen struct{ id, svixID, webhookID string }
	got := make(chan seen, 100)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		got <- seen{strings.Join(r.Header.Values("Stack-Webhook-Id"), "|"), strings.Join(r.Header.Values("Svix-Id"), "|"), strings.Join(r.Header.Values("Webhook-Id"), "|")}
		io.WriteString(w, "applied")
	}))
	defer app.Close()
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	e := startNginx(t, prefix, app.URL, "STACK_WEBHOOK_SECRET="+secret)
	select {
	case err := <-e.exited:
		t.Fatalf("nginx exited: %v", err)
	default:
	}
	url := e.url
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

	if code := send(t, must(http.NewRequest(http.MethodGet, url+"/health", nil))); code != http.StatusOK {
		t.Errorf("health: %d, want 200", code)
	}
	body := []byte(`{"type":"team.deleted","data":{"id":"team_1"}}`)
	for i := 0; i < 20; i++ { // reaching both workers
		req, err := stackwebhooktest.NewRawRequest(url, secret, body, stackwebhooktest.WithMessageID(fmt.Sprintf("msg_%d", i)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Stack-Webhook-Id", "msg_forged") // replaced, never forwarded
		expect("a signed webhook", req, http.StatusOK, &seen{id: fmt.Sprintf("msg_%d", i)})
	}
	// The renamed-header replay: the application gets the verified id, and
	// neither the stray svix-id nor the webhook-* set.
	replay, _ := stackwebhooktest.NewRawRequest(url, secret, body, stackwebhooktest.WithMessageID("msg_genuine"))
	for _, name := range []string{"Id", "Timestamp", "Signature"} {
		replay.Header.Set("Webhook-"+name, replay.Header.Get("Svix-"+name))
		replay.Header.Del("Svix-" + name)
	}
	replay.Header.Set("Svix-Id", "msg_evil")
	expect("the renamed replay", replay, http.StatusOK, &seen{id: "msg_genuine"})
	// A body of 1 MiB, Svix's largest: read in memory, without a warning.
	large := []byte(`{"type":"team.deleted","data":{"id":"team_1"},"padding":"` + strings.Repeat("x", 1<<20-100) + `"}`)
	buffered, _ := stackwebhooktest.NewRawRequest(url, secret, large, stackwebhooktest.WithMessageID("msg_large"))
	expect("a body of 1 MiB", buffered, http.StatusOK, &seen{id: "msg_large"})

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
	if strings.Contains(string(errLog), "buffered to a temporary file") {
		t.Errorf("a warning for a large body:\n%s", errLog)
	}
	accessLog, _ := os.ReadFile(filepath.Join(prefix, "access.log"))
	for _, want := range []string{`"POST /webhooks/stack HTTP/1.1" 200 `, " id=msg_0\n", " id=msg_genuine\n", " id=msg_large\n", `" 401 `} {
		if !strings.Contains(string(accessLog), want) {
			t.Errorf("the access log has no %q:\n%s", want, accessLog)
		}
	}
	if strings.Contains(string(accessLog), "msg_evil") || strings.Contains(string(accessLog), "msg_forged") {
		t.Errorf("the access log names an id that was not verified:\n%s", accessLog)
	}
}

// A burst of 200 clients at once, each delivering a signed webhook: every
// one is verified and proxied, none reset or refused for want of a
// connection.
func TestNginxBurst(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the library and runs nginx")
	}
	prefix := nginxPrefix(t)
	// Every delivery that reaches the application is held open until each
	// of the 200 has either reached it or failed: all are in flight at once.
	release := make(chan struct{})
	var settled atomic.Int32
	settle := func() {
		if settled.Add(1) == clients {
			close(release)
		}
	}
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		settle()
		<-release
		io.WriteString(w, "applied")
	}))
	defer app.Close()
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	e := startNginx(t, prefix, app.URL, "STACK_WEBHOOK_SECRET="+secret)
	transport := &http.Transport{MaxConnsPerHost: 0, MaxIdleConnsPerHost: clients, DisableKeepAlives: true}
	client := &http.Client{Transport: transport}
	body := []byte(`{"type":"team.deleted","data":{"id":"team_1"}}`)
	errs := make(chan error, clients)
	for i := 0; i < clients; i++ {
		go func() {
			req, err := stackwebhooktest.NewRawRequest(e.url, secret, body, stackwebhooktest.WithMessageID(fmt.Sprintf("msg_%d", i)))
			if err == nil {
				var resp *http.Response
				if resp, err = client.Do(req); err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
			}
			if err != nil {
				settle() // never reached the application (a reset, a refusal)
			}
			errs <- err
		}()
	}
	failed := 0
	for i := 0; i < clients; i++ {
		if err := <-errs; err != nil {
			failed++
			if failed <= 5 {
				t.Error(err)
			}
		}
	}
	if failed > 0 {
		t.Errorf("%d of %d deliveries failed", failed, clients)
	}
}

// clients is the size of TestNginxBurst's burst.
const clients = 200

// nginx refuses to start without a secret or without a library file; with
// a malformed secret it starts, and its health check says why it cannot
// verify.
func TestNginxStartsOnlyReady(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the library and runs nginx")
	}
	prefix := nginxPrefix(t)
	for name, env := range map[string][]string{
		"STACK_WEBHOOK_SECRET is unset or empty": nil,
		"no stackwebhook library file":           {"STACK_WEBHOOK_SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "STACKWEBHOOK_LIB=" + filepath.Join(prefix, "missing.so")},
	} {
		e := startNginx(t, prefix, "http://127.0.0.1:9", env...)
		select {
		case err := <-e.exited:
			if err == nil {
				t.Errorf("%s: nginx exited with status 0", name)
			}
		default:
			t.Errorf("%s: nginx started", name)
			continue
		}
		errLog, _ := os.ReadFile(filepath.Join(prefix, "error.log"))
		if !strings.Contains(e.logs.String()+string(errLog), name) {
			t.Errorf("%s: not said:\n%s\n%s", name, e.logs, errLog)
		}
	}
	e := startNginx(t, prefix, "http://127.0.0.1:9", "STACK_WEBHOOK_SECRET=whsec_not base64")
	resp, err := http.Get(e.url + "/health")
	if err != nil {
		t.Fatal(err)
	}
	text, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(text), "no Webhook") {
		t.Errorf("health with a malformed secret: %d %s", resp.StatusCode, text)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
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
