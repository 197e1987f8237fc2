# Tests of the stackwebhook gem (minitest), over the official vectors (STACKWEBHOOK_CASES; format in
# ../ctest/capi_test.c): from the source tree with the library in STACKWEBHOOK_LIB, or, with
# STACKWEBHOOK_INSTALLED=1, the gem as installed in GEM_HOME (with its own library).
require "minitest/autorun"
require "rbconfig"
require "stringio"
$LOAD_PATH.unshift(File.join(__dir__, "lib")) unless ENV["STACKWEBHOOK_INSTALLED"] == "1"
require "stackwebhook"
require "stackwebhook/rack"

PUB = { secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", id: "msg_p5jXN8AQM9LWM0D4loKWxJek", ts: "1614265330",
        body: '{"test": 2432232314}', sig: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", now: 1614265330 }.freeze
REPLAY = { "Webhook-Id" => PUB[:id], "WEBHOOK-TIMESTAMP" => PUB[:ts], "webhook-signature" => PUB[:sig],
           "svix-id" => "msg_evil" }.freeze

class StackWebhookTest < Minitest::Test
  def unhex(s) = [s].pack("H*")

  def setup
    @wh = StackWebhook::Webhook.new(PUB[:secret])
  end

  def signed(body, id = "msg_1")
    { "svix-id" => id, "svix-timestamp" => "1700000000", "svix-signature" => @wh.sign(id, 1_700_000_000, body) }
  end

  def test_installed_copy
    skip "the source tree" unless ENV["STACKWEBHOOK_INSTALLED"] == "1"
    assert_includes $LOADED_FEATURES.grep(/stackwebhook\.rb/).first, ENV.fetch("GEM_HOME")
    assert_nil ENV["STACKWEBHOOK_LIB"]
  end

  def test_official_vectors
    n = 0
    File.foreach(ENV.fetch("STACKWEBHOOK_CASES")) do |line|
      status, secret, id, ts, _sig, body, now, event_type, _sign, pairs = line.chomp.split("\t", -1)
      status, now = status.to_i, now.to_i
      secret, id, ts, body, event_type = [secret, id, ts, body, event_type].map { |h| unhex(h) }
      headers = pairs.split(",").to_h { |p| p.split(":", -1).map { |h| unhex(h) } }
      n += 1
      if status == 1
        assert_raises(StackWebhook::InvalidSecret) { StackWebhook::Webhook.new(secret) }
        next
      end
      wh = StackWebhook::Webhook.new(secret)
      if n.even? # Rack's env: HTTP_ names, other entries beside them
        headers = headers.to_h { |k, v| ["HTTP_#{k.upcase.tr('-', '_')}", v] }.merge("rack.input" => StringIO.new)
      end
      if status.zero?
        m = wh.verify(body, headers, now: now)
        assert_equal [id.force_encoding(Encoding::UTF_8), ts.to_i], [m.id, m.timestamp], "case #{n}"
        unless event_type.empty?
          e = wh.verify_event(body, headers, now: now)
          assert_equal [id, event_type], [e.id, e.type]
          assert_kind_of Hash, e.data
        end
      else
        err = assert_raises(StackWebhook::Error, "case #{n}") { wh.verify(body, headers, now: now) }
        assert_equal status, err.status, "case #{n} (#{id}): #{err.class}"
        assert err.message.start_with?("stackwebhook: "), err.message
      end
      wh.close
    end
    assert_operator n, :>, 1000
  end

  def test_renamed_replay_yields_the_verified_id
    assert_equal PUB[:id], @wh.verify(PUB[:body], REPLAY, now: PUB[:now]).id
    env = { "HTTP_WEBHOOK_ID" => PUB[:id], "HTTP_WEBHOOK_TIMESTAMP" => PUB[:ts], "HTTP_WEBHOOK_SIGNATURE" => PUB[:sig],
            "HTTP_SVIX_ID" => "msg_evil" }
    assert_equal PUB[:id], @wh.verify(PUB[:body], env, now: PUB[:now]).id
  end

  def test_nul_bytes_are_refused
    headers = { "svix-id" => "#{PUB[:id]}\0x", "svix-timestamp" => PUB[:ts], "svix-signature" => PUB[:sig] }
    err = assert_raises(StackWebhook::InvalidHeaders) { @wh.verify(PUB[:body], headers, now: PUB[:now]) }
    assert_includes err.message, "NUL"
    assert_raises(StackWebhook::InvalidHeaders) do
      @wh.verify(PUB[:body], headers.merge("svix-id" => PUB[:id], "x\0svix-id" => "msg_evil"), now: PUB[:now])
    end
    assert_raises(StackWebhook::InvalidSecret) { StackWebhook::Webhook.new("#{PUB[:secret]}\0 trailing text") }
  end

  def test_repeated_headers
    twice = [["svix-id", PUB[:id]], ["svix-timestamp", PUB[:ts]], ["svix-signature", PUB[:sig]], ["SVIX-ID", "msg_evil"]]
    assert_raises(StackWebhook::InvalidHeaders) { @wh.verify(PUB[:body], twice, now: PUB[:now]) }
    split = { "svix-id" => PUB[:id], "svix-timestamp" => PUB[:ts], "svix-signature" => PUB[:sig].split(",") }
    assert_equal PUB[:id], @wh.verify(PUB[:body], split, now: PUB[:now]).id
  end

  def test_errors
    assert_raises(StackWebhook::TimestampTooOld) { @wh.verify(PUB[:body], REPLAY) }
    err = assert_raises(StackWebhook::NoMatchingSignature) { @wh.verify("#{PUB[:body]} ", REPLAY, now: PUB[:now]) }
    assert_includes err.message, "no matching signature"
    assert_raises(StackWebhook::MissingHeaders) { @wh.verify(PUB[:body], {}, now: PUB[:now]) }
    assert_raises(StackWebhook::InvalidArgument) { StackWebhook::Webhook.new(PUB[:secret], tolerance_seconds: -1) }
    assert_raises(StackWebhook::InvalidSecret) do
      StackWebhook::Webhook.new("whpk_AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", public_key: true)
    end
    assert_raises(TypeError) { @wh.verify(nil, REPLAY) }
    refute StackWebhook::ForkedProcessError <= StackWebhook::Error
    refute StackWebhook::LibraryNotFound <= StackWebhook::Error
  end

  # Bodies the Go library accepts: each decodes, or is InvalidPayload; never a JSON error.
  def test_verify_event_never_fails_outside_the_hierarchy
    deep = %({"type":"custom.event","data":{"a":#{'[' * 9990}#{']' * 9990}}})
    [deep, %({"type":"custom.event","data":{"a":"\xff\xfe"}}).b, '{"type":"custom.event","data":{"a":"\ud800"}}'].each do |body|
      e = @wh.verify_event(body, signed(body), now: 1_700_000_000)
      assert_equal "custom.event", e.type
    rescue StackWebhook::InvalidPayload => err
      assert_includes err.message, "JSON", "refused as InvalidPayload: #{body[0, 40]}"
    end
    e = @wh.verify_event('{"type":"team.deleted","data":{"id":"team_1"}}', signed('{"type":"team.deleted","data":{"id":"team_1"}}'),
                         now: 1_700_000_000)
    assert_equal StackWebhook::Event.new("msg_1", 1_700_000_000, "team.deleted", { "id" => "team_1" }), e
    body = %({"type":"custom.event","data":{"a":"\xff"}}).b
    assert_equal "\uFFFD", @wh.verify_event(body, signed(body), now: 1_700_000_000).data["a"]
  end

  def test_sign_takes_a_time
    assert_equal @wh.sign("msg_1", 1_700_000_000, "{}"), @wh.sign("msg_1", Time.at(1_700_000_000), "{}")
  end

  def test_rack_middleware
    seen = nil
    app = StackWebhook::Rack.new(->(env) { seen = env[StackWebhook::Rack::ENV_KEY]; [204, {}, []] },
                                 secret: PUB[:secret], path: "/hooks", tolerance_seconds: 400_000_000)
    env = { "PATH_INFO" => "/hooks", "rack.input" => StringIO.new(PUB[:body]), "HTTP_WEBHOOK_ID" => PUB[:id],
            "HTTP_WEBHOOK_TIMESTAMP" => PUB[:ts], "HTTP_WEBHOOK_SIGNATURE" => PUB[:sig], "HTTP_SVIX_ID" => "msg_evil" }
    assert_equal 204, app.call(env).first
    assert_equal PUB[:id], seen.id
    assert_equal PUB[:body], env["rack.input"].read, "the body is left for the application"
    seen = nil
    assert_equal 401, app.call(env.merge("rack.input" => StringIO.new("#{PUB[:body]} "))).first
    assert_nil seen
    assert_equal 200, StackWebhook::Rack.new(->(_) { [200, {}, []] }, secret: PUB[:secret], path: "/hooks")
                                        .call("PATH_INFO" => "/other").first
  end

  # With Sinatra's routing and Rack's mock requests: no spelling of the webhook's path that a router
  # might accept reaches the handler unverified; a signed request reaches it with its message and
  # its body; a Rack 3 input without rewind works; a malformed secret is a 500 with a log line.
  def test_rack_middleware_with_sinatra
    begin
      require "rack"
      require "rack/mock"
      require "sinatra/base"
    rescue LoadError => e
      flunk("Rack and Sinatra are needed under CI: #{e.message}") if ENV["CI"] == "true"
      skip "Rack and Sinatra are not installed (Debian: ruby-rack, ruby-sinatra)"
    end
    reached = []
    app = Class.new(Sinatra::Base) do
      set :environment, :production
      post("/webhooks/stack") do
        reached << [request.env[StackWebhook::Rack::ENV_KEY]&.id, request.body.read]
        "applied"
      end
    end
    stack = StackWebhook::Rack.new(app, secret: PUB[:secret], path: "/webhooks/stack", tolerance_seconds: 400_000_000)
    mock = ::Rack::MockRequest.new(stack)
    ["/webhooks/stack", "//webhooks/stack", "/webhooks/stack/", "/webhooks/stack.json", "/webhooks/%73tack",
     "/webhooks//stack", "/webhooks/./stack", "/x/../webhooks/stack", "/Webhooks/Stack"].each do |path|
      env = ::Rack::MockRequest.env_for("/", method: "POST", input: PUB[:body])
      env["PATH_INFO"] = path # as the server passes it, not parsed again as a URL
      status, = stack.call(env)
      assert_equal 401, status, "#{path}: an unsigned request"
    end
    assert_empty reached, "no unsigned request reached the handler"

    headers = { "HTTP_WEBHOOK_ID" => PUB[:id], "HTTP_WEBHOOK_TIMESTAMP" => PUB[:ts], "HTTP_WEBHOOK_SIGNATURE" => PUB[:sig] }
    res = mock.post("/webhooks/stack", headers.merge(input: PUB[:body]))
    assert_equal 200, res.status, res.body
    assert_equal [[PUB[:id], PUB[:body]]], reached

    # Rack 3 allows an input without rewind.
    once = Object.new
    once.define_singleton_method(:read) { |*| (@done ||= false) ? nil : (@done = true; PUB[:body].dup) }
    env = ::Rack::MockRequest.env_for("/webhooks/stack", { method: "POST" }.merge(headers))
    env["rack.input"] = once
    status, = stack.call(env)
    assert_equal 200, status

    errors = StringIO.new
    bad = StackWebhook::Rack.new(app, secret: "whsec_not base64!", path: "/webhooks/stack")
    res = ::Rack::MockRequest.new(bad).post("/webhooks/stack", headers.merge(input: PUB[:body], "rack.errors" => errors))
    assert_equal 500, res.status
    assert_match(/STACK_WEBHOOK_SECRET/, res.errors + errors.string)
  end

  # In fresh interpreters: this process has loaded the library already.
  def ruby(code, env = {})
    args = ENV["STACKWEBHOOK_INSTALLED"] == "1" ? [] : ["-I", File.join(__dir__, "lib")]
    system(env, RbConfig.ruby, *args, "-e", code)
  end

  def test_fork_after_load_raises
    assert ruby(<<~RUBY)
      require "stackwebhook"
      wh = StackWebhook::Webhook.new("#{PUB[:secret]}")
      pid = fork do
        begin
          wh.verify("{}", {})
          exit!(4)
        rescue StackWebhook::Error
          exit!(5) # a deployment error must not look like a bad request
        rescue StackWebhook::ForkedProcessError => e
          exit!(e.message.include?("on_worker_boot") ? 0 : 3)
        end
      end
      Process.wait(pid)
      exit($?.exitstatus)
    RUBY
  end

  def test_missing_library_says_what_to_do
    assert ruby(<<~RUBY, "STACKWEBHOOK_LIB" => "/nonexistent/libstackwebhook.so")
      require "stackwebhook"
      begin
        StackWebhook::Webhook.new("#{PUB[:secret]}")
        exit(1)
      rescue StackWebhook::LibraryNotFound => e
        exit(e.message.include?("STACKWEBHOOK_LIB") ? 0 : 2)
      end
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
