package bench

import (
	"reflect"
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
// one of them. It reports, per payload, the fastest peer (by its median
// time per decode over the rounds) and ParseEvent's time against it: the
// median over the rounds of the round's ratio, as the unit
// x-PEER, beside each implementation's median time, ns/decode-IMPL, and
// its allocations per decode, allocs/decode-IMPL. ./decoderatios.sh
// prints them as a table.
//
// Run: go test -run '^$' -bench DecodeRatio -benchtime 400x
func BenchmarkDecodeRatio(b *testing.B) {
	bodies, names := payloads(b)
	for _, name := range names {
		body := bodies[name]
		ev, err := stackwebhook.ParseEvent(body)
		if err != nil {
			b.Fatalf("%s: %v", name, err)
		}
		if _, unknown := ev.(*stackwebhook.UnknownEvent); unknown {
			continue
		}
		typ := reflect.TypeOf(ev).Elem()
		impls := implementations(typ)
		b.Run("event="+name, func(b *testing.B) {
			batch := batchFor(body, impls)
			times := make([][]float64, len(impls)) // per implementation, ns per decode in each round
			round := 0
			for b.Loop() {
				for k := range impls {
					i := (round + k) % len(impls)
					start := time.Now()
					for range batch {
						if err := impls[i].decode(body); err != nil {
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
				b.ReportMetric(testing.AllocsPerRun(5, func() { _ = im.decode(body) }), "allocs/decode-"+im.name)
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

// batchFor is the number of decodes per implementation and round: about
// 50 µs of ParseEvent, at least one.
func batchFor(body []byte, impls []implementation) int {
	const warm, target = 20, 50 * time.Microsecond
	for range warm {
		for _, im := range impls {
			_ = im.decode(body)
		}
	}
	start := time.Now()
	for range warm {
		_ = impls[0].decode(body)
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
