// Package listen is the examples' one place for where a server listens.
package listen

import "os"

// Default is the address used when ADDR is not set.
const Default = ":8080"

// Addr is the address to listen on: $ADDR (such as 127.0.0.1:9000 or
// :80), by default Default.
func Addr() string {
	if a := os.Getenv("ADDR"); a != "" {
		return a
	}
	return Default
}
