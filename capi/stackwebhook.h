/*
 * stackwebhook.h: the C ABI of stackwebhook, a verifier of Svix (Standard
 * Webhooks) signatures for the webhooks Stack Auth sends.
 *
 * Build the library with Go:
 *   go build -buildmode=c-shared  -o libstackwebhook.so ./capi
 *   go build -buildmode=c-archive -o libstackwebhook.a  ./capi
 *
 * Start with stackwebhook_new_key and stackwebhook_verify_request: they take
 * every string with its length, refuse a NUL byte inside one, choose the
 * header set by the library's own rule from the request's headers as they
 * arrived, and hand back the verified message id, the idempotency key.
 * The older functions below them take NUL-terminated strings and the three
 * header values already chosen; they stay for existing callers.
 *
 * Rules every function follows:
 *   - Strings are NUL-terminated byte strings unless a length is given;
 *     any bytes are accepted.
 *   - No function keeps any pointer it is given after it returns.
 *   - A NULL pointer never crashes: it yields a status (a NULL or empty
 *     header value means the header is missing).
 *   - Every function is safe to call from several threads at once,
 *     including on one handle.
 *
 * fork(): the Go runtime inside the library does not survive fork(). A
 * process that has called any function here and then forks has a child
 * that hangs as soon as the runtime needs its threads. Pre-fork servers
 * (gunicorn --preload, uWSGI, Apache prefork, PHP-FPM, nginx) must load the
 * library in each worker, after the fork, never in the parent.
 *
 * This header is hand-written and stable; it is not the one cgo generates.
 */
#ifndef STACKWEBHOOK_H
#define STACKWEBHOOK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes. Each verification failure has its own code, in the order
 * the checks run: headers, timestamp syntax, tolerance, signature. */
enum {
  STACKWEBHOOK_OK = 0,
  STACKWEBHOOK_ERR_INVALID_SECRET = 1,         /* secret or public key empty or malformed */
  STACKWEBHOOK_ERR_MISSING_HEADERS = 2,        /* id, timestamp or signature missing or empty */
  STACKWEBHOOK_ERR_INVALID_HEADERS = 3,        /* timestamp is not a base-10 integer */
  STACKWEBHOOK_ERR_TIMESTAMP_TOO_OLD = 4,      /* older than the tolerance: replay, or clock skew */
  STACKWEBHOOK_ERR_TIMESTAMP_TOO_NEW = 5,      /* newer than the tolerance: clock skew */
  STACKWEBHOOK_ERR_NO_MATCHING_SIGNATURE = 6,  /* wrong secret, or id/timestamp/body changed */
  STACKWEBHOOK_ERR_INVALID_PAYLOAD = 7,        /* signed, but not a Stack webhook payload */
  STACKWEBHOOK_ERR_INVALID_ARGUMENT = 8,       /* NULL where a value is needed, bad handle, bad option */
  STACKWEBHOOK_ERR_BUFFER_TOO_SMALL = 9        /* the output buffer is too small: see *needed */
};

/* A Webhook held by the library: an opaque number, never a pointer. 0 is
 * never a valid handle. A freed handle is never reused. */
typedef uint64_t stackwebhook_handle;

/* Creates a handle from a key of key_len bytes (no terminator needed): with
 * public_key 0, an endpoint secret, "whsec_" followed by base64, verifying v1
 * (HMAC-SHA256) signatures; otherwise a "whpk_" ed25519 public key verifying
 * v1a signatures. A NUL byte anywhere in the key is refused
 * (STACKWEBHOOK_ERR_INVALID_SECRET): a C string would have ended there and
 * another key been read. tolerance_seconds as for stackwebhook_new. */
int stackwebhook_new_key(const char *key, size_t key_len, int public_key, long long tolerance_seconds,
                         stackwebhook_handle *out);

/* One header of a request as it arrived: its name, in any letter case (the
 * CGI form, HTTP_SVIX_ID as WSGI, Rack and Django's request.META give it, is
 * read as svix-id), and its value, each with its length. */
typedef struct {
  const char *name;
  size_t name_len;
  const char *value;
  size_t value_len;
} stackwebhook_header;

/* What stackwebhook_verify_request found. */
typedef struct {
  long long timestamp; /* verified: the signed timestamp, Unix seconds */
  size_t id_len;       /* verified: the length of the verified message id, at out */
  size_t type_len;     /* verified, with STACKWEBHOOK_DECODE_EVENT: the event type's length, at out + id_len + 1 */
  size_t needed;       /* the bytes out needs for this answer (the failure's text, on failure) */
} stackwebhook_message;

/* Flags of stackwebhook_verify_request. */
enum { STACKWEBHOOK_DECODE_EVENT = 1 };

