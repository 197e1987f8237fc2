/*
 * capi_test.c: checks the C ABI against the official vectors, through every
 * function of stackwebhook.h. capi_test.go builds it against the shared and
 * the static library and feeds it a file made from testdata/vectors.json,
 * one case a line, tab-separated, every field hex-encoded but the numbers:
 *
 *   status  secret  id  timestamp  signature  body  now_unix  event_type  sign  headers
 *
 * status is the expected code (from the official libraries' verdicts),
 * event_type the type stackwebhook_verify_event must report ("" for none),
 * sign is 1 when signature is the official signature of the message, which
 * stackwebhook_sign must reproduce, and headers the request's headers as
 * sent, hex name ":" hex value, comma-separated. id, timestamp and signature
 * are the values of the header set the rule chooses: on success,
 * stackwebhook_verify_request must return that id.
 */
#define _DEFAULT_SOURCE /* getline, strsep */
#include <pthread.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stackwebhook.h"

static int passed, failed;

#define CHECK(cond, ...)                                   \
  do {                                                     \
    if (cond) {                                            \
      passed++;                                            \
    } else {                                               \
      failed++;                                            \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
      fprintf(stderr, __VA_ARGS__);                        \
      fprintf(stderr, "\n");                               \
    }                                                      \
  } while (0)

/* Decodes hex in place into a NUL-terminated buffer; returns its length. */
static size_t unhex(char *s) {
  size_t n = strlen(s) / 2;
  for (size_t i = 0; i < n; i++) {
    unsigned v;
    sscanf(s + 2 * i, "%2x", &v);
    s[i] = (char)v;
  }
  s[n] = 0;
  return n;
}

/* Parses the headers field (modified in place) into at most max headers. */
static size_t parse_headers(char *field, stackwebhook_header *out, size_t max) {
  size_t n = 0;
  for (char *pair; n < max && (pair = strsep(&field, ",")) != NULL;) {
    if (pair[0] == 0) continue;
    char *value = strchr(pair, ':');
    *value++ = 0;
    out[n].name = pair;
    out[n].name_len = unhex(pair);
    out[n].value = value;
    out[n].value_len = unhex(value);
    n++;
  }
  return n;
}

/* stackwebhook_verify_request over the request's headers as sent. */
static void check_request(int want, const char *secret, const char *id, char *headers_field,
                          const unsigned char *payload, size_t body_len, long long now,
                          const char *event_type) {
  stackwebhook_header headers[16];
  size_t count = parse_headers(headers_field, headers, 16);
  stackwebhook_handle h = 0;
  int got = stackwebhook_new_key(secret, strlen(secret), 0, 0, &h);
  if (want == STACKWEBHOOK_ERR_INVALID_SECRET) {
    CHECK(got == STACKWEBHOOK_ERR_INVALID_SECRET, "stackwebhook_new_key accepted a bad secret");
    return;
  }
  CHECK(got == STACKWEBHOOK_OK, "stackwebhook_new_key: %d", got);
  char first[256], *out = first;
  stackwebhook_message m;
  int flags = event_type[0] ? STACKWEBHOOK_DECODE_EVENT : 0;
  got = stackwebhook_verify_request(h, headers, count, payload, body_len, now, flags, out, sizeof first, &m);
  if (got == STACKWEBHOOK_ERR_BUFFER_TOO_SMALL) { /* verified: a long id; again with the size it needs */
    out = malloc(m.needed);
    got = stackwebhook_verify_request(h, headers, count, payload, body_len, now, flags, out, m.needed, &m);
  }
  CHECK(got == want, "stackwebhook_verify_request: got %d (%s), want %d, id %s", got,
        got == 0 ? "" : out, want, id);
  if (want == STACKWEBHOOK_OK && got == STACKWEBHOOK_OK) {
    CHECK(m.id_len == strlen(id) && strcmp(out, id) == 0, "verified id %s, want %s", out, id);
    CHECK(m.needed == m.id_len + 1 + (flags ? m.type_len + 1 : 0), "needed %zu", m.needed);
    if (flags) {
      CHECK(strcmp(out + m.id_len + 1, event_type) == 0, "event type %s, want %s", out + m.id_len + 1, event_type);
    }
    char small[4];
    got = stackwebhook_verify_request(h, headers, count, payload, body_len, now, flags, small, sizeof small, &m);
    CHECK(got == STACKWEBHOOK_ERR_BUFFER_TOO_SMALL && m.needed > sizeof small, "a short buffer: %d", got);
  } else if (got != STACKWEBHOOK_OK) {
    CHECK(strncmp(out, "stackwebhook: ", 14) == 0 && m.needed == strlen(out) + 1, "the failure's text: %s", out);
  }
  if (out != first) free(out);
  stackwebhook_free(h);
}

