-- stackwebhook.lua: verify Stack Auth webhooks (Svix signatures) from LuaJIT and OpenResty / nginx,
-- through stackwebhook's C library (libstackwebhook.so) and LuaJIT's ffi.
--
--   local stackwebhook = require "stackwebhook"
--   local wh = assert(stackwebhook.new(os.getenv("STACK_WEBHOOK_SECRET")))   -- in each worker
--   local headers = ngx.req.get_headers()                                    -- into a local: see below
--   local m, err, code = wh:verify(body, headers)
--   if not m then ... end                                                    -- err: what failed; code: its name
--   -- m.id: the verified message id, the idempotency key; m.timestamp: the signed time
--
-- Deduplicate on m.id, never on a svix-id header read by hand: when the svix-* set is incomplete the
-- webhook-* set's id is the one verified, and a replayer can add a stray svix-id beside a captured
-- delivery renamed to webhook-*. The C library chooses the header set, by the Go library's rule, from
-- every header as it arrived (a value may be a table of repeated values, as get_headers gives them).
--
-- No function raises for bad input, a bad `now` or a library that cannot be loaded: each returns nil,
-- a message and a code (M.codes, plus "library_not_found", "forked" and "invalid_argument").
-- `wh:verify(body, ngx.req.get_headers())` would pass get_headers' second result, "truncated", as `now`:
-- that is refused with the code "invalid_headers", since headers past the 100th were not read.
--
-- The library is found through STACKWEBHOOK_LIB, else next to this file, else where luarocks installs
-- libraries (package.cpath), else by the system's search. It is loaded on first use.
--
-- fork(): the Go runtime inside the library does not survive a fork. nginx forks its workers from the
-- master: create the Webhook in init_worker_by_lua*, never in init_by_lua* (the master). This module
-- remembers the process that loaded the library and refuses, with the code "forked", to be used in
-- another one, instead of hanging.

local ffi = require "ffi"

