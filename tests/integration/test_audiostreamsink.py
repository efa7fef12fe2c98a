#!/usr/bin/python3
# gst-audiostream
# Copyright (C) 2026 gst-audiostream developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.

"""audiostreamsink against real TCP peers on loopback.

Every byte the element sends is checked against the counter pattern the
test fed in, so loss, duplication, reordering and invented audio all show
up as the index of the first wrong sample. Timing bounds are generous: they
separate "paced at real time" from "as fast as possible" and "never blocked"
from "blocked until the peer reads", not milliseconds on a busy machine.
"""

import os
import sys
import tempfile
import time
import unittest
import wave

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (Gst, BusWatch, CounterFeeder, caps_string,  # noqa: E402
                     error_text, is_connection, is_eos_or_error,
                     is_error, require_element, run_tests, set_state_timed,
                     stats_dict)
import peers  # noqa: E402

NS = 1e9


class SinkTestCase(unittest.TestCase):

    def setUp(self):
        require_element(self)

    def receiver(self, **kwargs):
        rx = peers.Receiver(**kwargs)
        self.addCleanup(rx.close)
        return rx

    def pipeline(self, description):
        pipeline = Gst.parse_launch(description)
        watch = BusWatch(pipeline)
        self.addCleanup(self._teardown, pipeline, watch)
        return pipeline, watch

    def _teardown(self, pipeline, watch):
        pipeline.set_state(Gst.State.NULL)
        watch.close()

    def appsrc_pipeline(self, host, port, rate=48000, channels=2, live=True,
                        sink_props=''):
        desc = ('appsrc name=src is-live=%s format=time caps="%s" ! '
                'audiostreamsink name=sink host=%s port=%d %s' %
                ('true' if live else 'false', caps_string(rate, channels),
                 host, port, sink_props))
        pipeline, watch = self.pipeline(desc)
        return (pipeline, watch, pipeline.get_by_name('src'),
                pipeline.get_by_name('sink'))

    def live_testsrc_pipeline(self, host, port, sink_props='', rate=48000,
                              channels=2, samplesperbuffer=480):
        desc = ('audiotestsrc is-live=true wave=silence samplesperbuffer=%d '
                '! %s ! audiostreamsink name=sink host=%s port=%d %s' %
                (samplesperbuffer, caps_string(rate, channels), host, port,
                 sink_props))
        pipeline, watch = self.pipeline(desc)
        return pipeline, watch, pipeline.get_by_name('sink')

    def feeder(self, appsrc, **kwargs):
        feeder = CounterFeeder(appsrc, **kwargs)
        self.addCleanup(feeder.stop)
        return feeder

    def wait_eos(self, watch, timeout):
        t, msg = watch.wait(is_eos_or_error, timeout)
        self.assertIsNotNone(msg, 'neither EOS nor ERROR within %.0f s' %
                             timeout)
        if msg.type == Gst.MessageType.ERROR:
            self.fail('ERROR instead of EOS: %s' % error_text(msg))
        return t

    def assert_pattern(self, data, channels, expected_bytes, what):
        self.assertEqual(len(data), expected_bytes,
                         '%s: received %d bytes, expected %d' %
                         (what, len(data), expected_bytes))
        problem = peers.describe_mismatch(data, channels)
        self.assertIsNone(problem, '%s: %s' % (what, problem))

    def assert_no_errors(self, watch):
        errors = watch.errors()
        self.assertEqual(errors, [], 'ERROR on the bus: %s' %
                         '; '.join(error_text(m) for m in errors))


