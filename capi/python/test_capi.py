"""Checks libstackwebhook.so from Python through ctypes (standard library only).

capi_test.go runs it with STACKWEBHOOK_LIB (the shared library) and
STACKWEBHOOK_CASES (the cases made from conformance/vectors.json; format in
ctest/capi_test.c). Run by hand:

    STACKWEBHOOK_LIB=./libstackwebhook.so STACKWEBHOOK_CASES=cases.tsv python3 capi/python/test_capi.py
"""
import ctypes
import os
import subprocess
import sys
import textwrap
import threading
import unittest

lib = ctypes.CDLL(os.environ["STACKWEBHOOK_LIB"])
handle_t = ctypes.c_uint64
lib.stackwebhook_verify.argtypes = [ctypes.c_char_p] * 4 + [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_longlong]
lib.stackwebhook_status_string.restype = ctypes.c_char_p
lib.stackwebhook_status_string.argtypes = [ctypes.c_int]
lib.stackwebhook_new.argtypes = [ctypes.c_char_p, ctypes.c_longlong, ctypes.POINTER(handle_t)]
lib.stackwebhook_new_public_key.argtypes = [ctypes.c_char_p, ctypes.c_longlong, ctypes.POINTER(handle_t)]
lib.stackwebhook_free.argtypes = [handle_t]
lib.stackwebhook_handle_verify.argtypes = [handle_t] + [ctypes.c_char_p] * 3 + [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_longlong]
lib.stackwebhook_sign.argtypes = [handle_t, ctypes.c_char_p, ctypes.c_longlong, ctypes.c_char_p, ctypes.c_size_t,
                                  ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t)]
lib.stackwebhook_verify_event.argtypes = [handle_t] + [ctypes.c_char_p] * 3 + [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_longlong,
                                          ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t)]

OK, INVALID_SECRET, MISSING_HEADERS, INVALID_HEADERS, TOO_OLD, TOO_NEW, NO_MATCH, INVALID_PAYLOAD, INVALID_ARGUMENT, BUFFER_TOO_SMALL = range(10)

PUB = dict(secret=b"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", id=b"msg_p5jXN8AQM9LWM0D4loKWxJek", ts=b"1614265330",
           body=b'{"test": 2432232314}', sig=b"v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", now=1614265330)


def new(secret, tolerance=0):
    h = handle_t()
    status = lib.stackwebhook_new(secret, tolerance, ctypes.byref(h))
    return status, h.value


def load_cases():
    cases = []
    with open(os.environ["STACKWEBHOOK_CASES"]) as f:
        for line in f:
            s, secret, id_, ts, sig, body, now, event_type, sign, _headers = line.rstrip("\n").split("\t")
            cases.append(dict(status=int(s), secret=bytes.fromhex(secret), id=bytes.fromhex(id_), ts=bytes.fromhex(ts),
                              sig=bytes.fromhex(sig), body=bytes.fromhex(body), now=int(now),
                              event_type=bytes.fromhex(event_type), sign=sign == "1"))
    return cases


class Vectors(unittest.TestCase):
    def test_official_vectors(self):
        cases = load_cases()
        self.assertGreater(len(cases), 1000)
        for c in cases:
            got = lib.stackwebhook_verify(c["secret"], c["id"], c["ts"], c["sig"], c["body"], len(c["body"]), c["now"])
            self.assertEqual(got, c["status"], c)
            if c["status"] == INVALID_SECRET:
                continue
            status, h = new(c["secret"])
            self.assertEqual(status, OK)
            try:
                got = lib.stackwebhook_handle_verify(h, c["id"], c["ts"], c["sig"], c["body"], len(c["body"]), c["now"])
                self.assertEqual(got, c["status"])
                if c["sign"]:
                    out = ctypes.create_string_buffer(48)
                    needed = ctypes.c_size_t()
                    self.assertEqual(lib.stackwebhook_sign(h, c["id"], int(c["ts"]), c["body"], len(c["body"]), out, 48,
                                                           ctypes.byref(needed)), OK)
                    self.assertEqual(out.value, c["sig"])
                if c["event_type"]:
                    out = ctypes.create_string_buffer(64)
                    needed = ctypes.c_size_t()
                    self.assertEqual(lib.stackwebhook_verify_event(h, c["id"], c["ts"], c["sig"], c["body"], len(c["body"]),
                                                                   c["now"], out, 64, ctypes.byref(needed)), OK)
                    self.assertEqual(out.value, c["event_type"])
                    self.assertEqual(needed.value, len(c["event_type"]) + 1)
            finally:
                self.assertEqual(lib.stackwebhook_free(h), OK)


