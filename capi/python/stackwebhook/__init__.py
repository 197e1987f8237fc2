"""Verify Stack Auth webhooks (Svix signatures) from Python, through stackwebhook's C library.

    import stackwebhook
    wh = stackwebhook.Webhook(os.environ["STACK_WEBHOOK_SECRET"])   # in each worker, after any fork
    event = wh.verify_event(request.get_data(), request.headers)   # raises a StackWebhookError on any failure
    if already_applied(event.id):                                  # event.id: the verified message id
        return "", 204
    apply(event.type, event.data)

Deduplicate on ``event.id`` (or ``wh.verify(...).id``), never on a ``svix-id`` header read by hand: when the
``svix-*`` header set is incomplete, the ``webhook-*`` set's id is the one verified, and a replayer can add a stray
``svix-id`` of their choosing beside a captured delivery renamed to ``webhook-*``. The C library chooses the header
set by the same rule as the Go library, from every header of the request as it arrived.

Headers may be any mapping or list of pairs: Flask/Werkzeug's ``request.headers``, Django's ``request.headers`` or
``request.META`` (``HTTP_SVIX_ID``), Starlette/FastAPI's ``request.headers`` (or the ASGI scope's byte pairs), or a
plain dict; names in any case. A NUL byte in a secret, header name or value is refused.

The shared library, ``libstackwebhook.so``, ships inside the installed package (``pip install`` builds it with Go);
``STACKWEBHOOK_LIB`` names another. It is loaded on first use.

fork(): the Go runtime inside the library does not survive a fork. A process that has loaded it and then forks has
children in which any call would hang; this module detects that (through os.register_at_fork: os.fork,
multiprocessing, gunicorn, and servers that tell Python they forked, as uWSGI does) and raises ForkedProcessError,
which is not a StackWebhookError: it is a deployment mistake, not a bad request. Create the Webhook in each worker, after the fork
(gunicorn without ``--preload``, uWSGI with ``lazy-apps``, or in a post-fork hook).
"""

from __future__ import annotations

import ctypes
import datetime
import json
import os
import threading
from dataclasses import dataclass
from typing import Any, Dict, Iterable, Mapping, Optional, Tuple, Union

__all__ = [
    "Webhook", "Message", "Event", "StackWebhookError", "InvalidSecret", "MissingHeaders", "InvalidHeaders",
    "TimestampTooOld", "TimestampTooNew", "NoMatchingSignature", "InvalidPayload", "InvalidArgument",
    "ForkedProcessError", "LibraryNotFound",
]

BytesLike = Union[str, bytes, bytearray, memoryview]
HeaderValue = Union[BytesLike, Iterable[BytesLike]]
Headers = Union[Mapping[Any, Any], Iterable[Tuple[BytesLike, HeaderValue]]]


class StackWebhookError(Exception):
    """A message was refused: every verification and decoding failure. ``.status`` is the C library's status code.
    An ``except StackWebhookError`` answering 4xx catches exactly the bad requests, never a deployment error."""

    status = 0


class InvalidSecret(StackWebhookError):
    """The secret or public key is empty or malformed, or holds a NUL byte (Go: ErrInvalidSecret)."""
    status = 1


class MissingHeaders(StackWebhookError):
    """Neither the svix-* nor the webhook-* header set is complete (Go: ErrMissingHeaders)."""
    status = 2


class InvalidHeaders(StackWebhookError):
    """The timestamp is not an integer, a header holds a NUL byte, or an id or timestamp is given twice
    (Go: ErrInvalidHeaders)."""
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
    """Signed, but not a Stack webhook payload, or JSON that Python cannot represent (Go: ErrInvalidPayload)."""
    status = 7


class InvalidArgument(StackWebhookError):
    """An argument the C library refused (a negative tolerance, a closed Webhook)."""
    status = 8


class ForkedProcessError(RuntimeError):
    """The library was loaded in a process that has since forked: a call here would hang. A deployment error, not a
    StackWebhookError."""


class LibraryNotFound(RuntimeError):
    """libstackwebhook.so could not be loaded. A deployment error, not a StackWebhookError."""


_ERRORS = {cls.status: cls for cls in (InvalidSecret, MissingHeaders, InvalidHeaders, TimestampTooOld,
                                       TimestampTooNew, NoMatchingSignature, InvalidPayload, InvalidArgument)}
_OK, _BUFFER_TOO_SMALL, _DECODE_EVENT = 0, 9, 1


@dataclass(frozen=True)
class Message:
    """A verified message. ``id`` is the verified message id, the idempotency key: the same across Svix's retries
    of one message. ``timestamp`` is the signed time, Unix seconds."""

    id: str
    timestamp: int


@dataclass(frozen=True)
class Event(Message):
    """A verified Stack webhook: ``type`` ("user.created", ...; any type, known or not) and ``data``, the payload's
    data decoded with json (a dict)."""

    type: str
    data: Dict[str, Any]


