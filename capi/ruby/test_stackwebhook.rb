# Tests of stackwebhook.rb (minitest), over the official vectors (STACKWEBHOOK_CASES; format in
# ../ctest/capi_test.c) with the library in STACKWEBHOOK_LIB.
require "minitest/autorun"
require "rbconfig"
require_relative "stackwebhook"

PUB = { secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", id: "msg_p5jXN8AQM9LWM0D4loKWxJek", ts: "1614265330",
        body: '{"test": 2432232314}', sig: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", now: 1614265330 }.freeze

class StackWebhookTest < Minitest::Test
  def unhex(s) = [s].pack("H*")

  def test_official_vectors
    n = 0
    File.foreach(ENV.fetch("STACKWEBHOOK_CASES")) do |line|
      status, secret, id, ts, sig, body, now, event_type, = line.chomp.split("\t", -1)
      status, now = status.to_i, now.to_i
      secret, id, ts, sig, body, event_type = [secret, id, ts, sig, body, event_type].map { |h| unhex(h) }
      n += 1
      if status == 1
        assert_raises(StackWebhook::InvalidSecret) { StackWebhook::Webhook.new(secret) }
        next
      end
      wh = StackWebhook::Webhook.new(secret)
      headers = n.even? ? { "svix-id" => id, "svix-timestamp" => ts, "svix-signature" => sig } :
                          { "HTTP_SVIX_ID" => id, "HTTP_SVIX_TIMESTAMP" => ts, "HTTP_SVIX_SIGNATURE" => sig } # Rack's env
      if status.zero?
        assert wh.verify(body, headers, now: now), "case #{n} (#{id})"
        assert_equal event_type, wh.verify_event(body, headers, now: now)["type"] unless event_type.empty?
      else
        err = assert_raises(StackWebhook::Error, "case #{n}") { wh.verify(body, headers, now: now) }
        assert_equal status, err.status, "case #{n} (#{id}): #{err.class}"
      end
      wh.close
    end
    assert_operator n, :>, 1000
  end

  def test_header_rules
    wh = StackWebhook::Webhook.new(PUB[:secret])
    set = { "Webhook-Id" => PUB[:id], "WEBHOOK-TIMESTAMP" => PUB[:ts], "webhook-signature" => PUB[:sig], "svix-id" => "msg_stray" }
    assert wh.verify(PUB[:body], set, now: PUB[:now])
    assert_raises(StackWebhook::InvalidHeaders) { wh.verify(PUB[:body], set.merge("WEBHOOK-ID" => "x"), now: PUB[:now]) }
    assert_raises(StackWebhook::TimestampTooOld) { wh.verify(PUB[:body], set) }
    assert_raises(StackWebhook::InvalidSecret) do
      StackWebhook::Webhook.new("whpk_AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", public_key: true)
    end
  end

  # In fresh interpreters: this process has loaded the library already.
  def ruby(code)
    system(RbConfig.ruby, "-I", __dir__, "-e", code)
  end

  def test_fork_after_load_raises
    assert ruby(<<~RUBY)
      require "stackwebhook"
      wh = StackWebhook::Webhook.new("#{PUB[:secret]}")
      pid = fork do
        begin
          wh.verify("{}", {})
          exit!(4)
        rescue StackWebhook::ForkedProcessError
          exit!(0)
        end
      end
      Process.wait(pid)
      exit($?.exitstatus)
    RUBY
  end

  def test_webhook_made_in_the_worker_works
    assert ruby(<<~RUBY)
      require "stackwebhook"
      pids = 2.times.map do
        fork do
          wh = StackWebhook::Webhook.new("#{PUB[:secret]}")
          h = { "svix-id" => "#{PUB[:id]}", "svix-timestamp" => "#{PUB[:ts]}", "svix-signature" => "#{PUB[:sig]}" }
          20_000.times { wh.verify('#{PUB[:body]}', h, now: #{PUB[:now]}) }
          exit!(0)
        end
      end
      exit(pids.all? { |p| Process.wait(p); $?.success? } ? 0 : 1)
    RUBY
  end
end