static void check_case(int want, char *secret, char *id, char *ts, char *sig, char *body,
                       size_t body_len, long long now, const char *event_type, int sign) {
  const unsigned char *payload = (const unsigned char *)body;
  int got = stackwebhook_verify(secret, id, ts, sig, payload, body_len, now);
  CHECK(got == want, "stackwebhook_verify: got %d (%s), want %d, id %s", got,
        stackwebhook_status_string(got), want, id);
  if (want == STACKWEBHOOK_ERR_INVALID_SECRET) {
    stackwebhook_handle h = 0;
    CHECK(stackwebhook_new(secret, 0, &h) == STACKWEBHOOK_ERR_INVALID_SECRET && h == 0,
          "stackwebhook_new accepted a bad secret");
    return;
  }
  stackwebhook_handle h = 0;
  CHECK(stackwebhook_new(secret, 0, &h) == STACKWEBHOOK_OK && h != 0, "stackwebhook_new");
  got = stackwebhook_handle_verify(h, id, ts, sig, payload, body_len, now);
  CHECK(got == want, "stackwebhook_handle_verify: got %d, want %d, id %s", got, want, id);

  if (sign) {
    char out[48];
    size_t needed = 0;
    char small[10];
    CHECK(stackwebhook_sign(h, id, atoll(ts), payload, body_len, small, sizeof small, &needed) ==
              STACKWEBHOOK_ERR_BUFFER_TOO_SMALL && needed == 48,
          "stackwebhook_sign with a short buffer: needed %zu", needed);
    CHECK(stackwebhook_sign(h, id, atoll(ts), payload, body_len, out, sizeof out, &needed) ==
              STACKWEBHOOK_OK && strcmp(out, sig) == 0,
          "stackwebhook_sign: %s, official %s", out, sig);
  }
  if (event_type[0] != 0) {
    char type[64];
    size_t needed = 0;
    got = stackwebhook_verify_event(h, id, ts, sig, payload, body_len, now, type, sizeof type, &needed);
    CHECK(got == STACKWEBHOOK_OK && strcmp(type, event_type) == 0 && needed == strlen(event_type) + 1,
          "stackwebhook_verify_event: %d %s, want %s", got, type, event_type);
    got = stackwebhook_verify_event(h, id, ts, sig, payload, body_len, now, type, 2, &needed);
    CHECK(got == STACKWEBHOOK_ERR_BUFFER_TOO_SMALL, "verify_event with a short buffer: %d", got);
  } else if (want == STACKWEBHOOK_OK) {
    /* A signed body that is not a Stack payload: INVALID_PAYLOAD, or OK for a valid one. */
    got = stackwebhook_verify_event(h, id, ts, sig, payload, body_len, now, NULL, 0, NULL);
    CHECK(got == STACKWEBHOOK_ERR_INVALID_PAYLOAD || got == STACKWEBHOOK_ERR_BUFFER_TOO_SMALL,
          "stackwebhook_verify_event on a non-event body: %d", got);
  }
  CHECK(stackwebhook_free(h) == STACKWEBHOOK_OK, "stackwebhook_free");
  CHECK(stackwebhook_handle_verify(h, id, ts, sig, payload, body_len, now) ==
            STACKWEBHOOK_ERR_INVALID_ARGUMENT,
        "a freed handle still verifies");
  CHECK(stackwebhook_free(h) == STACKWEBHOOK_ERR_INVALID_ARGUMENT, "double free");
}

/* The published vector of the official libraries' tests. */
static const char *pub_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
static const char *pub_id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
static const char *pub_ts = "1614265330";
static const char *pub_body = "{\"test\": 2432232314}";
static const char *pub_sig = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