class TestDelivery(SinkTestCase):

    def test_live_counter_pattern_intact_fin_then_eos(self):
        rate, channels = 48000, 2
        total = 2 * rate
        rx = self.receiver()
        pipeline, watch, src, sink = self.appsrc_pipeline(
            '127.0.0.1', rx.port, rate, channels, live=True,
            sink_props='prefill-ms=300 stats-interval-ms=250')

        # At the instant EOS is posted (in the posting thread): what had
        # reached the receiver's end of the connection in the kernel, i.e.
        # bytes the test already read plus bytes queued in its socket (so
        # the reader thread's latency does not matter), and the state of
        # the element's socket (FIN sent or not).
        at_eos = {}

        def on_message(msg):
            if msg.type == Gst.MessageType.EOS and rx.connections:
                conn = rx.connections[0]
                at_eos['bytes'] = conn.received_total()
                at_eos['sender_state'] = conn.peer_tcp_state()
        watch.on_message = on_message

        feeder = self.feeder(src, rate=rate, channels=channels,
                             total_frames=total, realtime=True)
        pipeline.set_state(Gst.State.PLAYING)
        feeder.start()
        self.wait_eos(watch, 20)
        feeder.join(5)
        self.assertEqual(feeder.flow, Gst.FlowReturn.OK)
        self.assertEqual(feeder.frames_pushed, total)

        expected = total * channels * 2
        self.assertEqual(len(rx.connections), 1)
        conn = rx.connections[0]
        self.assertIn('bytes', at_eos)
        self.assertEqual(
            at_eos['bytes'], expected,
            'EOS was posted when the receiver had %d of %d bytes' %
            (at_eos['bytes'], expected))
        self.assertIn(
            at_eos['sender_state'], peers.TCP_FIN_SENT_STATES,
            'EOS was posted before the element sent its FIN (its socket '
            'was %s)' % peers.TCP_STATE_NAMES.get(at_eos['sender_state'],
                                                  at_eos['sender_state']))

        self.assertEqual(conn.wait_end(5), 'eof',
                         'the connection did not end with a clean FIN')
        self.assert_pattern(conn.data, channels, expected, 'live stream')

        stats = stats_dict(sink)
        self.assertEqual(stats['samples-sent'], total)
        self.assertEqual(stats['bytes-sent'], expected)
        self.assertEqual(stats['overflows'], 0)
        self.assertEqual(stats['dropped-samples'], 0)
        self.assertEqual(stats['silence-samples'], 0)
        self.assertEqual(stats['connect-attempts'], 1)
        self.assertEqual(watch.connection_states(),
                         ['connecting', 'connected', 'disconnected'])

        periodic = [m.get_structure() for _, m in watch.messages
                    if m.type == Gst.MessageType.ELEMENT and
                    m.get_structure().get_name() == 'audiostreamsink-stats']
        self.assertGreaterEqual(len(periodic), 3,
                                'expected a stats message every 250 ms')
        sent = [s.get_value('samples-sent') for s in periodic]
        self.assertEqual(sent, sorted(sent))
        self.assert_no_errors(watch)

    def test_eos_drains_when_prefill_is_never_reached(self):
        rate, channels = 48000, 2
        total = rate * 4 // 10          # 400 ms, prefill 1000 ms
        for live in (True, False):
            with self.subTest(live=live):
                rx = self.receiver()
                pipeline, watch, src, sink = self.appsrc_pipeline(
                    '127.0.0.1', rx.port, rate, channels, live=live,
                    sink_props='prefill-ms=1000 stats-interval-ms=0')
                feeder = self.feeder(src, rate=rate, channels=channels,
                                     total_frames=total, realtime=live)
                pipeline.set_state(Gst.State.PLAYING)
                feeder.start()
                self.wait_eos(watch, 15)
                conn = rx.wait_connection(0, 1)
                self.assertIsNotNone(conn)
                self.assertEqual(conn.wait_end(5), 'eof')
                self.assert_pattern(conn.data, channels, total * 4,
                                    'live=%s' % live)
                self.assertEqual(stats_dict(sink)['samples-sent'], total)
                pipeline.set_state(Gst.State.NULL)

    def test_file_streams_at_real_time_without_loss(self):
        rate, channels, seconds, prefill = 48000, 2, 3.0, 0.5
        total = int(rate * seconds)
        fd, path = tempfile.mkstemp(suffix='.wav', prefix='audiostreamsink-')
        os.close(fd)
        self.addCleanup(os.unlink, path)
        with wave.open(path, 'wb') as w:
            w.setnchannels(channels)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes(peers.pattern_bytes(0, total, channels))

        rx = self.receiver()
        # A ring smaller than the file: render() must block (backpressure)
        # rather than drop.
        pipeline, watch = self.pipeline(
            'filesrc location="%s" ! wavparse ! audiostreamsink name=sink '
            'host=127.0.0.1 port=%d prefill-ms=%d ring-buffer-ms=1000 '
            'stats-interval-ms=0' % (path, rx.port, int(prefill * 1000)))
        sink = pipeline.get_by_name('sink')
        t_play = time.monotonic_ns()
        pipeline.set_state(Gst.State.PLAYING)
        t_eos = self.wait_eos(watch, seconds + 15)
        elapsed = (t_eos - t_play) / NS

        conn = rx.wait_connection(0, 1)
        self.assertEqual(conn.wait_end(5), 'eof')
        expected = total * channels * 2
        self.assert_pattern(conn.data, channels, expected, 'file')

        stats = stats_dict(sink)
        self.assertEqual(stats['dropped-samples'], 0)
        self.assertEqual(stats['overflows'], 0)
        self.assertEqual(stats['samples-sent'], total)

        # Real time, not as fast as the file can be read ...
        self.assertGreaterEqual(
            elapsed, (seconds - prefill) * 0.9,
            'a %.1f s file reached EOS after %.2f s' % (seconds, elapsed))
        self.assertLessEqual(elapsed, seconds + 5.0,
                             'a %.1f s file took %.2f s' % (seconds, elapsed))
        span = (conn.last_arrival_ns() - conn.first_arrival_ns()) / NS
        self.assertGreaterEqual(span, (seconds - prefill) * 0.9,
                                'all audio arrived within %.2f s' % span)
        # ... and never ahead of the clock: by t seconds after the first
        # byte, at most t (+ slack) of audio has arrived. Arrival times are
        # taken when the reader gets round to them, i.e. late, which only
        # makes this bound easier to meet for a correct sender.
        first = conn.first_arrival_ns()
        bytes_per_s = rate * channels * 2
        worst = max(n - bytes_per_s * ((t - first) / NS)
                    for t, n in conn.arrivals) / bytes_per_s
        self.assertLess(worst, 0.3, 'audio arrived %.2f s ahead of real '
                        'time' % worst)
        self.assert_no_errors(watch)

    def test_chunk_larger_than_ring_neither_corrupts_nor_wedges(self):
        # chunk-samples, ring-buffer-ms and prefill-ms are each in range but
        # the chunk (200 ms) does not fit in the ring (100 ms). The element
        # may refuse that with an ERROR, or make it work; it must not pad a
        # file with silence, nor sit forever waiting for a prefill the ring
        # cannot hold.
        rate, channels = 48000, 2
        total = rate
        for prefill in (50, 1000):
            with self.subTest(prefill_ms=prefill):
                rx = self.receiver()
                pipeline, watch, src, sink = self.appsrc_pipeline(
                    '127.0.0.1', rx.port, rate, channels, live=False,
                    sink_props='ring-buffer-ms=100 chunk-samples=%d '
                    'prefill-ms=%d stats-interval-ms=0' % (rate // 5,
                                                           prefill))
                feeder = self.feeder(src, rate=rate, channels=channels,
                                     total_frames=total, realtime=False)
                pipeline.set_state(Gst.State.PLAYING)
                feeder.start()
                _, msg = watch.wait(is_eos_or_error, 8)
                stats = stats_dict(sink)
                self.assertIsNotNone(
                    msg, 'no EOS or ERROR 8 s after 1 s of audio: wedged '
                    '(bytes-sent %d, buffer-level-ms %d)' %
                    (stats['bytes-sent'], stats['buffer-level-ms']))
                if msg.type == Gst.MessageType.EOS:
                    conn = rx.wait_connection(0, 1)
                    self.assertEqual(stats['silence-samples'], 0,
                                     'silence inserted into a file stream')
                    self.assert_pattern(conn.data, channels, total * 4,
                                        'chunk > ring')
                pipeline.set_state(Gst.State.NULL)

    def test_high_priority_streams(self):
        # As root SCHED_FIFO is granted; elsewhere a WARNING, never an
        # ERROR, and the audio is the same either way.
        rate, channels = 48000, 2
        total = rate // 2
        rx = self.receiver()
        pipeline, watch, src, sink = self.appsrc_pipeline(
            '127.0.0.1', rx.port, rate, channels, live=True,
            sink_props='high-priority=true prefill-ms=100')
        feeder = self.feeder(src, rate=rate, channels=channels,
                             total_frames=total, realtime=True)
        pipeline.set_state(Gst.State.PLAYING)
        feeder.start()
        self.wait_eos(watch, 15)
        conn = rx.wait_connection(0, 1)
        self.assertEqual(conn.wait_end(5), 'eof')
        self.assert_pattern(conn.data, channels, total * 4, 'high-priority')
        self.assert_no_errors(watch)


