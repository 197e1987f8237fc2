//go:build goexperiment.jsonv2

package bench

import jsonv2 "encoding/json/v2"

// encoding/json/v2 exists only in a build with GOEXPERIMENT=jsonv2, where
// encoding/json itself runs on it.
func init() {
	decoders = append(decoders, decoder{"encoding-json-v2", func(data []byte, v any) error { return jsonv2.Unmarshal(data, v) }, false})
}
