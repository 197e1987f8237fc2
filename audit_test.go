package stackwebhook

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAuditTrail keeps AUDIT.md true: each rule's code anchors name
// declarations that exist, its tests exist somewhere in the repository, its
// vector patterns match cases of testdata/vectors.json, and the official
// libraries' agreement with the rule is what the corpus says.
func TestAuditTrail(t *testing.T) {
	f, err := os.Open("AUDIT.md")
	require.NoError(t, err)
	defer f.Close()
	tests := testFunctions(t)
	corpus := vectorVerdicts(t)
	ticked := regexp.MustCompile("`([^`]+)`")
	rules := 0
	for s := bufio.NewScanner(f); s.Scan(); {
		line := s.Text()
		if !strings.HasPrefix(line, "| R") {
			continue
		}
		cols := strings.Split(line, " | ")
		require.Len(t, cols, 7, line)
		rule := strings.TrimPrefix(cols[0], "| ")
		rules++
		for _, m := range ticked.FindAllStringSubmatch(cols[2], -1) {
			file, name, ok := strings.Cut(m[1], "#")
			require.True(t, ok, "%s: code anchor %q is not file#Name", rule, m[1])
			src, err := os.ReadFile(file)
			if !assert.NoError(t, err, "%s: %s", rule, file) {
				continue
			}
			decl := regexp.MustCompile(`(?m)(^func (\([^)]*\) )?` + name + `\(|^\s*(var |const |type )?` + name + `\b.*=|^(var|const|type) ` + name + `\b)`)
			assert.True(t, decl.Match(src), "%s: no declaration of %s in %s", rule, name, file)
		}
		names := ticked.FindAllStringSubmatch(cols[3], -1)
		assert.NotEmpty(t, names, "%s: no test named", rule)
		for _, m := range names {
			assert.True(t, tests[m[1]], "%s: no func %s in any _test.go file", rule, m[1])
		}
		patterns := ticked.FindAllStringSubmatch(cols[4], -1)
		if len(patterns) == 0 {
			assert.Equal(t, "—", strings.TrimSpace(cols[5]), "%s: agreement without vectors", rule)
			continue
		}
		var total, goAgrees, jsAgrees int
		for _, p := range patterns {
			matched := 0
			for _, c := range corpus {
				if ok, _ := path.Match(p[1], c.Kind); ok {
					matched++
					total++
					want := map[string]string{"go": c.Go, "js": c.JS, "rule": c.Rule}[c.Follow]
					if c.Go == want {
						goAgrees++
					}
					if c.JS == want {
						jsAgrees++
					}
				}
			}
			assert.Positive(t, matched, "%s: vector pattern %s matches no case", rule, p[1])
		}
		assert.Equal(t, fmt.Sprintf("%d/%d", goAgrees, total), strings.TrimSpace(cols[5]), "%s: Go library agreement", rule)
		assert.Equal(t, fmt.Sprintf("%d/%d", jsAgrees, total), strings.TrimSpace(strings.TrimSuffix(cols[6], " |")), "%s: JS library agreement", rule)
	}
	assert.GreaterOrEqual(t, rules, 12, "the rules of AUDIT.md")
}

// testFunctions returns the names of the test and fuzz functions of every
// _test.go file in the repository, nested modules included.
func testFunctions(t *testing.T) map[string]bool {
	names := map[string]bool{}
	decl := regexp.MustCompile(`(?m)^func ((Test|Fuzz)\w+)\(`)
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == ".git") {
			return filepath.SkipDir
		}
		if strings.HasSuffix(p, "_test.go") {
			src, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			for _, m := range decl.FindAllStringSubmatch(string(src), -1) {
				names[m[1]] = true
			}
		}
		return nil
	})
	require.NoError(t, err)
	return names
}

type vectorVerdict struct{ Kind, Follow, Go, JS, Rule string }

func vectorVerdicts(t *testing.T) []vectorVerdict {
	data, err := os.ReadFile("testdata/vectors.json")
	require.NoError(t, err)
	var corpus struct{ Cases []vectorVerdict }
	require.NoError(t, json.Unmarshal(data, &corpus))
	require.NotEmpty(t, corpus.Cases)
	return corpus.Cases
}
