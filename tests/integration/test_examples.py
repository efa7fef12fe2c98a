#!/usr/bin/python3
# gst-audiostream
# Copyright (C) 2026 gst-audiostream developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.

"""The streaming examples run as a user runs them, against a local
receiver (peers.Receiver):

- examples/stream (C, built in examples/) and examples/stream.py, with
  every option given, stream a tone for --seconds 2 and exit 0; the
  receiver gets 2 s of that tone with the traffic class asked for and a
  clean close. Ctrl-C (SIGINT) drains and exits 0 too.
- examples/replay_file.py sends a WAV file of the counter pattern: every
  sample arrives, in order, paced at real time rather than dumped.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import wave

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import require_element, run_tests  # noqa: E402
import peers  # noqa: E402
import numpy  # noqa: E402

SOURCE_ROOT = os.environ.get(
    'AUDIOSTREAM_SOURCE_ROOT',
    os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
BUILD_ROOT = os.environ.get('AUDIOSTREAM_BUILD_ROOT',
                            os.path.join(SOURCE_ROOT, 'build'))
EXAMPLES = os.path.join(SOURCE_ROOT, 'examples')

TONE_HZ = 660
DEVICE = 'audiotestsrc is-live=true wave=sine freq=%d' % TONE_HZ
# audiotestsrc's default volume: a sine of that amplitude
TONE_RMS = 0.8 * 32767 / 2 ** 0.5
TOS_LOWDELAY = 0x10


def stream_c():
    return [os.path.join(BUILD_ROOT, 'examples', 'stream')]


def stream_py():
    return [sys.executable, os.path.join(EXAMPLES, 'stream.py')]


def every_option(port, rate, channels):
    return ['--device', DEVICE, '--host', '127.0.0.1', '--port', str(port),
            '--rate', str(rate), '--channels', str(channels),
            '--prefill-ms', '200', '--ring-buffer-ms', '3000',
            '--chunk-samples', '240', '--dscp', 'lowdelay',
            '--high-priority', '--reconnect-min-ms', '300',
            '--reconnect-max-ms', '1000', '--loopback', '--adaptive-buffer',
            '--min-buffer-ms', '100', '--max-buffer-ms', '1000',
            '--stats-interval-ms', '500']


class StreamProgramMixin:
    """The same checks for the C and the Python program."""

    command = None          # a function returning argv's start

    def setUp(self):
        require_element(self)
        argv0 = self.command()[-1]
        self.assertTrue(os.path.exists(argv0), '%s is missing' % argv0)
        self.rx = peers.Receiver()
        self.addCleanup(self.rx.close)

    def assert_tone(self, data, rate, channels, min_s, max_s):
        samples = numpy.frombuffer(data, dtype='<i2')
        frames = len(samples) // channels
        self.assertGreater(frames, rate * min_s,
                           'received %.2f s' % (frames / rate))
        self.assertLess(frames, rate * max_s,
                        'received %.2f s' % (frames / rate))
        mono = samples[:frames * channels:channels].astype(numpy.float64)
        rms = numpy.sqrt(numpy.mean(mono ** 2))
        self.assertAlmostEqual(rms, TONE_RMS, delta=TONE_RMS * 0.05)
        peak_hz = numpy.argmax(numpy.abs(numpy.fft.rfft(mono))) * rate / \
            len(mono)
        self.assertAlmostEqual(peak_hz, TONE_HZ, delta=5)

    def test_every_option_for_two_seconds(self):
        rate, channels = 44100, 1
        proc = subprocess.run(
            self.command() + every_option(self.rx.port, rate, channels) +
            ['--seconds', '2'], capture_output=True, text=True, timeout=30)
        out = proc.stdout
        self.assertEqual(proc.returncode, 0, out + proc.stderr)
        for line in ('connection  connected', 'stats       sent',
                     'stopping', 'done        everything sent'):
            self.assertIn(line, out)

        conn = self.rx.wait_connection(0, 5)
        self.assertIsNotNone(conn, 'never connected')
        self.assertEqual(conn.wait_end(5), 'eof')
        self.assertEqual(conn.tos, TOS_LOWDELAY)
        self.assert_tone(conn.data, rate, channels, 1.8, 2.4)

    def test_ctrl_c_drains_and_exits_0(self):
        proc = subprocess.Popen(
            self.command() + ['--device', DEVICE, '--port', str(self.rx.port),
                              '--prefill-ms', '300'],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(proc.kill)
        conn = self.rx.wait_connection(0, 10)
        self.assertIsNotNone(conn, 'never connected')
        conn.wait_bytes(48000 * 4, 10)      # 1 s on the wire
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
        self.assertEqual(proc.returncode, 0, out + err)
        self.assertIn('stopping', out)
        self.assertIn('done        everything sent', out)
        self.assertEqual(conn.wait_end(5), 'eof')
        # the cushion that was buffered at Ctrl-C went out too
        self.assert_tone(conn.data, 48000, 2, 1.2, 5.0)

    def test_refused_without_reconnect_exits_1(self):
        proc = subprocess.run(
            self.command() + ['--port', str(peers.unused_port()),
                              '--no-auto-reconnect'],
            capture_output=True, text=True, timeout=30)
        self.assertEqual(proc.returncode, 1, proc.stdout + proc.stderr)
        self.assertIn('Could not connect to 127.0.0.1 port', proc.stderr)


class TestStreamC(StreamProgramMixin, unittest.TestCase):
    command = staticmethod(stream_c)


class TestStreamPy(StreamProgramMixin, unittest.TestCase):
    command = staticmethod(stream_py)


class TestReplayFile(unittest.TestCase):

    def test_every_sample_arrives_at_real_time(self):
        require_element(self)
        rate, channels, seconds = 48000, 2, 2.5
        frames = int(rate * seconds)
        tmp = tempfile.TemporaryDirectory(prefix='audiostream-replay-')
        self.addCleanup(tmp.cleanup)
        path = os.path.join(tmp.name, 'pattern.wav')
        with wave.open(path, 'wb') as w:
            w.setnchannels(channels)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes(peers.pattern_bytes(0, frames, channels))

        rx = peers.Receiver()
        self.addCleanup(rx.close)
        t0 = time.monotonic()
        proc = subprocess.run(
            [sys.executable, os.path.join(EXAMPLES, 'replay_file.py'), path,
             '--port', str(rx.port), '--prefill-ms', '200', '--quiet'],
            capture_output=True, text=True, timeout=30)
        elapsed = time.monotonic() - t0
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn('the whole file was sent', proc.stdout)

        conn = rx.wait_connection(0, 5)
        self.assertEqual(conn.wait_end(5), 'eof')
        data = conn.data
        self.assertEqual(len(data), frames * 2 * channels,
                         'received %d frames of %d' %
                         (len(data) // (2 * channels), frames))
        problem = peers.describe_mismatch(data, channels)
        self.assertIsNone(problem, problem)
        # Paced by the sink, not dumped: the audio took about its own
        # duration to arrive.
        span = (conn.last_arrival_ns() - conn.first_arrival_ns()) / 1e9
        self.assertGreater(span, seconds - 0.5)
        self.assertGreater(elapsed, seconds - 0.3)


if __name__ == '__main__':
    run_tests()
