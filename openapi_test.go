//go:build !tinygo

package stackwebhook

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Stack publishes an OpenAPI 3.1 description of its webhooks
// (docs/openapi/webhooks.json). testdata/openapi/webhooks.digest.json holds
// what it says, read from the file at the commit it names: every webhook,
// and every property below data with its declared type.
// TestOpenAPIDigest fails when it lists an event or a property this
// package does not know, or allows null where the schema tables refuse it.
//
// To take in a newer file:
//
//	go test -run TestOpenAPIDigest -openapi-refresh=webhooks.json -openapi-source="... at commit ..." .
//
// prints what changed and rewrites the digest; the test then says what the
// types lack.
var (
	openapiRefresh = flag.String("openapi-refresh", "", "a newer docs/openapi/webhooks.json to take into testdata/openapi/webhooks.digest.json")
	openapiSource  = flag.String("openapi-source", "", "with -openapi-refresh: where the file comes from (repository, path, commit)")
)

const openapiDigestFile = "testdata/openapi/webhooks.digest.json"

type openapiDigest struct {
	Source   string                       `json:"source"`
	What     string                       `json:"what"`
	Webhooks map[string]map[string]string `json:"webhooks"`
}

// The keys Stack sends that the OpenAPI leaves out, with why.
var openapiOmits = map[string]string{
	"data.has_password":                 "sent (the reference, Stack's end-to-end snapshots); the OpenAPI leaves it out",
	"data.otp_auth_enabled":             "sent since 2024-10; the OpenAPI leaves it out",
	"data.passkey_auth_enabled":         "sent since 2024-10; the OpenAPI leaves it out",
	"data.oauth_providers":              "marked hidden in Stack's schema, and sent",
	"data.oauth_providers[].id":         "inside oauth_providers, hidden",
	"data.oauth_providers[].email":      "inside oauth_providers, hidden",
	"data.oauth_providers[].account_id": "inside oauth_providers, hidden",
	"data.external_auth_providers":      "marked hidden in Stack's schema, and sent since about 2026-08",
	"data.external_auth_providers[].id": "inside external_auth_providers, hidden",
	"data.auth_with_email":              "marked hidden (deprecated), and sent",
	"data.requires_totp_mfa":            "marked hidden (deprecated), and sent",
}

// The keys Stack sends null that the OpenAPI declares without null.
var openapiLooseNull = map[string]string{
	"data.primary_email":                           "null when the user has no primary email",
	"data.display_name":                            "null when unset",
	"data.selected_team":                           "null when no team is selected",
	"data.selected_team_id":                        "null when no team is selected",
	"data.profile_image_url":                       "null when unset",
	"data.client_metadata":                         "unset metadata arrives as null",
	"data.client_read_only_metadata":               "unset metadata arrives as null",
	"data.server_metadata":                         "unset metadata arrives as null",
	"data.country_code":                            "null when the sign-up's country is unknown",
	"data.selected_team.profile_image_url":         "null when unset",
	"data.selected_team.client_metadata":           "unset metadata arrives as null",
	"data.selected_team.client_read_only_metadata": "unset metadata arrives as null",
	"data.selected_team.server_metadata":           "unset metadata arrives as null",
}

