#!/usr/bin/python3
# gst-audiostream
# Copyright (C) 2026 gst-audiostream developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.

"""examples/list-devices against a real PulseAudio server.

The test owns the server: `pulseaudio` runs in the foreground as a child,
with its runtime directory, home and socket in a temporary directory, no
default script, and two devices of its own: a null sink `testsink` (whose
monitor `testsink.monitor` is what-you-hear capture) and a null source
"Test Microphone". The lister must list the microphone always and the
monitor only with --monitors, and the pipeline fragment it prints must
capture: a tone played into testsink must come out of the monitor's
fragment run by gst-launch-1.0.

Without pulseaudio, or when it cannot start here, the tests skip and say
why (Debian packages pulseaudio and gstreamer1.0-pulseaudio;
scripts/setup.sh installs them).
"""

import ctypes
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import peers  # noqa: E402  (exits 77 without numpy)
import numpy  # noqa: E402

PULSEAUDIO = shutil.which('pulseaudio')
GST_LAUNCH = shutil.which('gst-launch-1.0')

MONITOR = 'testsink.monitor'
MIC_NAME = 'Test Microphone'
RATE = 48000
TONE_HZ = 1000
CAPTURE_S = 0.5
PR_SET_PDEATHSIG = 1


def lister_path():
    build = os.environ.get('AUDIOSTREAM_BUILD_ROOT',
                           os.path.join(os.path.dirname(__file__), '..', '..',
                                        'build'))
    return os.path.join(build, 'examples', 'list-devices')


def die_with_parent():
    """In the child before exec: SIGTERM when the test dies, so that a
    test killed by its timeout leaves no server behind."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class PulseServer:
    """A private pulseaudio, started in the foreground; env is what a
    client needs to reach it (and only it: no autospawn, no user config)."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix='audiostream-pulse-')
        self.socket = os.path.join(self.dir, 'native')
        self.log_path = os.path.join(self.dir, 'pulseaudio.log')
        self.env = dict(os.environ)
        self.env.update({
            'HOME': self.dir,
            'XDG_RUNTIME_DIR': self.dir,
            'XDG_CONFIG_HOME': os.path.join(self.dir, 'config'),
            'PULSE_RUNTIME_PATH': os.path.join(self.dir, 'runtime'),
            'PULSE_STATE_PATH': os.path.join(self.dir, 'state'),
            'PULSE_SERVER': 'unix:' + self.socket,
        })
        self.proc = None

    def start(self, timeout=10.0):
        """Returns None when the server is up, else why it is not."""
        args = [PULSEAUDIO, '-n', '--daemonize=no', '--system=false',
                '--exit-idle-time=-1', '--use-pid-file=false',
                '--log-target=stderr', '--log-level=notice',
                '-L', 'module-native-protocol-unix auth-anonymous=1 '
                      'socket=' + self.socket,
                '-L', 'module-null-sink sink_name=testsink',
                '-L', 'module-null-source source_name=testmic '
                      'description="%s"' % MIC_NAME]
        with open(self.log_path, 'wb') as log:
            self.proc = subprocess.Popen(args, env=self.env, stdout=log,
                                         stderr=subprocess.STDOUT,
                                         preexec_fn=die_with_parent)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return 'pulseaudio exited with %d: %s' % (
                    self.proc.returncode, self.log_tail())
            if os.path.exists(self.socket):
                return None
            time.sleep(0.05)
        return 'pulseaudio did not create its socket within %.0f s: %s' % (
            timeout, self.log_tail())

    def log_tail(self):
        try:
            with open(self.log_path, errors='replace') as f:
                lines = [line.strip() for line in f if 'D-Bus' not in line]
        except OSError:
            return '(no log)'
        return ' | '.join(lines[-5:]) or '(no output)'

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


SERVER = None


def setUpModule():
    global SERVER
    if PULSEAUDIO is None:
        raise unittest.SkipTest('pulseaudio is not installed (Debian package '
                                'pulseaudio; scripts/setup.sh installs it)')
    SERVER = PulseServer()
    why = SERVER.start()
    if why is not None:
        SERVER.stop()
        SERVER = None
        raise unittest.SkipTest('PulseAudio cannot run here: ' + why)


def tearDownModule():
    if SERVER is not None:
        SERVER.stop()


def parse_listing(text):
    """{display name: (notes, fragment)} from the lister's output: a name
    line, maybe followed by notes such as "(default)" and "(monitor)",
    then the fragment indented by two spaces."""
    devices = {}
    name = notes = None
    for line in text.splitlines():
        if line.startswith('  ') and name is not None:
            devices[name] = (notes, line.strip())
            name = None
        elif line:
            notes = set()
            while True:
                m = re.match(r'^(.*) \((default|monitor)\)$', line)
                if m is None:
                    break
                line = m.group(1)
                notes.add(m.group(2))
            name = line
    return devices


