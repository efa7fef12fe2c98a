#!/usr/bin/python3
# gst-audiostream
# Copyright (C) 2026 gst-audiostream developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.

"""audiostreamsink survives the network: outages, resets, stalled and
half-open peers, reconnection with backoff, Unix sockets, bad input, and
many state changes. The network is emulated by tests/integration/proxy.py.

Each receiver connection is a new stream for a raw-PCM receiver, so the
check is: the connections' data, each cut to whole frames, joined in order,
is exactly the counter pattern fed in, with no gap and no repeat.
"""

import os
import random
import socket
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (Gst, is_connection, is_eos_or_error,  # noqa: E402
                     is_error, run_tests, set_state_timed, stats_dict)
import peers  # noqa: E402
from proxy import Proxy  # noqa: E402
from test_audiostreamsink import SinkTestCase, NS  # noqa: E402

RATE = 48000
CHANNELS = 2
BPF = 2 * CHANNELS


def is_warning(msg):
    return msg.type == Gst.MessageType.WARNING


def joined_frames(connections):
    """The audio of all connections in order, each cut to whole frames."""
    out = bytearray()
    for conn in connections:
        data = conn.data
        out += data[:len(data) - len(data) % BPF]
    return bytes(out)


class ReconnectTestCase(SinkTestCase):

    def proxy(self, rx, **kwargs):
        p = Proxy('127.0.0.1', rx.port, **kwargs)
        self.addCleanup(p.close)
        return p

    def live_counter(self, port, seconds, sink_props):
        pipeline, watch, src, sink = self.appsrc_pipeline(
            '127.0.0.1', port, RATE, CHANNELS, live=True,
            sink_props=sink_props)
        feeder = self.feeder(src, rate=RATE, channels=CHANNELS,
                             total_frames=int(RATE * seconds))
        return pipeline, watch, sink, feeder

    def finish(self, watch, rx, feeder, timeout):
        feeder.join(timeout)
        t, msg = watch.wait(is_eos_or_error, timeout)
        self.assertIsNotNone(msg, 'no EOS within %.0f s' % timeout)
        self.assertEqual(msg.type, Gst.MessageType.EOS,
                         'error instead of EOS: %s' %
                         (msg.parse_error()[0].message
                          if msg.type == Gst.MessageType.ERROR else ''))
        conns = list(rx.connections)
        for conn in conns:
            self.assertIsNotNone(conn.wait_end(5), 'a connection never ended')
        return conns

    def assert_intact(self, conns, frames):
        data = joined_frames(conns)
        where = peers.describe_mismatch(data, CHANNELS)
        self.assertIsNone(where, 'stream broken: %s' % where)
        self.assertEqual(len(data), frames * BPF,
                         'received %d frames, fed %d' %
                         (len(data) // BPF, frames))


class TestOutages(ReconnectTestCase):

    def _outage(self, cut, refuse_s):
        rx = self.receiver()
        px = self.proxy(rx)
        seconds = 4.0 + refuse_s
        pipeline, watch, sink, feeder = self.live_counter(
            px.port, seconds, 'prefill-ms=300 ring-buffer-ms=8000 '
            'reconnect-min-ms=300 reconnect-max-ms=1000')
        pipeline.set_state(Gst.State.PLAYING)
        feeder.start()
        self.assertTrue(px.wait_links(1, 5))
        time.sleep(1.5)
        if refuse_s:
            px.refuse_for(refuse_s)
        cut(px)
        conns = self.finish(watch, rx, feeder, seconds + 20)

        self.assertGreaterEqual(len(conns), 2, 'never reconnected')
        self.assert_intact(conns, feeder.frames_pushed)
        stats = stats_dict(sink)
        self.assertEqual(stats['dropped-samples'], 0)
        self.assertEqual(stats['lost-samples'], 0)
        self.assertEqual(stats['reconnects'], len(conns) - 1)
        self.assertEqual(stats['samples-sent'], feeder.frames_pushed)
        states = watch.connection_states()
        for state in ('connected', 'disconnected', 'waiting'):
            self.assertIn(state, states)
        self.assertNotIn('failed', states)
        self.assertEqual(watch.errors(), [])
        return watch

    def test_3s_outage_loses_and_repeats_nothing(self):
        watch = self._outage(lambda px: px.drop(), refuse_s=3.0)
        _, warning = watch.find(is_warning)
        self.assertIsNotNone(warning, 'no warning for the failed attempts')
        text = warning.parse_warning()[0].message
        self.assertIn('127.0.0.1 port', text)

    def test_reset_by_peer_loses_and_repeats_nothing(self):
        self._outage(lambda px: px.reset(), refuse_s=0)

    def test_remote_close_loses_and_repeats_nothing(self):
        self._outage(lambda px: px.drop(), refuse_s=0)

    def test_stats_mid_outage_account_for_every_frame(self):
        """docs/messages.md: every frame fed is sent, dropped, lost or still
        waiting (buffer-level-ms), also in the middle of an outage, when
        what the lost connection did not deliver waits to be sent again
        (it was in no counter: up to half a second)."""
        rx = self.receiver()
        px = self.proxy(rx, rcvbuf=8192)
        pipeline, watch, sink, feeder = self.live_counter(
            px.port, 7.0, 'prefill-ms=300 ring-buffer-ms=8000 '
            'reconnect-min-ms=2000 reconnect-max-ms=2000 '
            'send-timeout-ms=10000')
        pipeline.set_state(Gst.State.PLAYING)
        feeder.start()
        self.assertTrue(px.wait_links(1, 5))
        time.sleep(1.0)
        # the peer stops reading: the kernel's send buffer fills with audio
        # nobody acknowledged, then the connection dies with it
        px.stall(True)
        time.sleep(1.0)
        px.refuse_for(3.0)
        px.drop()
        _, msg = watch.wait(is_connection('disconnected'), 5)
        px.stall(False)
        self.assertIsNotNone(msg, 'the connection was not lost')
        time.sleep(0.5)

        before = feeder.frames_pushed
        stats = stats_dict(sink)
        after = feeder.frames_pushed
        self.assertFalse(stats['connected'])
        accounted = (stats['samples-sent'] - stats['silence-samples'] +
                     stats['dropped-samples'] + stats['lost-samples'] +
                     stats['buffer-level-ms'] * RATE // 1000)
        # buffer-level-ms is rounded down to the ms
        self.assertGreaterEqual(accounted, before - RATE // 1000,
                                '%d frames fed, %d accounted for: %s' %
                                (before, accounted, stats))
        self.assertLessEqual(accounted, after,
                             '%d frames fed, %d accounted for: %s' %
                             (after, accounted, stats))

        conns = self.finish(watch, rx, feeder, 30)
        self.assert_intact(conns, feeder.frames_pushed)

    def test_outage_longer_than_ring_drops_oldest_and_counts(self):
        rx = self.receiver()
        px = self.proxy(rx)
        pipeline, watch, sink, feeder = self.live_counter(
            px.port, 5.0, 'prefill-ms=200 ring-buffer-ms=1000 '
            'reconnect-min-ms=300 reconnect-max-ms=600')
        pipeline.set_state(Gst.State.PLAYING)
        feeder.start()
        self.assertTrue(px.wait_links(1, 5))
        time.sleep(1.0)
        px.refuse_for(2.5)
        px.drop()
        conns = self.finish(watch, rx, feeder, 30)
        stats = stats_dict(sink)
        data = joined_frames(conns)
        self.assertGreater(stats['dropped-samples'], 0)
        self.assertGreater(stats['overflows'], 0)
        # every frame fed was delivered or counted as dropped, none twice
        self.assertEqual(len(data) // BPF + stats['dropped-samples'],
                         feeder.frames_pushed)
        self.assertEqual(stats['samples-sent'], len(data) // BPF)
        # what was delivered is in order: the counter only ever jumps ahead
        values = memoryview(data).cast('h')[::CHANNELS]
        jumps = 0
        for i in range(1, len(values)):
            step = (values[i] - values[i - 1]) & 0xffff
            self.assertNotEqual(step, 0, 'repeat at frame %d' % i)
            if step != CHANNELS:
                jumps += 1
        self.assertGreaterEqual(jumps, 1)
        self.assertLessEqual(jumps, 2, 'more than the one outage gap')


class TestStalls(ReconnectTestCase):

    def test_stalled_peer_never_blocks_live_source_and_nothing_lost(self):
        rx = self.receiver()
        px = self.proxy(rx)
        pipeline, watch, sink = self.live_testsrc_pipeline(
            '127.0.0.1', px.port, 'prefill-ms=300 ring-buffer-ms=8000 '
            'send-timeout-ms=10000')
        gaps = []
        last = [None]

        def probe(pad, info):
            now = time.monotonic()
            if last[0] is not None:
                gaps.append(now - last[0])
            last[0] = now
            return Gst.PadProbeReturn.OK

        sink.get_static_pad('sink').add_probe(Gst.PadProbeType.BUFFER, probe)
        pipeline.set_state(Gst.State.PLAYING)
        self.assertTrue(px.wait_links(1, 5))
        time.sleep(1.0)
        px.stall(True)
        stall_start = len(gaps)
        time.sleep(3.0)
        stall_gaps = gaps[stall_start:]
        px.stall(False)
        time.sleep(1.0)

        self.assertGreater(len(stall_gaps), 250)
        stall_gaps.sort()
        # 10 ms buffers: render() must not add anything that shows
        p99 = stall_gaps[int(len(stall_gaps) * 0.99)]
        self.assertLess(p99, 0.020, 'p99 gap %.1f ms' % (p99 * 1000))
        # a render() held up by the stalled peer would show a gap of
        # seconds; tens of ms is the scheduling of a busy 2-core machine
        self.assertLess(stall_gaps[-1], 0.100,
                        'max gap %.1f ms' % (stall_gaps[-1] * 1000))
        stats = stats_dict(sink)
        self.assertEqual(stats['reconnects'], 0)
        self.assertEqual(stats['dropped-samples'], 0)
        self.assertEqual(watch.errors(), [])

    def test_stall_of_3s_resumes_without_loss(self):
        rx = self.receiver()
        px = self.proxy(rx)
        pipeline, watch, sink, feeder = self.live_counter(
            px.port, 6.0, 'prefill-ms=300 ring-buffer-ms=8000 '
            'send-timeout-ms=10000')
        pipeline.set_state(Gst.State.PLAYING)
        feeder.start()
        self.assertTrue(px.wait_links(1, 5))
        time.sleep(1.0)
        px.stall(True)
        time.sleep(3.0)
        px.stall(False)
        conns = self.finish(watch, rx, feeder, 30)
        self.assertEqual(len(conns), 1)
        self.assert_intact(conns, feeder.frames_pushed)

    def test_half_open_peer_detected_within_timeout(self):
        rx = self.receiver()
        px = self.proxy(rx, rcvbuf=8192)
        pipeline, watch, sink = self.live_testsrc_pipeline(
            '127.0.0.1', px.port, 'prefill-ms=100 send-timeout-ms=1000 '
            'reconnect-min-ms=200')
        pipeline.set_state(Gst.State.PLAYING)
        self.assertTrue(px.wait_links(1, 5))
        time.sleep(0.5)
        t0 = time.monotonic_ns()
        px.blackhole()
        t, msg = watch.wait(is_connection('disconnected'), 10)
        self.assertIsNotNone(msg, 'half-open peer never detected')
        # The kernel buffers (64 KiB SO_SNDBUF, doubled, and the peer's
        # 8 KiB) fill in under a second at 192 kB/s, then 1 s of no
        # progress.
        self.assertLess((t - t0) / NS, 3.0,
                        'detected after %.2f s' % ((t - t0) / NS))
        # whichever noticed first: our send timeout or TCP_USER_TIMEOUT
        self.assertRegex(msg.get_structure().get_string('error'),
                         r'read nothing for 1000 ms|timed out')


class TestBackoff(ReconnectTestCase):

    def test_attempts_follow_exponential_backoff_with_jitter(self):
        port = peers.unused_port()
        pipeline, watch, sink = self.live_testsrc_pipeline(
            '127.0.0.1', port, 'reconnect-min-ms=250 reconnect-max-ms=1000')
        pipeline.set_state(Gst.State.PLAYING)
        time.sleep(4.5)
        pipeline.set_state(Gst.State.NULL)

        attempts = []
        waits = []
        with watch._cond:
            messages = list(watch.messages)
        for t, msg in messages:
            s = msg.get_structure()
            if s is None or s.get_name() != 'audiostreamsink-connection':
                continue
            if s.get_string('state') == 'connecting':
                attempts.append(t)
            elif s.get_string('state') == 'waiting':
                waits.append(s.get_value('retry-in-ms'))
        self.assertGreaterEqual(len(attempts), 5)
        bases = [250, 500, 1000, 1000, 1000, 1000, 1000, 1000]
        for i, wait in enumerate(waits[:len(bases)]):
            self.assertGreaterEqual(wait, bases[i] * 0.8, 'wait %d' % i)
            self.assertLessEqual(wait, bases[i] * 1.2, 'wait %d' % i)
        # the attempts really are spaced by the announced waits
        for i in range(1, min(len(attempts), len(waits) + 1)):
            gap_ms = (attempts[i] - attempts[i - 1]) / 1e6
            self.assertGreaterEqual(gap_ms, waits[i - 1] - 5)
            self.assertLess(gap_ms, waits[i - 1] + 150)
        # the jitter really varies the waits
        self.assertGreater(len(set(waits)), 1)

    def test_good_connection_resets_backoff(self):
        rx = self.receiver()
        px = self.proxy(rx)
        pipeline, watch, sink = self.live_testsrc_pipeline(
            '127.0.0.1', px.port, 'prefill-ms=100 reconnect-min-ms=300 '
            'reconnect-max-ms=5000')
        pipeline.set_state(Gst.State.PLAYING)
        for n in range(1, 4):
            self.assertTrue(px.wait_links(n, 5), 'connection %d' % n)
            time.sleep(0.6)
            px.drop()
        self.assertTrue(px.wait_links(4, 5))
        waits = []
        with watch._cond:
            for _, msg in watch.messages:
                s = msg.get_structure()
                if (s is not None and
                        s.get_name() == 'audiostreamsink-connection' and
                        s.get_string('state') == 'waiting'):
                    waits.append(s.get_value('retry-in-ms'))
        self.assertEqual(len(waits), 3)
        for wait in waits:
            self.assertLessEqual(wait, 300 * 1.2)


class TestUnixSocket(ReconnectTestCase):

    def _uds_server(self, path):
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(path)
        server.listen(4)
        self.addCleanup(server.close)
        return server

    def test_streams_and_reconnects_over_unix_socket(self):
        path = os.path.join(tempfile.mkdtemp(), 'pcm.sock')
        server = self._uds_server(path)
        received = [bytearray(), bytearray()]

        def serve():
            for i in range(2):
                conn, _ = server.accept()
                end = time.monotonic() + (1.0 if i == 0 else 30)
                with conn:
                    conn.settimeout(0.2)
                    while time.monotonic() < end:
                        try:
                            data = conn.recv(65536)
                        except socket.timeout:
                            continue
                        if not data:
                            break
                        received[i] += data

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        pipeline, watch, src, sink = self.appsrc_pipeline(
            '127.0.0.1', 1, RATE, CHANNELS, live=True,
            sink_props='socket-path=%s prefill-ms=200 reconnect-min-ms=200'
            % path)
        feeder = self.feeder(src, rate=RATE, channels=CHANNELS,
                             total_frames=RATE * 3)
        pipeline.set_state(Gst.State.PLAYING)
        feeder.start()
        feeder.join(20)
        t, msg = watch.wait(is_eos_or_error, 20)
        self.assertEqual(msg.type, Gst.MessageType.EOS)
        thread.join(5)

        _, connected = watch.find(is_connection('connected'))
        self.assertEqual(connected.get_structure().get_string('remote'),
                         'unix:' + path)
        self.assertEqual(stats_dict(sink)['reconnects'], 1)
        # Data the first reader left unread died with it; what arrived is
        # in order, never repeated, and the second connection runs to the
        # last frame fed.
        first = bytes(received[0][:len(received[0]) - len(received[0]) % BPF])
        second = bytes(received[1])
        self.assertIsNone(peers.describe_mismatch(first, CHANNELS))
        start = len(first) // BPF
        values = memoryview(second).cast('h')
        self.assertGreater(len(values), 0)
        first_frame = None
        for f in range(start, feeder.frames_pushed):
            if (f * CHANNELS) & 0xffff == values[0] & 0xffff:
                first_frame = f
                break
        self.assertIsNotNone(first_frame)
        self.assertIsNone(peers.describe_mismatch(second, CHANNELS,
                                                  first_frame))
        self.assertEqual(first_frame + len(second) // BPF,
                         feeder.frames_pushed)


class TestBadInput(ReconnectTestCase):

    def _error_within(self, props, seconds):
        pipeline, watch, sink = self.live_testsrc_pipeline(
            '127.0.0.1', 4953, props)
        t0 = time.monotonic_ns()
        pipeline.set_state(Gst.State.PLAYING)
        t, msg = watch.wait(is_error, seconds + 5)
        self.assertIsNotNone(msg, 'no error')
        self.assertLess((t - t0) / NS, seconds)
        ret, secs = set_state_timed(pipeline, Gst.State.NULL)
        self.assertLess(secs, 1.0)
        return msg.parse_error()[0].message

    def test_missing_socket_path_is_fatal_without_reconnect(self):
        path = '/nonexistent/dir/pcm.sock'
        text = self._error_within('socket-path=%s auto-reconnect=false' %
                                  path, 1.0)
        self.assertIn(path, text)

    def test_invalid_host_strings_name_the_host(self):
        for host in ('exa mple..com', '999.1.1.1', '[::1'):
            with self.subTest(host=host):
                text = self._error_within(
                    'host="%s" auto-reconnect=false' % host, 10.0)
                self.assertIn(host, text)

    def test_missing_socket_path_warns_and_retries(self):
        pipeline, watch, sink = self.live_testsrc_pipeline(
            '127.0.0.1', 4953, 'socket-path=/nonexistent/pcm.sock '
            'reconnect-min-ms=100 reconnect-max-ms=200')
        pipeline.set_state(Gst.State.PLAYING)
        t, msg = watch.wait(is_warning, 2)
        self.assertIsNotNone(msg)
        self.assertIn('/nonexistent/pcm.sock', msg.parse_warning()[0].message)
        time.sleep(1.0)
        self.assertGreaterEqual(stats_dict(sink)['connect-attempts'], 3)
        self.assertEqual(watch.errors(), [])


class TestStateCycles(ReconnectTestCase):

    def test_200_cycles_while_connecting_connected_reconnecting(self):
        rx = self.receiver()
        hang = peers.HangingListener('127.0.0.1')
        self.addCleanup(hang.close)
        hanging = hang.connect_hangs()
        targets = [rx.port, peers.unused_port()]
        if hanging:
            targets.append(hang.port)
        pipeline, watch, sink = self.live_testsrc_pipeline(
            '127.0.0.1', rx.port, 'prefill-ms=20 reconnect-min-ms=10')
        fds_before = len(os.listdir('/proc/self/fd'))
        threads_before = threading.active_count()
        rng = random.Random(1)
        slowest = 0.0
        for i in range(200):
            sink.set_property('port', targets[i % len(targets)])
            pipeline.set_state(Gst.State.PLAYING)
            time.sleep(rng.uniform(0, 0.05))
            ret, secs = set_state_timed(pipeline, Gst.State.NULL)
            self.assertEqual(ret, Gst.StateChangeReturn.SUCCESS)
            slowest = max(slowest, secs)
        self.assertLess(slowest, 1.0, 'slowest stop %.2f s' % slowest)
        time.sleep(0.2)
        # no descriptor or thread left behind (the receiver's own accepted
        # sockets are closed by the peer's FIN in its threads)
        rx.close()
        time.sleep(0.2)
        self.assertLessEqual(len(os.listdir('/proc/self/fd')),
                             fds_before + 2)
        self.assertLessEqual(threading.active_count(), threads_before + 1)
        self.assertEqual(watch.errors(), [])
        self.assertTrue(len(rx.connections) > 10)


if __name__ == '__main__':
    run_tests()
