#!/usr/bin/env python3
"""Judges the LeakSanitizer reports of the ASan step (scripts/test.sh).

  lsan-report.py TOP LOG-DIR

The step runs with LSAN_OPTIONS=exitcode=0:log_path=LOG-DIR/lsan and
tests/lsan.supp, and the default fast (frame-pointer) unwinder: a stack
stops at the first uninstrumented library built without frame pointers
(GLib, OpenSSL, GStreamer), so what a third-party library allocated on
its own often shows no caller at all. Hence:

  * a leak with a frame of ours (a source file under TOP, or one of our
    binaries and libraries) fails the run;
  * a leak with no frame of ours passes only if it is one of the two
    one-time allocations such a stack cannot name but which every run
    shows: GLib's first quark block (16384 bytes from g_malloc, leaked on
    purpose when the quark table grows) and OpenSSL's per-thread state
    (CRYPTO_zalloc) of a GLib/GStreamer pool thread still parked at exit;
  * any other leak fails too: rerun the test with LSAN_SLOW=1 (the slow
    unwinder, full stacks, minutes instead of seconds) to see whose it is.
Other sanitizer reports in LOG-DIR are printed (their test failed already).
Exits 1 on failure.
"""
import glob
import os
import re
import sys

FRAME = re.compile(r"^\s*#(\d+) 0x[0-9a-f]+ in (\S+)(?: (\S+))?|^\s*#(\d+) 0x[0-9a-f]+\s+\((\S+?)\+")


def frames(block):
    out = []
    for line in block.splitlines():
        m = FRAME.match(line)
        if not m:
            continue
        if m.group(2):
            fn, loc = m.group(2), m.group(3) or ""
            mod = ""
            mm = re.search(r"\((\S+?)\+0x", line)
            if mm:
                mod = mm.group(1)
            out.append((fn, loc, mod))
        else:
            out.append(("", "", m.group(5)))
    return out


def main():
    top, logdir = os.path.realpath(sys.argv[1]), sys.argv[2]
    ours_src = re.compile(re.escape(top) + r"/(?:[^/ ]+/)?\.\./(gst|plugins|tests|examples|tools)/"
                          r"|" + re.escape(top) + r"/(gst|plugins|tests|examples|tools)/")
    ours_mod = re.compile(r"/(libgstlivekit[^/]*\.so[^/]*|test-[^/]+|room-e2ee|rotate-keys[^/]*)$")
    failed, known, other_reports = [], {"glib quark block": 0, "OpenSSL thread state": 0}, []
    for path in sorted(glob.glob(os.path.join(logdir, "lsan*"))):
        text = open(path, errors="replace").read()
        if "LeakSanitizer" not in text:
            other_reports.append((path, text))
            continue
        head = text.split("==ERROR: LeakSanitizer", 1)[0]
        if re.search(r"ERROR: (AddressSanitizer|UndefinedBehaviorSanitizer)|runtime error", head):
            other_reports.append((path, head))
        for block in re.split(r"\n(?=(?:Direct|Indirect) leak of)", text):
            if not re.match(r"(Direct|Indirect) leak of", block):
                continue
            block = block.split("\nSUMMARY:")[0]
            fr = frames(block)[1:]          # #0 is the sanitizer's interceptor
            ours = any(ours_src.search(loc) or ours_src.search(mod) or ours_mod.search(mod)
                       for _, loc, mod in fr)
            mods = {os.path.basename(mod) for _, _, mod in fr}
            first = fr[0][0] if fr else ""
            names = [fn for fn, _, _ in fr[:4]]
            if first == "CRYPTO_zalloc" and "ERR_set_mark" in names:
                # OpenSSL's per-thread error state (full stack: LSAN_SLOW).
                known["OpenSSL thread state"] += 1
            elif ours:
                failed.append((path, "a leak of ours", block))
            elif (block.startswith("Direct leak of 16384 byte(s) in 1 object(s)")
                  and first == "g_malloc" and mods <= {"libglib-2.0.so.0"}):
                known["glib quark block"] += 1
            elif first == "CRYPTO_zalloc" and mods <= {"libcrypto.so.3"}:
                known["OpenSSL thread state"] += 1
            else:
                failed.append((path, "a leak nobody is known for (rerun with LSAN_SLOW=1)", block))
    for path, text in other_reports:
        print(f"--- sanitizer report {path}:\n{text.strip()[:4000]}")
    for path, why, block in failed:
        print(f"--- {why} ({path}):\n{block.strip()}")
    print("LeakSanitizer: %d leak(s) failing the run; one-time third-party allocations without a "
          "frame of ours: %s; reports in %s" % (
              len(failed), ", ".join(f"{k} x{v}" for k, v in known.items()), logdir))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
