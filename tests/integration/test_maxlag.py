#!/usr/bin/python3
# gst-audiostream
# Copyright (C) 2026 gst-audiostream developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.

"""audiostreamsink's max-lag-ms: back to live after an outage.

A live stream loses its receiver for 3 s. With max-lag-ms=500, the extra
delay (the delay beyond the one before the outage) must be at most 500 ms
from 2 s after the sink reconnected; with the default (0, keep everything)
it must still be there, which shows the measurement can tell the two apart.

Two receivers:
- audiostreamsrc, through tests/integration/proxy.py, which refuses
  connections for 3 s after cutting the link. The delay is measured end to
  end: each frame carries its own index (channel 0 the low 16 bits,
  channel 1 the high ones), and a buffer's delay is its arrival at the
  receiver's appsink minus the moment its first frame was fed.
- snapserver, killed (SIGKILL) and started again 3 s later. It reads its
  source at exactly real time, so the backlog never drains by itself. The
  delay that varies is the audio waiting in the sink's ring beyond its
  target (buffer-level-ms - buffer-target-ms) plus what waits in the two
  kernel queues of the connection (/proc/net/tcp tx_queue + rx_queue);
  snapserver's own buffer after that is constant.

Run by hand, each test prints its figures (docs/snapcast.md quotes them):
  python3 tests/integration/test_maxlag.py -v
MAXLAG_WATCH_S=18 watches 18 s instead of 4 (from 2 s to 20 s after the
reconnection).
"""

import os
import signal
import statistics
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import Gst, BusWatch, is_connection, run_tests, stats_dict  # noqa: E402,E501
import numpy  # noqa: E402  (harness has already skipped without it)
from proxy import Proxy  # noqa: E402
from test_audiostreamsink import SinkTestCase, NS  # noqa: E402
import test_snapserver as snap  # noqa: E402

RATE = 48000
CHANNELS = 2
BPF = 2 * CHANNELS
OUTAGE_S = 3.0
MAX_LAG_MS = 500
SETTLE_S = 2.0                      # after the reconnection
# measured from SETTLE_S on; longer to see whether a backlog stays
WATCH_S = float(os.environ.get('MAXLAG_WATCH_S', '4'))


def index_bytes(first_frame, n_frames):
    """S16LE stereo frames that carry their own index."""
    idx = numpy.arange(first_frame, first_frame + n_frames,
                       dtype=numpy.uint32)
    out = numpy.empty(2 * n_frames, dtype='<u2')
    out[0::2] = idx & 0xffff
    out[1::2] = idx >> 16
    return out.tobytes()


def first_index(data):
    s = numpy.frombuffer(data[:BPF], dtype='<u2')
    return int(s[0]) | (int(s[1]) << 16)


class IndexFeeder(threading.Thread):
    """A live source: 10 ms buffers of index_bytes() at real time from
    t0 (time.monotonic_ns()), against an absolute schedule."""

    def __init__(self, appsrc):
        super().__init__(daemon=True)
        self.appsrc = appsrc
        self.t0 = None
        self._halt = threading.Event()

    def stop(self):
        self._halt.set()
        if self.ident is not None:
            self.join(5)

    def run(self):
        n = RATE // 100
        frame = 0
        self.t0 = time.monotonic_ns()
        while not self._halt.is_set():
            due = self.t0 / NS + frame / RATE
            delay = due - time.monotonic()
            if delay > 0 and self._halt.wait(delay):
                break
            buf = Gst.Buffer.new_wrapped(index_bytes(frame, n))
            buf.pts = frame * Gst.SECOND // RATE
            buf.duration = n * Gst.SECOND // RATE
            if self.appsrc.emit('push-buffer', buf) != Gst.FlowReturn.OK:
                break
            frame += n


class Arrivals:
    """(arrival ns, index of the buffer's first frame) at an appsink."""

    def __init__(self, appsink):
        self.items = []
        self.lock = threading.Lock()
        appsink.connect('new-sample', self._on_sample)

    def _on_sample(self, appsink):
        now = time.monotonic_ns()
        buf = appsink.emit('pull-sample').get_buffer()
        if not buf.has_flags(Gst.BufferFlags.GAP) and buf.get_size() >= BPF:
            with self.lock:
                self.items.append((now, first_index(buf.extract_dup(0,
                                                                    BPF))))
        return Gst.FlowReturn.OK

    def delays(self, t0, start_ns, end_ns):
        """Delays in s of the buffers that arrived in [start_ns, end_ns)."""
        with self.lock:
            return [(t - t0) / NS - f / RATE for t, f in self.items
                    if start_ns <= t < end_ns]


