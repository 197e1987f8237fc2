"""Tests of the stackwebhook Python package (unittest, standard library only).

capi_test.go runs it with STACKWEBHOOK_LIB (the shared library) and STACKWEBHOOK_CASES (the official vectors
as a table; format in ../ctest/capi_test.c).
"""
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
            s, secret, id_, ts, sig, body, now, event_type, _ = line.rstrip("\n").split("\t")
            cases.append(dict(status=int(s), secret=bytes.fromhex(secret), id=bytes.fromhex(id_),
                              ts=bytes.fromhex(ts), sig=bytes.fromhex(sig), body=bytes.fromhex(body), now=int(now),
                              event_type=bytes.fromhex(event_type).decode()))
    return cases


class VectorsTest(unittest.TestCase):
    def test_official_vectors(self):
        cases = load_cases()
        self.assertGreater(len(cases), 1000)
        names = [("svix-id", "svix-timestamp", "svix-signature"), ("Svix-Id", "SVIX-TIMESTAMP", "svix-Signature")]
        for i, c in enumerate(cases):
            want = ERRORS[c["status"]]
            if want is stackwebhook.InvalidSecret:
                with self.assertRaises(stackwebhook.InvalidSecret):
                    stackwebhook.Webhook(c["secret"])
                continue
            with stackwebhook.Webhook(c["secret"]) as wh:
                headers = dict(zip(names[i % 2], (c["id"], c["ts"], c["sig"])))
                if want is None:
                    wh.verify(c["body"], headers, now=c["now"])
                    if c["event_type"]:
                        self.assertEqual(wh.verify_event(c["body"], headers, now=c["now"])["type"], c["event_type"])
                else:
                    with self.assertRaises(want, msg=c["id"]):
                        wh.verify(c["body"], headers, now=c["now"])


class WebhookTest(unittest.TestCase):
    def setUp(self):
        self.wh = stackwebhook.Webhook(PUB["secret"])
        self.headers = {"svix-id": PUB["id"], "svix-timestamp": PUB["ts"], "svix-signature": PUB["sig"]}

    def tearDown(self):
        self.wh.close()

    def test_str_and_bytes(self):
        self.wh.verify(PUB["body"], self.headers, now=PUB["now"])
        self.wh.verify(PUB["body"].encode(), {k.encode(): v.encode() for k, v in self.headers.items()}, now=PUB["now"])
        self.wh.verify(bytearray(PUB["body"].encode()), self.headers, now=PUB["now"])
        with self.assertRaises(TypeError):
            self.wh.verify(12, self.headers, now=PUB["now"])

    def test_errors_are_typed(self):
        with self.assertRaises(stackwebhook.TimestampTooOld) as ctx:
            self.wh.verify(PUB["body"], self.headers)  # the system clock: years later
        self.assertIsInstance(ctx.exception, stackwebhook.StackWebhookError)
        self.assertEqual(ctx.exception.status, 4)
        with self.assertRaises(stackwebhook.NoMatchingSignature):
            self.wh.verify(PUB["body"] + " ", self.headers, now=PUB["now"])
        with self.assertRaises(stackwebhook.MissingHeaders):
            self.wh.verify(PUB["body"], {}, now=PUB["now"])
        with self.assertRaises(stackwebhook.InvalidSecret):
            stackwebhook.Webhook("whsec_")
        with self.assertRaises(stackwebhook.InvalidArgument):
            stackwebhook.Webhook(PUB["secret"], tolerance_seconds=-1)

    def test_header_sets_and_case(self):
        webhook_set = {"Webhook-Id": PUB["id"], "WEBHOOK-TIMESTAMP": PUB["ts"], "webhook-signature": PUB["sig"],
                       "svix-id": "msg_stray"}
        self.wh.verify(PUB["body"], webhook_set, now=PUB["now"])
        twice = dict(self.headers, **{"SVIX-ID": "msg_other"})
        with self.assertRaises(stackwebhook.InvalidHeaders):
            self.wh.verify(PUB["body"], twice, now=PUB["now"])

    def test_verify_event_and_sign(self):
        body = '{"type":"team.deleted","data":{"id":"team_1"}}'
        sig = self.wh.sign("msg_1", 1700000000, body)
        event = self.wh.verify_event(body, {"svix-id": "msg_1", "svix-timestamp": "1700000000", "svix-signature": sig},
                                     now=1700000000)
        self.assertEqual(event, {"type": "team.deleted", "data": {"id": "team_1"}})
        bad = '{"type":"team.deleted","data":{"id":1}}'
        sig = self.wh.sign("msg_2", 1700000000, bad)
        with self.assertRaises(stackwebhook.InvalidPayload):
            self.wh.verify_event(bad, {"svix-id": "msg_2", "svix-timestamp": "1700000000", "svix-signature": sig},
                                 now=1700000000)

    def test_public_key(self):
        with stackwebhook.Webhook("whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4=", public_key=True) as pub:
            sig = "v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg=="
            pub.verify(PUB["body"], dict(self.headers, **{"svix-signature": sig}), now=PUB["now"])
        with self.assertRaises(stackwebhook.InvalidSecret):
            stackwebhook.Webhook("whpk_AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", public_key=True)

    def test_closed(self):
        wh = stackwebhook.Webhook(PUB["secret"])
        wh.close()
        with self.assertRaises(stackwebhook.InvalidArgument):
            wh.verify(PUB["body"], self.headers, now=PUB["now"])


def run_python(code):
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.abspath(__file__)))
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, timeout=120, capture_output=True,
                          text=True)


class ForkTest(unittest.TestCase):
    """In fresh interpreters: this test process has loaded the library already."""

    def test_forked_after_load_raises_instead_of_hanging(self):
        result = run_python("""
            import os, sys, stackwebhook
            wh = stackwebhook.Webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")   # loads the library
            pid = os.fork()
            if pid == 0:
                try:
                    wh.verify("{}", {})
                except stackwebhook.ForkedProcessError as e:
                    os._exit(0 if "after the fork" in str(e) else 3)
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
