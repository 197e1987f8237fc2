# The conformance protocol (conformance/CONFORMANCE.md) answered through the C ABI with the stackwebhook
# gem's code: one JSON case per line on standard input, one verdict per line on standard output.
#
#   ruby capi/ruby/conformance_adapter.rb     # STACKWEBHOOK_LIB names libstackwebhook.so
#
# The headers go to the C library as the case gives them, names and all: it chooses the header set. The
# clock is the case's, in whole seconds (the rule reads the clock to the whole second too).
require "json"
$LOAD_PATH.unshift(File.join(__dir__, "lib"))
require "stackwebhook"

VERDICTS = {
  StackWebhook::InvalidSecret => "invalid_secret", StackWebhook::MissingHeaders => "missing_headers",
  StackWebhook::InvalidHeaders => "invalid_headers", StackWebhook::TimestampTooOld => "too_old",
  StackWebhook::TimestampTooNew => "too_new", StackWebhook::NoMatchingSignature => "no_match"
}.freeze

$stdout.sync = true
$stdin.each_line do |line|
  c = JSON.parse(line)
  verdict = begin
    wh = StackWebhook::Webhook.new(c["secret"])
    begin
      wh.verify(c["body_b64"].unpack1("m"), c["headers"], now: c["now_ms"].div(1000))
      "ok"
    ensure
      wh.close
    end
  rescue StackWebhook::Error => e
    VERDICTS.fetch(e.class, "error: #{e.message}")
  end
  puts verdict
end