class TestMaxLagAudiostreamsrc(SinkTestCase):

    def run_outage(self, max_lag_ms):
        """Streams, cuts the link for OUTAGE_S, and returns the delay before
        the outage, the extra delays from SETTLE_S after the reconnection
        for WATCH_S, and the sink's stats."""
        rpipe = Gst.parse_launch(
            'audiostreamsrc name=src host=127.0.0.1 port=0 ! '
            'appsink name=out emit-signals=true sync=false')
        rwatch = BusWatch(rpipe)
        self.addCleanup(self._teardown, rpipe, rwatch)
        arrivals = Arrivals(rpipe.get_by_name('out'))
        rpipe.set_state(Gst.State.PLAYING)
        self.assertEqual(rpipe.get_state(5 * Gst.SECOND)[0],
                         Gst.StateChangeReturn.SUCCESS)
        px = Proxy('127.0.0.1',
                   rpipe.get_by_name('src').get_property('current-port'))
        self.addCleanup(px.close)

        pipeline, watch, appsrc, sink = self.appsrc_pipeline(
            '127.0.0.1', px.port, RATE, CHANNELS, live=True,
            sink_props='prefill-ms=200 ring-buffer-ms=8000 '
            'reconnect-min-ms=200 reconnect-max-ms=400 max-lag-ms=%d' %
            max_lag_ms)
        feeder = IndexFeeder(appsrc)
        self.addCleanup(feeder.stop)
        pipeline.set_state(Gst.State.PLAYING)
        feeder.start()
        self.assertTrue(px.wait_links(1, 5), 'the sender never connected')
        time.sleep(3.0)
        now = time.monotonic_ns()
        before = arrivals.delays(feeder.t0, now - NS, now)
        self.assertGreater(len(before), 50, 'too little audio arrived')

        mark = watch.mark()
        px.refuse_for(OUTAGE_S)
        px.drop()
        t_conn, msg = watch.wait(is_connection('connected'), OUTAGE_S + 5,
                                 mark)
        self.assertIsNotNone(msg, 'the sender did not reconnect')
        self.assertGreater((t_conn - now) / NS, OUTAGE_S - 0.5)
        time.sleep(SETTLE_S + WATCH_S)
        base = statistics.median(before)
        after = [d - base for d in arrivals.delays(
            feeder.t0, t_conn + int(SETTLE_S * NS),
            t_conn + int((SETTLE_S + WATCH_S) * NS))]
        self.assertGreater(len(after), 100, 'too little audio arrived')
        self.assertEqual(rwatch.errors(), [])
        self.assertEqual(watch.errors(), [])
        stats = stats_dict(sink)
        print('\nmax-lag-ms=%d: delay before the outage %.0f ms (median); '
              'extra delay from %.0f s after reconnecting: max %.0f ms, '
              'median %.0f ms; lag-dropped-samples=%d dropped-samples=%d '
              'reconnects=%d' %
              (max_lag_ms, base * 1000, SETTLE_S, max(after) * 1000,
               statistics.median(after) * 1000,
               stats['lag-dropped-samples'], stats['dropped-samples'],
               stats['reconnects']))
        return after, stats, watch

    def test_max_lag_returns_to_live(self):
        after, stats, watch = self.run_outage(MAX_LAG_MS)
        self.assertLessEqual(max(after), MAX_LAG_MS / 1000.0,
                             'still %.0f ms late' % (max(after) * 1000))
        # the whole outage went, and was counted and posted
        self.assertGreater(stats['lag-dropped-samples'],
                           (OUTAGE_S - 1.0) * RATE)
        posted = [m for _, m in watch.messages
                  if m.get_structure() is not None and
                  m.get_structure().get_name() == 'audiostreamsink-lag-drop']
        self.assertGreaterEqual(len(posted), 1)
        self.assertEqual(sum(m.get_structure().get_value('dropped-samples')
                             for m in posted), stats['lag-dropped-samples'])

    def test_default_keeps_the_backlog(self):
        after, stats, _ = self.run_outage(0)
        # catching up at 1.5x takes 6 s for 3 s: still 2 s late at 2 s
        self.assertGreater(max(after), 1.0)
        self.assertEqual(stats['lag-dropped-samples'], 0)


def tcp_queued_bytes(port):
    """Bytes in the kernel queues (tx_queue + rx_queue) of the established
    loopback IPv4 connections to or from port."""
    total = 0
    with open('/proc/net/tcp') as f:
        next(f)
        for line in f:
            fields = line.split()
            local, remote, state = fields[1], fields[2], fields[3]
            if state != '01':
                continue
            if int(local.split(':')[1], 16) != port and \
                    int(remote.split(':')[1], 16) != port:
                continue
            tx, rx = fields[4].split(':')
            total += int(tx, 16) + int(rx, 16)
    return total