class TestNetwork(SinkTestCase):

    def _dscp_values(self):
        sink = Gst.ElementFactory.make('audiostreamsink')
        enum_class = sink.find_property('dscp').enum_class
        values = {v.value_nick: int(v)
                  for v in enum_class.__enum_values__.values()}
        self.assertEqual(values, {'voip': 0xB8, 'lowdelay': 0x10,
                                  'throughput': 0x08, 'besteffort': 0x00})
        return values

    def _check_dscp(self, host):
        for nick, value in sorted(self._dscp_values().items()):
            with self.subTest(host=host, dscp=nick):
                rx = self.receiver(host=host)
                pipeline, watch, sink = self.live_testsrc_pipeline(
                    host, rx.port, 'prefill-ms=0 dscp=%s' % nick)
                pipeline.set_state(Gst.State.PLAYING)
                conn = rx.wait_connection(0, 5)
                self.assertIsNotNone(conn, 'no connection')
                self.assertEqual(
                    conn.tos, value, 'dscp=%s: the SYN carried %s, '
                    'expected 0x%02x' % (nick, conn.tos if conn.tos is None
                                         else hex(conn.tos), value))
                self.assertGreater(conn.wait_bytes(1, 2), 0)
                pipeline.set_state(Gst.State.NULL)

    def test_dscp_ipv4_tos(self):
        self._check_dscp('127.0.0.1')

    def test_dscp_ipv6_tclass(self):
        if not peers.ipv6_loopback_available():
            self.skipTest('IPv6 loopback ::1 is not available here')
        self._check_dscp('::1')

    def test_host_forms(self):
        rate, channels = 48000, 2
        total = rate * 3 // 10
        forms = [('localhost', '127.0.0.1'), ('127.0.0.1', '127.0.0.1'),
                 ('::1', '::1')]
        for host, bind in forms:
            with self.subTest(host=host):
                if ':' in bind and not peers.ipv6_loopback_available():
                    self.skipTest('IPv6 loopback ::1 is not available here')
                rx = self.receiver(host=bind)
                pipeline, watch, src, sink = self.appsrc_pipeline(
                    host, rx.port, rate, channels, live=False,
                    sink_props='prefill-ms=100 stats-interval-ms=0')
                feeder = self.feeder(src, rate=rate, channels=channels,
                                     total_frames=total, realtime=False)
                pipeline.set_state(Gst.State.PLAYING)
                feeder.start()
                self.wait_eos(watch, 10)
                conn = rx.wait_connection(0, 1)
                self.assertEqual(conn.wait_end(5), 'eof')
                self.assert_pattern(conn.data, channels, total * 4, host)
                _, msg = watch.find(is_connection('connected'))
                remote = msg.get_structure().get_string('remote')
                self.assertIn(bind, remote)
                pipeline.set_state(Gst.State.NULL)