class _Header(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("name_len", ctypes.c_size_t),
                ("value", ctypes.c_char_p), ("value_len", ctypes.c_size_t)]


class _Message(ctypes.Structure):
    _fields_ = [("timestamp", ctypes.c_longlong), ("id_len", ctypes.c_size_t), ("type_len", ctypes.c_size_t),
                ("needed", ctypes.c_size_t)]


_local = threading.local()


def _scratch():
    """This thread's answer buffer and message struct, reused across calls."""
    scratch = getattr(_local, "scratch", None)
    if scratch is None:
        scratch = _local.scratch = (_Message(), ctypes.create_string_buffer(256))
    return scratch


_lock = threading.Lock()
_lib = None
_lib_pid = None
_forked = False  # set in a child of a process that had loaded the library (os.register_at_fork)


def _after_fork_in_child() -> None:
    global _forked
    if _lib is not None:
        _forked = True


def _library_path() -> str:
    return os.environ.get("STACKWEBHOOK_LIB") or os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                               "libstackwebhook.so")


def _load():
    """The C library, loaded once per process; ForkedProcessError in a child of the process that loaded it."""
    global _lib, _lib_pid
    if _lib is not None and not _forked:  # the common case: no lock, no system call (getpid costs more than a verification)
        return _lib
    with _lock:
        if _lib is not None:
            if _forked or _lib_pid != os.getpid():
                raise ForkedProcessError(
                    "stackwebhook's library was loaded in process %d, which then forked: the Go runtime does not "
                    "survive fork(), so any call here would hang. Create the Webhook in each worker, after the fork: "
                    "run gunicorn without --preload (or create it in a post_fork hook), uWSGI with lazy-apps = true."
                    % _lib_pid)
            return _lib
        path = _library_path()
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            raise LibraryNotFound(
                "cannot load stackwebhook's C library from %s (%s). It ships inside the installed package: reinstall "
                "it with `pip install PATH/capi/python` (Go must be on PATH to build it), or build it with "
                "`go build -buildmode=c-shared -o libstackwebhook.so ./capi` and set STACKWEBHOOK_LIB to its path."
                % (path, e)) from None
        h, p, s, n = ctypes.c_uint64, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_longlong
        lib.stackwebhook_new_key.argtypes = [p, s, ctypes.c_int, n, ctypes.POINTER(h)]
        lib.stackwebhook_free.argtypes = [h]
        lib.stackwebhook_verify_request.argtypes = [h, ctypes.POINTER(_Header), s, p, s, n, ctypes.c_int, p, s,
                                                    ctypes.POINTER(_Message)]
        lib.stackwebhook_sign.argtypes = [h, p, n, p, s, p, s, ctypes.POINTER(s)]
        lib.stackwebhook_status_string.argtypes, lib.stackwebhook_status_string.restype = [ctypes.c_int], p
        for f in ("new_key", "free", "verify_request", "sign"):
            getattr(lib, "stackwebhook_" + f).restype = ctypes.c_int
        _lib, _lib_pid = lib, os.getpid()
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=_after_fork_in_child)
        return lib


def _bytes(value: Any, what: str) -> bytes:
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise TypeError("%s must be str or bytes, not %s" % (what, type(value).__name__))


def _header_pairs(headers: Headers):
    """Every (name, len, value, len) of the request as bytes, in order: a mapping's items or a list of pairs; a value that is
    a list or tuple (a repeated header) gives one pair per element. Entries whose name or value is not text (WSGI's
    and Django's request.META hold objects beside the HTTP_ names) are not headers, and are passed over."""
    items = headers.items() if hasattr(headers, "items") else headers
    if items is None:
        return []
    pairs = []
    for item in items:
        try:
            name, value = item
        except (TypeError, ValueError):
            raise TypeError("headers must be a mapping or a list of (name, value) pairs") from None
        if not isinstance(name, (str, bytes)):
            continue
        values = value if isinstance(value, (list, tuple)) else (value,)
        for v in values:
            if isinstance(v, (str, bytes, bytearray, memoryview)):
                n, v = _bytes(name, "a header name"), _bytes(v, "a header value")
                pairs.append((n, len(n), v, len(v)))
    return pairs


def _decode_data(body: bytes) -> Dict[str, Any]:
    """The payload's data, as Go reads it: invalid UTF-8 becomes U+FFFD. JSON nested deeper than Python's json
    module reads (its recursion limit) is InvalidPayload, never RecursionError."""
    try:
        payload = json.loads(body.decode("utf-8", "replace"))
    except RecursionError:
        raise InvalidPayload("the payload is nested deeper than Python's json module reads (RecursionError); it "
                             "verified") from None
    except ValueError as e:
        raise InvalidPayload("the payload is not JSON Python reads: %s" % e) from None
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, dict):
        raise InvalidPayload("the payload's data is not an object")
    return data


