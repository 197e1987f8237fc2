"""Builds libstackwebhook.so with Go into the package while building it, so that the wheel (a platform wheel)
carries the library and installs where Go is not. Needs Go on PATH, and this directory inside a checkout of the
stackwebhook repository (the Go module two levels up)."""
import os
import shutil
import subprocess

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py


def module_root():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    if not os.path.isfile(os.path.join(root, "go.mod")) or not os.path.isdir(os.path.join(root, "capi")):
        raise SystemExit("stackwebhook: build from a checkout of the repository (capi/python inside it): the C "
                         "library is built from its Go source, which is not beside %s" % here)
    return root


class BuildWithGo(build_py):
    """build_py, then `go build -buildmode=c-shared` into the built package."""

    def run(self):
        super().run()
        go = shutil.which("go")
        if go is None:
            raise SystemExit("stackwebhook: building the package needs Go on PATH (https://go.dev/dl/): it compiles "
                             "libstackwebhook.so. Install a wheel built elsewhere to do without it.")
        out = os.path.join(os.path.abspath(self.build_lib), "stackwebhook", "libstackwebhook.so")
        os.makedirs(os.path.dirname(out), exist_ok=True)
        build = subprocess.run([go, "build", "-trimpath", "-buildmode=c-shared", "-o", out, "./capi"],
                               cwd=module_root(), capture_output=True, text=True)
        if build.returncode != 0:
            raise SystemExit("stackwebhook: go build of libstackwebhook.so failed:\n" + build.stdout + build.stderr)
        header = os.path.splitext(out)[0] + ".h"  # cgo's generated header: not part of the package
        if os.path.exists(header):
            os.remove(header)


class BinaryDistribution(Distribution):
    """The package holds a compiled library: its wheel is a platform wheel."""

    def has_ext_modules(self):
        return True


setup(cmdclass={"build_py": BuildWithGo}, distclass=BinaryDistribution)
