# Builds libstackwebhook.so with Go when the gem is installed, and writes the Makefile RubyGems runs:
# its install target copies the library into the gem's extension directory, which is on $LOAD_PATH
# once the gem is activated, where stackwebhook.rb looks for it. No C compiler or Ruby headers needed.
require "rbconfig"

src = File.expand_path("go", __dir__)
abort "stackwebhook: the gem holds no Go source (#{src}): build the gem from a checkout" unless File.exist?(File.join(src, "go.mod"))
go = ENV.fetch("GO", "go")
unless system(go, "version", out: File::NULL, err: File::NULL)
  abort "stackwebhook: installing the gem needs Go on PATH (https://go.dev/dl/) to build libstackwebhook.so, " \
        "or GO naming the go command"
end
out = File.expand_path("libstackwebhook.so")
Dir.chdir(src) do
  system(go, "build", "-trimpath", "-buildmode=c-shared", "-o", out, "./capi") or abort "stackwebhook: go build failed"
end
File.delete("libstackwebhook.h") if File.exist?("libstackwebhook.h")

# RubyGems says where to install through the siteconf file it loads before this one (RbConfig's
# sitearchdir), as mkmf would write it into the Makefile.
dest = RbConfig::CONFIG["sitearchdir"]
File.write("Makefile", <<~MAKE)
  sitearchdir = #{dest}
  all:
  \t@true
  clean:
  \t@true
  install:
  \tmkdir -p "$(DESTDIR)$(sitearchdir)"
  \tcp libstackwebhook.so "$(DESTDIR)$(sitearchdir)/libstackwebhook.so"
MAKE
