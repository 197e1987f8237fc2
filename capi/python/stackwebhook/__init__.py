"""Verify Stack Auth webhooks (Svix signatures) from Python, through stackwebhook's C library.

    import stackwebhook
    wh = stackwebhook.Webhook(os.environ["STACK_WEBHOOK_SECRET"])   # in each worker, after any fork
    event = wh.verify_event(request_body, request_headers)         # a dict; raises on any failure

Standard library only (ctypes). The shared library, libstackwebhook.so, is found through the
STACKWEBHOOK_LIB environment variable, or next to this package; build it with
``go build -buildmode=c-shared -o libstackwebhook.so ./capi``. It is loaded on first use.

fork(): the Go runtime inside the library does not survive a fork. A process that has loaded it
and then forks has children in which any call would hang; this module detects that (it compares
os.getpid() with the process that loaded the library) and raises ForkedProcessError instead.
Create the Webhook in each worker, after the fork (gunicorn without --preload, uWSGI with
lazy-apps, or in a post-fork hook).
"""

import ctypes
import json
import os
import threading

__all__ = [
    "Webhook", "StackWebhookError", "InvalidSecret", "MissingHeaders", "InvalidHeaders",
    "TimestampTooOld", "TimestampTooNew", "NoMatchingSignature", "InvalidPayload", "InvalidArgument",
    "ForkedProcessError",
]


class StackWebhookError(Exception):
    """Every error of this module; .status is the C library's status code (0 for errors raised here)."""

    status = 0


class InvalidSecret(StackWebhookError):
    """The secret or public key is empty or malformed (Go: ErrInvalidSecret)."""
    status = 1


class MissingHeaders(StackWebhookError):
    """Neither the svix-* nor the webhook-* header set is complete (Go: ErrMissingHeaders)."""
    status = 2


class InvalidHeaders(StackWebhookError):
    """The timestamp is not an integer, or a header is given twice in different cases (Go: ErrInvalidHeaders)."""
    status = 3


class TimestampTooOld(StackWebhookError):
    """Signed longer ago than the tolerance: a replay, or clock skew (Go: ErrTimestampTooOld)."""
    status = 4


class TimestampTooNew(StackWebhookError):
    """Signed further in the future than the tolerance: clock skew (Go: ErrTimestampTooNew)."""
    status = 5


class NoMatchingSignature(StackWebhookError):
    """Wrong secret, or the id, timestamp or body changed (Go: ErrNoMatchingSignature)."""
    status = 6


class InvalidPayload(StackWebhookError):
    """Signed, but not a Stack webhook payload (Go: ErrInvalidPayload)."""
    status = 7


class InvalidArgument(StackWebhookError):
    """An argument the C library refused (a bad tolerance, a closed Webhook)."""
    status = 8


class ForkedProcessError(StackWebhookError):
    """The library was loaded in a process that has since forked: using it here would hang."""


_ERRORS = {cls.status: cls for cls in (InvalidSecret, MissingHeaders, InvalidHeaders, TimestampTooOld,
                                       TimestampTooNew, NoMatchingSignature, InvalidPayload, InvalidArgument)}
_OK, _BUFFER_TOO_SMALL = 0, 9
_HEADER_NAMES = ("svix-id", "svix-timestamp", "svix-signature", "webhook-id", "webhook-timestamp", "webhook-signature")

_lock = threading.Lock()
_lib = None
_lib_pid = None


def _library_path():
    return os.environ.get("STACKWEBHOOK_LIB") or os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                               "libstackwebhook.so")


def _load():
    """The C library, loaded once per process; ForkedProcessError in a child of the process that loaded it."""
    global _lib, _lib_pid
    with _lock:
        if _lib is not None:
            if _lib_pid != os.getpid():
                raise ForkedProcessError(
                    "stackwebhook's library was loaded in process %d, which then forked: the Go runtime does not "
                    "survive fork(), so any call here would hang. Create the Webhook in each worker, after the fork "
                    "(no gunicorn --preload; uWSGI lazy-apps)." % _lib_pid)
            return _lib
        lib = ctypes.CDLL(_library_path())
        h, p, s, n = ctypes.c_uint64, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_longlong
        lib.stackwebhook_status_string.argtypes, lib.stackwebhook_status_string.restype = [ctypes.c_int], p
        lib.stackwebhook_new.argtypes = [p, n, ctypes.POINTER(h)]
        lib.stackwebhook_new_public_key.argtypes = [p, n, ctypes.POINTER(h)]
        lib.stackwebhook_free.argtypes = [h]
        lib.stackwebhook_handle_verify.argtypes = [h, p, p, p, p, s, n]
        lib.stackwebhook_sign.argtypes = [h, p, n, p, s, p, s, ctypes.POINTER(s)]
        lib.stackwebhook_verify_event.argtypes = [h, p, p, p, p, s, n, p, s, ctypes.POINTER(s)]
        for f in ("new", "new_public_key", "free", "handle_verify", "sign", "verify_event"):
            getattr(lib, "stackwebhook_" + f).restype = ctypes.c_int
        _lib, _lib_pid = lib, os.getpid()
        return lib


