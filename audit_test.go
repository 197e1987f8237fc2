package stackwebhook

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAuditTrail keeps AUDIT.md true: each rule's code anchors name
// declarations that exist, its tests exist somewhere in the repository, its
// vector patterns match cases of conformance/vectors.json, and the official
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
		require.Len(t, cols, 5+len(officialFields), line)
		rule := strings.TrimPrefix(cols[0], "| ")
		rules++
		for _, m := range ticked.FindAllStringSubmatch(cols[2], -1) {
			file, name, ok := strings.Cut(m[1], "#")
			require.True(t, ok, "%s: code anchor %q is not file#Name", rule, m[1])
			src, err := os.ReadFile(file)
			if !assert.NoError(t, err, "%s: %s", rule, file) {
				continue
			}
			decl := regexp.MustCompile(`(?m)(^func (\([^)]*\) )?` + name + `[[(]|^\s*(var |const |type )?` + name + `\b.*=|^(var|const|type) ` + name + `\b)`)
			assert.True(t, decl.Match(src), "%s: no declaration of %s in %s", rule, name, file)
		}
		names := ticked.FindAllStringSubmatch(cols[3], -1)
		assert.NotEmpty(t, names, "%s: no test named", rule)
		for _, m := range names {
			assert.True(t, tests[m[1]], "%s: no func %s in any _test.go file", rule, m[1])
		}
		patterns := ticked.FindAllStringSubmatch(cols[4], -1)
		if len(patterns) == 0 {
			for _, col := range cols[5:] {
				assert.Equal(t, "—", strings.TrimSpace(strings.TrimSuffix(col, " |")), "%s: agreement without vectors", rule)
			}
			continue
		}
		total := 0
		agrees := make([]int, len(officialFields))
		for _, p := range patterns {
			matched := 0
			for _, c := range corpus {
				if ok, _ := path.Match(p[1], c.Kind); ok {
					matched++
					total++
					for i, field := range officialFields {
						if c.verdict(field) == c.want() {
							agrees[i]++
						}
					}
				}
			}
			assert.Positive(t, matched, "%s: vector pattern %s matches no case", rule, p[1])
		}
		for i, field := range officialFields {
			assert.Equal(t, fmt.Sprintf("%d/%d", agrees[i], total), strings.TrimSpace(strings.TrimSuffix(cols[5+i], " |")), "%s: agreement of %s", rule, field)
		}
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

// officialFields are the corpus fields of the official libraries' verdicts,
// in the order of AUDIT.md's agreement columns.
var officialFields = []string{"go", "go_v1_99_1", "js", "js_sw1_3_0"}

func vectorVerdicts(t *testing.T) []vectorCase { return readVectorCorpus(t).Cases }

func readVectorCorpus(t *testing.T) vectorCorpus {
	corpus := loadCorpus(t)
	require.NotEmpty(t, corpus.Cases)
	for _, field := range officialFields {
		require.NotEmpty(t, corpus.Verdicts[field], "the corpus names no library for %s", field)
	}
	for _, c := range corpus.Cases {
		for _, field := range officialFields {
			require.NotEmpty(t, c.verdict(field), "a case without the %s verdict", field)
		}
	}
	return corpus
}

// TestAuditDisagreements keeps AUDIT.md's table of disagreements true: each
// row (library, rule) lists exactly the kinds of case on which that library
// answers otherwise than the rule, how many cases, and which verdicts; and
// every disagreement in the corpus is in a row.
func TestAuditDisagreements(t *testing.T) {
	corpus := readVectorCorpus(t)
	type key struct{ library, rule string }
	type tally struct {
		kinds, verdicts map[string]bool
		cases           int
	}
	found := map[key]*tally{}
	for _, c := range corpus.Cases {
		for _, field := range officialFields {
			if c.verdict(field) == c.want() {
				continue
			}
			k := key{corpus.Verdicts[field], strings.Fields(c.Category)[0]}
			if found[k] == nil {
				found[k] = &tally{kinds: map[string]bool{}, verdicts: map[string]bool{}}
			}
			found[k].kinds["`"+c.Kind+"`"] = true
			found[k].verdicts[c.verdict(field)+" for "+c.want()] = true
			found[k].cases++
		}
	}
	doc, err := os.ReadFile("AUDIT.md")
	require.NoError(t, err)
	row := regexp.MustCompile(`(?m)^\| (svix [^|]+) \| (R\d+) \| ([^|]+) \| (\d+) \| ([^|]+) \|`)
	rows := row.FindAllStringSubmatch(string(doc), -1)
	require.NotEmpty(t, rows, "AUDIT.md has no table of disagreements")
	sorted := func(m map[string]bool) string {
		var s []string
		for k := range m {
			s = append(s, k)
		}
		sort.Strings(s)
		return strings.Join(s, ", ")
	}
	for _, r := range rows {
		k := key{r[1], r[2]}
		got := found[k]
		if !assert.NotNil(t, got, "%s on %s: no disagreement in the corpus", k.library, k.rule) {
			continue
		}
		assert.Equal(t, sorted(got.kinds), strings.TrimSpace(r[3]), "%s on %s: kinds", k.library, k.rule)
		assert.Equal(t, fmt.Sprint(got.cases), r[4], "%s on %s: cases", k.library, k.rule)
		assert.Equal(t, sorted(got.verdicts), strings.TrimSpace(r[5]), "%s on %s: verdicts", k.library, k.rule)
		delete(found, k)
	}
	for k, v := range found {
		t.Errorf("AUDIT.md lacks a row: | %s | %s | %s | %d | %s |", k.library, k.rule, sorted(v.kinds), v.cases, sorted(v.verdicts))
	}

	// The JS library accepts an entry with a third field ("v1,S,x"): the
	// cases of that kind it refuses are those whose body is not UTF-8, which
	// it mangles before signing (R4).
	for _, c := range corpus.Cases {
		if c.Kind != "entry_extra_field" {
			continue
		}
		body, err := base64.StdEncoding.DecodeString(c.Body)
		require.NoError(t, err)
		assert.Equal(t, utf8.Valid(body), c.JS == c.want(), "%s: the JS verdict %s", c.Kind, c.JS)
		// With standardwebhooks 1.3.0 it compares whole "v1,<signature>"
		// entries: the extra field is refused whatever the body.
		assert.Equal(t, "no_match", c.JSSW130, "%s: the JS verdict with standardwebhooks 1.3.0", c.Kind)
	}
}
