#!/usr/bin/python3
# gst-audiostream
# Copyright (C) 2026 gst-audiostream developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.

"""TLS, mutual TLS and allowed-senders against real peers: `openssl
s_server` and the project's own audiostreamsrc, with certificates made by
tests/integration/certs.py (openssl). Audio is the counter pattern, so a
gap or a duplicate shows as the first wrong sample; what a plain-text
server received is parsed as TLS records to prove that no audio went out
in clear text.
"""

import os
import socket
import struct
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (Gst, BusWatch, error_text, is_connection,  # noqa: E402
                     is_eos, is_error, run_tests, stats_dict)
import peers  # noqa: E402
from certs import Certs, openssl_available  # noqa: E402
from proxy import Proxy  # noqa: E402
from test_audiostreamsink import SinkTestCase  # noqa: E402
from test_audiostreamsrc import Received, is_src_connection  # noqa: E402

RATE = 48000
CHANNELS = 2
BPF = 2 * CHANNELS
NS = 1e9

CERTS = None


def setUpModule():
    global CERTS
    if openssl_available():
        CERTS = Certs()


def tearDownModule():
    if CERTS is not None:
        CERTS.close()


def tcp_listening(port):
    """Whether something listens on 127.0.0.1:port (from /proc, without
    connecting: a probe would be a connection to the peer)."""
    want = '0100007F:%04X' % port
    with open('/proc/net/tcp') as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if fields[1] == want and fields[3] == '0A':
                return True
    return False


class OpenSslServer:
    """`openssl s_server` on 127.0.0.1, its stdin held open (it ends a
    session when stdin ends) and its stdout, where -quiet puts exactly the
    bytes received, in a file."""

    def __init__(self, cert, key, quiet=True, extra=()):
        self.port = peers.unused_port('127.0.0.1')
        self.out_path = os.path.join(CERTS.dir, 's_server-%d.out' %
                                     self.port)
        self._out = open(self.out_path, 'wb')
        args = ['openssl', 's_server', '-accept', '127.0.0.1:%d' % self.port,
                '-cert', cert, '-key', key] + list(extra)
        if quiet:
            args.append('-quiet')
        # its complaints (a client that hung up) apart from the data
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE,
                                     stdout=self._out,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 5
        while not tcp_listening(self.port):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError('openssl s_server did not start')
            time.sleep(0.02)

    def output(self):
        with open(self.out_path, 'rb') as f:
            return f.read()

    def close(self):
        self.proc.kill()
        self.proc.wait()
        self.proc.stdin.close()
        self._out.close()


def tls_record_types(data):
    """The content types of the TLS records in data (22 handshake, 21
    alert, 23 application data); None if data is not a sequence of TLS
    records (such as raw audio)."""
    types = []
    pos = 0
    while pos < len(data):
        if len(data) - pos < 5:
            return None
        ctype, major, minor, length = struct.unpack('!BBBH',
                                                    data[pos:pos + 5])
        if ctype not in (20, 21, 22, 23) or major != 3:
            return None
        types.append(ctype)
        pos += 5 + length
    return types


def stream_one_second(case, port, sink_props, received):
    """One second of the counter pattern from an audiostreamsink to port;
    the receiver's output must be exactly that."""
    pipeline, watch, appsrc, sink = case.appsrc_pipeline(
        '127.0.0.1', port, RATE, CHANNELS, sink_props=sink_props)
    feeder = case.feeder(appsrc, rate=RATE, channels=CHANNELS,
                         total_frames=RATE)
    pipeline.set_state(Gst.State.PLAYING)
    feeder.start()
    case.wait_eos(watch, 15)
    got = received.wait_bytes(feeder.frames_pushed * BPF, 5)
    case.assertEqual(got, feeder.frames_pushed * BPF)
    case.assertIsNone(peers.describe_mismatch(bytes(received.audio),
                                              CHANNELS))


