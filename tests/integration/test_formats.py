#!/usr/bin/python3
# gst-audiostream
# Copyright (C) 2026 gst-audiostream developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.

"""audiostreamsink's sample formats against real receivers.

- audiostreamsrc, per format (S16LE, S24LE packed in 3 bytes, S32LE,
  F32LE): the bytes the receiver outputs are exactly the bytes fed to the
  sender, a pattern (byte k holds k % 251) that no sample or frame size
  lines up with, so a sample cut, padded, swapped or converted shows.
- snapserver with sampleformat 48000:24:2 and 48000:32:2: a 440 Hz tone
  sent as S24LE / S32LE comes out of a snapclient at 440 Hz with the
  tone's amplitude at that sample size (decoded at another byte offset or
  sample size, it is noise at other frequencies). snapclient's file player
  writes the stream's sample format, packed; since its own underruns may
  shift the frame alignment, each 50 ms is decoded at every byte offset.
"""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import Gst, BusWatch, run_tests, stats_dict  # noqa: E402
import numpy  # noqa: E402  (harness has already skipped without it)
from test_audiostreamsink import SinkTestCase  # noqa: E402
from test_audiostreamsrc import Received  # noqa: E402
import test_snapserver as snap  # noqa: E402

RATE = 48000
CHANNELS = 2
# format: bytes per sample
FORMATS = {'S16LE': 2, 'S24LE': 3, 'S32LE': 4, 'F32LE': 4}


def pattern(first_byte, n):
    return ((numpy.arange(first_byte, first_byte + n, dtype=numpy.uint64) %
             251).astype(numpy.uint8).tobytes())


