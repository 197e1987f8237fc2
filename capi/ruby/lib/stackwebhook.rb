# stackwebhook: verify Stack Auth webhooks (Svix signatures) from Ruby, through stackwebhook's C library
# and the ffi gem.
#
#   require "stackwebhook"
#   WEBHOOK = StackWebhook::Webhook.new(ENV.fetch("STACK_WEBHOOK_SECRET"))   # in each worker, after any fork
#   event = WEBHOOK.verify_event(request.raw_post, request.headers)        # raises StackWebhook::Error
#   return head(:no_content) if applied?(event.id)                          # event.id: the verified id
#   apply(event.type, event.data)
#
# Deduplicate on event.id (or verify(...).id), never on a svix-id header read by hand: when the svix-*
# set is incomplete, the webhook-* set's id is the one verified, and a replayer can add a stray svix-id
# beside a captured delivery renamed to webhook-*. The C library chooses the header set by the Go
# library's rule from every header as it arrived: pass a Hash of headers, Rails' request.headers or
# Rack's env (HTTP_SVIX_ID names). StackWebhook::Rack does all of it as middleware.
#
# The library ships inside the gem (gem install builds it with Go); STACKWEBHOOK_LIB names another.
#
# fork(): the Go runtime inside the library does not survive a fork. Puma in cluster mode with
# preload_app!, Unicorn and Passenger fork workers from a master: create the Webhook in each worker
# (on_worker_boot, after_fork). This module learns of every fork (Ruby's Process._fork hook) and raises
# ForkedProcessError in a child of a process that loaded the library, instead of hanging; it is not a
# StackWebhook::Error, so that a rescue meant for bad requests does not turn a deployment mistake into
# 401s.
require "ffi"
require "json"

