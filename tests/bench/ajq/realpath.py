#!/usr/bin/python3
# gst-audiostream
# Copyright (C) 2026 gst-audiostream developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.

"""adaptivejitterqueue on a real TCP path.

  audiotestsrc is-live=true ! audiostreamsink           (sender process)
    -> tests/integration/proxy.py                       (sender process)
    -> audiostreamsrc ! adaptivejitterqueue ! fakesink sync=true
                                                        (this process)

The proxy (user space: this kernel has no netem) impairs the path with one
of the patterns:

  gauss    every chunk the proxy reads is delayed by a normal 80 +/- 20 ms
           (sigma = 20 ms, cut at 0), in order, as over TCP
  stalls   the proxy stops reading for 250 ms every 3 s; TCP flow control
           holds the sender back, and the backlog follows in a burst

The sender and the proxy run in a child process of their own, so that the
proxy's Python threads do not compete with this process's probes for the
interpreter lock. In this process, a probe on the element's sink pad
writes the arrival trace (running time, frames) and a probe on its source
pad writes the output log (the time each chunk is pushed and the element's
counters after it), in the formats of ajq-replay; evaluate.py's functions
then compute the figures exactly as for the replayed traces, after the
first --skip seconds of output: concealment as a fraction of the output,
the mean delay (from the earliest a sample could have arrived to when it is
pushed), and the hindsight-optimal fixed delay for the same concealment.

Usage:
  realpath.py [--pattern gauss stalls] [--seconds 65] [--runs 3]
              [--skip 5] [--set PROPERTY=VALUE ...] [--keep DIR]
              [--output FILE.md]

Needs the build's plugins on GST_PLUGIN_PATH (`meson devenv -C BUILD`) and
numpy. Real time: runs x patterns x seconds.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import threading

import gi

gi.require_version('Gst', '1.0')
from gi.repository import GLib, Gst  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, '..', '..', 'integration'))

RATE = 48000
CHUNK_FRAMES = 480              # the sender's 10 ms
PATTERNS = ('gauss', 'stalls')
GAUSS_DELAY_MS = 80
GAUSS_SIGMA_MS = 20
STALL_PERIOD_S = 3.0
STALL_MS = 250


# -- sender process ----------------------------------------------------------

def run_sender(args):
    from proxy import Proxy

    Gst.init(None)
    proxy = Proxy('127.0.0.1', args.upstream_port)
    if args.pattern == 'gauss':
        proxy.set_gauss_jitter(GAUSS_DELAY_MS, GAUSS_SIGMA_MS, seed=args.seed)
    elif args.pattern == 'stalls':
        proxy.stall_every(STALL_PERIOD_S, STALL_MS / 1000.0)
    elif args.pattern != 'none':
        raise SystemExit('unknown pattern %s' % args.pattern)
    tx = Gst.parse_launch(
        'audiotestsrc is-live=true samplesperbuffer=%d wave=sine freq=220 '
        'volume=0.3 ! audio/x-raw,format=S16LE,rate=%d,channels=1 ! '
        'audiostreamsink host=127.0.0.1 port=%d prefill-ms=50 '
        'adaptive-buffer=false' % (CHUNK_FRAMES, RATE, proxy.port))
    tx.set_state(Gst.State.PLAYING)
    proxy.wait_links(1, 10)
    print('connected', flush=True)
    # until the parent closes our stdin
    sys.stdin.read()
    tx.set_state(Gst.State.NULL)
    proxy.close()
    return 0


# -- receiver (this process) -------------------------------------------------

class Receiver:
    """audiostreamsrc ! adaptivejitterqueue ! fakesink sync=true, with the
    arrivals and the output logged at the element's pads."""

    def __init__(self, props, sink='fakesink sync=true'):
        self.pipeline = Gst.parse_launch(
            'audiostreamsrc name=src host=127.0.0.1 port=0 format=S16LE '
            'rate=%d channels=1 ! adaptivejitterqueue name=ajq '
            'stats-interval-ms=0 ! %s name=sink' % (RATE, sink))
        self.ajq = self.pipeline.get_by_name('ajq')
        for p in props:
            key, value = p.split('=', 1)
            Gst.util_set_object_arg(self.ajq, key, value)
        self.arrivals = []
        self.output = []
        self.timing = []            # (pushed, PTS, duration, latency), ns
        self.errors = []
        self.final_stats = None
        # Set by stop(): the next buffer at the element's sink pad is
        # dropped, and the stats are read there, on the streaming thread,
        # so every arrival logged before it has been counted by the element.
        self.stopping = False
        self.stats_lock = threading.Lock()
        self.stats_taken = threading.Event()
        self.ajq.get_static_pad('sink').add_probe(Gst.PadProbeType.BUFFER,
                                                  self._on_arrival)
        self.ajq.get_static_pad('src').add_probe(Gst.PadProbeType.BUFFER,
                                                 self._on_output)
        bus = self.pipeline.get_bus()
        bus.add_signal_watch()
        bus.connect('message', self._on_message)
        self.pipeline.set_state(Gst.State.PAUSED)
        self.port = self.pipeline.get_by_name('src').get_property(
            'current-port')

    def _now(self):
        clock = self.pipeline.get_clock()
        if clock is None:
            return None
        return clock.get_time() - self.pipeline.get_base_time()

    def _take_final_stats(self):
        with self.stats_lock:
            if self.final_stats is None:
                self.final_stats = self.ajq.get_property('stats')
        self.stats_taken.set()

    def _on_arrival(self, pad, info):
        if self.stopping:
            self._take_final_stats()
            return Gst.PadProbeReturn.DROP
        now = self._now()
        if now is not None:
            self.arrivals.append((now, info.get_buffer().get_size() // 2))
        return Gst.PadProbeReturn.OK

    def _on_output(self, pad, info):
        now = self._now()
        s = self.ajq.get_property('stats')
        buf = info.get_buffer()
        if now is not None:
            self.timing.append((now, buf.pts, buf.duration,
                                int(s.get_double('latency-ms')[1] * 1e6)))
            self.output.append((
                now, buf.get_size() // 2,
                s.get_uint64('played-samples')[1],
                s.get_uint64('removed-samples')[1],
                s.get_uint64('dropped-samples')[1],
                s.get_uint64('concealed-samples')[1],
                s.get_uint64('inserted-samples')[1],
                s.get_double('target-ms')[1] * 1000.0,
                s.get_double('delay-ms')[1] * 1000.0))
        return Gst.PadProbeReturn.OK

    def _on_message(self, bus, msg):
        if msg.type == Gst.MessageType.LATENCY:
            self.pipeline.recalculate_latency()
        elif msg.type == Gst.MessageType.ERROR:
            err, dbg = msg.parse_error()
            self.errors.append('%s (%s)' % (err.message, dbg))
        elif msg.type == Gst.MessageType.EOS:
            self.errors.append('unexpected EOS')

    def play(self):
        self.pipeline.set_state(Gst.State.PLAYING)

    def stats(self):
        """The element's stats; once stopped, as they were at the stop."""
        if self.final_stats is not None:
            return self.final_stats
        return self.ajq.get_property('stats')

    def stop(self):
        # audiostreamsrc sends silence while nobody sends, so a buffer
        # comes within a period; if none does, nothing is in flight.
        self.stopping = True
        if not self.stats_taken.wait(2.0):
            self._take_final_stats()
        self.pipeline.set_state(Gst.State.NULL)
        self.pipeline.get_bus().remove_signal_watch()

    def write(self, trace_path, log_path):
        with open(trace_path, 'w') as f:
            f.write('# real path: audiostreamsink -> proxy -> audiostreamsrc,'
                    ' arrival running time at adaptivejitterqueue\n')
            for at, frames in self.arrivals:
                f.write('%d %d\n' % (at, frames))
        with open(log_path, 'w') as f:
            for row in self.output:
                f.write('%d %d %d %d %d %d %d %.0f %.0f\n' % row)
            f.write('# stats %s\n' % self.stats().to_string())


def start_sender(port, pattern, seed):
    return subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), '--role', 'sender',
         '--upstream-port', str(port), '--pattern', pattern,
         '--seed', str(seed)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def stop_sender(child):
    try:
        child.stdin.close()
        child.wait(10)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def run_once(pattern, seconds, props, seed, loop):
    """Plays @seconds through the path; returns the Receiver, stopped."""
    rx = Receiver(props)
    child = start_sender(rx.port, pattern, seed)
    try:
        if child.stdout.readline().strip() != 'connected':
            raise RuntimeError('the sender did not connect')
        rx.play()
        GLib.timeout_add(int(seconds * 1000), loop.quit)
        loop.run()
    finally:
        stop_sender(child)
        rx.stop()
    return rx


def summary(values):
    v = sorted(values)
    return v[0], v[len(v) // 2], v[-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.
                                     RawDescriptionHelpFormatter)
    parser.add_argument('--role', default='measure',
                        choices=['measure', 'sender'])
    parser.add_argument('--upstream-port', type=int)
    parser.add_argument('--pattern', nargs='*', default=list(PATTERNS))
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--seconds', type=float, default=65)
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--skip', type=float, default=5.0)
    parser.add_argument('--set', action='append', default=[])
    parser.add_argument('--keep')
    parser.add_argument('--output')
    args = parser.parse_args()

    if args.role == 'sender':
        args.pattern = args.pattern[0]
        return run_sender(args)

    import evaluate

    Gst.init(None)
    for name in ('audiostreamsrc', 'audiostreamsink', 'adaptivejitterqueue'):
        if Gst.ElementFactory.find(name) is None:
            raise SystemExit('%s not found: run in meson devenv' % name)
    workdir = args.keep or tempfile.mkdtemp(prefix='ajq-realpath-')
    os.makedirs(workdir, exist_ok=True)
    loop = GLib.MainLoop()

    rows = []
    for pattern in args.pattern:
        results = []
        for run in range(args.runs):
            rx = run_once(pattern, args.seconds, args.set, run + 1, loop)
            if rx.errors:
                raise SystemExit('%s run %d: %s' % (pattern, run + 1,
                                                    '; '.join(rx.errors)))
            base = os.path.join(workdir, '%s-%d' % (pattern, run + 1))
            rx.write(base + '.trace', base + '.log')
            r = evaluate.measure(pattern, base + '.trace', base + '.log',
                                 args.skip)
            results.append(r)
            print('%-7s run %d: %.0f s evaluated, concealed %5.2f %%  '
                  'mean %6.1f ms  p95 %6.1f ms  optimal %6.1f ms  '
                  'ratio %.2f  stretched %5.2f %%  dropped %.2f %%  %s' % (
                      pattern, run + 1, r['output_s'], r['concealment'],
                      r['mean'], r['p95'], r['optimal'], r['ratio'],
                      r['stretched'], r['dropped'], evaluate.verdict(r)),
                  flush=True)
        rows.append((pattern, results))

    lines = [
        '| pattern | runs | concealed % (min / median / max) '
        '| mean delay ms | optimal fixed delay ms (same concealment) '
        '| mean / optimal | stretched % | target met (runs) |',
        '|---|---:|---|---|---|---|---|---|',
    ]
    for pattern, results in rows:
        def fmt(key, f):
            return ' / '.join(f % x for x in summary(
                [r[key] for r in results]))
        met = sum(evaluate.verdict(r) == 'yes' for r in results)
        lines.append('| %s | %d | %s | %s | %s | %s | %s | %d of %d |' % (
            pattern, len(results), fmt('concealment', '%.2f'),
            fmt('mean', '%.1f'), fmt('optimal', '%.1f'),
            fmt('ratio', '%.2f'), fmt('stretched', '%.2f'), met,
            len(results)))
    md = '\n'.join(lines) + '\n'
    print()
    print(md)
    if args.output:
        with open(args.output, 'w') as f:
            f.write(md)
    return 0


if __name__ == '__main__':
    GLib.set_prgname('ajq-realpath')
    sys.exit(main())
