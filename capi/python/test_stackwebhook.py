"""Tests of the stackwebhook Python package (unittest, standard library only; Werkzeug, Django and Starlette where
installed).

Run against the source tree by capi_test.go (STACKWEBHOOK_LIB names the shared library) and, by the test command,
against the package installed from a wheel in a fresh virtual environment without Go (STACKWEBHOOK_INSTALLED=1:
the package must come from site-packages, with its own library). STACKWEBHOOK_CASES is the official vectors as a
table (format in ../ctest/capi_test.c). STACKWEBHOOK_FRAMEWORKS=1 makes the framework tests required.
"""
import datetime
import os
import subprocess
import sys
import textwrap
import unittest

import stackwebhook

PUB = dict(secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", id="msg_p5jXN8AQM9LWM0D4loKWxJek", ts="1614265330",
           body='{"test": 2432232314}', sig="v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", now=1614265330)
ERRORS = {0: None, 1: stackwebhook.InvalidSecret, 2: stackwebhook.MissingHeaders, 3: stackwebhook.InvalidHeaders,
          4: stackwebhook.TimestampTooOld, 5: stackwebhook.TimestampTooNew, 6: stackwebhook.NoMatchingSignature,
          7: stackwebhook.InvalidPayload}


def load_cases():
    cases = []
    with open(os.environ["STACKWEBHOOK_CASES"]) as f:
        for line in f:
            s, secret, id_, ts, sig, body, now, event_type, _, headers = line.rstrip("\n").split("\t")
            pairs = [tuple(bytes.fromhex(x) for x in pair.split(":")) for pair in headers.split(",") if pair]
            cases.append(dict(status=int(s), secret=bytes.fromhex(secret), id=bytes.fromhex(id_).decode("utf-8"),
                              ts=bytes.fromhex(ts), sig=bytes.fromhex(sig), body=bytes.fromhex(body), now=int(now),
                              event_type=bytes.fromhex(event_type).decode(), headers=pairs))
    return cases


def containers(pairs, i):
    """The case's headers in one of the shapes frameworks hand over."""
    shape = i % 4
    if shape == 0:
        return {name.decode("utf-8"): value.decode("utf-8") for name, value in pairs}   # a plain dict of str
    if shape == 1:
        return list(pairs)                                                              # ASGI: byte pairs
    if shape == 2:   # WSGI environ / Django request.META: HTTP_ names, other entries beside them
        meta = {"wsgi.input": object(), "REQUEST_METHOD": "POST", "CONTENT_LENGTH": "12"}
        for name, value in pairs:
            meta["HTTP_" + name.decode("utf-8").upper().replace("-", "_")] = value.decode("latin-1")
        return meta
    return {name: [value] for name, value in pairs}                                     # lists of values


class VectorsTest(unittest.TestCase):
    def test_official_vectors(self):
        cases = load_cases()
        self.assertGreater(len(cases), 1000)
        for i, c in enumerate(cases):
            want = ERRORS[c["status"]]
            if want is stackwebhook.InvalidSecret:
                with self.assertRaises(stackwebhook.InvalidSecret):
                    stackwebhook.Webhook(c["secret"])
                continue
            headers = containers(c["headers"], i)
            if i % 4 == 2 and any(not v.isascii() for _, v in c["headers"]):
                headers = containers(c["headers"], 0)   # latin-1 text would not be the bytes sent
            with stackwebhook.Webhook(c["secret"]) as wh:
                if want is None:
                    m = wh.verify(c["body"], headers, now=c["now"])
                    self.assertEqual(m.id, c["id"])
                    self.assertEqual(m.timestamp, int(c["ts"]))
                    if c["event_type"]:
                        e = wh.verify_event(c["body"], headers, now=c["now"])
                        self.assertEqual((e.id, e.type), (c["id"], c["event_type"]))
                        self.assertIsInstance(e.data, dict)
                else:
                    with self.assertRaises(want, msg=c["id"]) as ctx:
                        wh.verify(c["body"], headers, now=c["now"])
                    self.assertTrue(str(ctx.exception).startswith("stackwebhook: "), str(ctx.exception))


