# The cost of one verification from Ruby (the stackwebhook gem over the C library), beside the Go figure
# of bench/: ruby bench.rb [calls]. Prints nanoseconds per call for a 1 KiB body; the signature is made
# by the C library's stackwebhook_sign, which the official vectors check.
$LOAD_PATH.unshift(File.join(__dir__, "lib"))
require "stackwebhook"
calls = (ARGV[0] || 200_000).to_i
secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
wh = StackWebhook::Webhook.new(secret)
body = %({"type":"stack.test","data":{"message":"#{"x" * 950}","endpointUrl":"https://example.com"}})
headers = { "svix-id" => "msg_bench", "svix-timestamp" => "1700000000", "svix-signature" => wh.sign("msg_bench", 1_700_000_000, body) }
wh.verify(body, headers, now: 1_700_000_000)
start = Process.clock_gettime(Process::CLOCK_MONOTONIC)
calls.times { wh.verify(body, headers, now: 1_700_000_000) }
elapsed = Process.clock_gettime(Process::CLOCK_MONOTONIC) - start
puts format("ruby verify, %d-byte body: %.0f ns/op (%d calls)", body.bytesize, elapsed / calls * 1e9, calls)