static void check_arguments(void) {
  const unsigned char *body = (const unsigned char *)pub_body;
  size_t len = strlen(pub_body);
  long long now = 1614265330;
  stackwebhook_handle h = 0;

  CHECK(stackwebhook_verify(pub_secret, pub_id, pub_ts, pub_sig, body, len, now) == 0, "published vector");
  CHECK(stackwebhook_verify(NULL, pub_id, pub_ts, pub_sig, body, len, now) == STACKWEBHOOK_ERR_INVALID_SECRET, "NULL secret");
  CHECK(stackwebhook_verify("", pub_id, pub_ts, pub_sig, body, len, now) == STACKWEBHOOK_ERR_INVALID_SECRET, "empty secret");
  CHECK(stackwebhook_verify(pub_secret, NULL, pub_ts, pub_sig, body, len, now) == STACKWEBHOOK_ERR_MISSING_HEADERS, "NULL id");
  CHECK(stackwebhook_verify(pub_secret, pub_id, NULL, pub_sig, body, len, now) == STACKWEBHOOK_ERR_MISSING_HEADERS, "NULL timestamp");
  CHECK(stackwebhook_verify(pub_secret, pub_id, pub_ts, "", body, len, now) == STACKWEBHOOK_ERR_MISSING_HEADERS, "empty signature");
  CHECK(stackwebhook_verify(pub_secret, pub_id, pub_ts, pub_sig, NULL, 5, now) == STACKWEBHOOK_ERR_INVALID_ARGUMENT, "NULL payload, length 5");
  CHECK(stackwebhook_verify(pub_secret, pub_id, pub_ts, pub_sig, NULL, 0, now) == STACKWEBHOOK_ERR_NO_MATCHING_SIGNATURE, "NULL payload, length 0");
  CHECK(stackwebhook_verify(pub_secret, pub_id, pub_ts, pub_sig, body, len, 0) == STACKWEBHOOK_ERR_TIMESTAMP_TOO_OLD, "system clock");
  CHECK(stackwebhook_verify(pub_secret, pub_id, "\xff\xfe", pub_sig, body, len, now) == STACKWEBHOOK_ERR_INVALID_HEADERS, "invalid UTF-8");

  for (int s = 0; s <= 9; s++) {
    const char *text = stackwebhook_status_string(s);
    CHECK(text != NULL && text[0] != 0 && strcmp(text, "unknown status") != 0, "status_string(%d)", s);
  }
  CHECK(strcmp(stackwebhook_status_string(-1), "unknown status") == 0, "status_string(-1)");

  CHECK(stackwebhook_new(pub_secret, 0, NULL) == STACKWEBHOOK_ERR_INVALID_ARGUMENT, "new with NULL out");
  CHECK(stackwebhook_new(pub_secret, -1, &h) == STACKWEBHOOK_ERR_INVALID_ARGUMENT, "negative tolerance");
  CHECK(stackwebhook_new(NULL, 0, &h) == STACKWEBHOOK_ERR_INVALID_SECRET, "new with NULL secret");
  CHECK(stackwebhook_free(0) == STACKWEBHOOK_ERR_INVALID_ARGUMENT, "free(0)");
  CHECK(stackwebhook_handle_verify(987654321, pub_id, pub_ts, pub_sig, body, len, now) == STACKWEBHOOK_ERR_INVALID_ARGUMENT, "unknown handle");
  CHECK(stackwebhook_sign(987654321, pub_id, 1, body, len, NULL, 0, NULL) == STACKWEBHOOK_ERR_INVALID_ARGUMENT, "sign, unknown handle");

  /* Tolerance: 10 s. */
  CHECK(stackwebhook_new(pub_secret, 10, &h) == STACKWEBHOOK_OK, "new with tolerance");
  CHECK(stackwebhook_handle_verify(h, pub_id, pub_ts, pub_sig, body, len, now + 10) == 0, "10 s late");
  CHECK(stackwebhook_handle_verify(h, pub_id, pub_ts, pub_sig, body, len, now + 11) == STACKWEBHOOK_ERR_TIMESTAMP_TOO_OLD, "11 s late");
  CHECK(stackwebhook_handle_verify(h, pub_id, pub_ts, pub_sig, body, len, now - 11) == STACKWEBHOOK_ERR_TIMESTAMP_TOO_NEW, "11 s early");
  size_t needed = 0;
  CHECK(stackwebhook_sign(h, pub_id, now, body, len, NULL, 0, &needed) == STACKWEBHOOK_ERR_BUFFER_TOO_SMALL && needed == 48, "sign into NULL");
  CHECK(stackwebhook_free(h) == STACKWEBHOOK_OK, "free");

  /* v1a: the Svix server's published vector. */
  CHECK(stackwebhook_new_public_key("whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4=", 0, &h) == STACKWEBHOOK_OK, "public key");
  CHECK(stackwebhook_handle_verify(h, pub_id, pub_ts,
                                   "v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg==",
                                   body, len, now) == STACKWEBHOOK_OK, "v1a vector");
  CHECK(stackwebhook_handle_verify(h, pub_id, pub_ts, pub_sig, body, len, now) == STACKWEBHOOK_ERR_NO_MATCHING_SIGNATURE, "v1 on a public key");
  char out[48];
  CHECK(stackwebhook_sign(h, pub_id, now, body, len, out, sizeof out, NULL) == STACKWEBHOOK_ERR_INVALID_SECRET, "sign with a public key");
  CHECK(stackwebhook_free(h) == STACKWEBHOOK_OK, "free");
  CHECK(stackwebhook_new_public_key("whpk_AAAA", 0, &h) == STACKWEBHOOK_ERR_INVALID_SECRET, "short public key");
  /* The identity point: one fixed signature would verify every message. */
  CHECK(stackwebhook_new_public_key("whpk_AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", 0, &h) == STACKWEBHOOK_ERR_INVALID_SECRET,
        "small-order public key");

  /* A tolerance above the largest the library holds (about 292 years) is
   * capped there, as the header says: 9e9 s away passes the tolerance (and
   * fails on the signature), 2e10 s away does not. */
  CHECK(stackwebhook_new(pub_secret, LLONG_MAX, &h) == STACKWEBHOOK_OK, "LLONG_MAX tolerance");
  CHECK(stackwebhook_handle_verify(h, pub_id, pub_ts, pub_sig, body, len, now + 9000000000LL) == STACKWEBHOOK_OK,
        "9e9 s late, within the cap");
  CHECK(stackwebhook_handle_verify(h, pub_id, pub_ts, pub_sig, body, len, now + 20000000000LL) == STACKWEBHOOK_ERR_TIMESTAMP_TOO_OLD,
        "2e10 s late, beyond the cap");
  CHECK(stackwebhook_handle_verify(h, pub_id, pub_ts, pub_sig, body, len, now - 20000000000LL) == STACKWEBHOOK_ERR_TIMESTAMP_TOO_NEW,
        "2e10 s early, beyond the cap");
  CHECK(stackwebhook_free(h) == STACKWEBHOOK_OK, "free");

  /* A signed event type with a NUL byte would read as another type in C:
   * refused, with nothing written. (Signed here with stackwebhook_sign, whose
   * output the official vectors check above.) */
  static const char evil[] = "{\"type\":\"user.created\\u0000.evil\",\"data\":{}}";
  char sig[48], type[64] = "untouched";
  CHECK(stackwebhook_new(pub_secret, 0, &h) == STACKWEBHOOK_OK, "new");
  CHECK(stackwebhook_sign(h, pub_id, now, (const unsigned char *)evil, strlen(evil), sig, sizeof sig, NULL) == STACKWEBHOOK_OK, "sign");
  char ts[24];
  snprintf(ts, sizeof ts, "%lld", now);
  int got = stackwebhook_verify_event(h, pub_id, ts, sig, (const unsigned char *)evil, strlen(evil), now, type, sizeof type, NULL);
  CHECK(got == STACKWEBHOOK_ERR_INVALID_PAYLOAD && strcmp(type, "untouched") == 0, "type with a NUL: %d, %s", got, type);
  CHECK(stackwebhook_free(h) == STACKWEBHOOK_OK, "free");
}