class Arguments(unittest.TestCase):
    def test_null_and_empty(self):
        p = PUB
        self.assertEqual(lib.stackwebhook_verify(p["secret"], p["id"], p["ts"], p["sig"], p["body"], len(p["body"]), p["now"]), OK)
        self.assertEqual(lib.stackwebhook_verify(None, p["id"], p["ts"], p["sig"], p["body"], len(p["body"]), p["now"]), INVALID_SECRET)
        self.assertEqual(lib.stackwebhook_verify(p["secret"], None, p["ts"], p["sig"], p["body"], len(p["body"]), p["now"]), MISSING_HEADERS)
        self.assertEqual(lib.stackwebhook_verify(p["secret"], p["id"], b"", p["sig"], p["body"], len(p["body"]), p["now"]), MISSING_HEADERS)
        self.assertEqual(lib.stackwebhook_verify(p["secret"], p["id"], p["ts"], p["sig"], None, 7, p["now"]), INVALID_ARGUMENT)
        self.assertEqual(lib.stackwebhook_verify(p["secret"], p["id"], b"\xff", p["sig"], p["body"], len(p["body"]), p["now"]), INVALID_HEADERS)

    def test_status_strings(self):
        for s in range(10):
            self.assertNotIn(lib.stackwebhook_status_string(s), (None, b"", b"unknown status"))
        self.assertEqual(lib.stackwebhook_status_string(42), b"unknown status")

    def test_handles(self):
        self.assertEqual(new(b"whsec_")[0], INVALID_SECRET)
        self.assertEqual(new(PUB["secret"], -5)[0], INVALID_ARGUMENT)
        self.assertEqual(lib.stackwebhook_free(0), INVALID_ARGUMENT)
        status, h = new(PUB["secret"], 10)
        self.assertEqual(status, OK)
        p = PUB
        self.assertEqual(lib.stackwebhook_handle_verify(h, p["id"], p["ts"], p["sig"], p["body"], len(p["body"]), p["now"] + 11), TOO_OLD)
        needed = ctypes.c_size_t()
        small = ctypes.create_string_buffer(4)
        self.assertEqual(lib.stackwebhook_sign(h, p["id"], p["now"], p["body"], len(p["body"]), small, 4, ctypes.byref(needed)),
                         BUFFER_TOO_SMALL)
        self.assertEqual(needed.value, 48)
        self.assertEqual(lib.stackwebhook_free(h), OK)
        self.assertEqual(lib.stackwebhook_free(h), INVALID_ARGUMENT)

    def test_public_key(self):
        h = handle_t()
        self.assertEqual(lib.stackwebhook_new_public_key(b"whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4=", 0, ctypes.byref(h)), OK)
        sig = b"v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg=="
        p = PUB
        self.assertEqual(lib.stackwebhook_handle_verify(h, p["id"], p["ts"], sig, p["body"], len(p["body"]), p["now"]), OK)
        self.assertEqual(lib.stackwebhook_free(h), OK)

    def test_threads(self):
        status, h = new(PUB["secret"])
        p = PUB
        errors = []

        def work():
            for _ in range(500):
                if lib.stackwebhook_handle_verify(h, p["id"], p["ts"], p["sig"], p["body"], len(p["body"]), p["now"]) != OK:
                    errors.append(1)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        lib.stackwebhook_free(h)


# A pre-fork server done right: the parent forks before it loads the library,
# and each child loads it and verifies many messages. (A child forked after
# the parent called the library hangs: the Go runtime does not survive
# fork(). That is why this runs in a fresh interpreter, which has not loaded
# the library, and not in this test process, which has.)
FORK_AFTER = textwrap.dedent("""
    import ctypes, os, sys
    children = []
    for _ in range(2):
        pid = os.fork()
        if pid == 0:
            lib = ctypes.CDLL(os.environ["STACKWEBHOOK_LIB"])
            lib.stackwebhook_verify.argtypes = [ctypes.c_char_p] * 5 + [ctypes.c_size_t, ctypes.c_longlong]
            body = b'{"test": 2432232314}'
            ok = all(lib.stackwebhook_verify(b"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", b"msg_p5jXN8AQM9LWM0D4loKWxJek",
                                             b"1614265330", b"v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
                                             body, len(body), 1614265330) == 0 for _ in range(20000))
            os._exit(0 if ok else 1)
        children.append(pid)
    sys.exit(max(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children))
""")


class ForkTest(unittest.TestCase):
    def test_children_that_load_after_fork_work(self):
        result = subprocess.run([sys.executable, "-c", FORK_AFTER], timeout=120)
        self.assertEqual(result.returncode, 0)


if __name__ == "__main__":
    unittest.main()
