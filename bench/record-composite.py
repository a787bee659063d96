#!/usr/bin/python3
"""CPU cost of gst-livekit-record's --composite per participant.

Runs, as fast as possible (not live), the elements the composite uses
(tools/record/composite.c: decoder per codec, compositor grid, audiomixer,
vp8enc deadline=1 cpu-used=8 threads=1 at 640x360 15 fps, opusenc, webmmux)
for N participants, each a 10 s VP8 320x240 15 fps + Opus recording, and the
same N participants only remuxed (what the per-participant .mkv costs). CPU
time is the child processes' user+system time (getrusage); printed as
seconds per participant and as a ratio against the remux in the same run.

  bench/record-composite.py [N ...]     (default 1 2 4)
"""
import os, resource, subprocess, sys, tempfile

SECONDS = 10


def cpu(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def gst(desc):
    return ["gst-launch-1.0", "-q"] + desc.split()


def main():
    ns = [int(a) for a in sys.argv[1:]] or [1, 2, 4]
    d = tempfile.mkdtemp()
    src = os.path.join(d, "p.mkv")
    frames = SECONDS * 15
    subprocess.run(gst(
        f"videotestsrc num-buffers={frames} pattern=ball ! video/x-raw,width=320,height=240,framerate=15/1 "
        f"! vp8enc deadline=1 ! mux. audiotestsrc num-buffers={SECONDS * 50} samplesperbuffer=960 "
        f"freq=440 ! opusenc ! mux. matroskamux name=mux ! filesink location={src}"), check=True)
    print(f"composite 640x360 15 fps, {SECONDS} s of input per participant")
    print(f"{'N':>3} {'composite s':>12} {'remux s':>9} {'composite/participant s':>24} {'ratio':>7}")
    for n in ns:
        inputs = " ".join(
            f"filesrc location={src} ! matroskademux name=d{i} d{i}.video_0 ! queue ! vp8dec ! "
            f"videoconvert ! video/x-raw,format=I420 ! comp. d{i}.audio_0 ! queue ! opusdec ! "
            f"audioconvert ! audioresample ! audio/x-raw,format=S16LE,rate=48000,channels=2 ! mix."
            for i in range(n))
        cols = 1
        while cols * cols < n:
            cols += 1
        rows = (n + cols - 1) // cols
        w, h = 640 // cols, 360 // rows
        pads = " ".join(f"sink_{i + 1}::xpos={i % cols * w} sink_{i + 1}::ypos={i // cols * h} "
                        f"sink_{i + 1}::width={w} sink_{i + 1}::height={h}" for i in range(n))
        comp = (f"videotestsrc num-buffers={frames} pattern=black ! "
                f"video/x-raw,format=I420,width=640,height=360,framerate=15/1 ! compositor name=comp {pads} ! "
                f"videoconvert ! vp8enc deadline=1 cpu-used=8 threads=1 keyframe-max-dist=30 "
                f"target-bitrate=800000 end-usage=cbr ! webmmux name=m ! fakesink "
                f"audiotestsrc num-buffers={SECONDS * 50} samplesperbuffer=960 wave=silence ! "
                f"audio/x-raw,format=S16LE,rate=48000,channels=2 ! audiomixer name=mix ! "
                f"audioconvert ! opusenc ! m. {inputs}")
        remux = " ".join(f"filesrc location={src} ! matroskademux name=d{i} d{i}.video_0 ! queue ! "
                         f"mux{i}. d{i}.audio_0 ! queue ! opusparse ! mux{i}. matroskamux name=mux{i} ! fakesink"
                         for i in range(n))
        empty = cpu(gst(comp.split(" audiotestsrc")[0].replace(f" {pads}", "") +
                        f" audiotestsrc num-buffers={SECONDS * 50} samplesperbuffer=960 wave=silence ! "
                        f"audio/x-raw,format=S16LE,rate=48000,channels=2 ! audiomixer name=mix ! "
                        f"audioconvert ! opusenc ! m."))
        c = cpu(gst(comp))
        r = cpu(gst(remux))
        per = (c - empty) / n
        print(f"{n:>3} {c:>12.2f} {r:>9.2f} {per:>24.2f} {per / (r / n):>7.1f}x"
              f"   (empty composite {empty:.2f} s)")


main()
