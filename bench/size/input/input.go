// Package input reads the size programs' input from standard input: four
// lines (the secret, svix-id, svix-timestamp and svix-signature), then the
// body. Standard input rather than arguments: on TinyGo's browser and
// microcontroller targets os.Args is fixed at build time, so the compiler
// would drop everything after a check of the arguments, and the program
// would measure nothing but start-up.
package input

import (
	"io"
	"os"
)

// Read returns the four header fields and the body; ok is false when
// standard input cannot be read or has fewer than four lines.
func Read() (secret, id, timestamp, signature string, body []byte, ok bool) {
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		return "", "", "", "", nil, false
	}
	var lines [4]string
	for n := range lines {
		i := 0
		for i < len(in) && in[i] != '\n' {
			i++
		}
		if i == len(in) {
			return "", "", "", "", nil, false
		}
		lines[n], in = string(in[:i]), in[i+1:]
	}
	return lines[0], lines[1], lines[2], lines[3], in, true
}
