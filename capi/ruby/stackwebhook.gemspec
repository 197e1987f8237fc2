# gem build stackwebhook.gemspec (in this folder, a checkout's capi/ruby), then
# gem install --local stackwebhook-0.1.0.gem: the gem carries the library's Go source and builds
# libstackwebhook.so with Go at install (ext/stackwebhook/extconf.rb).
#
# Built from a checkout, this spec first copies the Go source the C library is built from (the root
# package, publickey/, capi/, go.mod) into ext/stackwebhook/go (ignored by git), so that the gem is
# whole on its own.
root = File.expand_path("../..", __dir__)
vendor = File.join(__dir__, "ext/stackwebhook/go")
if File.exist?(File.join(root, "go.mod")) && File.directory?(File.join(root, "capi"))
  require "fileutils"
  FileUtils.rm_rf(vendor)
  sources = Dir.glob("{go.mod,go.sum,LICENSE,*.go,publickey/*.go,capi/*.go,capi/*.c,capi/*.h}", base: root)
  sources.reject { |f| f.end_with?("_test.go") }.each do |f|
    FileUtils.mkdir_p(File.join(vendor, File.dirname(f)))
    FileUtils.cp(File.join(root, f), File.join(vendor, f))
  end
end

Gem::Specification.new do |s|
  s.name = "stackwebhook"
  s.version = "0.1.0"
  s.summary = "Verify Stack Auth webhooks (Svix signatures) through stackwebhook's C library"
  s.description = "Svix signature verification for Stack Auth webhooks: verify(body, headers) returns the " \
                  "verified message id, the idempotency key. A Rack middleware puts it in the env."
  s.license = "MIT"
  s.authors = ["stackwebhook"]
  s.homepage = "https://github.com/stackwebhook/stackwebhook"
  s.required_ruby_version = ">= 3.0"
  s.files = Dir.glob("{lib/**/*.rb,ext/stackwebhook/extconf.rb,ext/stackwebhook/go/**/*}", base: __dir__)
  s.require_paths = ["lib"]
  s.extensions = ["ext/stackwebhook/extconf.rb"]
  s.add_dependency "ffi", ">= 1.10"
end
