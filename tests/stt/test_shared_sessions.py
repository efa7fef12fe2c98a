#!/usr/bin/python3
# gst-audiostream
# Copyright (C) 2026 gst-audiostream developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.

"""All sttpushsink sessions of a process share one network thread (issue
13): one whose service stops reading, or one whose service sends big
garbage to parse before each final, must not delay the others. Two pipelines in this process, against real
local servers: one sick, one healthy; the healthy one's finals arrive as
soon as its audio allows, and it never reconnects."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from stt_harness import (Gst, ClockFeeder, is_eos_or_error,  # noqa
                         run_tests, stats)
from test_sttpushsink import RATE, SttTestCase  # noqa: E402

# A final covers up to FINAL_EVERY_MS of audio and follows its last frame;
# with 100 ms chunks and a busy 2-core machine, this is generous, and far
# below what a session blocked behind another's stall would show (its
# send-timeout-ms, here 1 s, and reconnections after it).
MAX_FINAL_DELAY_S = 0.6


def thread_count():
    """This process's threads, less GLib's pool workers (GIO resolves
    names in a pool that grows with the connections made at once)."""
    try:
        tasks = os.listdir('/proc/self/task')
    except OSError:
        return None
    n = 0
    for tid in tasks:
        try:
            with open('/proc/self/task/%s/comm' % tid) as f:
                n += not f.read().startswith('pool-')
        except OSError:
            pass    # ended meanwhile
    return n


class TestSharedThread(SttTestCase):

    def live(self, props, total_ms):
        pipeline, watch, src, sink = self.appsrc_pipeline(props, live=True)
        feeder = ClockFeeder(src, RATE, total_ms, realtime=True)
        self.addCleanup(feeder.stop)
        return pipeline, watch, sink, feeder

    def test_stalled_service_does_not_delay_another(self):
        total = 6000
        sick = self.deepgram(rcvbuf=4096, stall_after_ms=500)
        noisy = self.deepgram(garbage=True)
        healthy = self.deepgram()
        p1, w1, sink1, f1 = self.live(
            'backend=deepgram url=%s send-timeout-ms=1000' % sick.url, total)
        p3, w3, sink3, f3 = self.live(
            'backend=deepgram url=%s' % noisy.url, total)
        p2, w2, sink2, f2 = self.live(
            'backend=deepgram url=%s' % healthy.url, total)
        for p in (p1, p3, p2):
            p.set_state(Gst.State.PLAYING)
        for f in (f1, f3, f2):
            f.start()
        start = time.monotonic()
        t, msg = w2.wait(is_eos_or_error, 30)
        self.assertIsNotNone(msg, 'the healthy pipeline did not end')
        self.assert_every_word_once(w2, total)
        self.assert_no_errors(w2)

        # the sick one really was sick meanwhile
        st1 = stats(sink1)
        self.assertGreaterEqual(st1['reconnects'], 1, st1)
        self.assertGreater(stats(sink3)['messages-skipped'], 0)

        # the healthy one: each final soon after the audio it covers was
        # pushed (the feeder pushes stream time t at start + t)
        delays = []
        for f in w2.element('final'):
            pushed = start + f['end-ms'] / 1000.0
            delays.append(f['_time'] - pushed)
        self.assertLess(max(delays), MAX_FINAL_DELAY_S,
                        'final delays (s): %s' %
                        ', '.join('%.3f' % d for d in delays))
        st2 = stats(sink2)
        self.assertEqual(st2['reconnects'], 0)
        self.assertEqual(st2['dropped-ms'], 0)

    def test_one_network_thread_for_many_sessions(self):
        # 10 idle-then-connected sessions cost one thread between them
        srv = self.deepgram()
        base = thread_count()
        if base is None:
            self.skipTest('no /proc/self/status')
        pipelines = []
        for i in range(10):
            p, w, sink, feeder = self.live('backend=deepgram url=%s' %
                                           srv.url, 3000)
            pipelines.append((p, w, sink, feeder))
        for p, w, sink, feeder in pipelines:
            p.set_state(Gst.State.PLAYING)
            feeder.start()
        self.assertTrue(srv.wait_sessions(10, 10))
        # each pipeline adds its appsrc streaming thread and the feeder;
        # the sessions add one network thread between them
        during = thread_count()
        for p, w, sink, feeder in pipelines:
            t, msg = w.wait(is_eos_or_error, 20)
            self.assertIsNotNone(msg)
            self.assert_no_errors(w)
        # one thread per session would make it 10 more; GIO's worker
        # context and dconf's may add one each
        self.assertLessEqual(during - base, 10 * 2 + 1 + 2,
                             'threads: %d before, %d with 10 sessions' %
                             (base, during))


if __name__ == '__main__':
    run_tests()
