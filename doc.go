// Package stackwebhook verifies the webhooks that Stack Auth sends through
// Svix, and decodes their payloads into typed events. It uses the standard
// library only.
//
// The safe way, in a net/http handler:
//
//	wh, err := stackwebhook.NewWebhook(os.Getenv("STACK_WEBHOOK_SECRET")) // "whsec_..."
//	// ... once; then for every request:
//	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
//	event, err := wh.VerifyEvent(body, r.Header)
//	if err != nil { // errors.Is(err, stackwebhook.ErrNoMatchingSignature), ...
//		http.Error(w, "invalid webhook", http.StatusUnauthorized)
//		return
//	}
//	switch e := event.(type) {
//	case *stackwebhook.UserCreated:
//		log.Println("new user", e.Data.ID)
//	}
//
// Verify the raw body exactly as received, before parsing it: a framework
// that decodes and re-encodes the JSON changes the bytes, and the signature
// no longer matches. Use the svix-id header to make handling idempotent:
// Svix retries a message with the same id.
//
// # The signature scheme
//
// Svix (and the Standard Webhooks specification) signs id "." timestamp "."
// body with HMAC-SHA256 under the endpoint's secret ("whsec_" + base64 of
// the key), and sends the id, the timestamp in Unix seconds and a
// space-separated list of "v1,<base64>" signatures in the svix-id,
// svix-timestamp and svix-signature headers. Verify accepts a message when
// any entry matches and the timestamp is within five minutes of the clock.
// A Webhook built with NewWebhookPublicKey checks the asymmetric "v1a"
// (ed25519) entries instead.
//
// The official libraries disagree on many edge cases; this package takes
// one rule for each, documented on Verify and in the README: strict integer
// timestamps, no mixing of the svix-* and webhook-* header sets, only the
// canonical base64 spelling of a signature, and no empty keys.
//
// # Events
//
// ParseEvent and VerifyEvent decode the 13 event types Stack sends (three of
// them undocumented by Stack: project_permission.created and .deleted, and
// stack.test) into typed structs; any other type arrives as *UnknownEvent.
// Payloads from older self-hosted Stack servers, which lack keys added
// since, decode with those fields at their zero value.
//
// If you mirror Stack's users and teams from these events, know what Stack
// does and does not send:
//   - user.created carries SelectedTeam nil even when Stack creates a
//     personal team at sign-up; that team arrives as its own team.created,
//     usually before the user.created.
//   - Upgrading an anonymous user to a real account sends user.updated, not
//     a second user.created.
//   - Verifying or changing an email through contact channels, or linking an
//     OAuth account, sends no user.updated: a mirror of those fields goes
//     stale until the next update.
//   - Deleting a user sends one team_membership.deleted per team, then
//     user.deleted, and no permission deletions.
//   - Deleting a team sends only team.deleted: no membership or permission
//     deletions. Creating a team with a creator sends no membership or
//     permission events for the creator.
//   - Adding a member sends team_membership.created, then one
//     team_permission.created per default permission.
//   - Delivery order is not guaranteed, and Svix retries with the same
//     svix-id: make handlers idempotent and tolerant of order.
//
// # Errors
//
// Every error matches exactly one of the exported Err values with errors.Is.
// Attacker-controlled input never causes a panic.
//
// # Timing
//
// Signatures are compared with hmac.Equal, in time independent of how many
// bytes match. Verify's time depends only on the lengths of its inputs and
// the number of signature entries. With a secret, it allocates nothing.
package stackwebhook
