#!/usr/bin/python3
# gst-audiostream
# Copyright (C) 2026 gst-audiostream developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.

"""The pair end to end: audiostreamsink -> tests/integration/proxy.py ->
audiostreamsrc, with the proxy resetting and dropping the connection ten
times in a row and stalling once. The receiver must keep listening, never
end, and output exactly the counter pattern fed to the sender: no
duplicate, and no gap beyond what the sender reports as dropped or lost.
"""

import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (Gst, BusWatch, is_eos, run_tests,  # noqa: E402
                     stats_dict)
import peers  # noqa: E402
from proxy import Proxy  # noqa: E402
from test_audiostreamsink import SinkTestCase  # noqa: E402

RATE = 48000
CHANNELS = 2
BPF = 2 * CHANNELS


def is_src_connection(state):
    def match(msg):
        s = msg.get_structure()
        return (msg.type == Gst.MessageType.ELEMENT and s is not None and
                s.get_name() == 'audiostreamsrc-connection' and
                s.get_string('state') == state)
    return match


class Received:
    """What the receiver's appsink got: the audio, and the silence apart."""

    def __init__(self, appsink):
        self.audio = bytearray()
        self.gap_buffers = 0
        self.pts = []
        self.lock = threading.Lock()
        appsink.connect('new-sample', self._on_sample)

    def _on_sample(self, appsink):
        sample = appsink.emit('pull-sample')
        buf = sample.get_buffer()
        with self.lock:
            if buf.has_flags(Gst.BufferFlags.GAP):
                self.gap_buffers += 1
            else:
                self.audio += buf.extract_dup(0, buf.get_size())
                self.pts.append(buf.pts)
        return Gst.FlowReturn.OK

    def nbytes(self):
        with self.lock:
            return len(self.audio)

    def wait_bytes(self, n, timeout):
        deadline = time.monotonic() + timeout
        while self.nbytes() < n and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.nbytes()


class TestPairThroughProxy(SinkTestCase):

    def receiver_pipeline(self):
        pipeline = Gst.parse_launch(
            'audiostreamsrc name=src host=127.0.0.1 port=0 '
            'stats-interval-ms=500 ! appsink name=out emit-signals=true '
            'sync=false')
        watch = BusWatch(pipeline)
        self.addCleanup(self._teardown, pipeline, watch)
        received = Received(pipeline.get_by_name('out'))
        return pipeline, watch, pipeline.get_by_name('src'), received

    def test_ten_reconnects_in_a_row_lose_and_repeat_nothing(self):
        rpipe, rwatch, src, received = self.receiver_pipeline()
        rpipe.set_state(Gst.State.PLAYING)
        self.assertEqual(rpipe.get_state(5 * Gst.SECOND)[0],
                         Gst.StateChangeReturn.SUCCESS,
                         'the receiver did not reach PLAYING with no sender')
        port = src.get_property('current-port')
        self.assertGreater(port, 0)
        px = Proxy('127.0.0.1', port)
        self.addCleanup(px.close)

        seconds = 12.0
        pipeline, watch, appsrc, sink = self.appsrc_pipeline(
            '127.0.0.1', px.port, RATE, CHANNELS, live=True,
            sink_props='prefill-ms=300 ring-buffer-ms=8000 '
            'reconnect-min-ms=200 reconnect-max-ms=400')
        feeder = self.feeder(appsrc, rate=RATE, channels=CHANNELS,
                             total_frames=int(RATE * seconds))
        pipeline.set_state(Gst.State.PLAYING)
        feeder.start()
        self.assertTrue(px.wait_links(1, 5), 'the sender never connected')

        cuts = 10
        time.sleep(1.0)
        for i in range(cuts):
            if i % 2:
                px.drop()
            else:
                px.reset()
            self.assertTrue(px.wait_links(i + 2, 5),
                            'no reconnection after cut %d' % (i + 1))
            time.sleep(0.4)
        px.stall(True)
        time.sleep(1.0)
        px.stall(False)

        feeder.join(seconds + 10)
        t, msg = watch.wait(is_eos, 30)
        self.assertIsNotNone(msg, 'the sender did not finish')
        stats = stats_dict(sink)
        self.assertEqual(stats['reconnects'], cuts)
        sent = stats['samples-sent']
        got = received.wait_bytes(sent * BPF, 10)

        # the receiver: no error, never EOS, every sender counted
        self.assertEqual(rwatch.errors(), [])
        self.assertIsNone(rwatch.find(is_eos)[1],
                          'the receiver ended when a sender left')
        rstats = stats_dict(src)
        self.assertEqual(rstats['senders'], cuts + 1)
        self.assertEqual(rstats['frames'] * BPF, got)
        accepted = [m for _, m in rwatch.messages
                    if is_src_connection('accepted')(m)]
        self.assertEqual(len(accepted), cuts + 1)

        # no duplicate and no gap beyond what the sender itself reports
        self.assertEqual(stats['silence-samples'], 0,
                         'the sender padded with silence; the test feeds '
                         'too slowly for this machine')
        missing = stats['dropped-samples'] + stats['lost-samples']
        self.assertEqual(missing, 0, 'the sender dropped audio: %s' % stats)
        self.assertEqual(got, feeder.frames_pushed * BPF,
                         'received %d frames, fed %d' %
                         (got // BPF, feeder.frames_pushed))
        where = peers.describe_mismatch(bytes(received.audio), CHANNELS)
        self.assertIsNone(where, 'stream broken: %s' % where)
        # arrival timestamps never go backwards
        pts = received.pts
        self.assertEqual(pts, sorted(pts))

        # it keeps listening after the last sender left, until told to end
        self.assertTrue(src.send_event(Gst.Event.new_eos()))
        t, msg = rwatch.wait(is_eos, 5)
        self.assertIsNotNone(msg, 'EOS sent to the receiver did not end it')


if __name__ == '__main__':
    run_tests()