class TestFormatsToAudiostreamsrc(SinkTestCase):

    def send_format(self, fmt):
        bpf = FORMATS[fmt] * CHANNELS
        rpipe = Gst.parse_launch(
            'audiostreamsrc name=src host=127.0.0.1 port=0 format=%s '
            'rate=%d channels=%d ! appsink name=out emit-signals=true '
            'sync=false' % (fmt, RATE, CHANNELS))
        rwatch = BusWatch(rpipe)
        self.addCleanup(self._teardown, rpipe, rwatch)
        appsink = rpipe.get_by_name('out')
        got = Received(appsink)
        rpipe.set_state(Gst.State.PLAYING)
        self.assertEqual(rpipe.get_state(5 * Gst.SECOND)[0],
                         Gst.StateChangeReturn.SUCCESS)
        port = rpipe.get_by_name('src').get_property('current-port')

        caps = ('audio/x-raw,format=%s,layout=interleaved,rate=%d,'
                'channels=%d' % (fmt, RATE, CHANNELS))
        pipeline, watch = self.pipeline(
            'appsrc name=src is-live=false format=time caps="%s" ! '
            'audiostreamsink name=sink host=127.0.0.1 port=%d prefill-ms=100'
            % (caps, port))
        appsrc = pipeline.get_by_name('src')
        frames = RATE // 2                      # 0.5 s
        step = 441                              # not a chunk size
        sent = bytearray()
        pipeline.set_state(Gst.State.PLAYING)
        for first in range(0, frames, step):
            n = min(step, frames - first)
            data = pattern(first * bpf, n * bpf)
            sent += data
            buf = Gst.Buffer.new_wrapped(data)
            buf.pts = first * Gst.SECOND // RATE
            buf.duration = n * Gst.SECOND // RATE
            self.assertEqual(appsrc.emit('push-buffer', buf),
                             Gst.FlowReturn.OK)
        appsrc.emit('end-of-stream')
        self.wait_eos(watch, 10)
        stats = stats_dict(pipeline.get_by_name('sink'))
        got.wait_bytes(len(sent), 5)
        with got.lock:
            received = bytes(got.audio)

        self.assert_no_errors(watch)
        self.assertEqual(rwatch.errors(), [])
        self.assertEqual(stats['bytes-sent'], len(sent))
        self.assertEqual(stats['samples-sent'], frames)
        caps = appsink.get_static_pad('sink').get_current_caps()
        self.assertEqual(caps.get_structure(0).get_string('format'), fmt)
        self.assertEqual(len(received), len(sent),
                         '%s: received %d bytes, sent %d' %
                         (fmt, len(received), len(sent)))
        if received != bytes(sent):
            i = next(k for k in range(len(sent)) if received[k] != sent[k])
            self.fail('%s: byte %d (frame %d) differs: got %d, sent %d' %
                      (fmt, i, i // bpf, received[i], sent[i]))

    def test_s16le(self):
        self.send_format('S16LE')

    def test_s24le_packed(self):
        self.send_format('S24LE')

    def test_s32le(self):
        self.send_format('S32LE')

    def test_f32le(self):
        self.send_format('F32LE')


def decode(data, width, offset):
    """Signed little-endian samples of width bytes from byte offset."""
    raw = numpy.frombuffer(data, dtype=numpy.uint8)[offset:]
    raw = raw[:len(raw) - len(raw) % width].reshape(-1, width)
    value = numpy.zeros(len(raw), dtype=numpy.int64)
    for i in range(width):
        value |= raw[:, i].astype(numpy.int64) << (8 * i)
    sign = 1 << (8 * width - 1)
    return numpy.where(value >= sign, value - 2 * sign, value)


WINDOW = 2400                       # 50 ms: 440 Hz is FFT bin 22


def tone_windows(data, width, full_scale):
    """How many 50 ms windows of data hold, on channel 0, a 440 Hz sine of
    audiotestsrc's volume 0.8 at the given sample size. snapclient's file
    player pads its own underruns ("Not enough frames available") with
    silence that need not be a whole number of frames, so every window is
    decoded at every byte offset on its own."""
    frame = width * CHANNELS
    span = WINDOW * frame
    good = set()
    for offset in range(frame):
        samples = decode(data, width, offset)[0::CHANNELS].astype(float)
        for w in range(len(samples) // WINDOW):
            x = samples[w * WINDOW:(w + 1) * WINDOW]
            rms = numpy.sqrt(numpy.mean(x ** 2)) / full_scale
            if not 0.5 < rms < 0.63:        # 0.566 for the sine
                continue
            freq = numpy.argmax(numpy.abs(numpy.fft.rfft(x))) * RATE / WINDOW
            if abs(freq - snap.FREQ) < 1:
                good.add((offset + w * span) // span)
    return len(good)


@unittest.skipUnless(snap.SNAPSERVER and snap.SNAPCLIENT,
                     'snapserver/snapclient not installed '
                     '(Debian packages snapserver, snapclient; '
                     'bash scripts/setup.sh)')
class TestFormatsToSnapserver(snap.TestSnapserver):
    # the restart tests stay in test_snapserver.py
    test_stream_resumes_after_snapserver_restart_sigterm = None
    test_stream_resumes_after_snapserver_killed_sigkill = None

    def play_tone(self, fmt, bits):
        with open(self.conf) as f:
            conf = f.read()
        old = 'sampleformat=%d:16:%d' % (RATE, CHANNELS)
        self.assertIn(old, conf)
        with open(self.conf, 'w') as f:
            f.write(conf.replace(old, 'sampleformat=%d:%d:%d' %
                                 (RATE, bits, CHANNELS)))
        self.start_server()
        self.start_client()
        pipeline, watch = self.pipeline(
            'audiotestsrc is-live=true wave=sine freq=%d ! '
            'audio/x-raw,format=%s,rate=%d,channels=%d ! '
            'audiostreamsink name=sink host=127.0.0.1 port=%d prefill-ms=200'
            % (snap.FREQ, fmt, RATE, CHANNELS, self.source_port))
        self.watch = watch
        pipeline.set_state(Gst.State.PLAYING)
        self.wait_state('connected', 0, 5)
        self.wait_stream_playing(5)

        width = bits // 8
        deadline = time.monotonic() + 15
        windows = 0
        while windows < 20 and time.monotonic() < deadline:
            time.sleep(0.5)
            try:
                with open(self.output.path, 'rb') as f:
                    data = f.read()
            except FileNotFoundError:
                continue
            windows = tone_windows(data, width, 2.0 ** (bits - 1))
        self.assert_no_errors(watch)
        # 1 s of the tone, at the tone's level at this sample size
        self.assertGreaterEqual(windows, 20, '%s: %d windows of 50 ms with a '
                                '%d Hz tone at %d-bit scale in the snapclient '
                                'output' % (fmt, windows, snap.FREQ, bits))
        print('\n%s as sampleformat %d:%d:%d: snapclient played %d windows '
              'of 50 ms of the %d Hz tone' % (fmt, RATE, bits, CHANNELS,
                                              windows, snap.FREQ))
        pipeline.set_state(Gst.State.NULL)

    def test_s24le_to_snapserver_24_bit(self):
        self.play_tone('S24LE', 24)

    def test_s32le_to_snapserver_32_bit(self):
        self.play_tone('S32LE', 32)


if __name__ == '__main__':
    run_tests()