@unittest.skipUnless(snap.SNAPSERVER and snap.SNAPCLIENT,
                     'snapserver/snapclient not installed '
                     '(Debian packages snapserver, snapclient; '
                     'bash scripts/setup.sh)')
class TestMaxLagSnapserver(snap.TestSnapserver):
    # the restart tests stay in test_snapserver.py
    test_stream_resumes_after_snapserver_restart_sigterm = None
    test_stream_resumes_after_snapserver_killed_sigkill = None

    def start_lag_sink(self, max_lag_ms):
        pipeline, watch = self.pipeline(
            'audiotestsrc is-live=true wave=sine freq=%d ! '
            'audio/x-raw,format=S16LE,rate=%d,channels=%d ! '
            'audiostreamsink name=sink host=127.0.0.1 port=%d prefill-ms=200 '
            'reconnect-min-ms=300 reconnect-max-ms=1000 max-lag-ms=%d' %
            (snap.FREQ, RATE, CHANNELS, self.source_port, max_lag_ms))
        self.watch = watch
        pipeline.set_state(Gst.State.PLAYING)
        return pipeline, watch, pipeline.get_by_name('sink')

    def extra_delay(self, sink):
        """Seconds of audio waiting beyond the target: the ring's backlog
        over buffer-target-ms, and the connection's kernel queues."""
        stats = stats_dict(sink)
        queued = tcp_queued_bytes(self.source_port)
        return ((stats['buffer-level-ms'] - stats['buffer-target-ms']) /
                1000.0 + queued / float(RATE * BPF))

    def run_outage(self, max_lag_ms):
        self.start_server()
        self.start_client()
        pipeline, watch, sink = self.start_lag_sink(max_lag_ms)
        self.wait_state('connected', 0, 5)
        self.wait_stream_playing(5)
        time.sleep(2.0)
        before = []
        for _ in range(10):
            before.append(self.extra_delay(sink))
            time.sleep(0.1)

        mark = watch.mark()
        t_kill = time.monotonic_ns()
        self.stop_server(signal.SIGKILL)
        self.wait_state('disconnected', mark, 5)
        time.sleep(max(0.0, OUTAGE_S - (time.monotonic_ns() - t_kill) / NS))
        mark = watch.mark()
        self.start_server()
        t_conn = self.wait_state('connected', mark, 5)
        down_s = (t_conn - t_kill) / NS

        samples = []
        while time.monotonic_ns() < t_conn + (SETTLE_S + WATCH_S) * NS:
            samples.append(((time.monotonic_ns() - t_conn) / NS,
                            self.extra_delay(sink)))
            time.sleep(0.1)
        base = statistics.median(before)
        late = [d - base for t, d in samples if t >= SETTLE_S]
        stats = stats_dict(sink)
        self.assert_no_errors(watch)
        print('\nsnapserver, max-lag-ms=%d: down %.2f s; extra delay before '
              'the outage %.0f ms; from %.0f s after reconnecting: max %.0f '
              'ms, last %.0f ms; at 0.5 s: %.0f ms; lag-dropped-samples=%d '
              'dropped-samples=%d' %
              (max_lag_ms, down_s, base * 1000, SETTLE_S, max(late) * 1000,
               late[-1] * 1000,
               ([d for t, d in samples if t >= 0.5] or [0])[0] * 1000 -
               base * 1000, stats['lag-dropped-samples'],
               stats['dropped-samples']))
        pipeline.set_state(Gst.State.NULL)
        return down_s, late, stats

    def test_max_lag_returns_to_live_with_snapserver(self):
        down_s, late, stats = self.run_outage(MAX_LAG_MS)
        self.assertGreater(down_s, OUTAGE_S - 0.5)
        self.assertLessEqual(max(late), MAX_LAG_MS / 1000.0,
                             'still %.0f ms late' % (max(late) * 1000))
        self.assertGreater(stats['lag-dropped-samples'],
                           (OUTAGE_S - 1.0) * RATE)

    def test_default_keeps_the_backlog_with_snapserver(self):
        down_s, late, stats = self.run_outage(0)
        # snapserver reads at real time: the backlog stays
        self.assertGreater(min(late), OUTAGE_S - 1.0)
        self.assertEqual(stats['lag-dropped-samples'], 0)


if __name__ == '__main__':
    run_tests()