func TestOpenAPIDigest(t *testing.T) {
	if *openapiRefresh != "" {
		refreshOpenAPIDigest(t, *openapiRefresh, *openapiSource)
	}
	data, err := os.ReadFile(openapiDigestFile)
	require.NoError(t, err)
	var d openapiDigest
	require.NoError(t, json.Unmarshal(data, &d))
	require.NotEmpty(t, d.Webhooks)
	omitted, loose := map[string]bool{}, map[string]bool{}
	for event, props := range d.Webhooks {
		s, known := schemaFor(event)
		if !assert.True(t, known, "the OpenAPI lists %s, an event this package does not type", event) {
			continue
		}
		for path, typ := range props {
			f := schemaField(s, path)
			if !assert.NotNil(t, f, "%s: the OpenAPI lists %s (%s), which the schema tables do not know", event, path, typ) {
				continue
			}
			nullable := strings.HasSuffix(typ, "|null")
			assert.Equal(t, openapiKind(strings.TrimSuffix(typ, "|null")), kindGroup(f.kind), "%s %s: declared %s", event, path, typ)
			if nullable {
				assert.True(t, f.nullable, "%s %s: the OpenAPI allows null, the schema table refuses it", event, path)
			} else if f.nullable {
				loose[path] = true
				assert.Contains(t, openapiLooseNull, path, "%s %s: sent null, declared without null: a difference to list, with its reason", event, path)
			}
		}
		// What Stack sends and the file leaves out: listed, with a reason.
		eachSchemaPath(s, "data", func(path string) {
			if _, listed := props[path]; !listed {
				omitted[path] = true
				assert.Contains(t, openapiOmits, path, "%s: the OpenAPI leaves out %s: a difference to list, with its reason", event, path)
			}
		})
	}
	for path := range openapiOmits {
		assert.True(t, omitted[path], "%s is listed as left out by the OpenAPI, and is not", path)
	}
	for path := range openapiLooseNull {
		assert.True(t, loose[path], "%s is listed as declared without null, and is not", path)
	}
}

// schemaField returns the field at path ("data.a.b", "data.teams[].id")
// below s, or nil.
func schemaField(s *schema, path string) *field {
	var f *field
	for _, part := range strings.Split(strings.TrimPrefix(path, "data."), ".") {
		if f != nil {
			if s = f.object; s == nil {
				return nil
			}
		}
		key := strings.TrimSuffix(part, "[]")
		f = nil
		for i := range s.fields {
			if s.fields[i].key == key {
				f = &s.fields[i]
			}
		}
		if f == nil {
			return nil
		}
	}
	return f
}

// eachSchemaPath calls fn with the path of every field below s, as the
// digest spells them.
func eachSchemaPath(s *schema, prefix string, fn func(path string)) {
	for _, f := range s.fields {
		path := prefix + "." + f.key
		fn(path)
		switch {
		case f.kind == kindObject && f.object != nil:
			eachSchemaPath(f.object, path, fn)
		case f.kind == kindArray && f.object != nil:
			eachSchemaPath(f.object, path+"[]", fn)
		}
	}
}

// openapiKind and kindGroup put the OpenAPI's types and the tables' kinds
// in the same words: metadata, any JSON value to the tables, is an object
// to the OpenAPI.
func openapiKind(typ string) string {
	if typ == "number" {
		return "integer"
	}
	return typ
}

func kindGroup(k kind) string {
	switch k {
	case kindString:
		return "string"
	case kindBool:
		return "boolean"
	case kindInt:
		return "integer"
	case kindArray:
		return "array"
	}
	return "object" // kindObject, kindJSON
}

// digestOpenAPI reads an OpenAPI 3.1 description of webhooks: for each
// webhook, every property below the body's data with its declared type.
func digestOpenAPI(doc []byte) (map[string]map[string]string, error) {
	var api struct {
		Webhooks map[string]struct {
			Post struct {
				RequestBody struct {
					Content map[string]struct {
						Schema openapiSchema `json:"schema"`
					} `json:"content"`
				} `json:"requestBody"`
			} `json:"post"`
		} `json:"webhooks"`
	}
	if err := json.Unmarshal(doc, &api); err != nil {
		return nil, err
	}
	if len(api.Webhooks) == 0 {
		return nil, fmt.Errorf("no webhooks in the file")
	}
	out := map[string]map[string]string{}
	for name, w := range api.Webhooks {
		body, ok := w.Post.RequestBody.Content["application/json"]
		data, hasData := body.Schema.Properties["data"]
		if !ok || !hasData {
			return nil, fmt.Errorf("%s: no application/json body with data", name)
		}
		props := map[string]string{}
		data.walk("data", props, false)
		out[name] = props
	}
	return out, nil
}