def _bytes(value, what):
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise TypeError("%s must be str or bytes, not %s" % (what, type(value).__name__))


def _check(lib, status):
    if status != _OK:
        raise _ERRORS.get(status, StackWebhookError)(lib.stackwebhook_status_string(status).decode())


def _header_values(headers):
    """The id, timestamp and signature Verify checks, by the Go library's rule: the svix-* set if all three are
    non-empty, else the webhook-* set if all three are, else nothing. Names match in any case; a name given twice
    in different cases is refused, as Go refuses such a HeaderMap."""
    found = {}
    for name, value in headers.items():
        key = _bytes(name, "a header name").decode("utf-8", "replace").lower()
        if key in _HEADER_NAMES:
            if key in found:
                raise InvalidHeaders("the header %s is given twice, in different letter cases" % key)
            found[key] = _bytes(value, "header %s" % key)
    for prefix in ("svix-", "webhook-"):
        values = [found.get(prefix + n, b"") for n in ("id", "timestamp", "signature")]
        if all(values):
            return values
    return [b"", b"", b""]


class Webhook:
    """Verifies the messages of one Svix endpoint. Create it once per process (after any fork) and reuse it;
    it is safe to use from several threads."""

    def __init__(self, secret, tolerance_seconds=0, public_key=False):
        """secret: "whsec_..." (str or bytes); or, with public_key=True, a "whpk_..." ed25519 public key.
        tolerance_seconds: how far a timestamp may be from the clock; 0 is the default, 300."""
        lib = _load()
        handle = ctypes.c_uint64()
        new = lib.stackwebhook_new_public_key if public_key else lib.stackwebhook_new
        _check(lib, new(_bytes(secret, "the secret"), int(tolerance_seconds), ctypes.byref(handle)))
        self._handle, self._pid = handle.value, os.getpid()

    def _lib(self):
        if self._handle is None:
            raise InvalidArgument("the Webhook is closed")
        return _load()

    def verify(self, body, headers, now=0):
        """Raises a StackWebhookError subclass unless body (the raw bytes, or str) is signed by this endpoint's
        key under headers (any mapping, names in any case). now: Unix seconds; 0 is the system clock."""
        lib = self._lib()
        body = _bytes(body, "the body")
        _check(lib, lib.stackwebhook_handle_verify(self._handle, *_header_values(headers), body, len(body), int(now)))

    def verify_event(self, body, headers, now=0):
        """verify, then the payload decoded with json: a dict with "type" and "data". Raises InvalidPayload for a
        signed body that is not a Stack webhook payload."""
        lib = self._lib()
        body = _bytes(body, "the body")
        values = _header_values(headers)
        needed = ctypes.c_size_t(0)
        out = ctypes.create_string_buffer(64)
        status = lib.stackwebhook_verify_event(self._handle, *values, body, len(body), int(now), out, len(out),
                                               ctypes.byref(needed))
        if status == _BUFFER_TOO_SMALL:  # verified; a longer type than usual
            out = ctypes.create_string_buffer(needed.value)
            status = lib.stackwebhook_verify_event(self._handle, *values, body, len(body), int(now), out, len(out),
                                                   ctypes.byref(needed))
        _check(lib, status)
        return json.loads(body)

    def sign(self, msg_id, timestamp, body):
        """The "v1,<base64>" signature of body, as a Svix sender puts it in svix-signature (for tests)."""
        lib = self._lib()
        body = _bytes(body, "the body")
        out = ctypes.create_string_buffer(48)
        _check(lib, lib.stackwebhook_sign(self._handle, _bytes(msg_id, "the id"), int(timestamp), body, len(body), out,
                                          len(out), None))
        return out.value.decode()

    def close(self):
        """Releases the handle (also done when the Webhook is garbage-collected)."""
        if self._handle is not None and _lib is not None and _lib_pid == os.getpid():
            _lib.stackwebhook_free(self._handle)
        self._handle = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass
