# stackwebhook.rb: verify Stack Auth webhooks (Svix signatures) from Ruby, through stackwebhook's C
# library and the ffi gem (Debian: ruby-ffi).
#
#   require_relative "stackwebhook"
#   wh = StackWebhook::Webhook.new(ENV.fetch("STACK_WEBHOOK_SECRET"))   # in each worker, after any fork
#   event = wh.verify_event(request.raw_post, request.headers.to_h)   # a Hash; raises StackWebhook::Error
#
# The library is found through STACKWEBHOOK_LIB, else next to this file (libstackwebhook.so); it is
# loaded on first use.
#
# fork(): the Go runtime inside the library does not survive a fork. Puma in cluster mode with
# preload_app!, Unicorn and Passenger fork workers from a master: create the Webhook in each worker
# (on_worker_boot, after_fork). This module remembers the process that loaded the library and raises
# ForkedProcessError in any other, instead of hanging.
require "ffi"
require "json"

module StackWebhook
  # Every error of this module; #status is the C library's status code (0 for errors raised here).
  class Error < StandardError
    def status = self.class::STATUS
    STATUS = 0
  end
  class InvalidSecret < Error; STATUS = 1; end
  class MissingHeaders < Error; STATUS = 2; end
  class InvalidHeaders < Error; STATUS = 3; end
  class TimestampTooOld < Error; STATUS = 4; end
  class TimestampTooNew < Error; STATUS = 5; end
  class NoMatchingSignature < Error; STATUS = 6; end
  class InvalidPayload < Error; STATUS = 7; end
  class InvalidArgument < Error; STATUS = 8; end
  class ForkedProcessError < Error; end

  ERRORS = [InvalidSecret, MissingHeaders, InvalidHeaders, TimestampTooOld, TimestampTooNew,
            NoMatchingSignature, InvalidPayload, InvalidArgument].to_h { |c| [c::STATUS, c] }
  BUFFER_TOO_SMALL = 9
  HEADER_NAMES = %w[svix-id svix-timestamp svix-signature webhook-id webhook-timestamp webhook-signature].freeze
  @mutex = Mutex.new

  # The C library, loaded once per process.
  def self.lib
    @mutex.synchronize do
      if @lib
        if @pid != Process.pid
          raise ForkedProcessError, "stackwebhook's library was loaded in process #{@pid}, which then forked: " \
            "the Go runtime does not survive fork(), so any call here would hang. Create the Webhook in each " \
            "worker, after the fork"
        end
        return @lib
      end
      lib = Module.new
      lib.extend FFI::Library
      lib.ffi_lib(ENV["STACKWEBHOOK_LIB"] || File.join(__dir__, "libstackwebhook.so"))
      lib.attach_function :new_secret, :stackwebhook_new, %i[string long_long pointer], :int
      lib.attach_function :new_public_key, :stackwebhook_new_public_key, %i[string long_long pointer], :int
      lib.attach_function :free, :stackwebhook_free, %i[uint64], :int
      lib.attach_function :verify, :stackwebhook_handle_verify, %i[uint64 string string string pointer size_t long_long], :int
      lib.attach_function :verify_event, :stackwebhook_verify_event,
                          %i[uint64 string string string pointer size_t long_long pointer size_t pointer], :int
      lib.attach_function :status_string, :stackwebhook_status_string, %i[int], :string
      @lib, @pid = lib, Process.pid
      lib
    end
  end

  def self.check(lib, status)
    raise ERRORS.fetch(status, Error), lib.status_string(status) unless status.zero?
  end

  # The id, timestamp and signature the Go library checks: the svix-* set if all three are non-empty,
  # else the webhook-* set; names in any case; a name given twice in different cases is refused.
  def self.header_values(headers)
    found = {}
    headers.each do |name, value|
      key = name.to_s.downcase.tr("_", "-").delete_prefix("http-")
      next unless HEADER_NAMES.include?(key)
      raise InvalidHeaders, "the header #{key} is given more than once" if found.key?(key) || !value.is_a?(String)

      found[key] = value
    end
    %w[svix- webhook-].each do |prefix|
      values = %w[id timestamp signature].map { |n| found.fetch(prefix + n, "") }
      return values if values.none?(&:empty?)
    end
    ["", "", ""]
  end

  # Verifies the messages of one Svix endpoint. Safe to use from several threads.
  class Webhook
    # secret: "whsec_..."; with public_key: true, a "whpk_..." ed25519 public key. tolerance_seconds: 0 is
    # the default, 300.
    def initialize(secret, tolerance_seconds: 0, public_key: false)
      lib = StackWebhook.lib
      out = FFI::MemoryPointer.new(:uint64)
      status = public_key ? lib.new_public_key(secret.to_s, tolerance_seconds, out) : lib.new_secret(secret.to_s, tolerance_seconds, out)
      StackWebhook.check(lib, status)
      @handle = out.read_uint64
      ObjectSpace.define_finalizer(self, self.class.finalizer(@handle))
    end

    def self.finalizer(handle)
      proc { StackWebhook.lib.free(handle) rescue nil }
    end

    # Raises a StackWebhook::Error subclass unless body (the raw String) is signed by this endpoint's key
    # under headers (a Hash; names in any case, Rack's HTTP_SVIX_ID too). now: Unix seconds, 0 the system clock.
    def verify(body, headers, now: 0)
      lib = StackWebhook.lib
      raise InvalidArgument, "the Webhook is closed" unless @handle

      body = body.to_s.b
      buf = FFI::MemoryPointer.from_string(body)
      StackWebhook.check(lib, lib.verify(@handle, *StackWebhook.header_values(headers), buf, body.bytesize, now))
      true
    end

    # verify, then the payload parsed as JSON: a Hash with "type" and "data". A signed body that is not a
    # Stack payload raises InvalidPayload.
    def verify_event(body, headers, now: 0)
      lib = StackWebhook.lib
      raise InvalidArgument, "the Webhook is closed" unless @handle

      body = body.to_s.b
      buf = FFI::MemoryPointer.from_string(body)
      values = StackWebhook.header_values(headers)
      needed = FFI::MemoryPointer.new(:size_t)
      out = FFI::MemoryPointer.new(:char, 64)
      status = lib.verify_event(@handle, *values, buf, body.bytesize, now, out, 64, needed)
      if status == BUFFER_TOO_SMALL
        out = FFI::MemoryPointer.new(:char, needed.read(:size_t))
        status = lib.verify_event(@handle, *values, buf, body.bytesize, now, out, out.size, needed)
      end
      StackWebhook.check(lib, status)
      JSON.parse(body)
    end

    def close
      StackWebhook.lib.free(@handle) if @handle
      @handle = nil
    end
  end
end
