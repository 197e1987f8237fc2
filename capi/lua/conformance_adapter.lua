-- The conformance protocol (conformance/CONFORMANCE.md) answered through the C ABI with stackwebhook.lua:
-- one JSON case per line on standard input, one verdict per line on standard output.
--
--   luajit capi/lua/conformance_adapter.lua     -- STACKWEBHOOK_LIB names libstackwebhook.so; needs lua-cjson
--
-- The headers go to the C library as the case gives them, names and all: it chooses the header set. The
-- clock is the case's, in whole seconds (the rule reads the clock to the whole second too).
package.path = arg[0]:gsub("[^/]*$", "") .. "?.lua;" .. package.path
local cjson = require "cjson"
local stackwebhook = require "stackwebhook"

local verdicts = {
  invalid_secret = "invalid_secret", missing_headers = "missing_headers", invalid_headers = "invalid_headers",
  timestamp_too_old = "too_old", timestamp_too_new = "too_new", no_matching_signature = "no_match",
}

local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local value = {}
for i = 1, 64 do value[alphabet:sub(i, i)] = i - 1 end

local function unbase64(s)
  local out, bits, n = {}, 0, 0
  for c in s:gmatch("[^=]") do
    bits, n = bits * 64 + value[c], n + 6
    if n >= 8 then
      n = n - 8
      local byte = math.floor(bits / 2 ^ n)
      out[#out + 1] = string.char(byte)
      bits = bits - byte * 2 ^ n
    end
  end
  return table.concat(out)
end

for line in io.lines() do
  local case = cjson.decode(line)
  local wh, _, code = stackwebhook.new(case.secret)
  if wh then
    local m
    m, _, code = wh:verify(unbase64(case.body_b64), case.headers, math.floor(case.now_ms / 1000))
    if m then code = nil end
  end
  io.write(code == nil and "ok" or verdicts[code] or ("error: " .. tostring(code)), "\n")
  io.flush()
end
