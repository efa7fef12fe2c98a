#!/usr/bin/python3
# gst-audiostream
# Copyright (C) 2026 gst-audiostream developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.

"""examples/multi_sink.py: one live capture through a tee into a WAV file
and audiostreamsink. The network must never hold up the recording.

The pipeline is the example's own (its MultiSink class), with an appsrc
fed the counter pattern at real time as the capture. The stream goes to a
receiver through tests/integration/proxy.py, which stops reading for 3 s
mid-run. The WAV file must hold every frame fed, exactly the pattern, and
must keep growing while the proxy is stalled; the receiver must get every
frame too, once the stall is over. A network branch that fails for good
(auto-reconnect off, nothing listening) is cut off and the recording still
completes. Last, the script itself runs for 2 s with a live test tone.
"""

import os
import subprocess
import sys
import tempfile
import time
import unittest
import wave

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (Gst, BusWatch, CounterFeeder, caps_string,  # noqa: E402
                     error_text, is_eos_or_error, require_element, run_tests,
                     stats_dict)
import peers  # noqa: E402
from proxy import Proxy  # noqa: E402

SOURCE_ROOT = os.environ.get(
    'AUDIOSTREAM_SOURCE_ROOT',
    os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
EXAMPLES = os.path.join(SOURCE_ROOT, 'examples')
sys.path.insert(0, EXAMPLES)

import multi_sink  # noqa: E402

RATE = 48000
CHANNELS = 2
BPF = 2 * CHANNELS
BUFFER_FRAMES = RATE // 100
APPSRC = 'appsrc name=src is-live=true format=time'


def read_wav(path):
    with wave.open(path, 'rb') as w:
        params = (w.getnchannels(), w.getsampwidth(), w.getframerate())
        return params, w.getnframes(), w.readframes(w.getnframes())


class MultiSinkTestCase(unittest.TestCase):

    def setUp(self):
        require_element(self)
        self.dir = tempfile.TemporaryDirectory(prefix='audiostream-multi-')
        self.addCleanup(self.dir.cleanup)
        self.wav = os.path.join(self.dir.name, 'recording.wav')

    def receiver(self):
        rx = peers.Receiver()
        self.addCleanup(rx.close)
        return rx

    def multi(self, port, sink_props):
        multi = multi_sink.MultiSink(APPSRC, self.wav, '127.0.0.1', port,
                                     RATE, CHANNELS, sink_props)
        src = multi.element('src')
        src.set_property('caps', Gst.Caps.from_string(
            caps_string(RATE, CHANNELS)))
        watch = BusWatch(multi.pipeline, on_message=multi.on_sync_message)
        self.addCleanup(self._teardown, multi, watch)
        return multi, watch, src

    def _teardown(self, multi, watch):
        multi.pipeline.set_state(Gst.State.NULL)
        watch.close()

    def feeder(self, src, seconds):
        feeder = CounterFeeder(src, RATE, CHANNELS, int(RATE * seconds),
                               buffer_frames=BUFFER_FRAMES)
        self.addCleanup(feeder.stop)
        return feeder

    def wait_eos(self, watch, timeout, allowed_errors=()):
        def done(msg):
            if msg.type == Gst.MessageType.ERROR and \
                    msg.src.get_name() in allowed_errors:
                return False
            return is_eos_or_error(msg)
        t, msg = watch.wait(done, timeout)
        self.assertIsNotNone(msg, 'no EOS within %.0f s' % timeout)
        if msg.type == Gst.MessageType.ERROR:
            self.fail('ERROR instead of EOS: %s' % error_text(msg))

    def assert_recording_complete(self, frames):
        params, nframes, data = read_wav(self.wav)
        self.assertEqual(params, (CHANNELS, 2, RATE))
        self.assertEqual(nframes, frames,
                         'the WAV file holds %d frames, %d were captured' %
                         (nframes, frames))
        problem = peers.describe_mismatch(data, CHANNELS)
        self.assertIsNone(problem, 'WAV file: %s' % problem)


class TestStalledNetwork(MultiSinkTestCase):

    def test_stall_holds_up_neither_file_nor_stream(self):
        rx = self.receiver()
        px = Proxy('127.0.0.1', rx.port)
        self.addCleanup(px.close)
        seconds = 8.0
        multi, watch, src = self.multi(
            px.port, 'prefill-ms=300 ring-buffer-ms=8000')
        sink = multi.element('stream-sink')
        feeder = self.feeder(src, seconds)

        multi.pipeline.set_state(Gst.State.PLAYING)
        feeder.start()
        self.assertTrue(px.wait_links(1, 5), 'the sink never connected')
        time.sleep(2.0)

        px.stall(True)
        size_at_stall = os.path.getsize(self.wav)
        time.sleep(3.0)
        size_after_stall = os.path.getsize(self.wav)
        level_ms = stats_dict(sink)['buffer-level-ms']
        px.stall(False)

        feeder.join(seconds + 5)
        self.wait_eos(watch, 30)
        frames = feeder.frames_pushed
        self.assertEqual(frames, int(RATE * seconds))

        # The recording went on at full speed while the network was stuck.
        grown_s = (size_after_stall - size_at_stall) / BPF / RATE
        self.assertGreater(grown_s, 2.5, 'the WAV file grew by only %.2f s '
                           'of audio during a 3 s stall' % grown_s)
        # ... and the stall was real: the sink was holding the backlog.
        self.assertGreater(level_ms, 1500, 'the stall did not back up the '
                           'sink (level %d ms)' % level_ms)
        self.assertLess(feeder.max_lateness, 0.5)
        self.assert_recording_complete(frames)

        conns = list(rx.connections)
        for conn in conns:
            self.assertIsNotNone(conn.wait_end(5), 'a connection never ended')
        data = b''.join(c.data[:len(c.data) - len(c.data) % BPF]
                        for c in conns)
        self.assertEqual(len(data), frames * BPF, 'the receiver got %d '
                         'frames of %d' % (len(data) // BPF, frames))
        problem = peers.describe_mismatch(data, CHANNELS)
        self.assertIsNone(problem, 'stream: %s' % problem)
        self.assertEqual(stats_dict(sink)['dropped-samples'], 0)
        self.assertEqual(watch.errors(), [])


class TestDeadNetwork(MultiSinkTestCase):

    def test_failed_stream_branch_is_cut_off(self):
        port = peers.unused_port()
        seconds = 3.0
        multi, watch, src = self.multi(port, 'auto-reconnect=false')
        feeder = self.feeder(src, seconds)

        multi.pipeline.set_state(Gst.State.PLAYING)
        feeder.start()
        _, err = watch.wait(lambda m: m.type == Gst.MessageType.ERROR, 5)
        self.assertIsNotNone(err, 'no ERROR from a refused connection')
        self.assertIn('stream', multi.failed)
        self.assertIn('Could not connect', multi.failed['stream'])
        multi.remove_failed_branch('stream')
        self.assertIsNone(multi.element('stream-sink'))

        feeder.join(seconds + 5)
        self.assertEqual(feeder.flow, Gst.FlowReturn.OK,
                         'the capture saw %s' % feeder.flow)
        self.wait_eos(watch, 10,
                      allowed_errors=('stream-sink', 'stream-queue'))
        self.assert_recording_complete(feeder.frames_pushed)
        self.assertEqual(feeder.frames_pushed, int(RATE * seconds))


class TestScript(unittest.TestCase):

    SECONDS = 2.0

    def setUp(self):
        require_element(self)
        tmp = tempfile.TemporaryDirectory(prefix='audiostream-multi-')
        self.addCleanup(tmp.cleanup)
        self.wav = os.path.join(tmp.name, 'out.wav')

    def run_script(self, port, sink_props):
        env = dict(os.environ)
        env.pop('DEEPGRAM_API_KEY', None)
        proc = subprocess.run(
            [sys.executable, os.path.join(EXAMPLES, 'multi_sink.py'),
             '--port', str(port), '--output', self.wav,
             '--seconds', str(self.SECONDS), '--sink-props', sink_props],
            env=env, capture_output=True, text=True, timeout=30)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn('stt         branch skipped', proc.stdout)
        self.assertIn('done        recording complete', proc.stdout)
        return proc.stdout

    def recorded_frames(self):
        params, nframes, _ = read_wav(self.wav)
        self.assertEqual(params, (CHANNELS, 2, RATE))
        # EOS comes --seconds after start, give or take start-up
        self.assertGreater(nframes, RATE * (self.SECONDS - 0.3))
        self.assertLess(nframes, RATE * (self.SECONDS + 0.5))
        return nframes

    def test_script_records_and_streams(self):
        rx = peers.Receiver()
        self.addCleanup(rx.close)
        self.run_script(rx.port, 'prefill-ms=200')
        nframes = self.recorded_frames()

        conn = rx.wait_connection(0, 5)
        self.assertIsNotNone(conn)
        self.assertEqual(conn.wait_end(5), 'eof')
        # everything recorded was streamed, and the other way round
        self.assertEqual(conn.nbytes, nframes * BPF)

    def test_script_records_through_a_dead_network(self):
        out = self.run_script(peers.unused_port(), 'auto-reconnect=false')
        self.assertIn('stream      branch stopped, the recording goes on: '
                      'Could not connect to 127.0.0.1 port', out)
        self.recorded_frames()


if __name__ == '__main__':
    run_tests()
