-- stackwebhook.lua: verify Stack Auth webhooks (Svix signatures) from LuaJIT and OpenResty / nginx,
-- through stackwebhook's C library (libstackwebhook.so) and LuaJIT's ffi.
--
--   local stackwebhook = require "stackwebhook"
--   local wh = assert(stackwebhook.new(os.getenv("STACK_WEBHOOK_SECRET")))   -- in each worker
--   local ok, err, code = wh:verify(body, headers)                           -- headers: any case
--
-- The library is found through STACKWEBHOOK_LIB, else by the system's search ("stackwebhook"). It is
-- loaded on first use.
--
-- fork(): the Go runtime inside the library does not survive a fork. nginx forks its workers from the
-- master: create the Webhook in init_worker_by_lua*, never in init_by_lua* (the master). This module
-- remembers the process that loaded the library and refuses, with the code "forked", to be used in
-- another one, instead of hanging.

local ffi = require "ffi"

ffi.cdef [[
typedef uint64_t stackwebhook_handle;
int stackwebhook_new(const char *secret, long long tolerance_seconds, stackwebhook_handle *out);
int stackwebhook_new_public_key(const char *public_key, long long tolerance_seconds, stackwebhook_handle *out);
int stackwebhook_free(stackwebhook_handle handle);
int stackwebhook_handle_verify(stackwebhook_handle handle, const char *msg_id, const char *timestamp,
                               const char *signature, const unsigned char *payload, size_t payload_len,
                               long long now_unix);
int stackwebhook_verify_event(stackwebhook_handle handle, const char *msg_id, const char *timestamp,
                              const char *signature, const unsigned char *payload, size_t payload_len,
                              long long now_unix, char *type_out, size_t type_size, size_t *needed);
const char *stackwebhook_status_string(int status);
int getpid(void);
]]

local M = {}

-- The status codes of stackwebhook.h, by name: the third result of a failed call.
M.codes = {
  [1] = "invalid_secret", [2] = "missing_headers", [3] = "invalid_headers", [4] = "timestamp_too_old",
  [5] = "timestamp_too_new", [6] = "no_matching_signature", [7] = "invalid_payload", [8] = "invalid_argument",
  [9] = "buffer_too_small",
}

local lib, lib_pid

local function load()
  if lib then
    if ffi.C.getpid() ~= lib_pid then
      return nil, "stackwebhook's library was loaded in process " .. lib_pid .. ", which then forked: the Go " ..
        "runtime does not survive fork(), so any call here would hang. Create the Webhook in each worker " ..
        "(init_worker_by_lua*), after the fork", "forked"
    end
    return lib
  end
  lib = ffi.load(os.getenv("STACKWEBHOOK_LIB") or "stackwebhook")
  lib_pid = ffi.C.getpid()
  return lib
end

local function failure(l, status)
  return nil, ffi.string(l.stackwebhook_status_string(status)), M.codes[status] or "unknown"
end

-- header_values applies the Go library's rule: the svix-* set if all three are non-empty, else the
-- webhook-* set if all three are, else none. Names match in any case; a value given as a table (a
-- repeated header, as ngx.req.get_headers() returns it) is refused, and so is one name twice in
-- different cases.
local names = { "svix-id", "svix-timestamp", "svix-signature", "webhook-id", "webhook-timestamp", "webhook-signature" }
local wanted = {}
for _, n in ipairs(names) do wanted[n] = true end

local function header_values(headers)
  local found = {}
  for name, value in pairs(headers or {}) do
    local key = string.lower(tostring(name))
    if wanted[key] then
      if found[key] ~= nil or type(value) ~= "string" then
        return nil, "the header " .. key .. " is given more than once", "invalid_headers"
      end
      found[key] = value
    end
  end
  for _, prefix in ipairs({ "svix-", "webhook-" }) do
    local id, ts, sig = found[prefix .. "id"], found[prefix .. "timestamp"], found[prefix .. "signature"]
    if id and id ~= "" and ts and ts ~= "" and sig and sig ~= "" then
      return { id, ts, sig }
    end
  end
  return { "", "", "" }
end

local Webhook = {}
Webhook.__index = Webhook

local function new(constructor, key, tolerance)
  local l, err, code = load()
  if not l then return nil, err, code end
  if type(key) ~= "string" then return nil, "the key must be a string", "invalid_secret" end
  local out = ffi.new("stackwebhook_handle[1]")
  local status = l[constructor](key, tolerance or 0, out)
  if status ~= 0 then return failure(l, status) end
  local handle = ffi.gc(ffi.new("stackwebhook_handle[1]", out[0]), function(h)
    if lib and ffi.C.getpid() == lib_pid then lib.stackwebhook_free(h[0]) end
  end)
  return setmetatable({ handle = handle }, Webhook)
end

-- new(secret [, tolerance_seconds]): a Webhook for a "whsec_..." secret; nil, message, code on failure.
function M.new(secret, tolerance)
  return new("stackwebhook_new", secret, tolerance)
end

-- new_public_key(key [, tolerance_seconds]): a Webhook for a "whpk_..." ed25519 public key (v1a).
function M.new_public_key(key, tolerance)
  return new("stackwebhook_new_public_key", key, tolerance)
end

-- wh:verify(body, headers [, now]): true, or nil, message, code. body: the raw body, a string.
-- now: Unix seconds; nil or 0 is the system clock.
function Webhook:verify(body, headers, now)
  local l, err, code = load()
  if not l then return nil, err, code end
  local v
  v, err, code = header_values(headers)
  if not v then return nil, err, code end
  body = body or ""
  local status = l.stackwebhook_handle_verify(self.handle[0], v[1], v[2], v[3], body, #body, now or 0)
  if status ~= 0 then return failure(l, status) end
  return true
end

-- wh:verify_event(body, headers [, now]): the event type ("user.created", ...), or nil, message, code.
function Webhook:verify_event(body, headers, now)
  local l, err, code = load()
  if not l then return nil, err, code end
  local v
  v, err, code = header_values(headers)
  if not v then return nil, err, code end
  body = body or ""
  local out, needed = ffi.new("char[?]", 64), ffi.new("size_t[1]")
  local status = l.stackwebhook_verify_event(self.handle[0], v[1], v[2], v[3], body, #body, now or 0, out, 64, needed)
  if status == 9 then
    out = ffi.new("char[?]", needed[0])
    status = l.stackwebhook_verify_event(self.handle[0], v[1], v[2], v[3], body, #body, now or 0, out, needed[0], needed)
  end
  if status ~= 0 then return failure(l, status) end
  return ffi.string(out)
end

return M
