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

    def initialize(app, secret:, path: nil, event: false, tolerance_seconds: 0, max_body: 1 << 20)
      @app, @secret, @path, @event, @tolerance, @max_body = app, secret, path, event, tolerance_seconds, max_body
      @mutex = Mutex.new
    end

    def call(env)
      return @app.call(env) if @path && env["PATH_INFO"] != @path

      input = env["rack.input"]
      body = input ? input.read(@max_body + 1).to_s : ""
      return [413, { "content-type" => "text/plain" }, ["body too large\n"]] if body.bytesize > @max_body

      input&.rewind
      wh = webhook
      env[ENV_KEY] = @event ? wh.verify_event(body, env) : wh.verify(body, env)
      @app.call(env)
    rescue InvalidPayload => e
      [400, { "content-type" => "text/plain" }, ["#{e.message}\n"]]
    rescue Error => e
      [401, { "content-type" => "text/plain" }, ["#{e.message}\n"]]
    end

    private

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
