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



# examples/stt_transcribe.py: the five backends, the rate each takes, and
# one line for what is wrong. Its cloud backends are tried against the
# local protocol servers of tests/stt (stt_servers.py); the offline path
# against the reference server of tools/.

STT_PLUGIN_DIR = os.path.join(BUILD_ROOT, 'plugins', 'stt')
REFERENCE_SERVER = os.path.join(BUILD_ROOT, 'tools', 'stt-reference-server')
STT_KEY = 'sk-example-test-key'


def transcribe_example():
    return [sys.executable, os.path.join(EXAMPLES, 'stt_transcribe.py')]


def stt_env(**extra):
    env = dict(os.environ)
    env['GST_PLUGIN_PATH_1_0'] = os.pathsep.join(
        [STT_PLUGIN_DIR, env.get('GST_PLUGIN_PATH_1_0', '')])
    for var in ('DEEPGRAM_API_KEY', 'ASSEMBLYAI_API_KEY',
                'SPEECHMATICS_API_KEY', 'OPENAI_API_KEY',
                'STT_REFERENCE_SERVER'):
        env.pop(var, None)
    env.update(extra)
    return env


def speech_wav(directory):
    """2 s of a 440 Hz tone at 44.1 kHz: audio no backend takes as is."""
    path = os.path.join(directory, 'tone.wav')
    t = numpy.arange(88200) / 44100.0
    pcm = (numpy.sin(2 * numpy.pi * 440 * t) * 8000).astype('<i2')
    with wave.open(path, 'wb') as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(44100)
        w.writeframes(pcm.tobytes())
    return path


class TestSttTranscribeExample(unittest.TestCase):

    def setUp(self):
        if not os.path.isdir(STT_PLUGIN_DIR):
            self.skipTest('the stt plugin is not built')
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def run_example(self, args, env=None, timeout=60):
        return subprocess.run(transcribe_example() + args,
                              env=env or stt_env(), capture_output=True,
                              text=True, timeout=timeout)

    def assert_one_line_error(self, result, status, text):
        self.assertEqual(result.returncode, status, result.stderr)
        self.assertNotIn('Traceback', result.stderr)
        lines = [line for line in result.stderr.splitlines()
                 if not line.startswith('(')]
        self.assertEqual(len(lines), 1, result.stderr)
        self.assertIn(text, lines[0])

    def test_help_offers_the_five_backends(self):
        result = self.run_example(['--help'])
        self.assertEqual(result.returncode, 0, result.stderr)
        for backend in ('deepgram', 'assemblyai', 'speechmatics', 'openai',
                        'vosk'):
            self.assertIn(backend, result.stdout)

    def test_unknown_backend_is_one_line(self):
        result = self.run_example(['--backend', 'whisper', '--file', 'x'])
        self.assert_one_line_error(result, 2, "invalid choice: 'whisper'")

    def test_missing_file_is_one_line(self):
        result = self.run_example(['--url', 'ws://127.0.0.1:9/', '--file',
                                   os.path.join(self.tmp.name, 'none.wav')])
        self.assert_one_line_error(result, 1, 'no such file')

    def test_missing_key_is_one_line(self):
        result = self.run_example(['--backend', 'deepgram', '--file',
                                   speech_wav(self.tmp.name)])
        self.assert_one_line_error(result, 1, 'DEEPGRAM_API_KEY')

    def test_each_backend_gets_its_rate(self):
        # OpenAI takes 24 kHz only: a fixed 16 kHz was "Internal data
        # stream error". Every backend gets the file converted to a rate
        # it takes, and the script ends normally at EOS.
        sys.path.insert(0, os.path.join(SOURCE_ROOT, 'tests', 'stt'))
        import stt_servers as S
        wav = speech_wav(self.tmp.name)
        cases = (('deepgram', S.DeepgramServer, 'DEEPGRAM_API_KEY', 16000),
                 ('assemblyai', S.AssemblyAIServer, 'ASSEMBLYAI_API_KEY',
                  16000),
                 ('speechmatics', S.SpeechmaticsServer,
                  'SPEECHMATICS_API_KEY', 16000),
                 ('openai', S.OpenAIServer, 'OPENAI_API_KEY', 24000),
                 ('vosk', S.VoskServer, None, 16000))
        for backend, cls, var, rate in cases:
            with self.subTest(backend=backend):
                srv = cls(S.Behaviour(api_key=STT_KEY if var else None))
                self.addCleanup(srv.close)
                env = stt_env(**({var: STT_KEY} if var else {}))
                result = self.run_example(['--backend', backend, '--url',
                                           srv.url, '--file', wav], env=env)
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertNotIn('error', result.stderr)
                session = srv.sessions[0]
                self.assertEqual(session.violations, [])
                # 2 s of audio at the backend's rate (S16LE mono), give or
                # take the resampler's edges and a short frame's padding
                expected = 2 * rate * 2
                self.assertGreater(session.audio_bytes, expected * 0.95)
                self.assertLess(session.audio_bytes, expected * 1.1)

    def test_offline_reference_server_from_path(self):
        # the installed program, found on PATH as `meson devenv` puts it
        if not os.access(REFERENCE_SERVER, os.X_OK):
            self.skipTest('stt-reference-server not built '
                          '(libpocketsphinx-dev)')
        if not os.path.isdir('/usr/share/pocketsphinx/model/en-us'):
            self.skipTest('no pocketsphinx model (pocketsphinx-en-us)')
        env = stt_env(PATH=os.pathsep.join(
            [os.path.dirname(REFERENCE_SERVER), os.environ['PATH']]))
        result = self.run_example(['--file', speech_wav(self.tmp.name)],
                                  env=env, timeout=120)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn('(reference server at ws://127.0.0.1:', result.stderr)


if __name__ == '__main__':
    run_tests()