class TestErrors(SinkTestCase):

    # With auto-reconnect off the first failure is fatal; with it on (the
    # default) failures are warnings and retries: tests/integration/
    # test_reconnect.py.
    def _expect_error(self, host, port, within):
        pipeline, watch, sink = self.live_testsrc_pipeline(
            host, port, 'auto-reconnect=false')
        t0 = time.monotonic_ns()
        pipeline.set_state(Gst.State.PLAYING)
        t, msg = watch.wait(is_error, within + 5)
        self.assertIsNotNone(msg, 'no ERROR for %s port %d' % (host, port))
        self.assertLess((t - t0) / NS, within,
                        'ERROR came after %.2f s' % ((t - t0) / NS))
        err, debug = msg.parse_error()
        self.assertEqual(msg.src, sink)
        self.assertIn(host, err.message)
        _, failed = watch.find(is_connection('failed'))
        self.assertIsNotNone(failed, 'no connection state "failed"')
        self.assertTrue(failed.get_structure().get_string('error'))
        ret, secs = set_state_timed(pipeline, Gst.State.NULL)
        self.assertEqual(ret, Gst.StateChangeReturn.SUCCESS)
        self.assertLess(secs, 1.0, 'NULL after an error took %.2f s' % secs)
        return err.message

    def test_refused_port(self):
        port = peers.unused_port('127.0.0.1')
        text = self._expect_error('127.0.0.1', port, within=1.0)
        self.assertIn(str(port), text)
        self.assertRegex(text, r'^Could not connect to 127\.0\.0\.1 port '
                         r'%d: .+\.$' % port)

    def test_unresolvable_host(self):
        text = self._expect_error('nosuch.invalid', 4953, within=10.0)
        self.assertTrue(text.startswith('Could not connect to '
                                        'nosuch.invalid'), text)


