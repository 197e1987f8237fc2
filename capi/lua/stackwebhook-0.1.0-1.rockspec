-- luarocks make (in this folder, a checkout's capi/lua) builds libstackwebhook.so with Go and installs it
-- next to the module, stackwebhook.lua, which finds it there. The module needs LuaJIT (ffi): OpenResty,
-- or luajit; luarocks itself may run on any Lua 5.1.
rockspec_format = "3.0"
package = "stackwebhook"
version = "0.1.0-1"
source = {
  url = "git+https://github.com/stackwebhook/stackwebhook",
  dir = "stackwebhook/capi/lua",
}
description = {
  summary = "Verify Stack Auth webhooks (Svix signatures) from LuaJIT and OpenResty",
  detailed = [[
    stackwebhook's Svix signature verifier, through its C library and LuaJIT's ffi: wh:verify(body, headers)
    returns the verified message id (the idempotency key) and timestamp, or nil, a message and a code.
    An nginx configuration that verifies at the edge comes with it.
  ]],
  license = "MIT",
}
dependencies = {
  "lua >= 5.1",
}
build_dependencies = {}
build = {
  type = "command",
  build_command = "go build -trimpath -buildmode=c-shared -o libstackwebhook.so ../../capi && rm -f libstackwebhook.h",
  install = {
    lua = {
      ["stackwebhook"] = "stackwebhook.lua",
      ["libstackwebhook"] = "libstackwebhook.so",
    },
  },
  copy_directories = {},
}