ffi.cdef [[
typedef uint64_t stackwebhook_handle;
typedef struct { const char *name; size_t name_len; const char *value; size_t value_len; } stackwebhook_header;
typedef struct { long long timestamp; size_t id_len; size_t type_len; size_t needed; } stackwebhook_message;
int stackwebhook_new_key(const char *key, size_t key_len, int public_key, long long tolerance_seconds,
                         stackwebhook_handle *out);
int stackwebhook_free(stackwebhook_handle handle);
int stackwebhook_verify_request(stackwebhook_handle handle, const stackwebhook_header *headers,
                                size_t header_count, const unsigned char *payload, size_t payload_len,
                                long long now_unix, int flags, char *out, size_t out_size,
                                stackwebhook_message *message);
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

local BUFFER_TOO_SMALL, DECODE_EVENT = 9, 1
local lib, lib_pid

-- The directory this file was loaded from ("" if unknown).
local function here()
  local source = debug.getinfo(1, "S").source
  return source:sub(1, 1) == "@" and source:sub(2):match("^(.*/)") or ""
end

local function candidates()
  local list = {}
  local env = os.getenv("STACKWEBHOOK_LIB")
  if env and env ~= "" then return { env } end
  list[#list + 1] = here() .. "libstackwebhook.so"
  local found = package.searchpath and package.searchpath("libstackwebhook", package.cpath)
  if found then list[#list + 1] = found end
  list[#list + 1] = "stackwebhook" -- the system's search: libstackwebhook.so on the loader's path
  return list
end

local function load()
  if lib then
    if ffi.C.getpid() ~= lib_pid then
      return nil, "stackwebhook's library was loaded in process " .. lib_pid .. ", which then forked: the Go " ..
        "runtime does not survive fork(), so any call here would hang. Create the Webhook in each worker " ..
        "(init_worker_by_lua*), after the fork", "forked"
    end
    return lib
  end
  local tried = {}
  for _, path in ipairs(candidates()) do
    local ok, l = pcall(ffi.load, path)
    if ok then
      lib, lib_pid = l, ffi.C.getpid()
      return lib
    end
    tried[#tried + 1] = path .. " (" .. tostring(l) .. ")"
  end
  return nil, "cannot load stackwebhook's C library; tried " .. table.concat(tried, ", ") .. ". Install the rock " ..
    "(luarocks make in capi/lua builds it with Go), or build it with `go build -buildmode=c-shared -o " ..
    "libstackwebhook.so ./capi` and set STACKWEBHOOK_LIB to its path", "library_not_found"
end

-- M.find_library returns the path of the library file that would be loaded (STACKWEBHOOK_LIB, else next to
-- this file, else on package.cpath), without loading it: safe in a process that forks afterwards, such as
-- nginx's master in init_by_lua*. It returns nil and a message when there is none (the dynamic loader's own
-- search, the last resort of loading, is not tried here).
function M.find_library()
  local tried = {}
  for _, path in ipairs(candidates()) do
    if path:find("/", 1, true) then
      local f = io.open(path, "rb")
      if f then
        f:close()
        return path
      end
      tried[#tried + 1] = path
    end
  end
  return nil, "no stackwebhook library file; tried " .. table.concat(tried, ", ") .. ". Install the rock " ..
    "(luarocks make in capi/lua), or set STACKWEBHOOK_LIB to the library's path"
end

local Webhook = {}
Webhook.__index = Webhook

local function new(key, tolerance, public)
  local l, err, code = load()
  if not l then return nil, err, code end
  if type(key) ~= "string" then return nil, "the key must be a string", "invalid_secret" end
  if tolerance ~= nil and (type(tolerance) ~= "number" or tolerance < 0 or tolerance ~= math.floor(tolerance)) then
    return nil, "the tolerance must be a whole number of seconds, 0 or more", "invalid_argument"
  end
  local out = ffi.new("stackwebhook_handle[1]")
  local status = l.stackwebhook_new_key(key, #key, public and 1 or 0, tolerance or 0, out)
  if status ~= 0 then
    return nil, "stackwebhook: " .. ffi.string(l.stackwebhook_status_string(status)) ..
      (status == 1 and ": empty, not " .. (public and "whpk_" or "whsec_") ..
        " followed by standard base64, or holding a NUL byte" or ""), M.codes[status]
  end
  local handle = ffi.gc(ffi.new("stackwebhook_handle[1]", out[0]), function(h)
    if lib and ffi.C.getpid() == lib_pid then lib.stackwebhook_free(h[0]) end
  end)
  return setmetatable({ handle = handle }, Webhook)
end

-- new(secret [, tolerance_seconds]): a Webhook for a "whsec_..." secret; nil, message, code on failure.
function M.new(secret, tolerance)
  return new(secret, tolerance, false)
end

-- new_public_key(key [, tolerance_seconds]): a Webhook for a "whpk_..." ed25519 public key (v1a).
function M.new_public_key(key, tolerance)
  return new(key, tolerance, true)
end

-- Scratch space reused by every call: a LuaJIT state runs one call at a time, and none yields.
local scratch_headers, scratch_size = nil, 0
local scratch_message = ffi.new("stackwebhook_message[1]")
local scratch_out = ffi.new("char[256]")

-- header_array fills the scratch C array from a headers table (name -> value, or name -> { values }).
-- The strings it points to stay alive in the caller's table for the call.
local function header_array(headers)
  local n = 0
  for _, value in pairs(headers) do
    n = n + (type(value) == "table" and #value or 1)
  end
  if n > scratch_size then
    scratch_size = math.max(n, 16)
    scratch_headers = ffi.new("stackwebhook_header[?]", scratch_size)
  end
  local array, i = scratch_headers, 0
  for name, value in pairs(headers) do
    if type(name) ~= "string" then return nil, "a header name is not a string", "invalid_headers" end
    if type(value) == "string" then
      array[i].name, array[i].name_len, array[i].value, array[i].value_len = name, #name, value, #value
      i = i + 1
    elseif type(value) == "table" then
      for _, v in ipairs(value) do
        if type(v) ~= "string" then return nil, "the header " .. name .. " has a value that is not a string", "invalid_headers" end
        array[i].name, array[i].name_len, array[i].value, array[i].value_len = name, #name, v, #v
        i = i + 1
      end
    else
      return nil, "the header " .. name .. " has a value that is not a string", "invalid_headers"
    end
  end
  return array, i
end

local function verify(self, body, headers, now, flags)
  local l, err, code = load()
  if not l then return nil, err, code end
  if now == "truncated" then
    return nil, "ngx.req.get_headers() read only part of the headers (more than its limit, 100 by default) " ..
      "and its second result was passed as now: read the headers into a local first, and refuse a truncated " ..
      "request", "invalid_headers"
  end
  if now ~= nil and (type(now) ~= "number" or now ~= math.floor(now)) then
    return nil, "now must be nil or whole Unix seconds, not " .. tostring(now), "invalid_argument"
  end
  if type(body) ~= "string" then return nil, "the body must be a string", "invalid_argument" end
  if type(headers) ~= "table" then return nil, "the headers must be a table", "invalid_argument" end
  local array, count
  array, count, code = header_array(headers)
  if not array then return nil, count, code end
  local m, out, size = scratch_message, scratch_out, 256
  local status = l.stackwebhook_verify_request(self.handle[0], array, count, body, #body, now or 0, flags, out, size, m)
  if status == BUFFER_TOO_SMALL then -- verified: a longer id than usual
    size = tonumber(m[0].needed)
    out = ffi.new("char[?]", size)
    status = l.stackwebhook_verify_request(self.handle[0], array, count, body, #body, now or 0, flags, out, size, m)
  end
  if status ~= 0 then return nil, ffi.string(out), M.codes[status] or "unknown" end
  local id_len = tonumber(m[0].id_len)
  local message = { id = ffi.string(out, id_len), timestamp = tonumber(m[0].timestamp) }
  if flags == DECODE_EVENT then message.type = ffi.string(out + id_len + 1, tonumber(m[0].type_len)) end
  return message
end

-- wh:verify(body, headers [, now]): { id = verified id, timestamp = Unix seconds }, or nil, message, code.
-- body: the raw body, a string. headers: name -> value (or a table of values), names in any case.
-- now: Unix seconds; nil or 0 is the system clock.
function Webhook:verify(body, headers, now)
  return verify(self, body, headers, now, 0)
end

-- wh:verify_event(body, headers [, now]): as verify, with the payload decoded as a Stack webhook and its
-- event type in .type ("user.created", ...); the data stays in body, JSON for the caller's cjson.
-- A signed body that is not a Stack payload: nil, message, "invalid_payload".
function Webhook:verify_event(body, headers, now)
  return verify(self, body, headers, now, DECODE_EVENT)
end

return M