class TestStateChanges(SinkTestCase):

    def test_stop_while_connect_hangs_then_start_again(self):
        with peers.HangingListener('127.0.0.1') as hang:
            if not hang.connect_hangs():
                self.skipTest('could not make connect() hang here (a full '
                              'accept queue did not drop SYNs)')
            pipeline, watch, sink = self.live_testsrc_pipeline(
                '127.0.0.1', hang.port, 'prefill-ms=100')
            pipeline.set_state(Gst.State.PLAYING)
            _, msg = watch.wait(is_connection('connecting'), 2)
            self.assertIsNotNone(msg, 'no "connecting" message')
            time.sleep(0.3)
            self.assertNotIn('connected', watch.connection_states(),
                             'connect() did not hang; test is void')
            ret, secs = set_state_timed(pipeline, Gst.State.NULL)
            self.assertEqual(ret, Gst.StateChangeReturn.SUCCESS)
            self.assertLess(secs, 1.0,
                            'PLAYING -> NULL mid-connect took %.2f s' % secs)
            self.assert_no_errors(watch)

        rx = self.receiver()
        sink.set_property('port', rx.port)
        mark = watch.mark()
        pipeline.set_state(Gst.State.PLAYING)
        _, msg = watch.wait(is_connection('connected'), 5, start=mark)
        self.assertIsNotNone(msg, 'no connection after restarting')
        conn = rx.wait_connection(0, 2)
        self.assertIsNotNone(conn)
        # 300 ms of 48 kHz stereo
        self.assertGreaterEqual(conn.wait_bytes(48000 * 4 * 3 // 10, 5),
                                48000 * 4 * 3 // 10)
        self.assert_no_errors(watch)

    def test_restart_streams_again_from_zero(self):
        rate, channels = 48000, 2
        rx = self.receiver()
        pipeline, watch, src, sink = self.appsrc_pipeline(
            '127.0.0.1', rx.port, rate, channels, live=True,
            sink_props='prefill-ms=100 stats-interval-ms=0')

        # First run: stopped mid-stream, no EOS.
        first = self.feeder(src, rate=rate, channels=channels,
                            total_frames=rate * 2, realtime=True,
                            send_eos=False)
        pipeline.set_state(Gst.State.PLAYING)
        first.start()
        conn0 = rx.wait_connection(0, 5)
        self.assertIsNotNone(conn0)
        self.assertGreater(conn0.wait_bytes(rate * 4 // 5, 5), 0)
        ret, secs = set_state_timed(pipeline, Gst.State.NULL)
        self.assertEqual(ret, Gst.StateChangeReturn.SUCCESS)
        self.assertLess(secs, 1.0)
        first.stop()
        self.assertIsNotNone(conn0.wait_end(5), 'first connection still '
                             'open after NULL')
        problem = peers.describe_mismatch(conn0.data, channels)
        self.assertIsNone(problem, 'first run: %s' % problem)

        # Second run, same element: a new connection carrying the new
        # stream from its first sample, nothing left over from the first.
        total = rate // 2
        second = self.feeder(src, rate=rate, channels=channels,
                             total_frames=total, realtime=True)
        pipeline.set_state(Gst.State.PLAYING)
        second.start()
        self.wait_eos(watch, 15)
        conn1 = rx.wait_connection(1, 2)
        self.assertIsNotNone(conn1, 'no second connection')
        self.assertEqual(conn1.wait_end(5), 'eof')
        self.assert_pattern(conn1.data, channels, total * 4, 'second run')
        stats = stats_dict(sink)
        self.assertEqual(stats['samples-sent'], total)
        self.assertEqual(stats['connect-attempts'], 1)
        self.assert_no_errors(watch)


class TestStalledPeer(SinkTestCase):

    def test_live_source_never_blocked_by_stalled_peer(self):
        rate, channels = 192000, 8
        rx = self.receiver(stall=True, rcvbuf=4096)
        pipeline, watch, sink = self.live_testsrc_pipeline(
            '127.0.0.1', rx.port,
            'ring-buffer-ms=500 prefill-ms=100 stats-interval-ms=0',
            rate=rate, channels=channels, samplesperbuffer=rate // 100)

        arrivals = []

        def probe(pad, info):
            arrivals.append(time.monotonic_ns())
            return Gst.PadProbeReturn.OK
        sink.get_static_pad('sink').add_probe(Gst.PadProbeType.BUFFER,
                                              probe)

        pipeline.set_state(Gst.State.PLAYING)
        conn = rx.wait_connection(0, 5)
        self.assertIsNotNone(conn, 'no connection')
        stall_start = conn.accepted_ns

        deadline = time.monotonic() + 20
        stats = stats_dict(sink)
        while time.monotonic() < deadline and not (
                stats['overflows'] > 0 and stats['dropped-samples'] > 0):
            time.sleep(0.05)
            stats = stats_dict(sink)
        self.assertGreater(stats['overflows'], 0,
                           'the ring never overflowed: %s' % stats)
        self.assertGreater(stats['dropped-samples'], 0)
        # Keep stalling a while with the ring full.
        time.sleep(1.0)
        stall_end = time.monotonic_ns()

        self.assert_no_errors(watch)
        _, state, _ = pipeline.get_state(0)
        self.assertEqual(state, Gst.State.PLAYING)
        later = stats_dict(sink)
        self.assertGreater(later['dropped-samples'],
                           stats['dropped-samples'],
                           'audio stopped arriving at the sink')

        window = [t for t in list(arrivals) if stall_start <= t <= stall_end]
        seconds = (stall_end - stall_start) / NS
        self.assertGreater(len(window), 10)
        gaps = [(b - a) / 1e6 for a, b in zip(window, window[1:])]
        self.assertLess(max(gaps), 100.0,
                        'the live source was held up for %.0f ms while the '
                        'peer stalled' % max(gaps))
        self.assertGreaterEqual(
            len(window), seconds * 100 * 0.8,
            '%d buffers in %.1f s of a 100 buffers/s live source' %
            (len(window), seconds))

        ret, secs = set_state_timed(pipeline, Gst.State.NULL)
        self.assertEqual(ret, Gst.StateChangeReturn.SUCCESS)
        self.assertLess(secs, 1.0, 'NULL with a send blocked on a stalled '
                        'peer took %.2f s' % secs)


if __name__ == '__main__':
    run_tests()
