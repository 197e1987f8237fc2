"""The cost of one verification from Python (the stackwebhook package over the C library), beside the Go figure
of bench/: python3 bench.py [calls]. Prints nanoseconds per call for a 1 KiB body."""
import sys
import time

import stackwebhook

calls = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
wh = stackwebhook.Webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
body = ('{"type":"stack.test","data":{"message":"%s","endpointUrl":"https://example.com"}}' % ("x" * 950)).encode()
headers = {"svix-id": "msg_bench", "svix-timestamp": "1700000000", "svix-signature": wh.sign("msg_bench", 1700000000, body)}
wh.verify(body, headers, now=1700000000)
start = time.perf_counter()
for _ in range(calls):
    wh.verify(body, headers, now=1700000000)
elapsed = time.perf_counter() - start
print("python verify, %d-byte body: %.0f ns/op (%d calls)" % (len(body), elapsed / calls * 1e9, calls))
