"""The conformance protocol (conformance/CONFORMANCE.md) answered through the C ABI, with the stackwebhook package:
one JSON case per line on standard input, one verdict per line on standard output.

    python3 capi/python/conformance_adapter.py     # STACKWEBHOOK_LIB names libstackwebhook.so

The headers go to the C ABI as the case gives them, names and all: the C library chooses the header set. The C ABI
takes whole seconds for the clock (the rule reads the clock to the whole second too).
"""
import base64
import json
import sys

import stackwebhook

VERDICTS = {stackwebhook.InvalidSecret: "invalid_secret", stackwebhook.MissingHeaders: "missing_headers",
            stackwebhook.InvalidHeaders: "invalid_headers", stackwebhook.TimestampTooOld: "too_old",
            stackwebhook.TimestampTooNew: "too_new", stackwebhook.NoMatchingSignature: "no_match"}


def verdict(case):
    try:
        with stackwebhook.Webhook(case["secret"]) as wh:
            wh.verify(base64.b64decode(case["body_b64"]), case["headers"], now=case["now_ms"] // 1000)
        return "ok"
    except stackwebhook.StackWebhookError as e:
        return VERDICTS.get(type(e), "error: " + str(e))


for line in sys.stdin:
    print(verdict(json.loads(line)), flush=True)