class WebhookTest(unittest.TestCase):
    def setUp(self):
        self.wh = stackwebhook.Webhook(PUB["secret"])
        self.headers = {"svix-id": PUB["id"], "svix-timestamp": PUB["ts"], "svix-signature": PUB["sig"]}

    def tearDown(self):
        self.wh.close()

    def signed(self, body, msg_id="msg_1", ts=1700000000):
        return {"svix-id": msg_id, "svix-timestamp": str(ts), "svix-signature": self.wh.sign(msg_id, ts, body)}

    def test_the_verified_message(self):
        m = self.wh.verify(PUB["body"], self.headers, now=PUB["now"])
        self.assertEqual(m, stackwebhook.Message(PUB["id"], int(PUB["ts"])))
        self.wh.verify(PUB["body"].encode(), {k.encode(): v.encode() for k, v in self.headers.items()}, now=PUB["now"])
        self.wh.verify(bytearray(PUB["body"].encode()), list(self.headers.items()), now=PUB["now"])
        with self.assertRaises(TypeError):
            self.wh.verify(12, self.headers, now=PUB["now"])

    def test_renamed_replay_yields_the_verified_id(self):
        """A captured delivery renamed to webhook-*, with a stray svix-id: the idempotency key is the webhook-id."""
        replay = {"Webhook-Id": PUB["id"], "WEBHOOK-TIMESTAMP": PUB["ts"], "webhook-signature": PUB["sig"],
                  "svix-id": "msg_evil"}
        self.assertEqual(self.wh.verify(PUB["body"], replay, now=PUB["now"]).id, PUB["id"])
        meta = {"HTTP_WEBHOOK_ID": PUB["id"], "HTTP_WEBHOOK_TIMESTAMP": PUB["ts"], "HTTP_WEBHOOK_SIGNATURE": PUB["sig"],
                "HTTP_SVIX_ID": "msg_evil"}
        self.assertEqual(self.wh.verify(PUB["body"], meta, now=PUB["now"]).id, PUB["id"])

    def test_nul_bytes_are_refused(self):
        """msg_A\\0x would verify as msg_A through a C string while the application stores msg_A\\0x."""
        for value in (PUB["id"] + "\0x", PUB["id"].encode() + b"\0x"):
            with self.assertRaises(stackwebhook.InvalidHeaders) as ctx:
                self.wh.verify(PUB["body"], dict(self.headers, **{"svix-id": value}), now=PUB["now"])
            self.assertIn("NUL", str(ctx.exception))
        with self.assertRaises(stackwebhook.InvalidHeaders):
            self.wh.verify(PUB["body"], dict(self.headers, **{"x\0svix-id": "msg_evil"}), now=PUB["now"])
        with self.assertRaises(stackwebhook.InvalidSecret):
            stackwebhook.Webhook(PUB["secret"] + "\0 trailing text")
        with self.assertRaises(stackwebhook.InvalidHeaders):
            self.wh.sign("msg_A\0x", 1700000000, "{}")

    def test_id_twice_is_refused(self):
        twice = list(self.headers.items()) + [("SVIX-ID", "msg_other")]
        with self.assertRaises(stackwebhook.InvalidHeaders):
            self.wh.verify(PUB["body"], twice, now=PUB["now"])

    def test_split_signature(self):
        split = dict(self.headers, **{"svix-signature": PUB["sig"].split(",")})
        self.assertEqual(self.wh.verify(PUB["body"], split, now=PUB["now"]).id, PUB["id"])

    def test_errors_are_typed_and_say_what_failed(self):
        with self.assertRaises(stackwebhook.TimestampTooOld) as ctx:
            self.wh.verify(PUB["body"], self.headers)  # the system clock: years later
        self.assertIsInstance(ctx.exception, stackwebhook.StackWebhookError)
        self.assertEqual(ctx.exception.status, 4)
        self.assertIn("too old", str(ctx.exception))
        with self.assertRaises(stackwebhook.NoMatchingSignature) as ctx:
            self.wh.verify(PUB["body"] + " ", self.headers, now=PUB["now"])
        self.assertIn("no matching signature", str(ctx.exception))
        with self.assertRaises(stackwebhook.MissingHeaders):
            self.wh.verify(PUB["body"], {}, now=PUB["now"])
        with self.assertRaises(stackwebhook.InvalidHeaders) as ctx:
            self.wh.verify(PUB["body"], dict(self.headers, **{"svix-timestamp": "12abc"}), now=PUB["now"])
        self.assertIn("timestamp", str(ctx.exception))
        with self.assertRaises(stackwebhook.InvalidSecret) as ctx:
            stackwebhook.Webhook("whsec_")
        self.assertIn("whsec_", str(ctx.exception))
        with self.assertRaises(stackwebhook.InvalidArgument):
            stackwebhook.Webhook(PUB["secret"], tolerance_seconds=-1)
        with self.assertRaises(TypeError):
            self.wh.verify(PUB["body"], 42, now=PUB["now"])

    def test_verify_event(self):
        body = '{"type":"team.deleted","data":{"id":"team_1"}}'
        e = self.wh.verify_event(body, self.signed(body), now=1700000000)
        self.assertEqual(e, stackwebhook.Event("msg_1", 1700000000, "team.deleted", {"id": "team_1"}))
        bad = '{"type":"team.deleted","data":{"id":1}}'
        with self.assertRaises(stackwebhook.InvalidPayload):
            self.wh.verify_event(bad, self.signed(bad), now=1700000000)

    def test_verify_event_never_fails_outside_the_hierarchy(self):
        """Bodies the Go library accepts: each decodes, or is InvalidPayload; never RecursionError or
        UnicodeDecodeError (a 5xx that Svix would retry for a day)."""
        deep = '{"type":"custom.event","data":{"a":' + "[" * 9990 + "]" * 9990 + "}}"
        for body, check in [
            (deep, None),
            (b'{"type":"custom.event","data":{"a":"\xff\xfe"}}', lambda d: self.assertEqual(d["a"], "\ufffd\ufffd")),
            ('{"type":"custom.event","data":{"a":"\\ud800"}}', lambda d: self.assertEqual(len(d["a"]), 1)),
        ]:
            try:
                e = self.wh.verify_event(body, self.signed(body), now=1700000000)
            except stackwebhook.InvalidPayload:
                self.assertIs(body, deep, "only the deep body may be refused")
                continue
            check(e.data)

    def test_sign_takes_a_datetime(self):
        at = datetime.datetime(2023, 11, 14, 22, 13, 20, tzinfo=datetime.timezone.utc)
        self.assertEqual(self.wh.sign("msg_1", at, "{}"), self.wh.sign("msg_1", 1700000000, "{}"))
        with self.assertRaises(TypeError):
            self.wh.sign("msg_1", "1700000000", "{}")

    def test_public_key(self):
        with stackwebhook.Webhook("whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4=", public_key=True) as pub:
            sig = "v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg=="
            self.assertEqual(pub.verify(PUB["body"], dict(self.headers, **{"svix-signature": sig}), now=PUB["now"]).id,
                             PUB["id"])
        with self.assertRaises(stackwebhook.InvalidSecret):
            stackwebhook.Webhook("whpk_AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", public_key=True)

    def test_closed(self):
        wh = stackwebhook.Webhook(PUB["secret"])
        wh.close()
        with self.assertRaises(stackwebhook.InvalidArgument):
            wh.verify(PUB["body"], self.headers, now=PUB["now"])

    def test_deployment_errors_are_not_verification_errors(self):
        for cls in (stackwebhook.ForkedProcessError, stackwebhook.LibraryNotFound):
            self.assertFalse(issubclass(cls, stackwebhook.StackWebhookError), cls)