module StackWebhook
  VERSION = "0.1.0"

  # A refused message: every verification and decoding failure; #status is the C library's status code.
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

  # The library was loaded in a process that has since forked: a deployment error, not an Error.
  class ForkedProcessError < StandardError; end
  # libstackwebhook.so could not be loaded: a deployment error, not an Error.
  class LibraryNotFound < StandardError; end

  ERRORS = [InvalidSecret, MissingHeaders, InvalidHeaders, TimestampTooOld, TimestampTooNew,
            NoMatchingSignature, InvalidPayload, InvalidArgument].to_h { |c| [c::STATUS, c] }
  BUFFER_TOO_SMALL = 9
  DECODE_EVENT = 1

  # A verified message: id is the verified message id, the idempotency key; timestamp the signed time.
  Message = Struct.new(:id, :timestamp)
  # A verified Stack webhook: also its type ("user.created", ...) and data (a Hash).
  Event = Struct.new(:id, :timestamp, :type, :data)

  # The C structs of stackwebhook.h.
  class Header < FFI::Struct
    layout :name, :pointer, :name_len, :size_t, :value, :pointer, :value_len, :size_t
  end

  class CMessage < FFI::Struct
    layout :timestamp, :long_long, :id_len, :size_t, :type_len, :size_t, :needed, :size_t
  end

  @mutex = Mutex.new
  @forked = false

  # Ruby 3.1+ calls Process._fork for every fork (Kernel#fork, Process.fork, Puma, Unicorn): the child
  # learns it forked without a system call on every verification (getpid costs more than one).
  module ForkHook
    def _fork
      pid = super
      StackWebhook.forked! if pid.zero?
      pid
    end
  end
  Process.singleton_class.prepend(ForkHook) if Process.respond_to?(:_fork)

  def self.forked!
    @forked = true if @lib
  end

  # Where the library may be: STACKWEBHOOK_LIB, else beside this file, else the gem's extension
  # directory (on $LOAD_PATH once the gem is activated).
  def self.library_paths
    return [ENV["STACKWEBHOOK_LIB"]] if ENV["STACKWEBHOOK_LIB"] && !ENV["STACKWEBHOOK_LIB"].empty?

    [__dir__, *$LOAD_PATH].map { |dir| File.join(dir.to_s, "libstackwebhook.so") }.uniq
  end

  # The C library, loaded once per process.
  def self.lib
    return @lib if @lib && !@forked && Process.respond_to?(:_fork) # the common case: no lock, no system call

    @mutex.synchronize do
      if @lib
        if @forked || @pid != Process.pid
          raise ForkedProcessError, "stackwebhook's library was loaded in process #{@pid}, which then forked: " \
            "the Go runtime does not survive fork(), so any call here would hang. Create the Webhook in each " \
            "worker, after the fork (Puma: on_worker_boot; Unicorn: after_fork; or without preload_app!)"
        end
        return @lib
      end
      path = library_paths.find { |p| File.exist?(p) }
      unless path
        raise LibraryNotFound, "cannot find stackwebhook's C library (looked for #{library_paths.first(3).join(', ')}, ...). " \
          "It ships inside the gem: reinstall it (gem build capi/ruby/stackwebhook.gemspec; gem install --local " \
          "stackwebhook-*.gem, with Go on PATH), or build it with `go build -buildmode=c-shared -o " \
          "libstackwebhook.so ./capi` and set STACKWEBHOOK_LIB to its path"
      end
      lib = Module.new
      lib.extend FFI::Library
      begin
        lib.ffi_lib(path)
      rescue LoadError => e
        raise LibraryNotFound, "cannot load stackwebhook's C library #{path}: #{e.message}"
      end
      lib.attach_function :new_key, :stackwebhook_new_key, %i[pointer size_t int long_long pointer], :int
      lib.attach_function :free, :stackwebhook_free, %i[uint64], :int
      lib.attach_function :verify_request, :stackwebhook_verify_request,
                          %i[uint64 pointer size_t buffer_in size_t long_long int pointer size_t pointer], :int
      lib.attach_function :sign, :stackwebhook_sign, %i[uint64 string long_long pointer size_t pointer size_t pointer], :int
      lib.attach_function :status_string, :stackwebhook_status_string, %i[int], :string
      @lib, @pid = lib, Process.pid
      lib
    end
  end

  # Every (name, value) of headers with String names and values: a Hash, Rails' request.headers, Rack's
  # env (its non-header entries are not Strings, and are passed over), or an Array of pairs; a value
  # that is an Array (a repeated header) gives one pair per element.
  def self.header_pairs(headers)
    raise TypeError, "headers must be a Hash or an Array of [name, value] pairs" unless headers.respond_to?(:each)

    pairs = []
    headers.each do |name, value|
      next unless name.is_a?(String) || name.is_a?(Symbol)

      (value.is_a?(Array) ? value : [value]).each { |v| pairs << [name.to_s.b, v.b] if v.is_a?(String) }
    end
    pairs
  end

  # The payload's data as JSON reads it: invalid UTF-8 becomes U+FFFD as in Go; anything JSON cannot
  # read (nesting, lone surrogates) is InvalidPayload, never a JSON error.
  def self.decode_data(body)
    payload = JSON.parse(body.dup.force_encoding(Encoding::UTF_8).scrub, max_nesting: false)
    data = payload.is_a?(Hash) ? payload["data"] : nil
    raise InvalidPayload, "the payload's data is not an object" unless data.is_a?(Hash)

    data
  rescue JSON::JSONError, EncodingError, SystemStackError => e
    raise InvalidPayload, "the payload is not JSON Ruby reads: #{e.class}: #{e.message[0, 200]}"
  end

  # Verifies the messages of one Svix endpoint. Safe to use from several threads.
  class Webhook
    # secret: "whsec_..."; with public_key: true, a "whpk_..." ed25519 public key. tolerance_seconds: 0 is
    # the default, 300.
    def initialize(secret, tolerance_seconds: 0, public_key: false)
      lib = StackWebhook.lib
      key = secret.to_s.b
      buf = FFI::MemoryPointer.new(:char, [key.bytesize, 1].max).put_bytes(0, key)
      out = FFI::MemoryPointer.new(:uint64)
      status = lib.new_key(buf, key.bytesize, public_key ? 1 : 0, Integer(tolerance_seconds), out)
      unless status.zero?
        text = lib.status_string(status)
        if status == InvalidSecret::STATUS
          text = "stackwebhook: invalid #{public_key ? 'public key' : 'secret'}: empty, not " \
                 "#{public_key ? 'whpk_' : 'whsec_'} followed by standard base64, or holding a NUL byte"
        end
        raise ERRORS.fetch(status, Error), text
      end
      @handle = out.read_uint64
      ObjectSpace.define_finalizer(self, self.class.finalizer(@handle))
    end

    def self.finalizer(handle)
      proc { StackWebhook.lib.free(handle) rescue nil }
    end

    # The verified Message (id, timestamp), or a StackWebhook::Error. body: the raw body String as
    # received; headers: see the module's doc; now: Unix seconds, 0 the system clock.
    def verify(body, headers, now: 0)
      raw, m = call(body, headers, now, 0)
      Message.new(raw.byteslice(0, m[:id_len]).force_encoding(Encoding::UTF_8), m[:timestamp])
    end

    # verify, then the payload decoded as a Stack webhook: an Event (id, timestamp, type, data). A signed
    # body that is not a Stack payload raises InvalidPayload.
    def verify_event(body, headers, now: 0)
      raw, m = call(body, headers, now, DECODE_EVENT)
      id = raw.byteslice(0, m[:id_len]).force_encoding(Encoding::UTF_8)
      type = raw.byteslice(m[:id_len] + 1, m[:type_len]).force_encoding(Encoding::UTF_8)
      Event.new(id, m[:timestamp], type, StackWebhook.decode_data(body.to_s.b))
    end

    # The "v1,<base64>" signature of body, as a Svix sender puts it in svix-signature (for tests).
    # timestamp: Unix seconds, or a Time.
    def sign(msg_id, timestamp, body)
      lib = StackWebhook.lib
      raise InvalidArgument, "the Webhook is closed" unless @handle
      raise InvalidHeaders, "stackwebhook: the id holds a NUL byte" if msg_id.to_s.include?("\0")

      body = body.to_s.b
      out = FFI::MemoryPointer.new(:char, 48)
      buf = FFI::MemoryPointer.new(:char, [body.bytesize, 1].max).put_bytes(0, body)
      status = lib.sign(@handle, msg_id.to_s, Integer(timestamp.is_a?(Time) ? timestamp.to_i : timestamp), buf,
                        body.bytesize, out, 48, nil)
      raise ERRORS.fetch(status, Error), lib.status_string(status) unless status.zero?

      out.read_string
    end

    def close
      StackWebhook.lib.free(@handle) if @handle
      @handle = nil
    end

    private

    def call(body, headers, now, flags)
      lib = StackWebhook.lib
      raise InvalidArgument, "the Webhook is closed" unless @handle
      raise TypeError, "body must be a String" unless body.is_a?(String)

      pairs = StackWebhook.header_pairs(headers)
      # Every name and value in one buffer, which the C array points into.
      bytes = pairs.flatten.join.b
      buf = FFI::MemoryPointer.new(:char, [bytes.bytesize, 1].max).put_bytes(0, bytes)
      array = FFI::MemoryPointer.new(Header, [pairs.size, 1].max)
      offset = 0
      pairs.each_with_index do |(name, value), i|
        h = Header.new(array + i * Header.size)
        h[:name], h[:name_len] = buf + offset, name.bytesize
        offset += name.bytesize
        h[:value], h[:value_len] = buf + offset, value.bytesize
        offset += value.bytesize
      end
      m = CMessage.new # the body goes as it is (buffer_in): no copy, whatever its encoding
      out = FFI::MemoryPointer.new(:char, 256)
      status = lib.verify_request(@handle, array, pairs.size, body, body.bytesize, Integer(now), flags, out, 256, m)
      if status == BUFFER_TOO_SMALL # verified: a longer id than usual
        out = FFI::MemoryPointer.new(:char, m[:needed])
        status = lib.verify_request(@handle, array, pairs.size, body, body.bytesize, Integer(now), flags, out, m[:needed], m)
      end
      raise ERRORS.fetch(status, Error), out.read_string.force_encoding(Encoding::UTF_8).scrub unless status.zero?

      [out.read_bytes(m[:needed]), m]
    end
  end
end