class TlsTestCase(SinkTestCase):

    def setUp(self):
        super().setUp()
        if CERTS is None:
            self.skipTest('openssl is not installed')

    def s_server(self, pair=None, **kwargs):
        pair = pair or CERTS.server
        server = OpenSslServer(pair.cert, pair.key, **kwargs)
        self.addCleanup(server.close)
        return server

    def proxy(self, port):
        px = Proxy('127.0.0.1', port, two_way=True)
        self.addCleanup(px.close)
        return px

    def tls_props(self, extra=''):
        return 'tls=true tls-ca-file=%s %s' % (CERTS.ca.cert, extra)

    def receiver_pipeline(self, src_props):
        pipeline = Gst.parse_launch(
            'audiostreamsrc name=src host=127.0.0.1 port=0 '
            'stats-interval-ms=200 %s ! appsink name=out emit-signals=true '
            'sync=false' % src_props)
        watch = BusWatch(pipeline)
        self.addCleanup(self._teardown, pipeline, watch)
        received = Received(pipeline.get_by_name('out'))
        src = pipeline.get_by_name('src')
        pipeline.set_state(Gst.State.PLAYING)
        self.assertEqual(pipeline.get_state(5 * Gst.SECOND)[0],
                         Gst.StateChangeReturn.SUCCESS)
        return pipeline, watch, src, received

    def tls_src_props(self, extra=''):
        return 'tls-certificate-file=%s tls-key-file=%s %s' % (
            CERTS.server.cert, CERTS.server.key, extra)

    def wait_stat(self, element, field, minimum, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if stats_dict(element)[field] >= minimum:
                return True
            time.sleep(0.05)
        return False


class TestTlsPair(TlsTestCase):
    """audiostreamsink tls=true -> proxy -> audiostreamsrc serving TLS."""

    def test_counter_pattern_intact_across_outages(self):
        rpipe, rwatch, src, received = self.receiver_pipeline(
            self.tls_src_props())
        px = self.proxy(src.get_property('current-port'))

        seconds = 10.0
        pipeline, watch, appsrc, sink = self.appsrc_pipeline(
            '127.0.0.1', px.port, RATE, CHANNELS, live=True,
            sink_props=self.tls_props(
                'prefill-ms=300 ring-buffer-ms=8000 reconnect-min-ms=200 '
                'reconnect-max-ms=400'))
        feeder = self.feeder(appsrc, rate=RATE, channels=CHANNELS,
                             total_frames=int(RATE * seconds))
        pipeline.set_state(Gst.State.PLAYING)
        feeder.start()
        self.assertTrue(px.wait_links(1, 5), 'the sender never connected')

        cuts = 6
        time.sleep(1.0)
        for i in range(cuts):
            if i % 2:
                px.drop()
            else:
                px.reset()
            self.assertTrue(px.wait_links(i + 2, 5),
                            'no reconnection after cut %d' % (i + 1))
            time.sleep(0.5)
        px.stall(True)
        time.sleep(1.0)
        px.stall(False)

        feeder.join(seconds + 10)
        t, msg = watch.wait(is_eos, 30)
        self.assertIsNotNone(msg, 'the sender did not finish: %s' %
                             '; '.join(error_text(m)
                                       for m in watch.errors()))
        self.assert_no_errors(watch)
        stats = stats_dict(sink)
        self.assertEqual(stats['reconnects'], cuts)
        sent = stats['samples-sent']
        got = received.wait_bytes(sent * BPF, 10)

        self.assertEqual(rwatch.errors(), [])
        rstats = stats_dict(src)
        self.assertEqual(rstats['senders'], cuts + 1)
        self.assertEqual(rstats['tls-failures'], 0)
        self.assertEqual(stats['silence-samples'], 0,
                         'the sender padded with silence; the test feeds '
                         'too slowly for this machine')
        self.assertEqual(stats['dropped-samples'] + stats['lost-samples'], 0,
                         'the sender dropped audio: %s' % stats)
        # no gap, no duplicate: every frame fed, once, in order
        self.assertEqual(got, feeder.frames_pushed * BPF,
                         'received %d frames, fed %d' %
                         (got // BPF, feeder.frames_pushed))
        where = peers.describe_mismatch(bytes(received.audio), CHANNELS)
        self.assertIsNone(where, 'stream broken: %s' % where)


class TestOpenSslServer(TlsTestCase):
    """`openssl s_server` as the receiver."""

    def test_counter_pattern_arrives_decrypted(self):
        server = self.s_server()
        seconds = 2.0
        pipeline, watch, appsrc, sink = self.appsrc_pipeline(
            '127.0.0.1', server.port, RATE, CHANNELS, live=True,
            sink_props=self.tls_props('prefill-ms=200'))
        feeder = self.feeder(appsrc, rate=RATE, channels=CHANNELS,
                             total_frames=int(RATE * seconds))
        pipeline.set_state(Gst.State.PLAYING)
        feeder.start()
        self.wait_eos(watch, seconds + 15)
        expected = feeder.frames_pushed * BPF
        deadline = time.monotonic() + 5
        while len(server.output()) < expected and \
                time.monotonic() < deadline:
            time.sleep(0.05)
        self.assert_pattern(server.output(), CHANNELS, expected,
                            'openssl s_server')

    def test_validation_flags_can_accept_an_expired_certificate(self):
        # everything but the date is still checked
        server = self.s_server(CERTS.expired)
        pipeline, watch, appsrc, sink = self.appsrc_pipeline(
            '127.0.0.1', server.port, RATE, CHANNELS, live=True,
            sink_props=self.tls_props(
                'prefill-ms=100 tls-validation-flags=unknown-ca+bad-identity'
                '+not-activated+revoked+insecure+generic-error'))
        feeder = self.feeder(appsrc, rate=RATE, channels=CHANNELS,
                             total_frames=RATE // 2)
        pipeline.set_state(Gst.State.PLAYING)
        feeder.start()
        self.wait_eos(watch, 15)
        deadline = time.monotonic() + 5
        while len(server.output()) < RATE // 2 * BPF and \
                time.monotonic() < deadline:
            time.sleep(0.05)
        self.assert_pattern(server.output(), CHANNELS, RATE // 2 * BPF,
                            'openssl s_server')

    def test_relative_ca_file(self):
        # GIO's file database takes absolute paths only; gst-launch-1.0
        # users write relative ones
        server = self.s_server()
        relative = os.path.relpath(CERTS.ca.cert)
        self.assertFalse(os.path.isabs(relative))
        pipeline, watch, appsrc, sink = self.appsrc_pipeline(
            '127.0.0.1', server.port, RATE, CHANNELS, live=True,
            sink_props='tls=true tls-ca-file=%s prefill-ms=100' % relative)
        feeder = self.feeder(appsrc, rate=RATE, channels=CHANNELS,
                             total_frames=RATE // 2)
        pipeline.set_state(Gst.State.PLAYING)
        feeder.start()
        self.wait_eos(watch, 15)

    def test_reconnect_resumes_the_session(self):
        # non-quiet: s_server says "Reused session-id" for each resumption
        server = self.s_server(quiet=False)
        px = self.proxy(server.port)
        pipeline, watch, sink = self.live_testsrc_pipeline(
            '127.0.0.1', px.port, self.tls_props(
                'prefill-ms=100 reconnect-min-ms=200 reconnect-max-ms=300'))
        pipeline.set_state(Gst.State.PLAYING)
        self.assertTrue(px.wait_links(1, 5))
        time.sleep(1.0)
        px.reset()
        self.assertTrue(px.wait_links(2, 5), 'no reconnection')
        deadline = time.monotonic() + 5
        while server.output().count(b'CIPHER is') < 2 and \
                time.monotonic() < deadline:
            time.sleep(0.05)
        out = server.output()
        self.assertEqual(out.count(b'CIPHER is'), 2, out[-2000:])
        self.assertEqual(out.count(b'Reused session-id'), 1,
                         'the reconnection made a full handshake')
        self.assert_no_errors(watch)


class TestRefusals(TlsTestCase):
    """A receiver that cannot be trusted: one ERROR naming the host and the
    reason within 3 s, one connection attempt, no audio."""

    def _expect_refusal(self, port, reason, sink_extra=''):
        pipeline, watch, sink = self.live_testsrc_pipeline(
            '127.0.0.1', port, self.tls_props(
                'prefill-ms=0 reconnect-min-ms=100 reconnect-max-ms=200 ' +
                sink_extra))
        t0 = time.monotonic_ns()
        pipeline.set_state(Gst.State.PLAYING)
        t, msg = watch.wait(is_error, 8)
        self.assertIsNotNone(msg, 'no ERROR')
        self.assertLess((t - t0) / NS, 3.0, 'ERROR after %.2f s' %
                        ((t - t0) / NS))
        err, debug = msg.parse_error()
        self.assertEqual(msg.src, sink)
        self.assertIn('127.0.0.1', err.message)
        self.assertIn(reason, err.message)
        _, failed = watch.find(is_connection('failed'))
        self.assertIsNotNone(failed, 'no connection state "failed"')
        # no retry storm: with a 100 ms backoff a retry would show by now
        time.sleep(1.5)
        # one ERROR from the sink (upstream's "Internal data stream error"
        # follows from the sink failing)
        self.assertEqual([m for m in watch.errors() if m.src == sink], [msg])
        self.assertEqual(stats_dict(sink)['connect-attempts'], 1)
        self.assertIsNone(watch.find(is_connection('waiting'))[1])
        return err.message

    def _expect_certificate_refused(self, pair, reason):
        server = self.s_server(pair)
        px = self.proxy(server.port)
        self._expect_refusal(px.port, reason)
        self.assertEqual(len(px.links), 1, 'connected more than once')
        self.assertEqual(server.output(), b'', 'audio reached the server')

    def test_expired_certificate(self):
        self._expect_certificate_refused(CERTS.expired, 'expired')

    def test_unknown_ca(self):
        self._expect_certificate_refused(CERTS.unknown_ca, 'unknown CA')

    def test_wrong_name(self):
        self._expect_certificate_refused(CERTS.wrong_name, 'name mismatch')

    def test_plain_text_server_gets_no_clear_audio(self):
        rx = self.receiver()
        self._expect_refusal(rx.port, 'not a TLS server',
                             'send-timeout-ms=2000')
        self.assertEqual(len(rx.connections), 1, 'connected more than once')
        data = rx.connections[0].data
        types = tls_record_types(data)
        self.assertIsNotNone(types, 'the plain server received something '
                             'that is not TLS: %r' % data[:64])
        self.assertEqual(set(types), {22},
                         'records other than the handshake: %s' % types)

    def test_plain_text_server_that_answers(self):
        """A server that answers the hello with something not TLS: refused
        at once, whatever send-timeout-ms says."""
        listener = socket.socket()
        listener.bind(('127.0.0.1', 0))
        listener.listen(4)
        self.addCleanup(listener.close)
        accepted = []

        def serve():
            while True:
                try:
                    conn, _ = listener.accept()
                except OSError:
                    return
                accepted.append(conn)
                conn.recv(4096)
                conn.sendall(b'HTTP/1.0 400 Bad Request\r\n\r\n' * 4)

        threading.Thread(target=serve, daemon=True).start()
        self._expect_refusal(listener.getsockname()[1],
                             'TLS handshake with 127.0.0.1 failed')
        self.assertEqual(len(accepted), 1)
        for conn in accepted:
            conn.close()


class TestMutualTls(TlsTestCase):

    def _expect_sender_refused(self, sink_extra, src_reason, sink_reason):
        rpipe, rwatch, src, received = self.receiver_pipeline(
            self.tls_src_props('tls-client-ca-file=%s' % CERTS.ca.cert))
        pipeline, watch, sink = self.live_testsrc_pipeline(
            '127.0.0.1', src.get_property('current-port'),
            self.tls_props('prefill-ms=0 reconnect-min-ms=200 '
                           'reconnect-max-ms=400 ' + sink_extra))
        pipeline.set_state(Gst.State.PLAYING)
        self.assertTrue(self.wait_stat(src, 'tls-failures', 1, 5),
                        'the source did not count the refused sender')
        rstats = stats_dict(src)
        self.assertEqual(rstats['senders'], 0)
        self.assertEqual(rstats['frames'], 0)
        self.assertEqual(received.nbytes(), 0)
        # the count is published before the message reaches the bus
        # watch: wait for it rather than look once
        _, refused = rwatch.wait(is_src_connection('refused'), 5)
        self.assertIsNotNone(refused)
        self.assertIn(src_reason,
                      refused.get_structure().get_string('error'))
        # TLS 1.3 finishes the client's side of the handshake first; the
        # sink waits for the verdict: one ERROR, on the first attempt
        t, msg = watch.wait(is_error, 5)
        self.assertIsNotNone(msg, 'the sink kept retrying')
        text = msg.parse_error()[0].message
        self.assertIn('asked for a client certificate', text)
        self.assertIn(sink_reason, text)
        self.assertEqual(stats_dict(sink)['connect-attempts'], 1)

    def test_sender_without_client_certificate_is_refused(self):
        self._expect_sender_refused('', 'no client certificate',
                                    'a sender without one')

    def test_sender_with_untrusted_client_certificate_is_refused(self):
        # a certificate from a CA the receiver does not name
        self._expect_sender_refused(
            'tls-certificate-file=%s tls-key-file=%s' %
            (CERTS.unknown_ca.cert, CERTS.unknown_ca.key),
            'client certificate refused', 'tls-certificate-file')

    def test_sender_with_client_certificate_streams(self):
        rpipe, rwatch, src, received = self.receiver_pipeline(
            self.tls_src_props('tls-client-ca-file=%s' % CERTS.ca.cert))
        stream_one_second(self, src.get_property('current-port'),
                          self.tls_props(
                              'prefill-ms=100 tls-certificate-file=%s '
                              'tls-key-file=%s' % (CERTS.client.cert,
                                                   CERTS.client.key)),
                          received)
        self.assertEqual(stats_dict(src)['tls-failures'], 0)


class TestAllowedSenders(SinkTestCase):

    def receiver_pipeline(self, allowed):
        return TlsTestCase.receiver_pipeline(
            self, 'allowed-senders="%s"' % allowed)

    def _connect_from(self, address, port, payload=b'\xff' * 4000):
        s = socket.socket()
        s.bind((address, 0))
        s.connect(('127.0.0.1', port))
        try:
            s.sendall(payload)
        except OSError:
            pass
        return s

    def test_outside_address_refused_allowed_one_streams(self):
        rpipe, rwatch, src, received = self.receiver_pipeline('127.0.0.1')
        port = src.get_property('current-port')
        intruders = [self._connect_from('127.0.0.2', port) for _ in range(3)]
        for s in intruders:
            self.addCleanup(s.close)
        self.assertTrue(TlsTestCase.wait_stat(self, src, 'refused', 3, 5),
                        'refused: %s' % stats_dict(src))

        # the intruders' bytes never reached the output
        stream_one_second(self, port, 'prefill-ms=100', received)
        rstats = stats_dict(src)
        self.assertEqual(rstats['refused'], 3)
        self.assertEqual(rstats['senders'], 1)
        # told once for the address, not once per connection
        warnings = [m for _, m in rwatch.messages
                    if m.type == Gst.MessageType.WARNING]
        self.assertEqual(len(warnings), 1)
        self.assertIn('127.0.0.2', warnings[0].parse_warning()[0].message)

    def test_sink_outside_the_list_is_refused(self):
        rpipe, rwatch, src, received = self.receiver_pipeline(
            '127.0.0.2/32, 10.0.0.0/8')
        pipeline, watch, sink = self.live_testsrc_pipeline(
            '127.0.0.1', src.get_property('current-port'),
            'prefill-ms=0 reconnect-min-ms=200 reconnect-max-ms=300')
        pipeline.set_state(Gst.State.PLAYING)
        self.assertTrue(TlsTestCase.wait_stat(self, src, 'refused', 2, 5))
        rstats = stats_dict(src)
        self.assertEqual(rstats['senders'], 0)
        self.assertEqual(rstats['frames'], 0)

    def test_bad_list_is_an_error_at_start(self):
        pipeline = Gst.parse_launch(
            'audiostreamsrc allowed-senders="127.0.0.1, nonsense/99" ! '
            'fakesink')
        watch = BusWatch(pipeline)
        self.addCleanup(self._teardown, pipeline, watch)
        pipeline.set_state(Gst.State.PLAYING)
        t, msg = watch.wait(is_error, 5)
        self.assertIsNotNone(msg)
        self.assertIn('nonsense/99', msg.parse_error()[0].message)


if __name__ == '__main__':
    run_tests()