type openapiSchema struct {
	Type       any                      `json:"type"` // a name, or a list of names
	Properties map[string]openapiSchema `json:"properties"`
	Items      *openapiSchema           `json:"items"`
}

func (s openapiSchema) walk(path string, out map[string]string, record bool) {
	if record {
		var types []string
		switch v := s.Type.(type) {
		case string:
			types = []string{v}
		case []any:
			for _, t := range v {
				types = append(types, fmt.Sprint(t))
			}
		}
		null := false
		var named []string
		for _, t := range types {
			if t == "null" {
				null = true
			} else {
				named = append(named, t)
			}
		}
		typ := strings.Join(named, "|")
		if null {
			typ += "|null"
		}
		out[path] = typ
	}
	for key, p := range s.Properties {
		p.walk(path+"."+key, out, true)
	}
	if s.Items != nil {
		s.Items.walk(path+"[]", out, false)
	}
}

func refreshOpenAPIDigest(t *testing.T, file, source string) {
	doc, err := os.ReadFile(file)
	require.NoError(t, err)
	fresh, err := digestOpenAPI(doc)
	require.NoError(t, err)
	data, err := os.ReadFile(openapiDigestFile)
	require.NoError(t, err)
	var old openapiDigest
	require.NoError(t, json.Unmarshal(data, &old))
	var changes []string
	for _, event := range sortedKeys(fresh, old.Webhooks) {
		for _, path := range sortedKeys(fresh[event], old.Webhooks[event]) {
			was, had := old.Webhooks[event][path]
			now, has := fresh[event][path]
			switch {
			case !had:
				changes = append(changes, fmt.Sprintf("+ %s %s %s", event, path, now))
			case !has:
				changes = append(changes, fmt.Sprintf("- %s %s %s", event, path, was))
			case was != now:
				changes = append(changes, fmt.Sprintf("~ %s %s %s -> %s", event, path, was, now))
			}
		}
		if len(fresh[event]) == 0 && len(old.Webhooks[event]) == 0 {
			changes = append(changes, "? "+event)
		}
	}
	fmt.Printf("%s: %d changes\n%s\n", file, len(changes), strings.Join(changes, "\n"))
	if source != "" {
		old.Source = source
	}
	old.Webhooks = fresh
	out, err := json.MarshalIndent(old, "", " ")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(openapiDigestFile, append(out, '\n'), 0o644))
}

func sortedKeys[V any](a, b map[string]V) []string {
	seen := map[string]bool{}
	var keys []string
	for _, m := range []map[string]V{a, b} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	return keys
}

// digestOpenAPI on a description written for this test: types, null in a
// list of types, nesting, array items.
func TestDigestOpenAPI(t *testing.T) {
	doc := `{"openapi":"3.1.0","webhooks":{"thing.made":{"post":{"requestBody":{"content":{"application/json":{"schema":{
		"type":"object","properties":{"type":{"type":"string"},"data":{"type":"object","properties":{
			"id":{"type":"string"},"n":{"type":"number"},"gone":{"type":["string","null"]},
			"inner":{"type":["object","null"],"properties":{"k":{"type":"integer"}}},
			"list":{"type":"array","items":{"type":"object","properties":{"id":{"type":"string"}}}}}}}}}}}}}}}`
	got, err := digestOpenAPI([]byte(doc))
	require.NoError(t, err)
	assert.Equal(t, map[string]map[string]string{"thing.made": {
		"data.id": "string", "data.n": "number", "data.gone": "string|null", "data.inner": "object|null",
		"data.inner.k": "integer", "data.list": "array", "data.list[].id": "string",
	}}, got)
	_, err = digestOpenAPI([]byte(`{"openapi":"3.1.0"}`))
	assert.Error(t, err)
}