#define HEADER(n, v) \
  { n, sizeof n - 1, v, sizeof v - 1 }

/* stackwebhook_verify_request's own refusals, and the verified id. */
static void check_request_arguments(void) {
  const unsigned char *body = (const unsigned char *)pub_body;
  size_t len = strlen(pub_body);
  long long now = 1614265330;
  stackwebhook_handle h = 0;
  char out[128];
  stackwebhook_message m;
  CHECK(stackwebhook_new_key(pub_secret, strlen(pub_secret), 0, 0, &h) == STACKWEBHOOK_OK, "new_key");

  /* A captured delivery renamed to webhook-*, with a stray svix-id: the
   * verified id is the webhook-id, never the stray one. */
  stackwebhook_header replay[] = {
      HEADER("Webhook-Id", "msg_p5jXN8AQM9LWM0D4loKWxJek"), HEADER("webhook-timestamp", "1614265330"),
      HEADER("WEBHOOK-SIGNATURE", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="), HEADER("svix-id", "msg_evil"),
      HEADER("Content-Type", "application/json")};
  int got = stackwebhook_verify_request(h, replay, 5, body, len, now, 0, out, sizeof out, &m);
  CHECK(got == STACKWEBHOOK_OK && strcmp(out, pub_id) == 0 && m.timestamp == now, "replay: %d, id %s", got, out);

  /* CGI names, as WSGI, Rack and Django's request.META give them. */
  stackwebhook_header cgi[] = {HEADER("HTTP_SVIX_ID", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
                               HEADER("HTTP_SVIX_TIMESTAMP", "1614265330"),
                               HEADER("HTTP_SVIX_SIGNATURE", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")};
  CHECK(stackwebhook_verify_request(h, cgi, 3, body, len, now, 0, out, sizeof out, &m) == STACKWEBHOOK_OK, "CGI names: %s", out);

  /* A NUL byte: the id a C string would read is msg_p5j..., the one the
   * application would store is longer. Refused, in a value and in a name. */
  stackwebhook_header nul[] = {HEADER("svix-id", "msg_p5jXN8AQM9LWM0D4loKWxJek\0x"), HEADER("svix-timestamp", "1614265330"),
                               HEADER("svix-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")};
  got = stackwebhook_verify_request(h, nul, 3, body, len, now, 0, out, sizeof out, &m);
  CHECK(got == STACKWEBHOOK_ERR_INVALID_HEADERS && strstr(out, "NUL") != NULL, "NUL in a value: %d %s", got, out);
  stackwebhook_header nul_name[] = {HEADER("svix-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"), HEADER("svix-timestamp", "1614265330"),
                                    HEADER("svix-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
                                    HEADER("x-other\0svix-id", "msg_evil")};
  CHECK(stackwebhook_verify_request(h, nul_name, 4, body, len, now, 0, out, sizeof out, &m) == STACKWEBHOOK_ERR_INVALID_HEADERS,
        "NUL in a name");

  /* The id given twice: refused, whichever comes first. */
  stackwebhook_header twice[] = {HEADER("svix-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"), HEADER("svix-timestamp", "1614265330"),
                                 HEADER("svix-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
                                 HEADER("SVIX-ID", "msg_evil")};
  got = stackwebhook_verify_request(h, twice, 4, body, len, now, 0, out, sizeof out, &m);
  CHECK(got == STACKWEBHOOK_ERR_INVALID_HEADERS && strstr(out, "svix-id is given 2 times") != NULL, "id twice: %s", out);

  /* A signature header split by a proxy on its comma is read whole. */
  stackwebhook_header split[] = {HEADER("svix-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"), HEADER("svix-timestamp", "1614265330"),
                                 HEADER("svix-signature", "v1"), HEADER("svix-signature", "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")};
  CHECK(stackwebhook_verify_request(h, split, 4, body, len, now, 0, out, sizeof out, &m) == STACKWEBHOOK_OK, "split signature: %s", out);

  /* A failure's text, cut short to fit the buffer, and never overrun. */
  char tiny[8] = "xxxxxxx";
  got = stackwebhook_verify_request(h, replay, 3, body, len, now + 1000, 0, tiny, 5, &m);
  CHECK(got == STACKWEBHOOK_ERR_TIMESTAMP_TOO_OLD && strcmp(tiny, "stac") == 0 && tiny[6] == 'x', "short text: %s", tiny);
  CHECK(stackwebhook_verify_request(h, replay, 3, body, len, now + 1000, 0, NULL, 0, &m) == STACKWEBHOOK_ERR_TIMESTAMP_TOO_OLD,
        "no buffer for the text");

  /* Arguments. */
  CHECK(stackwebhook_verify_request(h, NULL, 3, body, len, now, 0, out, sizeof out, &m) == STACKWEBHOOK_ERR_INVALID_ARGUMENT, "NULL headers");
  CHECK(stackwebhook_verify_request(h, NULL, 0, body, len, now, 0, out, sizeof out, &m) == STACKWEBHOOK_ERR_MISSING_HEADERS, "no headers");
  CHECK(stackwebhook_verify_request(h, replay, 3, body, len, now, 0, out, sizeof out, NULL) == STACKWEBHOOK_ERR_INVALID_ARGUMENT, "NULL message");
  CHECK(stackwebhook_verify_request(h, replay, 3, body, len, now, 4, out, sizeof out, &m) == STACKWEBHOOK_ERR_INVALID_ARGUMENT, "unknown flag");
  CHECK(stackwebhook_verify_request(987654321, replay, 3, body, len, now, 0, out, sizeof out, &m) == STACKWEBHOOK_ERR_INVALID_ARGUMENT, "bad handle");
  CHECK(stackwebhook_free(h) == STACKWEBHOOK_OK, "free");

  /* A NUL in the key: refused whole, where a C string would read the key before it. */
  static const char nul_secret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\0 trailing";
  CHECK(stackwebhook_new_key(nul_secret, sizeof nul_secret - 1, 0, 0, &h) == STACKWEBHOOK_ERR_INVALID_SECRET, "NUL in the secret");
  CHECK(stackwebhook_new_key(NULL, 3, 0, 0, &h) == STACKWEBHOOK_ERR_INVALID_ARGUMENT, "NULL key of length 3");
  CHECK(stackwebhook_new_key("whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4=", 49, 1, 0, &h) == STACKWEBHOOK_OK, "public key");
  CHECK(stackwebhook_free(h) == STACKWEBHOOK_OK, "free");
}

/* Several C threads verifying with one handle, and making handles, at once. */
static stackwebhook_handle shared;
static int thread_failures;

static void *worker(void *arg) {
  (void)arg;
  const unsigned char *body = (const unsigned char *)pub_body;
  for (int i = 0; i < 2000; i++) {
    if (stackwebhook_handle_verify(shared, pub_id, pub_ts, pub_sig, body, strlen(pub_body), 1614265330) != 0 ||
        stackwebhook_handle_verify(shared, pub_id, pub_ts, pub_sig, body, 3, 1614265330) != STACKWEBHOOK_ERR_NO_MATCHING_SIGNATURE) {
      __atomic_add_fetch(&thread_failures, 1, __ATOMIC_SEQ_CST);
    }
    if (i % 100 == 0) {
      stackwebhook_handle h;
      if (stackwebhook_new(pub_secret, 0, &h) != 0 || stackwebhook_free(h) != 0) {
        __atomic_add_fetch(&thread_failures, 1, __ATOMIC_SEQ_CST);
      }
    }
  }
  return NULL;
}

static void check_threads(void) {
  pthread_t threads[8];
  CHECK(stackwebhook_new(pub_secret, 0, &shared) == 0, "shared handle");
  for (int i = 0; i < 8; i++) pthread_create(&threads[i], NULL, worker, NULL);
  for (int i = 0; i < 8; i++) pthread_join(threads[i], NULL);
  CHECK(thread_failures == 0, "%d failures across threads", thread_failures);
  stackwebhook_free(shared);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s cases.tsv\n", argv[0]);
    return 2;
  }
  FILE *f = fopen(argv[1], "r");
  if (!f) {
    perror(argv[1]);
    return 2;
  }
  size_t cap = 1 << 20;
  char *line = malloc(cap);
  int cases = 0;
  while (getline(&line, &cap, f) > 0) {
    char *field[10];
    char *p = line;
    for (int i = 0; i < 10; i++) field[i] = strsep(&p, "\t\n");
    if (!field[9]) continue;
    size_t body_len = 0;
    for (int i = 1; i <= 5; i++) {
      size_t n = unhex(field[i]);
      if (i == 5) body_len = n;
    }
    unhex(field[7]);
    check_case(atoi(field[0]), field[1], field[2], field[3], field[4], field[5], body_len,
               atoll(field[6]), field[7], atoi(field[8]));
    check_request(atoi(field[0]), field[1], field[2], field[9], (const unsigned char *)field[5], body_len,
                  atoll(field[6]), field[7]);
    cases++;
  }
  free(line);
  fclose(f);
  check_arguments();
  check_request_arguments();
  check_threads();
  printf("%d cases; %d passed, %d failed\n", cases, passed, failed);
  return failed == 0 && cases > 0 ? 0 : 1;
}