/* Verifies a request: its header_count headers, every one it arrived with
 * (names and values in any order and case; headers other than svix-* and
 * webhook-* are ignored), and its raw payload. The header set is chosen by
 * the library's rule (the svix-* set if its id, timestamp and signature are
 * all non-empty, else the whole webhook-* set): callers never choose it.
 * Refused with STACKWEBHOOK_ERR_INVALID_HEADERS: a NUL byte in any name or
 * value, and the id or timestamp of either set given more than once. A
 * signature header given several times (a proxy split it) is read whole.
 *
 * On success, out holds the verified message id, NUL-terminated, and with
 * STACKWEBHOOK_DECODE_EVENT the payload is also decoded as a Stack webhook
 * and its event type follows the id's NUL, NUL-terminated; *message says
 * the lengths and the signed timestamp. Use that id, never a header read by
 * hand, as the idempotency key: when the svix-* set is incomplete the
 * webhook-* set's id is the one verified, and a replayer can add a stray
 * svix-id beside a captured delivery renamed to webhook-*. If out_size is
 * too small, nothing is written and STACKWEBHOOK_ERR_BUFFER_TOO_SMALL is
 * returned with message->needed: the message did verify; call again.
 *
 * On failure, out (if out_size > 0) holds the library's description of what
 * failed, NUL-terminated, cut short to fit. now_unix as for
 * stackwebhook_verify; message may not be NULL. */
int stackwebhook_verify_request(stackwebhook_handle handle, const stackwebhook_header *headers,
                                size_t header_count, const unsigned char *payload, size_t payload_len,
                                long long now_unix, int flags, char *out, size_t out_size,
                                stackwebhook_message *message);

/* One call: decode the secret, check the three header values (NULL or "" =
 * missing) against the payload. now_unix is the clock in Unix seconds; 0
 * means the system clock. Never retains any pointer. A NULL payload is the
 * empty payload if payload_len is 0, and STACKWEBHOOK_ERR_INVALID_ARGUMENT
 * otherwise. The tolerance is 300 seconds. */
int stackwebhook_verify(const char *secret, const char *msg_id, const char *timestamp,
                        const char *signature, const unsigned char *payload, size_t payload_len,
                        long long now_unix);

/* A short English description of a status code: static text, never NULL
 * (an unknown code has its own text). Never free it. */
const char *stackwebhook_status_string(int status);

/* Creates a handle that verifies v1 (HMAC-SHA256) signatures with secret,
 * "whsec_" followed by base64, for callers that verify many messages with
 * one secret. tolerance_seconds is how far a timestamp may be from the
 * clock either way; 0 selects the default of 300 seconds; a negative value
 * is STACKWEBHOOK_ERR_INVALID_ARGUMENT. A value above 9223372036 (about 292
 * years, the largest tolerance the library holds) is capped there: a
 * timestamp further from the clock is still refused. On success *out holds
 * the handle; release it with stackwebhook_free. */
int stackwebhook_new(const char *secret, long long tolerance_seconds, stackwebhook_handle *out);

/* As stackwebhook_new, for "whpk_" followed by the base64 of a 32-byte
 * ed25519 public key: the handle verifies v1a signatures and cannot sign. */
int stackwebhook_new_public_key(const char *public_key, long long tolerance_seconds,
                                stackwebhook_handle *out);

/* Releases a handle. STACKWEBHOOK_ERR_INVALID_ARGUMENT if it is not a live
 * handle (0, never created, or already freed). */
int stackwebhook_free(stackwebhook_handle handle);

/* stackwebhook_verify with a handle's key and tolerance. */
int stackwebhook_handle_verify(stackwebhook_handle handle, const char *msg_id,
                               const char *timestamp, const char *signature,
                               const unsigned char *payload, size_t payload_len,
                               long long now_unix);

/* Writes the "v1,<base64>" signature of payload for msg_id at timestamp
 * (Unix seconds) into out, NUL-terminated, as a Svix sender puts it in
 * svix-signature. *needed (if not NULL) receives the size out must have,
 * terminator included (48). If out_size is smaller, nothing is written and
 * STACKWEBHOOK_ERR_BUFFER_TOO_SMALL is returned. A public-key handle gives
 * STACKWEBHOOK_ERR_INVALID_SECRET. */
int stackwebhook_sign(stackwebhook_handle handle, const char *msg_id, long long timestamp,
                      const unsigned char *payload, size_t payload_len, char *out,
                      size_t out_size, size_t *needed);

/* stackwebhook_handle_verify, then decodes the payload as a Stack webhook
 * and writes its event type ("user.created", ...; any type Stack sends,
 * known or not) into type_out, NUL-terminated. A type that contains a NUL
 * byte gives STACKWEBHOOK_ERR_INVALID_PAYLOAD, since C would read it as
 * another type. *needed (if not NULL)
 * receives the size type_out must have, terminator included. A signed body
 * that is not a Stack payload gives STACKWEBHOOK_ERR_INVALID_PAYLOAD. If
 * type_size is too small, nothing is written and
 * STACKWEBHOOK_ERR_BUFFER_TOO_SMALL is returned: the message did verify. */
int stackwebhook_verify_event(stackwebhook_handle handle, const char *msg_id,
                              const char *timestamp, const char *signature,
                              const unsigned char *payload, size_t payload_len,
                              long long now_unix, char *type_out, size_t type_size,
                              size_t *needed);

#ifdef __cplusplus
}
#endif

#endif /* STACKWEBHOOK_H */
