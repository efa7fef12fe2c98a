#!/usr/bin/python3
# gst-audiostream
# Copyright (C) 2026 gst-audiostream developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.

"""Record real arrival traces for the adaptivejitterqueue evaluation.

A live tone goes through audiostreamsink (clock-paced, 10 ms chunks) over
loopback TCP, optionally through the test proxy (tests/integration/
proxy.py, which adds delay, jitter and stalls in user space, since this
kernel has no netem), to `tcpserversrc ! rawaudioparse`; the time each
buffer leaves rawaudioparse, which is where adaptivejitterqueue would sit,
and its size are written as a trace for evaluate.py --recorded.

Scenarios (real time: SECONDS each):
  loopback       no proxy: the scheduling jitter of this machine only
  proxy-jitter   20 ms of delay plus 0..40 ms of uniform jitter per chunk
  proxy-stalls   5 ms plus 0..5 ms, and a 200 ms stall every 6..12 s

Usage: record.py --outdir DIR [--seconds 120] [SCENARIO ...]
Needs GST_PLUGIN_PATH_1_0 to find audiostreamsink (meson devenv).
"""

import argparse
import os
import random
import sys
import threading
import time

import gi

gi.require_version('Gst', '1.0')
from gi.repository import GLib, Gst  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', 'integration'))
from proxy import Proxy  # noqa: E402

RATE = 48000
BPF = 2                         # S16LE mono


class Receiver:
    def __init__(self):
        self.pipeline = Gst.parse_launch(
            'tcpserversrc name=src host=127.0.0.1 port=0 ! '
            'rawaudioparse name=parse use-sink-caps=false format=pcm '
            'pcm-format=s16le sample-rate=%d num-channels=1 ! '
            'fakesink sync=false' % RATE)
        self.arrivals = []
        pad = self.pipeline.get_by_name('parse').get_static_pad('src')
        pad.add_probe(Gst.PadProbeType.BUFFER, self._on_buffer)
        self.pipeline.set_state(Gst.State.PAUSED)
        self.pipeline.get_state(5 * Gst.SECOND)
        self.port = self.pipeline.get_by_name('src').get_property(
            'current-port')
        self.pipeline.set_state(Gst.State.PLAYING)

    def _on_buffer(self, pad, info):
        buf = info.get_buffer()
        self.arrivals.append((time.monotonic_ns(), buf.get_size() // BPF))
        return Gst.PadProbeReturn.OK

    def stop(self):
        self.pipeline.set_state(Gst.State.NULL)


def sender(port):
    pipeline = Gst.parse_launch(
        'audiotestsrc is-live=true samplesperbuffer=480 ! '
        'audio/x-raw,format=S16LE,rate=%d,channels=1 ! '
        'audiostreamsink host=127.0.0.1 port=%d prefill-ms=50 '
        'adaptive-buffer=false' % (RATE, port))
    pipeline.set_state(Gst.State.PLAYING)
    return pipeline


def stall_now_and_then(proxy, stop):
    rng = random.Random(5)
    while not stop.wait(rng.uniform(6, 12)):
        proxy.stall(True)
        time.sleep(0.2)
        proxy.stall(False)


def record(name, seconds, path):
    rx = Receiver()
    proxy = None
    stop = threading.Event()
    stallers = []
    port = rx.port
    if name != 'loopback':
        proxy = Proxy('127.0.0.1', rx.port)
        port = proxy.port
        if name == 'proxy-jitter':
            proxy.set_delay(20, 40)
        elif name == 'proxy-stalls':
            proxy.set_delay(5, 5)
            t = threading.Thread(target=stall_now_and_then,
                                 args=(proxy, stop), daemon=True)
            t.start()
            stallers.append(t)
        else:
            raise SystemExit('unknown scenario %s' % name)
    tx = sender(port)
    time.sleep(seconds)
    stop.set()
    tx.set_state(Gst.State.NULL)
    for t in stallers:
        t.join()
    if proxy:
        proxy.close()
    rx.stop()

    arrivals = rx.arrivals
    if not arrivals:
        raise SystemExit('%s: nothing arrived' % name)
    origin = arrivals[0][0] - 1_000_000_000
    with open(path, 'w') as f:
        f.write('# recorded trace %s: %d s, %d Hz mono, audiostreamsink '
                'over loopback TCP%s\n' % (
                    name, seconds, RATE,
                    '' if name == 'loopback' else ' through the test proxy'))
        for at, frames in arrivals:
            f.write('%d %d\n' % (at - origin, frames))
    print('%s: %d buffers, %.1f s of audio' % (
        name, len(arrivals), sum(n for _, n in arrivals) / RATE))


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.
                                     RawDescriptionHelpFormatter)
    parser.add_argument('--outdir', required=True)
    parser.add_argument('--seconds', type=int, default=120)
    parser.add_argument('scenarios', nargs='*',
                        default=['loopback', 'proxy-jitter', 'proxy-stalls'])
    args = parser.parse_args()
    Gst.init(None)
    if Gst.ElementFactory.find('audiostreamsink') is None:
        raise SystemExit('audiostreamsink not found: run in meson devenv')
    os.makedirs(args.outdir, exist_ok=True)
    for name in args.scenarios:
        record(name, args.seconds,
               os.path.join(args.outdir, name + '.trace'))
    return 0


if __name__ == '__main__':
    GLib.set_prgname('ajq-record')
    sys.exit(main())