class FrameworkHeadersTest(unittest.TestCase):
    """The header objects of Werkzeug/Flask, Django and Starlette/FastAPI, as they are."""

    def setUp(self):
        self.wh = stackwebhook.Webhook(PUB["secret"])
        self.environ = {"HTTP_WEBHOOK_ID": PUB["id"], "HTTP_WEBHOOK_TIMESTAMP": PUB["ts"],
                        "HTTP_WEBHOOK_SIGNATURE": PUB["sig"], "HTTP_SVIX_ID": "msg_evil", "REQUEST_METHOD": "POST",
                        "CONTENT_TYPE": "application/json", "wsgi.input": object()}

    def check(self, headers):
        self.assertEqual(self.wh.verify(PUB["body"], headers, now=PUB["now"]).id, PUB["id"])

    def need(self, module):
        try:
            return __import__(module, fromlist=["x"])
        except ImportError:
            if os.environ.get("STACKWEBHOOK_FRAMEWORKS") == "1":
                raise
            self.skipTest(module + " is not installed")

    def test_werkzeug(self):
        ds = self.need("werkzeug.datastructures")
        self.check(ds.EnvironHeaders(self.environ))
        self.check(ds.Headers([("Webhook-Id", PUB["id"]), ("Webhook-Timestamp", PUB["ts"]),
                               ("Webhook-Signature", PUB["sig"]), ("Svix-Id", "msg_evil")]))

    def test_django(self):
        request = self.need("django.http.request")
        self.check(request.HttpHeaders(self.environ))
        self.check(self.environ)   # request.META

    def test_starlette(self):
        ds = self.need("starlette.datastructures")
        self.check(ds.Headers(raw=[(b"webhook-id", PUB["id"].encode()), (b"webhook-timestamp", PUB["ts"].encode()),
                                   (b"webhook-signature", PUB["sig"].encode()), (b"svix-id", b"msg_evil")]))


