//go:build !race

package stackwebhook

const raceEnabled = false
