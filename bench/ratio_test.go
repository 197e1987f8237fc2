package bench

import (
	"bytes"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/stackwebhook/stackwebhook"
)

// BenchmarkDecodeRatio measures what BenchmarkDecode measures, ParseEvent
// beside each peer on every payload, in a way a shared machine cannot
// skew: its iterations are rounds, and in each round every implementation
// decodes the payload the same number of times (a batch of about 50 µs, or
// one decode), one implementation after the other, starting with a
// different one each round. A pause, a busy neighbour or a collection
// lands on the implementations of one round alike, where BenchmarkDecode,
// which runs each implementation's repetitions back to back, gives it to
// one of them.
//
// The payloads come as a stream of distinct events, as a receiver gets
// them: 512 copies of each payload under 8 KiB whose ids (every UUID)
// differ (stack.test has none, and repeats), decoded in turn, so that a decoder that caches the strings it
// made (encoding/json/v2 keeps 256 per decoder, between calls) does not
// make them once for the whole run.
//
// It reports, per payload, the fastest peer (by its median time per decode
// over the rounds) and ParseEvent's time against it, the median over the
// rounds of the round's ratio, as the unit x-PEER; and for each
// implementation its median time per decode, ns/decode-IMPL, and its
// allocations per decode over the stream, allocs/decode-IMPL.
// ./decoderatios.sh prints them as a table.
//
// Run: go test -run '^$' -bench DecodeRatio -benchtime 400x
func BenchmarkDecodeRatio(b *testing.B) {
	for _, p := range knownPayloads(b) {
		impls := implementations(p.typ)
		stream := distinct(p.body)
		b.Run("event="+p.name, func(b *testing.B) {
			batch := batchFor(stream, impls)
			times := make([][]float64, len(impls)) // per implementation, ns per decode in each round
			round := 0
			for b.Loop() {
				for k := range impls {
					i := (round + k) % len(impls)
					start := time.Now()
					for j := range batch {
						if err := impls[i].decode(stream[j%len(stream)]); err != nil {
							b.Fatalf("%s: %v", impls[i].name, err)
						}
					}
					times[i] = append(times[i], float64(time.Since(start).Nanoseconds())/float64(batch))
				}
				round++
			}
			fastest := 1
			for i := 2; i < len(impls); i++ {
				if median(times[i]) < median(times[fastest]) {
					fastest = i
				}
			}
			ratios := make([]float64, round)
			for r := range ratios {
				ratios[r] = times[0][r] / times[fastest][r]
			}
			b.ReportMetric(median(ratios), "x-"+impls[fastest].name)
			for i, im := range impls {
				b.ReportMetric(median(times[i]), "ns/decode-"+im.name)
				j := 0
				allocs := testing.AllocsPerRun(len(stream), func() { _ = im.decode(stream[j%len(stream)]); j++ })
				b.ReportMetric(allocs, "allocs/decode-"+im.name)
			}
		})
	}
}

// An implementation decodes one body into a new value of the event's type.
type implementation struct {
	name   string
	decode func(body []byte) error
}

// implementations are ParseEvent, first, and its peers, decoding into the
// event's type typ.
func implementations(typ reflect.Type) []implementation {
	out := []implementation{{"ParseEvent", func(body []byte) error { _, err := stackwebhook.ParseEvent(body); return err }}}
	for _, d := range decoders {
		out = append(out, implementation{d.name, func(body []byte) error { return d.unmarshal(body, peerNew(typ)) }})
	}
	return out
}

// distinct returns 512 copies of body whose UUIDs end in 000, 001, ...,
// 1ff; or body alone when it is 8 KiB or more, or has no UUID (stack.test,
// the same text each time Stack sends it).
func distinct(body []byte) [][]byte {
	if len(body) >= 8<<10 || !uuid.Match(body) {
		return [][]byte{body}
	}
	out := make([][]byte, 512)
	for k := range out {
		b := bytes.Clone(body)
		for _, at := range uuid.FindAllIndex(b, -1) {
			copy(b[at[1]-3:at[1]], fmt.Sprintf("%03x", k))
		}
		out[k] = b
	}
	return out
}

var uuid = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// batchFor is the number of decodes per implementation and round: about
// 50 µs of ParseEvent, at least one.
func batchFor(stream [][]byte, impls []implementation) int {
	const warm, target = 20, 50 * time.Microsecond
	for j := range warm {
		for _, im := range impls {
			_ = im.decode(stream[j%len(stream)])
		}
	}
	start := time.Now()
	for j := range warm {
		_ = impls[0].decode(stream[j%len(stream)])
	}
	per := time.Since(start) / warm
	return max(1, int(target/max(per, 1)))
}

func median(v []float64) float64 {
	s := slices.Sorted(slices.Values(v))
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
