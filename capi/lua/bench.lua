-- The cost of one verification from LuaJIT (stackwebhook.lua over the C library), beside the Go figure of
-- bench/: luajit bench.lua [calls]. Prints nanoseconds per call for a 1 KiB body. The signature is made
-- by the C library's stackwebhook_sign, which the official vectors check.
package.path = arg[0]:gsub("[^/]*$", "") .. "?.lua;" .. package.path
local ffi = require "ffi"
local stackwebhook = require "stackwebhook"
ffi.cdef [[
int stackwebhook_sign(stackwebhook_handle handle, const char *msg_id, long long timestamp,
                      const unsigned char *payload, size_t payload_len, char *out, size_t out_size, size_t *needed);
]]
local calls = tonumber(arg[1]) or 200000
local secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
local wh = assert(stackwebhook.new(secret))
local body = '{"type":"stack.test","data":{"message":"' .. string.rep("x", 950) .. '","endpointUrl":"https://example.com"}}'
local sig = ffi.new("char[48]")
local lib = ffi.load(os.getenv("STACKWEBHOOK_LIB"))
assert(lib.stackwebhook_sign(wh.handle[0], "msg_bench", 1700000000, body, #body, sig, 48, nil) == 0)
local headers = { ["svix-id"] = "msg_bench", ["svix-timestamp"] = "1700000000", ["svix-signature"] = ffi.string(sig) }
assert(wh:verify(body, headers, 1700000000))
local start = os.clock()
for _ = 1, calls do wh:verify(body, headers, 1700000000) end
local elapsed = os.clock() - start
print(string.format("luajit verify, %d-byte body: %.0f ns/op (%d calls, CPU time)", #body, elapsed / calls * 1e9, calls))
