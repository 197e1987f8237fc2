require "stringio"
require "stackwebhook"

module StackWebhook
  # Rack middleware: verifies every request to path (all requests when path is nil) and puts the
  # verified message in env["stackwebhook.message"] (a Message; with event: true, an Event with the
  # decoded type and data) before calling the application; refused requests never reach it.
  #
  #   use StackWebhook::Rack, secret: ENV.fetch("STACK_WEBHOOK_SECRET"), path: "/webhooks/stack"
  #
  #   # in the application:
  #   message = env["stackwebhook.message"]   # message.id: the idempotency key
  #
  # Answers: 401 for a request that does not verify, 400 for a signed body that is not a Stack payload
  # (with event: true), 413 above max_body bytes (Svix sends at most 1 MiB). The Webhook is made on the
  # first request, in the worker that serves it: after any fork.
  class Rack
    ENV_KEY = "stackwebhook.message"

    # The paths a router may treat as path: every request whose path normalizes to path's form is
    # verified, so that a spelling the router accepts ("//webhooks/stack", "/webhooks/stack/",
    # "/webhooks/stack.json", "/webhooks/%73tack", "/webhooks//stack", "/x/../webhooks/stack", any
    # case) cannot reach the application unverified. To have the middleware see only the webhook's
    # route, mount it there instead (Rack's map, Rails' mount) and leave path out.
    def initialize(app, secret:, path: nil, event: false, tolerance_seconds: 0, max_body: 1 << 20)
      @app, @secret, @event, @tolerance, @max_body = app, secret, event, tolerance_seconds, max_body
      @path = path && Rack.normalize(path)
      @mutex = Mutex.new
    end

    # normalize gives a request path the form routers compare: percent-decoded, dot segments resolved,
    # repeated and trailing slashes removed, a format suffix (".json") dropped, in lower case.
    def self.normalize(path)
      decoded = path.to_s.b.gsub(/%([0-9A-Fa-f]{2})/) { Regexp.last_match(1).hex.chr }
      segments = []
      decoded.split("/").each do |seg|
        case seg
        when "", "." then next
        when ".." then segments.pop
        else segments << seg
        end
      end
      segments[-1] = segments[-1].sub(/\.[A-Za-z0-9]+\z/, "") unless segments.empty?
      "/" + segments.join("/").downcase
    end

    def call(env)
      return @app.call(env) if @path && Rack.normalize("#{env["SCRIPT_NAME"]}#{env["PATH_INFO"]}") != @path

      wh = begin
        webhook
      rescue InvalidSecret => e
        return deployment_error(env, "the secret given to StackWebhook::Rack (secret:, such as " \
                                     "ENV[\"STACK_WEBHOOK_SECRET\"]) is not a valid endpoint secret: #{e.message}")
      rescue LibraryNotFound, ForkedProcessError => e
        return deployment_error(env, e.message)
      end
      input = env["rack.input"]
      body = input ? input.read(@max_body + 1).to_s : ""
      return [413, { "content-type" => "text/plain" }, ["body too large\n"]] if body.bytesize > @max_body

      # Read once, raw; the application reads the same bytes again (a Rack 3 input need not rewind).
      env["rack.input"] = StringIO.new(body)
      env[ENV_KEY] = @event ? wh.verify_event(body, env) : wh.verify(body, env)
      @app.call(env)
    rescue InvalidPayload => e
      [400, { "content-type" => "text/plain" }, ["#{e.message}\n"]]
    rescue Error => e
      [401, { "content-type" => "text/plain" }, ["#{e.message}\n"]]
    end

    private

    # A deployment error (a bad secret, no library) is the operator's to fix: 500, and a line naming it
    # in the server's error log, never a 401 that reads as a sender's fault.
    def deployment_error(env, message)
      (env["rack.errors"] || $stderr).puts("stackwebhook: #{message}")
      [500, { "content-type" => "text/plain" }, ["webhook receiver misconfigured\n"]]
    end

    def webhook
      @mutex.synchronize do
        if @webhook.nil? || @pid != Process.pid
          @webhook, @pid = Webhook.new(@secret, tolerance_seconds: @tolerance), Process.pid
        end
        @webhook
      end
    end
  end
end
