#!/usr/bin/python3
# gst-audiostream
# Copyright (C) 2026 gst-audiostream developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.

"""adaptivejitterqueue on a real TCP path, briefly: the benchmark
tests/bench/ajq/realpath.py (audiostreamsink -> test proxy ->
audiostreamsrc ! adaptivejitterqueue ! fakesink sync=true) for a few
seconds per pattern. The pipeline must keep playing through the stalls,
lose nothing it received, and conceal little; the bounds are generous
(a loaded 2-core machine meets them), not the benchmark's target.
"""

import os
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, '..', 'bench', 'ajq'))

from harness import GLib, Gst, run_tests  # noqa: E402
import evaluate  # noqa: E402
import realpath  # noqa: E402

RATE = realpath.RATE


class RealPathTest(unittest.TestCase):

    def setUp(self):
        for name in ('audiostreamsrc', 'audiostreamsink',
                     'adaptivejitterqueue'):
            self.assertIsNotNone(Gst.ElementFactory.find(name),
                                 '%s not found' % name)
        self.dir = tempfile.mkdtemp(prefix='ajq-realpath-test-')
        self.loop = GLib.MainLoop()

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def run_path(self, pattern, seconds, skip):
        rx = realpath.run_once(pattern, seconds, [], 1, self.loop)
        self.assertEqual(rx.errors, [], 'the receiver failed')
        trace = os.path.join(self.dir, pattern + '.trace')
        log = os.path.join(self.dir, pattern + '.log')
        rx.write(trace, log)
        r = evaluate.measure(pattern, trace, log, skip)
        print('%s: %.1f s evaluated, concealed %.2f %%, mean delay %.1f ms, '
              'optimal fixed delay %.1f ms, ratio %.2f' % (
                  pattern, r['output_s'], r['concealment'], r['mean'],
                  r['optimal'], r['ratio']), flush=True)
        return rx, r

    def assert_played_through(self, rx, seconds):
        """Output went on for the whole run with contiguous timestamps,
        every buffer pushed in time for a sink that plays it its latency
        after its timestamp, and every frame that came in was played,
        time-scaled, or is still queued."""
        self.assertGreater(len(rx.timing), 0, 'no output')
        for (_, pts, dur, _), (_, nxt, _, _) in zip(rx.timing,
                                                    rx.timing[1:]):
            self.assertLessEqual(abs(nxt - (pts + dur)), 1000,
                                 'timestamps not contiguous at %d' % pts)
        late = max(pushed - (pts + latency)
                   for pushed, pts, _, latency in rx.timing)
        # a loaded machine wakes the task late now and then
        self.assertLess(late, 100 * Gst.MSECOND,
                        'a buffer was pushed %.0f ms after it was due to '
                        'play' % (late / 1e6))
        out_s = sum(row[1] for row in rx.output) / RATE
        self.assertGreater(out_s, 0.8 * (seconds - 1),
                           'only %.1f s of output in %.0f s' % (
                               out_s, seconds))
        s = rx.stats()
        received = s.get_uint64('received-samples')[1]
        gone = (s.get_uint64('played-samples')[1] +
                s.get_uint64('removed-samples')[1] +
                s.get_uint64('dropped-samples')[1])
        level = s.get_double('level-ms')[1] * RATE / 1000
        self.assertEqual(received, sum(n for _, n in rx.arrivals))
        self.assertAlmostEqual(gone + level, received, delta=2)
        self.assertEqual(s.get_uint64('dropped-samples')[1], 0,
                         'audio was dropped')

    def test_stalls(self):
        """A 250 ms stall every 3 s: the stalls really reach the element,
        the output never stops, and once the start-up is over, little is
        concealed."""
        seconds = 17
        rx, r = self.run_path('stalls', seconds, 5)
        at = [a for a, _ in rx.arrivals]
        gaps = [b - a for a, b in zip(at, at[1:]) if b - a > 200e6]
        self.assertGreaterEqual(len(gaps), 4,
                                'the proxy did not stall the path')
        self.assert_played_through(rx, seconds)
        self.assertLess(r['concealment'], 5.0)
        self.assertLess(r['ratio'], 2.0)

    def test_gauss(self):
        """20 ms of normal jitter: the output never stops and little is
        concealed."""
        seconds = 9
        rx, r = self.run_path('gauss', seconds, 3)
        self.assert_played_through(rx, seconds)
        self.assertLess(r['concealment'], 5.0)
        self.assertLess(r['ratio'], 2.0)


if __name__ == '__main__':
    run_tests()