def run_python(code, **env):
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.environ.get("PYTHONPATH", "") if os.environ.get("STACKWEBHOOK_INSTALLED") else here
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=dict(os.environ, PYTHONPATH=path, **env),
                          timeout=120, capture_output=True, text=True)


class DeploymentTest(unittest.TestCase):
    """In fresh interpreters: this test process has loaded the library already."""

    def test_installed_copy(self):
        if os.environ.get("STACKWEBHOOK_INSTALLED") != "1":
            self.skipTest("the source tree")
        self.assertIn("site-packages", stackwebhook.__file__)
        self.assertTrue(os.path.exists(os.path.join(os.path.dirname(stackwebhook.__file__), "libstackwebhook.so")))
        self.assertTrue(os.path.exists(os.path.join(os.path.dirname(stackwebhook.__file__), "py.typed")))
        self.assertNotIn("STACKWEBHOOK_LIB", os.environ)

    def test_missing_library_says_what_to_do(self):
        result = run_python("""
            import stackwebhook
            try:
                stackwebhook.Webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
            except stackwebhook.LibraryNotFound as e:
                print(e)
        """, STACKWEBHOOK_LIB="/nonexistent/libstackwebhook.so")
        self.assertIn("STACKWEBHOOK_LIB", result.stdout, result.stderr)
        self.assertIn("go build -buildmode=c-shared", result.stdout)

    def test_forked_after_load_raises_instead_of_hanging(self):
        result = run_python("""
            import os, sys, stackwebhook
            wh = stackwebhook.Webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")   # loads the library
            pid = os.fork()
            if pid == 0:
                try:
                    wh.verify("{}", {})
                except stackwebhook.StackWebhookError:
                    os._exit(5)   # a deployment error must not look like a bad request
                except stackwebhook.ForkedProcessError as e:
                    os._exit(0 if "--preload" in str(e) else 3)
                os._exit(4)
            sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
        """)
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_webhook_made_in_the_worker_works(self):
        result = run_python("""
            import os, sys, stackwebhook
            children = []
            for _ in range(2):
                pid = os.fork()
                if pid == 0:   # a worker: the library is loaded here, after the fork
                    wh = stackwebhook.Webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
                    h = {"svix-id": "msg_p5jXN8AQM9LWM0D4loKWxJek", "svix-timestamp": "1614265330",
                         "svix-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="}
                    for _ in range(20000):
                        wh.verify('{"test": 2432232314}', h, now=1614265330)
                    os._exit(0)
                children.append(pid)
            sys.exit(max(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children))
        """)
        self.assertEqual(result.returncode, 0, result.stderr)


if __name__ == "__main__":
    unittest.main()
