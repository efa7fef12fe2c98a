#!/usr/bin/python3
# gst-audiostream
# Copyright (C) 2026 gst-audiostream developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.

"""Many audiostreamsink instances in one process, all paced by the
process's one sending scheduler: 200 pipelines stream 2 s each to a local
receiver and stop, five times in a row. Every stream must reach EOS, drop
nothing, deliver every byte (compared with the same audio rendered
locally) and close with a FIN; stopping all of them must not hang.

The time limits are generous for a loaded 2-core machine: they catch a
hang, not a slow run.
"""

import os
import selectors
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import Gst, require_element, run_tests, stats_dict  # noqa: E402

N_SINKS = int(os.environ.get('AUDIOSTREAM_SCALE_SINKS', '200'))
CYCLES = int(os.environ.get('AUDIOSTREAM_SCALE_CYCLES', '5'))
RATE = 16000
CHUNK = RATE // 100
SECONDS = 2
N_BUFFERS = SECONDS * 100
BPF = 2
SOURCE = ('audiotestsrc wave=sine freq=440 num-buffers=%d '
          'samplesperbuffer=%d ! audio/x-raw,format=S16LE,layout=interleaved,'
          'rate=%d,channels=1' % (N_BUFFERS, CHUNK, RATE))
EOS_TIMEOUT_S = 90
STOP_TIMEOUT_S = 20
FIN_TIMEOUT_S = 20


class MultiReceiver:
    """One thread, one selector, any number of connections: the bytes and
    whether the peer closed (FIN), per connection."""

    def __init__(self):
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(('127.0.0.1', 0))
        self._listener.listen(1024)
        self._listener.setblocking(False)
        self.port = self._listener.getsockname()[1]
        self._sel = selectors.DefaultSelector()
        self._sel.register(self._listener, selectors.EVENT_READ, None)
        self._lock = threading.Lock()
        self.conns = []           # [bytearray, closed]
        self._closing = False
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self):
        while not self._closing:
            for key, _ in self._sel.select(0.05):
                if key.data is None:
                    self._accept()
                    continue
                sock, conn = key.fileobj, key.data
                try:
                    data = sock.recv(262144)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    data = b''
                if data:
                    conn[0] += data
                    continue
                self._sel.unregister(sock)
                sock.close()
                with self._lock:
                    conn[1] = True

    def _accept(self):
        while True:
            try:
                sock, _ = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            sock.setblocking(False)
            conn = [bytearray(), False]
            with self._lock:
                self.conns.append(conn)
            self._sel.register(sock, selectors.EVENT_READ, conn)

    def wait_closed(self, n, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if sum(1 for c in self.conns if c[1]) >= n:
                    return True
            time.sleep(0.05)
        return False

    def take(self):
        with self._lock:
            conns, self.conns = self.conns, []
        return conns

    def close(self):
        self._closing = True
        self._thread.join(5)
        for key in list(self._sel.get_map().values()):
            key.fileobj.close()
        self._sel.close()


def reference_audio():
    """The bytes every stream must deliver: the same source, rendered
    here."""
    pipeline = Gst.parse_launch(SOURCE + ' ! appsink name=out sync=false')
    out = pipeline.get_by_name('out')
    data = bytearray()
    pipeline.set_state(Gst.State.PLAYING)
    while True:
        sample = out.emit('try-pull-sample', 10 * Gst.SECOND)
        if sample is None:
            break
        buf = sample.get_buffer()
        data += buf.extract_dup(0, buf.get_size())
    pipeline.set_state(Gst.State.NULL)
    return bytes(data)


def wait_all_eos(pipelines, timeout):
    """The pipelines that posted EOS, and (index, text) of any ERROR."""
    deadline = time.monotonic() + timeout
    pending = set(range(len(pipelines)))
    errors = []
    types = Gst.MessageType.EOS | Gst.MessageType.ERROR
    while pending and time.monotonic() < deadline:
        for i in list(pending):
            msg = pipelines[i].get_bus().pop_filtered(types)
            if msg is None:
                continue
            pending.discard(i)
            if msg.type == Gst.MessageType.ERROR:
                errors.append((i, msg.parse_error()[0].message))
        if pending:
            time.sleep(0.02)
    return len(pipelines) - len(pending), errors


class TestScale(unittest.TestCase):

    def setUp(self):
        require_element(self)
        self.rx = MultiReceiver()
        self.addCleanup(self.rx.close)
        self.reference = reference_audio()
        self.assertEqual(len(self.reference), N_BUFFERS * CHUNK * BPF)

    def make(self, n):
        desc = (SOURCE + ' ! audiostreamsink name=sink host=127.0.0.1 '
                'port=%d chunk-samples=%d prefill-ms=100 stats-interval-ms=0'
                % (self.rx.port, CHUNK))
        return [Gst.parse_launch(desc) for _ in range(n)]

    def cycle(self, number):
        pipelines = self.make(N_SINKS)
        try:
            started = time.monotonic()
            for p in pipelines:
                self.assertNotEqual(p.set_state(Gst.State.PLAYING),
                                    Gst.StateChangeReturn.FAILURE)
            done, errors = wait_all_eos(pipelines, EOS_TIMEOUT_S)
            streamed = time.monotonic() - started
            self.assertEqual(errors, [], 'cycle %d' % number)
            self.assertEqual(done, N_SINKS, 'cycle %d: %d of %d reached EOS '
                             'within %d s' % (number, done, N_SINKS,
                                              EOS_TIMEOUT_S))
            for i, p in enumerate(pipelines):
                stats = stats_dict(p.get_by_name('sink'))
                what = 'cycle %d, sink %d: %s' % (number, i, stats)
                self.assertEqual(stats['dropped-samples'], 0, what)
                self.assertEqual(stats['lost-samples'], 0, what)
                self.assertEqual(stats['samples-sent'], N_BUFFERS * CHUNK,
                                 what)
        finally:
            stop_started = time.monotonic()
            for p in pipelines:
                p.set_state(Gst.State.NULL)
            stopped = time.monotonic() - stop_started
        self.assertLess(stopped, STOP_TIMEOUT_S, 'cycle %d: stopping %d '
                        'sinks took %.1f s' % (number, N_SINKS, stopped))

        self.assertTrue(self.rx.wait_closed(N_SINKS, FIN_TIMEOUT_S),
                        'cycle %d: not every connection was closed' % number)
        conns = self.rx.take()
        self.assertEqual(len(conns), N_SINKS, 'cycle %d: %d connections'
                         % (number, len(conns)))
        for i, (data, closed) in enumerate(conns):
            self.assertTrue(closed)
            self.assertEqual(len(data), len(self.reference),
                             'cycle %d, connection %d' % (number, i))
            self.assertTrue(data == self.reference,
                            'cycle %d, connection %d: the audio differs'
                            % (number, i))
        print('cycle %d: %d sinks streamed %d s in %.1f s, stopped in %.2f s'
              % (number, N_SINKS, SECONDS, streamed, stopped))

    def test_many_sinks_stream_and_stop(self):
        for number in range(CYCLES):
            self.cycle(number)


if __name__ == '__main__':
    run_tests()
