#!/usr/bin/python3
# gst-audiostream
# Copyright (C) 2026 gst-audiostream developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.

"""audiostreamsink tells the user what the network is doing: stats with
per-interval bitrate, the quality score, and an adaptive buffer whose target
follows the measured jitter and whose level really follows the target.

Jitter comes from tests/integration/proxy.py stalling its reads. A longer
round trip needs a real queue in the path: the RTT test runs in a network
namespace of its own (unshare -n) with a tbf qdisc on its loopback, since
this kernel has no netem.
"""

import os
import shutil
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import Gst, is_eos_or_error, run_tests, stats_dict  # noqa: E402
import peers  # noqa: E402
from proxy import Proxy  # noqa: E402
from test_audiostreamsink import SinkTestCase  # noqa: E402

RATE = 48000
CHANNELS = 2
BPF = 2 * CHANNELS


def element_messages(watch, name):
    """(time_ns, structure) of every element message called name."""
    out = []
    with watch._cond:
        for t, msg in watch.messages:
            s = msg.get_structure()
            if (msg.type == Gst.MessageType.ELEMENT and s is not None and
                    s.get_name() == name):
                out.append((t, s))
    return out


class Staller(threading.Thread):
    """Makes the proxy stop reading for stall_s every period_s."""

    def __init__(self, proxy, stall_s, period_s):
        super().__init__(daemon=True)
        self.proxy = proxy
        self.stall_s = stall_s
        self.period_s = period_s
        self.halt = threading.Event()

    def run(self):
        while not self.halt.is_set():
            self.proxy.stall(True)
            self.halt.wait(self.stall_s)
            self.proxy.stall(False)
            self.halt.wait(self.period_s - self.stall_s)
        self.proxy.stall(False)

    def stop(self):
        self.halt.set()
        self.join(2)