class Webhook:
    """Verifies the messages of one Svix endpoint. Create it once per process (after any fork) and reuse it; it is
    safe to use from several threads."""

    def __init__(self, secret: BytesLike, tolerance_seconds: int = 0, public_key: bool = False) -> None:
        """secret: "whsec_..." (str or bytes); or, with public_key=True, a "whpk_..." ed25519 public key.
        tolerance_seconds: how far a timestamp may be from the clock; 0 is the default, 300."""
        self._handle: Optional[int] = None
        lib = _load()
        key = _bytes(secret, "the secret")
        handle = ctypes.c_uint64()
        status = lib.stackwebhook_new_key(key, len(key), 1 if public_key else 0, int(tolerance_seconds),
                                          ctypes.byref(handle))
        if status != _OK:
            what = "public key" if public_key else "secret"
            text = lib.stackwebhook_status_string(status).decode()
            if status == InvalidSecret.status:
                text = "stackwebhook: invalid %s: empty, not %s followed by standard base64, or holding a NUL byte" % (
                    what, "whpk_" if public_key else "whsec_")
            raise _ERRORS.get(status, StackWebhookError)(text)
        self._handle = handle.value

    def _lib(self):
        if self._handle is None:
            raise InvalidArgument("the Webhook is closed")
        return _load()

    def _verify(self, body: BytesLike, headers: Headers, now: int, flags: int) -> Tuple[bytes, _Message, bytes]:
        lib = self._lib()
        body = _bytes(body, "the body")
        pairs = _header_pairs(headers)
        array = (_Header * max(len(pairs), 1))(*pairs)
        m, out = _scratch()
        status = lib.stackwebhook_verify_request(self._handle, array, len(pairs), body, len(body), int(now), flags,
                                                 out, len(out), ctypes.byref(m))
        if status == _BUFFER_TOO_SMALL:  # verified; a longer id than usual
            out = ctypes.create_string_buffer(m.needed)
            m = _Message()
            status = lib.stackwebhook_verify_request(self._handle, array, len(pairs), body, len(body), int(now),
                                                     flags, out, len(out), ctypes.byref(m))
        if status != _OK:
            raise _ERRORS.get(status, StackWebhookError)(out.value.decode("utf-8", "replace"))
        return out.raw[:m.needed], m, body

    def verify(self, body: BytesLike, headers: Headers, now: int = 0) -> Message:
        """The verified message, or a StackWebhookError subclass. body: the raw bytes as received (or str); headers:
        the request's headers (see the module doc). now: Unix seconds; 0 is the system clock."""
        raw, m, _ = self._verify(body, headers, now, 0)
        return Message(raw[:m.id_len].decode("utf-8", "replace"), m.timestamp)

    def verify_event(self, body: BytesLike, headers: Headers, now: int = 0) -> Event:
        """verify, then the payload decoded as a Stack webhook: an Event with id, timestamp, type and data.
        InvalidPayload for a signed body that is not a Stack webhook payload."""
        raw, m, body = self._verify(body, headers, now, _DECODE_EVENT)
        type_ = raw[m.id_len + 1:m.id_len + 1 + m.type_len].decode("utf-8", "replace")
        return Event(raw[:m.id_len].decode("utf-8", "replace"), m.timestamp, type_, _decode_data(body))

    def sign(self, msg_id: BytesLike, timestamp: Union[int, datetime.datetime], body: BytesLike) -> str:
        """The "v1,<base64>" signature of body, as a Svix sender puts it in svix-signature (for tests). timestamp:
        Unix seconds, or a datetime (a naive one is local time, as datetime.timestamp() reads it)."""
        lib = self._lib()
        if isinstance(timestamp, datetime.datetime):
            timestamp = int(timestamp.timestamp())
        elif isinstance(timestamp, bool) or not isinstance(timestamp, int):
            raise TypeError("timestamp must be int (Unix seconds) or datetime, not %s" % type(timestamp).__name__)
        body = _bytes(body, "the body")
        msg_id = _bytes(msg_id, "the id")
        if b"\0" in msg_id:
            raise InvalidHeaders("stackwebhook: the id holds a NUL byte")
        out = ctypes.create_string_buffer(48)
        status = lib.stackwebhook_sign(self._handle, msg_id, timestamp, body, len(body), out, len(out), None)
        if status != _OK:
            raise _ERRORS.get(status, StackWebhookError)(lib.stackwebhook_status_string(status).decode())
        return out.value.decode()

    def close(self) -> None:
        """Releases the handle (also done when the Webhook is garbage-collected)."""
        if self._handle is not None and _lib is not None and _lib_pid == os.getpid():
            _lib.stackwebhook_free(self._handle)
        self._handle = None

    def __enter__(self) -> "Webhook":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass
