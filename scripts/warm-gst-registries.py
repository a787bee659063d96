#!/usr/bin/env python3
"""Builds each test's GStreamer registry before a leak-checked run.

The ASan tests scan plugins in-process (GST_REGISTRY_FORK=no), so a fresh
registry loads every system plugin into the test, and their one-time
allocations (fontconfig, udev, C++ runtimes) show as leaks with stacks too
short to suppress. This scans the system plugins into every registry with the
uninstrumented gst-inspect-1.0 first; the tests then scan only our plugins.

usage: warm-gst-registries.py BUILD_DIR SUITE [SUITE ...]
"""
import json
import os
import subprocess
import sys

build = os.path.abspath(sys.argv[1])
suites = set(sys.argv[2:])
tests = json.loads(subprocess.run(["meson", "introspect", "--tests", build],
                                  check=True, capture_output=True, text=True).stdout)
top = os.path.dirname(build)
done = set()
for test in tests:
    names = {s.split(":")[-1] for s in test["suite"]}
    registry = test["env"].get("GST_REGISTRY")
    if not names & suites or not registry or registry in done:
        continue
    done.add(registry)
    env = dict(os.environ, **test["env"])
    for var in ("GST_PLUGIN_PATH_1_0", "GST_PLUGIN_PATH"):
        if var in env:  # everything but our own (instrumented) plugins
            env[var] = os.pathsep.join(p for p in env[var].split(os.pathsep)
                                       if p and not p.startswith(top))
    env.pop("GST_REGISTRY_FORK", None)
    subprocess.run(["gst-inspect-1.0", "coreelements"], env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(f"warm-gst-registries: {len(done)} registries")
