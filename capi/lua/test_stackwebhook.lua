-- Tests of stackwebhook.lua with LuaJIT, over the official vectors (STACKWEBHOOK_CASES, the table
-- ../capi_test.go writes; format in ../ctest/capi_test.c) and the library in STACKWEBHOOK_LIB, or, with
-- STACKWEBHOOK_INSTALLED=1, the module and library a luarocks tree installed (LUA_PATH and LUA_CPATH).
-- Prints "N passed, M failed" and exits 1 on any failure.
if os.getenv("STACKWEBHOOK_INSTALLED") ~= "1" then
  package.path = arg[0]:gsub("[^/]*$", "") .. "?.lua;" .. package.path
end
local ffi = require "ffi"
local stackwebhook = require "stackwebhook"

local passed, failed = 0, 0
local function check(cond, ...)
  if cond then passed = passed + 1 else failed = failed + 1; io.stderr:write("FAIL: ", string.format(...), "\n") end
end

local function unhex(s) return (s:gsub("..", function(h) return string.char(tonumber(h, 16)) end)) end
local code_of = { [0] = true }
for n, name in pairs(stackwebhook.codes) do code_of[n] = name end

local cases = 0
for line in io.lines(os.getenv("STACKWEBHOOK_CASES")) do
  local f = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do f[#f + 1] = field end
  local status, secret, id, ts, body, now, event_type = tonumber(f[1]), unhex(f[2]), unhex(f[3]), unhex(f[4]),
    unhex(f[6]), tonumber(f[7]), unhex(f[8])
  local headers = {}
  for pair in f[10]:gmatch("[^,]+") do
    local name, value = pair:match("^(%x*):(%x*)$")
    headers[unhex(name)] = unhex(value)
  end
  cases = cases + 1
  local wh, err, code = stackwebhook.new(secret)
  if status == 1 then
    check(wh == nil and code == "invalid_secret", "case %d: secret accepted", cases)
  else
    local m
    m, err, code = wh:verify(body, headers, now)
    if status == 0 then
      check(m and m.id == id and m.timestamp == tonumber(ts), "case %d (%s): %s", cases, id, tostring(err))
      if event_type ~= "" then
        local e = wh:verify_event(body, headers, now)
        check(e and e.type == event_type and e.id == id, "case %d: event type", cases)
      end
    else
      check(m == nil and code == code_of[status] and err:sub(1, 14) == "stackwebhook: ",
        "case %d (%s): got %s, want %s", cases, id, tostring(code), code_of[status])
    end
  end
end
check(cases > 1000, "only %d cases", cases)

local pub = { id = "msg_p5jXN8AQM9LWM0D4loKWxJek", ts = "1614265330", body = '{"test": 2432232314}',
  sig = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", now = 1614265330 }
local wh = assert(stackwebhook.new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))

-- The renamed-header replay with a stray svix-id: the verified id is the webhook-id.
local replay = { ["Webhook-Id"] = pub.id, ["webhook-timestamp"] = pub.ts, ["WEBHOOK-SIGNATURE"] = pub.sig,
  ["svix-id"] = "msg_evil" }
local m = wh:verify(pub.body, replay, pub.now)
check(m and m.id == pub.id and m.timestamp == pub.now, "replay: the verified id is %s", m and m.id)

-- NUL bytes: msg_A\0x would be msg_A to C; refused in a value, a name, and the secret.
local ok, err, code = wh:verify(pub.body, { ["svix-id"] = pub.id .. "\0x", ["svix-timestamp"] = pub.ts,
  ["svix-signature"] = pub.sig }, pub.now)
check(ok == nil and code == "invalid_headers" and err:find("NUL"), "NUL in a value: %s", tostring(code))
ok, _, code = wh:verify(pub.body, { ["svix-id"] = pub.id, ["svix-timestamp"] = pub.ts, ["svix-signature"] = pub.sig,
  ["x\0svix-id"] = "msg_evil" }, pub.now)
check(ok == nil and code == "invalid_headers", "NUL in a name: %s", tostring(code))
ok, _, code = stackwebhook.new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\0 trailing text")
check(ok == nil and code == "invalid_secret", "NUL in the secret: %s", tostring(code))

-- Repeated values (a table, as get_headers gives them): the id twice is refused, a split signature is read.
ok, _, code = wh:verify(pub.body, { ["svix-id"] = { pub.id, "msg_evil" }, ["svix-timestamp"] = pub.ts,
  ["svix-signature"] = pub.sig }, pub.now)
check(ok == nil and code == "invalid_headers", "the id twice: %s", tostring(code))
m = wh:verify(pub.body, { ["svix-id"] = pub.id, ["svix-timestamp"] = pub.ts,
  ["svix-signature"] = { "v1", pub.sig:sub(4) } }, pub.now)
check(m and m.id == pub.id, "a split signature")

-- get_headers' "truncated" passed as now, and other bad arguments: never raised.
ok, err, code = wh:verify(pub.body, replay, "truncated")
check(ok == nil and code == "invalid_headers" and err:find("truncated"), "truncated: %s", tostring(code))
for _, args in ipairs({ { pub.body, replay, "soon" }, { pub.body, replay, 1.5 }, { nil, replay }, { pub.body, "x" },
  { pub.body, { [1] = "x" } } }) do
  local okc, r1, _, r3 = pcall(wh.verify, wh, args[1], args[2], args[3])
  check(okc and r1 == nil and (r3 == "invalid_argument" or r3 == "invalid_headers"), "bad arguments raised or passed: %s",
    tostring(r3))
end
ok, _, code = stackwebhook.new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", -1)
check(ok == nil and code == "invalid_argument", "negative tolerance")
ok, _, code = stackwebhook.new_public_key("whpk_AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
check(ok == nil and code == "invalid_secret", "a small-order public key")

-- verify_event on bodies the Go library accepts: deep nesting, invalid UTF-8, lone surrogates. Signed
-- here through the Python-free path: the official vector's key, with the C library's own signer
-- checked against the official vectors elsewhere (ctest).
ffi.cdef [[
int stackwebhook_new(const char *secret, long long tolerance_seconds, stackwebhook_handle *out);
int stackwebhook_sign(stackwebhook_handle handle, const char *msg_id, long long timestamp,
                      const unsigned char *payload, size_t payload_len, char *out, size_t out_size, size_t *needed);
]]
local lib = ffi.load(os.getenv("STACKWEBHOOK_LIB") or -- else the one installed beside the module
  (package.searchpath("stackwebhook", package.path):gsub("stackwebhook%.lua$", "libstackwebhook.so")))
local h = ffi.new("stackwebhook_handle[1]")
assert(lib.stackwebhook_new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", 0, h) == 0)
local function signed(body)
  local out = ffi.new("char[48]")
  assert(lib.stackwebhook_sign(h[0], "msg_1", 1700000000, body, #body, out, 48, nil) == 0)
  return { ["svix-id"] = "msg_1", ["svix-timestamp"] = "1700000000", ["svix-signature"] = ffi.string(out) }
end
for _, body in ipairs({
  '{"type":"custom.event","data":{"a":' .. string.rep("[", 9990) .. string.rep("]", 9990) .. "}}",
  '{"type":"custom.event","data":{"a":"\255\254"}}',
  '{"type":"custom.event","data":{"a":"\\ud800"}}',
}) do
  local e, e_err = wh:verify_event(body, signed(body), 1700000000)
  check(e and e.type == "custom.event" and e.id == "msg_1", "verify_event: %s", tostring(e_err))
end

-- fork(): a child of the process that loaded the library gets "forked", never a hang.
ffi.cdef [[ int fork(void); int waitpid(int pid, int *status, int options); void _exit(int status); ]]
local pid = ffi.C.fork()
if pid == 0 then
  local okf, _, fcode = wh:verify(pub.body, replay, pub.now)
  ffi.C._exit((okf == nil and fcode == "forked") and 0 or 3)
end
local st = ffi.new("int[1]")
ffi.C.waitpid(pid, st, 0)
check(st[0] == 0, "the forked child: wait status %d", st[0])

-- A library that cannot be loaded: nil, a message naming what to do, "library_not_found"; no error raised.
local script = os.tmpname()
local f = assert(io.open(script, "w"))
f:write('local s = require "stackwebhook"\nlocal w, e, c = s.new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")\n',
  'io.write(tostring(c), " ", tostring(e and e:find("STACKWEBHOOK_LIB") ~= nil))\n')
f:close()
local lua_path = os.getenv("STACKWEBHOOK_INSTALLED") == "1" and "" or ("LUA_PATH='" .. arg[0]:gsub("[^/]*$", "") .. "?.lua;;' ")
local p = io.popen("STACKWEBHOOK_LIB=/nonexistent/libstackwebhook.so " .. lua_path .. "luajit " .. script)
local out = p:read("*a")
p:close()
os.remove(script)
check(out == "library_not_found true", "a missing library: %s", out)

-- find_library names the file it would load, without loading it, or says that there is none.
script = os.tmpname()
f = assert(io.open(script, "w"))
f:write('local s = require "stackwebhook"\nlocal p, e = s.find_library()\n',
  'io.write(tostring(p), " ", tostring(e and e:find("STACKWEBHOOK_LIB") ~= nil))\n')
f:close()
local lib_path = os.getenv("STACKWEBHOOK_LIB")
for env, want in pairs({ ["/nonexistent/libstackwebhook.so"] = "nil true", [lib_path or ""] = tostring(lib_path) .. " nil" }) do
  if env ~= "" then
    p = io.popen("STACKWEBHOOK_LIB=" .. env .. " " .. lua_path .. "luajit " .. script)
    out = p:read("*a")
    p:close()
    check(out == want, "find_library with STACKWEBHOOK_LIB=%s: %s", env, out)
  end
end
os.remove(script)

print(string.format("lua: %d cases; %d passed, %d failed", cases, passed, failed))
os.exit(failed == 0 and 0 or 1)
