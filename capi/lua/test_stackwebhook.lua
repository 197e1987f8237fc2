-- Tests of stackwebhook.lua with LuaJIT, over the official vectors (STACKWEBHOOK_CASES, the table
-- ../capi_test.go writes; format in ../ctest/capi_test.c) and the library in STACKWEBHOOK_LIB.
-- Prints "N passed, M failed" and exits 1 on any failure.
package.path = arg[0]:gsub("[^/]*$", "") .. "?.lua;" .. package.path
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
  local status, secret, id, ts, sig, body, now, event_type = tonumber(f[1]), unhex(f[2]), unhex(f[3]), unhex(f[4]),
    unhex(f[5]), unhex(f[6]), tonumber(f[7]), unhex(f[8])
  cases = cases + 1
  local wh, err, code = stackwebhook.new(secret)
  if status == 1 then
    check(wh == nil and code == "invalid_secret", "case %d: secret accepted", cases)
  else
    local headers = cases % 2 == 0 and { ["svix-id"] = id, ["svix-timestamp"] = ts, ["svix-signature"] = sig }
      or { ["Svix-Id"] = id, ["SVIX-TIMESTAMP"] = ts, ["svix-Signature"] = sig }
    local ok
    ok, err, code = wh:verify(body, headers, now)
    if status == 0 then
      check(ok == true, "case %d (%s): %s", cases, id, tostring(err))
      if event_type ~= "" then
        check(wh:verify_event(body, headers, now) == event_type, "case %d: event type", cases)
      end
    else
      check(ok == nil and code == code_of[status], "case %d (%s): got %s, want %s", cases, id, tostring(code), code_of[status])
    end
  end
end
check(cases > 1000, "only %d cases", cases)

-- The header rules, and the fork guard.
local wh = assert(stackwebhook.new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
local body = '{"test": 2432232314}'
local set = { ["webhook-id"] = "msg_p5jXN8AQM9LWM0D4loKWxJek", ["webhook-timestamp"] = "1614265330",
  ["webhook-signature"] = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", ["svix-id"] = "msg_stray" }
check(wh:verify(body, set, 1614265330) == true, "the webhook-* set, a stray svix-id beside it")
set["WEBHOOK-ID"] = "msg_other"
local ok, _, code = wh:verify(body, set, 1614265330)
check(ok == nil and code == "invalid_headers", "a header twice in different cases: %s", tostring(code))
ok, _, code = wh:verify(body, { ["svix-id"] = { "a", "b" }, ["svix-timestamp"] = "1", ["svix-signature"] = "v1,x" })
check(ok == nil and code == "invalid_headers", "a repeated header: %s", tostring(code))
local pub, _, pcode = stackwebhook.new_public_key("whpk_AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
check(pub == nil and pcode == "invalid_secret", "a small-order public key")

print(string.format("lua: %d cases; %d passed, %d failed", cases, passed, failed))
os.exit(failed == 0 and 0 or 1)
