package main

import (
	"database/sql"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stackwebhook/stackwebhook/examples/internal/program"
)

// The guide's commands (README.md, "Running it") run as written, from the
// repository's root, against a fresh database and a fake Hexclave holding
// a project: the first copy is made, the signed test message is answered
// 204, and the users are there to read.
func TestGuide(t *testing.T) {
	if _, err := exec.LookPath("psql"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("psql is not on PATH")
		}
		t.Skip("psql is not on PATH")
	}
	guide, err := os.ReadFile("README.md")
	require.NoError(t, err)
	blocks := regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(string(guide), -1)
	require.Len(t, blocks, 1)
	fake := newFakeHexclave(t)
	ids, _ := project(&stack{f: fake}, 3)
	dsn := program.Postgres(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	l.Close()
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	t.Cleanup(func() { os.Remove(filepath.Join(root, "examples", "mirror-server")) })
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", blocks[0][1])
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dsn, "HEXCLAVE_WEBHOOK_SECRET="+secret, "HEXCLAVE_API_URL="+fake.server.URL,
		"HEXCLAVE_PROJECT_ID=proj_1", "HEXCLAVE_SECRET_SERVER_KEY=ssk_good", "ADDR="+addr)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "HTTP 204")
	var want int
	for _, id := range ids {
		if strings.Contains(string(out), id) {
			want++
		}
	}
	assert.Equal(t, len(ids), want, "psql shows the project's users:\n%s", out)
}

// An instance started while its database is not there yet waits for it,
// and serves once it is: here the database is created after the start.
func TestServeWaitsForDatabase(t *testing.T) {
	dsn := program.Postgres(t)
	admin, err := sql.Open("postgres", dsn)
	require.NoError(t, err)
	defer admin.Close()
	later := "mirror_later_" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "_"))
	laterDSN := strings.Replace(dsn, dbName(t, dsn), later, 1)
	fake := newFakeHexclave(t)
	run := program.Run(t, program.Build(t), []string{"serve"}, "DATABASE_URL="+laterDSN, "HEXCLAVE_WEBHOOK_SECRET="+secret,
		"HEXCLAVE_API_URL="+fake.server.URL, "HEXCLAVE_PROJECT_ID=proj_1", "HEXCLAVE_SECRET_SERVER_KEY=ssk_good")
	require.True(t, run.Wait(func() bool { return strings.Contains(run.Output.String(), "database not ready; retrying") }), run.Output.String())
	_, err = admin.Exec(`CREATE DATABASE ` + later)
	require.NoError(t, err)
	run.Listening(t)
	resp, err := http.Get(run.URL + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

// dbName is the database a lib/pq DSN names.
func dbName(t *testing.T, dsn string) string {
	m := regexp.MustCompile(`dbname=(\S+)|/([^/?]+)(\?|$)`).FindStringSubmatch(dsn)
	require.NotNil(t, m, dsn)
	return m[1] + m[2]
}

// A fleet's first start: five instances started at once on an empty
// database all come up, none after a failed migration (the migrations of
// the mirror and of River run one at a time under an advisory lock).
func TestFleetFirstStart(t *testing.T) {
	dsn := program.Postgres(t)
	fake := newFakeHexclave(t)
	bin := program.Build(t)
	var fleet []*program.Running
	for range 5 {
		fleet = append(fleet, program.Run(t, bin, []string{"serve"}, "DATABASE_URL="+dsn, "HEXCLAVE_WEBHOOK_SECRET="+secret,
			"HEXCLAVE_API_URL="+fake.server.URL, "HEXCLAVE_PROJECT_ID=proj_1", "HEXCLAVE_SECRET_SERVER_KEY=ssk_good"))
	}
	for _, run := range fleet {
		run.Listening(t)
		assert.NotContains(t, run.Output.String(), "retrying", "a migration failed and was retried")
	}
}