class TestListDevices(unittest.TestCase):

    def setUp(self):
        self.lister = lister_path()
        self.assertTrue(os.access(self.lister, os.X_OK),
                        '%s is not built' % self.lister)

    def run_lister(self, *args):
        proc = subprocess.run([self.lister] + list(args), env=SERVER.env,
                              capture_output=True, text=True, timeout=30)
        self.assertEqual(proc.returncode, 0,
                         'list-devices %s failed: %s' % (' '.join(args),
                                                         proc.stderr))
        self.assertNotIn('CRITICAL', proc.stderr)
        return parse_listing(proc.stdout), proc.stdout

    def fragment_of(self, devices, device):
        """The fragment of the device whose fragment names device=..."""
        for name, (notes, fragment) in devices.items():
            if 'device=%s' % device in shlex.split(fragment):
                return name, notes, fragment
        return None, None, None

    def capture(self, fragment, seconds=CAPTURE_S):
        """Runs `gst-launch-1.0 <fragment> num-buffers=N ! caps ! filesink`
        as a shell would split it; returns the captured mono S16LE."""
        out = os.path.join(SERVER.dir, 'capture.raw')
        # pulsesrc's buffers are 10 ms (latency-time)
        buffers = int(seconds * 100)
        argv = ([GST_LAUNCH, '-q'] + shlex.split(fragment) +
                ['num-buffers=%d' % buffers, '!',
                 'audio/x-raw,format=S16LE,rate=%d,channels=1' % RATE, '!',
                 'filesink', 'location=' + out])
        proc = subprocess.run(argv, env=SERVER.env, capture_output=True,
                              text=True, timeout=30)
        self.assertEqual(proc.returncode, 0, '%s: %s %s' % (
            ' '.join(argv), proc.stdout, proc.stderr))
        with open(out, 'rb') as f:
            return numpy.frombuffer(f.read(), dtype='<i2')

    def test_help(self):
        proc = subprocess.run([self.lister, '--help'], capture_output=True,
                              text=True, timeout=30)
        self.assertEqual(proc.returncode, 0)
        for option in ('--all', '--monitors'):
            self.assertIn(option, proc.stdout)

    def test_monitor_listed_only_with_monitors(self):
        plain, text = self.run_lister()
        self.assertIn(MIC_NAME, plain, 'microphone not listed:\n' + text)
        self.assertEqual(self.fragment_of(plain, MONITOR), (None, None, None),
                         'monitor listed without --monitors:\n' + text)

        listed, text = self.run_lister('--monitors')
        self.assertIn(MIC_NAME, listed)
        name, notes, fragment = self.fragment_of(listed, MONITOR)
        self.assertIsNotNone(name, 'monitor missing with --monitors:\n' +
                             text)
        self.assertIn('monitor', notes)
        self.assertEqual(shlex.split(fragment)[0], 'pulsesrc')
        self.assertNotIn('monitor', listed[MIC_NAME][0])

    def test_microphone_fragment_captures(self):
        devices, text = self.run_lister()
        notes, fragment = devices[MIC_NAME]
        self.assertEqual(shlex.split(fragment),
                         ['pulsesrc', 'device=testmic'])
        samples = self.capture(fragment)
        self.assertGreaterEqual(len(samples), int(CAPTURE_S * RATE * 0.9),
                                'captured %d samples' % len(samples))

    def test_monitor_fragment_hears_the_sink(self):
        """What is played into testsink comes out of the monitor."""
        devices, text = self.run_lister('--monitors')
        _, _, fragment = self.fragment_of(devices, MONITOR)
        player_log = os.path.join(SERVER.dir, 'player.log')
        with open(player_log, 'wb') as log:
            player = subprocess.Popen(
                [GST_LAUNCH, '-q', 'audiotestsrc', 'is-live=true',
                 'freq=%d' % TONE_HZ, 'volume=0.5', '!', 'pulsesink',
                 'device=testsink'], env=SERVER.env,
                stdout=log, stderr=subprocess.STDOUT)
        self.addCleanup(player.wait, 5)
        self.addCleanup(player.terminate)
        time.sleep(0.5)  # the stream is up and the monitor carries it
        if player.poll() is not None:
            with open(player_log, errors='replace') as f:
                self.fail('the tone player died: ' + f.read())
        samples = self.capture(fragment).astype(numpy.float64)
        self.assertGreaterEqual(len(samples), int(CAPTURE_S * RATE * 0.9))

        tail = samples[len(samples) // 2:]  # past any start-up silence
        rms = numpy.sqrt(numpy.mean(tail ** 2))
        self.assertGreater(rms, 0.5 * 32767 / 2 ** 0.5 * 0.5,
                           'the monitor captured no tone (rms %.0f)' % rms)
        spectrum = numpy.abs(numpy.fft.rfft(tail))
        peak_hz = numpy.argmax(spectrum) * RATE / len(tail)
        self.assertAlmostEqual(peak_hz, TONE_HZ, delta=20)

    def test_stream_takes_the_listed_name(self):
        """What the lister prints, examples/stream takes: the display
        name as --device."""
        stream = os.path.join(os.path.dirname(self.lister), 'stream')
        with peers.Receiver() as rx:
            proc = subprocess.run(
                [stream, '--device', MIC_NAME, '--port', str(rx.port),
                 '--prefill-ms', '200', '--seconds', '1'], env=SERVER.env,
                capture_output=True, text=True, timeout=30)
            self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
            conn = rx.wait_connection(0, 5)
            self.assertIsNotNone(conn, 'stream never connected')
            self.assertEqual(conn.wait_end(5), 'eof')
            self.assertGreater(conn.nbytes, 0.8 * RATE * 4)


if __name__ == '__main__':
    peers.run_tests()
