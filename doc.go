// Package stackwebhook verifies the webhooks that Stack Auth (now
// Hexclave) sends through Svix, and decodes their payloads into typed
// events. It uses the standard library only.
//
// The safe way, in a net/http handler:
//
//	wh, err := stackwebhook.NewWebhook(os.Getenv("STACK_WEBHOOK_SECRET")) // "whsec_..."
//	// ... once; then for every request:
//	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
//	if err != nil { // over 1 MiB, or the connection failed
//		http.Error(w, "unreadable body", http.StatusRequestEntityTooLarge)
//		return
//	}
//	event, err := wh.VerifyEvent(body, r.Header)
//	if err != nil { // errors.Is(err, stackwebhook.ErrNoMatchingSignature), ...
//		http.Error(w, "invalid webhook", http.StatusUnauthorized)
//		return
//	}
//	id, _, _, _ := stackwebhook.ReadHeaders(r.Header) // the id Verify checked
//	switch e := event.(type) {
//	case *stackwebhook.UserCreated:
//		log.Println("new user", e.Data.ID, "message", id)
//	}
//
// Verify the raw body exactly as received, before parsing it: a framework
// that decodes and re-encodes the JSON changes the bytes, and the signature
// no longer matches.
//
// Make handling idempotent on the message id, which Svix keeps when it
// retries, and take that id from ReadHeaders, never from
// r.Header.Get("svix-id"): Verify falls back to the webhook-* headers when
// the svix-* set is incomplete, so a replayer can rename a captured
// delivery's headers to webhook-* and add a fresh svix-id of their own; a
// handler that keyed on that header would apply the delivery again under
// every new id. ReadHeaders returns the id that was verified.
//
// # The signature scheme
//
// Svix (and the Standard Webhooks specification) signs id "." timestamp "."
// body with HMAC-SHA256 under the endpoint's secret ("whsec_" + base64 of
// the key), and sends the id, the timestamp in Unix seconds and a
// space-separated list of "v1,<base64>" signatures in the svix-id,
// svix-timestamp and svix-signature headers. Verify accepts a message when
// any entry matches and the timestamp is within five minutes of the clock.
// A Webhook built with publickey.NewWebhook (package
// github.com/stackwebhook/stackwebhook/publickey, kept apart so that programs
// that check only HMAC signatures link no ed25519 code) checks the
// asymmetric "v1a" (ed25519) entries instead, at most MaxV1aSignatures of
// them per message.
//
// The official libraries disagree on many edge cases; this package takes
// one rule for each, documented on Verify and in docs/conformance.md: strict integer
// timestamps, no mixing of the svix-* and webhook-* header sets, only the
// canonical base64 spelling of a signature, and no empty keys.
//
// # Events
//
// ParseEvent and VerifyEvent decode the 18 event types Stack Auth (now
// Hexclave) sends into typed structs: users, teams, memberships and
// permissions (project_permission.created and .deleted are sent though
// Stack does not document them), Hexclave's five issue.* events of its
// error tracking, and stack.test; any other type arrives as *UnknownEvent.
// Payloads from older self-hosted Stack servers, which lack keys added
// since, decode with those fields at their zero value. The issue events'
// 64-bit counters arrive as decimal strings and stay text (Decimal), so
// that none is rounded through a float.
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
//   - Deleting a user sends one team_membership.deleted per team and
//     user.deleted (concurrently: see below), and no permission deletions.
//   - Deleting a team sends only team.deleted: no membership or permission
//     deletions. Creating a team with a creator sends no membership or
//     permission events for the creator.
//   - Adding a member sends team_membership.created, then one
//     team_permission.created per default permission.
//   - An OAuth sign-up sends user.created with oauth_providers [] (the
//     account is linked afterwards, and linking sends no user.updated).
//   - Default project permissions granted at sign-up send no
//     project_permission.created.
//   - Deleting or renaming a permission definition sends no permission
//     events; removing a member sends team_membership.deleted and no
//     team_permission.deleted.
//   - Last-active updates send no user.updated, and signed_up_at_millis may
//     be rewritten after user.created.
//   - On user deletion, the team_membership.deleted events and user.deleted
//     are sent concurrently, not one after the other: user.deleted may
//     arrive first.
//   - Delivery order is not guaranteed, and Svix retries with the same
//     message id: make handlers idempotent and tolerant of order.
//   - Hexclave: a race on the first external-auth token exchange can create
//     a user and delete it again, so a user.created may be followed at once
//     by a user.deleted.
//   - The stack.test message reads "Stack webhook test event triggered
//     from the Stack dashboard." before the rename and "Hexclave webhook
//     test event triggered from the Hexclave dashboard." after it: nothing
//     should depend on the text.
//
// # Errors
//
// Every error matches exactly one of the exported Err values with errors.Is.
// No input a sender controls (body, header values, header names) causes a
// panic. Programmer errors may, as in the standard library: a nil
// *http.Header passed as Headers panics in its Get method.
//
// # Timing
//
// Signatures are compared with hmac.Equal, in time independent of how many
// bytes match. Verify's time depends only on the lengths of its inputs and
// the number of signature entries. With a secret, it allocates nothing.
package stackwebhook