class TestStats(SinkTestCase):

    def test_stats_interval_and_per_interval_bitrate(self):
        rx = self.receiver()
        pipeline, watch, src, sink = self.appsrc_pipeline(
            '127.0.0.1', rx.port, RATE, CHANNELS, live=True,
            sink_props='prefill-ms=200 stats-interval-ms=250')
        feeder = self.feeder(src, rate=RATE, channels=CHANNELS,
                             total_frames=RATE * 3)
        pipeline.set_state(Gst.State.PLAYING)
        feeder.start()
        feeder.join(10)
        t, msg = watch.wait(is_eos_or_error, 10)
        self.assertEqual(msg.type, Gst.MessageType.EOS)
        conn = rx.wait_connection(0, 1)
        self.assertEqual(conn.wait_end(5), 'eof')

        stats = element_messages(watch, 'audiostreamsink-stats')
        self.assertGreaterEqual(len(stats), 8)
        gaps = [(b[0] - a[0]) / 1e6 for a, b in zip(stats, stats[1:])]
        self.assertLess(max(gaps), 450)
        # per interval, not since start: steady state is the stream's rate
        # (the median, since a starved feeder on a busy machine can make
        # one interval short and the next long)
        steady = sorted(s.get_value('bitrate-kbps') for _, s in stats[3:-2])
        self.assertAlmostEqual(steady[len(steady) // 2],
                               RATE * BPF * 8 / 1000, delta=150)
        # and it really is per interval: the first one includes the
        # prefill wait, so it is lower than the steady rate
        self.assertLess(stats[0][1].get_value('bitrate-kbps'),
                        steady[len(steady) // 2])
        # every figure is measured: the final count is what arrived
        final = stats_dict(sink)
        self.assertEqual(final['bytes-sent'], len(conn.data))
        self.assertEqual(final['samples-sent'], feeder.frames_pushed)

        quality = element_messages(watch, 'audiostreamsink-quality')
        self.assertGreaterEqual(len(quality), 2)
        for _, q in quality:
            self.assertIn(q.get_string('rating'),
                          ('excellent', 'good', 'fair', 'poor'))
            self.assertTrue(0 <= q.get_value('score') <= 100)
        # a quiet loopback stream is excellent (a busy machine may cost a
        # few points of pacing now and then)
        self.assertGreaterEqual(max(q.get_value('score') for _, q in quality),
                                90)


class TestAdaptiveBuffer(SinkTestCase):

    def test_target_follows_jitter_and_level_follows_target(self):
        rx = self.receiver()
        px = Proxy('127.0.0.1', rx.port)
        self.addCleanup(px.close)
        pipeline, watch, src, sink = self.appsrc_pipeline(
            '127.0.0.1', px.port, RATE, CHANNELS, live=True,
            sink_props='prefill-ms=200 adaptive-buffer=true '
            'min-buffer-ms=200 max-buffer-ms=3000 ring-buffer-ms=6000 '
            'stats-interval-ms=200 send-timeout-ms=10000')
        total_s = 30
        feeder = self.feeder(src, rate=RATE, channels=CHANNELS,
                             total_frames=RATE * total_s)
        pipeline.set_state(Gst.State.PLAYING)
        feeder.start()
        self.assertTrue(px.wait_links(1, 5))
        time.sleep(2.0)

        # the peer stops reading for 400 ms every 1.5 s
        t_jitter = time.monotonic_ns()
        staller = Staller(px, 0.4, 1.5)
        self.addCleanup(staller.stop)
        staller.start()
        time.sleep(8.0)
        staller.stop()
        t_calm = time.monotonic_ns()
        feeder.join(total_s + 5)
        t, msg = watch.wait(is_eos_or_error, 20)
        self.assertEqual(msg.type, Gst.MessageType.EOS)

        resizes = element_messages(watch, 'audiostreamsink-buffer-resize')
        stats = element_messages(watch, 'audiostreamsink-stats')
        ups = [(t, s) for t, s in resizes
               if s.get_value('new-ms') > s.get_value('old-ms')]
        self.assertTrue(ups, 'the target never rose')
        first_up = ups[0][0]
        # within the first stall's reaction, usually 0.5 s; on a loaded
        # machine the first 400-ms stall can pass unseen (the socket
        # buffers take it) and the second, 1.5 s later, raises it
        self.assertLess((first_up - t_jitter) / 1e9, 3.5,
                        'target rose %.1f s after the jitter started' %
                        ((first_up - t_jitter) / 1e9))
        self.assertEqual(ups[0][1].get_string('reason'), 'jitter-increase')
        self.assertGreater(ups[0][1].get_value('jitter-ms'), 50)

        targets = [(t, s.get_value('buffer-target-ms')) for t, s in stats]
        levels = [(t, s.get_value('buffer-level-ms')) for t, s in stats]
        peak = max(v for t, v in targets)
        self.assertGreaterEqual(peak, 300)
        # the level really moved up towards the target while it was high
        before = max(v for t, v in levels if t < t_jitter)
        during = max(v for t, v in levels if t_jitter <= t <= t_calm + 4e9)
        self.assertGreater(during, before + 80,
                           'level %d -> %d ms' % (before, during))
        # and the target settles back towards the minimum once the jitter
        # is gone
        final = targets[-1][1]
        self.assertLess(final - 200, (peak - 200) * 0.5,
                        'target stuck at %d ms (peak %d)' % (final, peak))
        downs = [s for t, s in resizes if t > t_calm and
                 s.get_string('reason') == 'jitter-decrease']
        self.assertTrue(downs)

        # nothing invented, nothing dropped: every frame fed arrived once
        conns = list(rx.connections)
        self.assertEqual(len(conns), 1)
        self.assertEqual(conns[0].wait_end(5), 'eof')
        data = conns[0].data
        self.assertIsNone(peers.describe_mismatch(data, CHANNELS))
        self.assertEqual(len(data), feeder.frames_pushed * BPF)
        final_stats = stats_dict(sink)
        self.assertEqual(final_stats['bytes-sent'], len(data))
        self.assertEqual(final_stats['dropped-samples'], 0)
        self.assertEqual(final_stats['silence-samples'], 0)

    def test_loopback_switches_defaults(self):
        sink = Gst.ElementFactory.make('audiostreamsink')
        self.assertEqual(sink.get_property('ring-buffer-ms'), 5000)
        sink.set_property('loopback', True)
        self.assertEqual(sink.get_property('ring-buffer-ms'), 8000)
        self.assertEqual(sink.get_property('min-buffer-ms'), 4000)
        self.assertEqual(sink.get_property('max-buffer-ms'), 12000)
        sink.set_property('max-buffer-ms', 7000)
        self.assertEqual(sink.get_property('max-buffer-ms'), 7000)
        self.assertEqual(sink.get_property('min-buffer-ms'), 4000)
        sink.set_property('loopback', False)
        self.assertEqual(sink.get_property('min-buffer-ms'), 2000)
        self.assertEqual(sink.get_property('max-buffer-ms'), 7000)

        rx = self.receiver()
        pipeline, watch, sink = self.live_testsrc_pipeline(
            '127.0.0.1', rx.port, 'loopback=true prefill-ms=100 '
            'stats-interval-ms=100')
        pipeline.set_state(Gst.State.PLAYING)
        time.sleep(0.6)
        self.assertEqual(stats_dict(sink)['buffer-capacity-ms'], 8000)


NETNS_ENV = 'AUDIOSTREAM_IN_NETNS'


class TestQualityUnderRtt(SinkTestCase):
    """Runs in a private network namespace, where the test may put a queue
    (tbf) on the loopback interface."""

    def setUp(self):
        super().setUp()
        if os.environ.get(NETNS_ENV) != '1':
            self.skipTest('runs in a network namespace of its own: see '
                          'the separate run below')

    def tc(self, action, *params):
        subprocess.run(['tc', 'qdisc', action, 'dev', 'lo', 'root'] +
                       list(params), check=True)

    def test_quality_drops_with_rtt_and_recovers(self):
        self.tc('add', 'tbf', 'rate', '1gbit', 'burst', '1mb', 'latency',
                '50ms')
        rx = self.receiver()
        pipeline, watch, sink = self.live_testsrc_pipeline(
            '127.0.0.1', rx.port, 'prefill-ms=300 stats-interval-ms=250 '
            'send-timeout-ms=20000')
        pipeline.set_state(Gst.State.PLAYING)
        time.sleep(3.0)
        t_bad = time.monotonic_ns()
        # a link slower than the stream (1.5 Mbit/s): a standing queue,
        # round trips of hundreds of ms, drops and retransmissions
        self.tc('change', 'tbf', 'rate', '1200kbit', 'burst', '10kb',
                'latency', '400ms')
        time.sleep(6.0)
        t_good = time.monotonic_ns()
        self.tc('change', 'tbf', 'rate', '1gbit', 'burst', '1mb',
                'latency', '50ms')
        time.sleep(25.0)

        quality = element_messages(watch, 'audiostreamsink-quality')
        before = [s for t, s in quality if t < t_bad]
        during = [s for t, s in quality if t_bad <= t <= t_good]
        after = [s for t, s in quality if t > t_good + 15e9]
        self.assertTrue(before and during and after)
        # the best of each calm stretch: on a busy machine the pacing may
        # cost one message or another a few points (as in TestStats)
        best_before = max(before, key=lambda s: s.get_value('score'))
        self.assertGreaterEqual(best_before.get_value('score'), 90,
                                best_before.to_string())
        worst = min(during, key=lambda s: s.get_value('score'))
        self.assertLess(worst.get_value('score'), 70,
                        'score only fell to %d' % worst.get_value('score'))
        self.assertGreater(max(s.get_value('rtt-ms') for s in during), 50)
        best_after = max(after, key=lambda s: s.get_value('score'))
        self.assertGreaterEqual(best_after.get_value('score'), 90,
                                'score did not recover: %s' %
                                best_after.to_string())


def run_in_netns():
    """Runs TestQualityUnderRtt as root in a new network namespace. Returns
    None when it passed, else why it did not run (it failing ends the
    program)."""
    if shutil.which('unshare') is None or shutil.which('tc') is None:
        return 'unshare or tc is missing'
    probe = subprocess.run(
        ['unshare', '-n', 'sh', '-c', 'ip link set lo up && tc qdisc add dev '
         'lo root tbf rate 1gbit burst 1mb latency 50ms'],
        capture_output=True, text=True)
    if probe.returncode != 0:
        return ('no network namespace with a tbf qdisc here (%s)' %
                probe.stderr.strip())
    env = dict(os.environ)
    env[NETNS_ENV] = '1'
    status = subprocess.run(
        # an Ethernet-sized MTU: tbf cannot pass loopback's 64 KiB packets
        ['unshare', '-n', 'sh', '-c', 'ip link set lo up mtu 1500 && '
         'exec "$0" "$@"',
         sys.executable, os.path.abspath(__file__), 'TestQualityUnderRtt'],
        env=env).returncode
    if status == peers.EXIT_SKIP:
        return 'it skipped in its network namespace'
    if status != 0:
        print('TestQualityUnderRtt failed in its network namespace')
        sys.exit(1)
    return None


def main():
    """The tests that need no namespace run here, whatever happens to the
    one that does; when that one could not run, the program exits 77 (a
    SKIP for meson) even if the others passed, so that a machine without
    unshare or tc never reports the RTT test as passed."""
    if os.environ.get(NETNS_ENV) == '1':
        run_tests()
    skipped = run_in_netns()
    prog = unittest.main(exit=False, verbosity=2)
    if not prog.result.wasSuccessful():
        sys.exit(1)
    if skipped is not None:
        print('SKIP TestQualityUnderRtt: %s' % skipped)
        sys.exit(peers.EXIT_SKIP)
    if prog.result.testsRun == len(prog.result.skipped):
        sys.exit(peers.EXIT_SKIP)
    sys.exit(0)


if __name__ == '__main__':
    main()
