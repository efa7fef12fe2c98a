#!/usr/bin/python3
# gst-audiostream
# Copyright (C) 2026 gst-audiostream developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.

"""sttpushsink's first connection against a real local server that is not
there yet: it retries with the same backoff as a dropped session
(reconnect-min-ms, reconnect-max-ms) up to max-reconnect-attempts, says so
once, and transcribes every word once the server is up (issue 15).

These settings are element properties; on a build without them the tests
are skipped, visibly."""

import os
import socket
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from stt_harness import (Gst, ClockFeeder, error_text, is_error,  # noqa
                         run_tests, stats)
import stt_servers as S  # noqa: E402
from test_sttpushsink import RATE, SttTestCase  # noqa: E402

RETRY_PROPERTIES = ('max-reconnect-attempts', 'reconnect-min-ms',
                    'reconnect-max-ms')


def free_port():
    """A port nothing listens on (yet): refused until a server takes it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


class TestFirstConnectionRetry(SttTestCase):

    def setUp(self):
        super().setUp()
        sink = Gst.ElementFactory.make('sttpushsink', None)
        missing = [p for p in RETRY_PROPERTIES
                   if sink.find_property(p) is None]
        if missing:
            self.skipTest('sttpushsink has no %s property in this build' %
                          ', '.join(missing))

    def late_server(self, port, delay_s):
        """A Deepgram server on @port, started @delay_s from now."""
        box = {}

        def start():
            box['srv'] = S.DeepgramServer(S.Behaviour(), port=port)
        timer = threading.Timer(delay_s, start)
        timer.start()

        def cleanup():
            timer.cancel()
            timer.join()
            if 'srv' in box:
                box['srv'].close()
        self.addCleanup(cleanup)
        return timer, box

    def test_server_started_after_the_pipeline(self):
        # Live audio from the start; the server comes up 1.5 s later. The
        # refused attempts wait 200..400 ms each; the audio waits in the
        # queue and every word of it is transcribed, once.
        port = free_port()
        url = 'ws://127.0.0.1:%d/v1/listen' % port
        total = 4000
        timer, box = self.late_server(port, 1.5)
        watch, sink, feeder, _ = self.transcribe(
            'backend=deepgram url=%s max-reconnect-attempts=-1 '
            'reconnect-min-ms=200 reconnect-max-ms=400' % url, total,
            live=True, realtime=True, timeout=30)
        timer.join()
        srv = box['srv']
        self.assert_every_word_once(watch, total)
        self.assert_no_errors(watch)
        self.assert_no_audio_lost(srv, sink, total)

        states = self.session_states(watch)
        self.assertEqual(states[:2], ['connecting', 'reconnecting'])
        self.assertEqual(states[-3:], ['open', 'finishing', 'closed'])
        self.assertEqual(states.count('open'), 1)
        waits = [d['retry-in-ms'] for d in watch.element('session')
                 if d['state'] == 'reconnecting']
        for w in waits:
            self.assertTrue(160 <= w <= 480, waits)   # +/- 20 % jitter
        # one WARNING for all the refused attempts
        warnings = [error_text(m) for m in watch.of_type(
            Gst.MessageType.WARNING)]
        self.assertEqual(len(warnings), 1, warnings)
        self.assertIn('Could not connect to %s: Connection refused; trying '
                      'again in' % url, warnings[0])
        self.assertIn('for ever (max-reconnect-attempts)', warnings[0])
        st = stats(sink)
        self.assertGreaterEqual(st['connect-failures'], 2)
        self.assertEqual(st['connect-failures'], len(waits))
        self.assertEqual(st['reconnects'], 0)
        self.assertEqual(st['dropped-ms'], 0)
        self.assertEqual(len(srv.sessions), 1)

    def test_attempts_exhausted_is_one_error(self):
        port = free_port()
        url = 'ws://127.0.0.1:%d/v1/listen' % port
        pipeline, watch, src, sink = self.appsrc_pipeline(
            'backend=deepgram url=%s max-reconnect-attempts=2 '
            'reconnect-min-ms=100 reconnect-max-ms=200' % url, live=True)
        feeder = ClockFeeder(src, RATE, 5000, realtime=True)
        self.addCleanup(feeder.stop)
        pipeline.set_state(Gst.State.PLAYING)
        feeder.start()
        t, msg = watch.wait(is_error, 10)
        self.assertIsNotNone(msg, self.session_states(watch))
        err, debug = msg.parse_error()
        self.assertEqual(err.message, 'Could not connect to %s: Connection '
                         'refused; gave up after 3 attempts in a row '
                         '(max-reconnect-attempts).' % url)
        self.assertEqual(self.session_states(watch),
                         ['connecting', 'reconnecting'] * 2 +
                         ['connecting', 'failed'])
        self.assertEqual(len(watch.of_type(Gst.MessageType.WARNING)), 1)
        # One ERROR from the sink. The source upstream may follow it with
        # GStreamer's own "Internal data stream error" when its next push
        # is refused: that one comes after the reason, never another.
        errors = watch.of_type(Gst.MessageType.ERROR)
        self.assertIs(errors[0], msg)
        self.assertEqual([m for m in errors if m.src == sink], [msg])
        for m in errors[1:]:
            self.assertIn('Internal data stream error',
                          m.parse_error()[0].message, error_text(m))

    def test_authentication_failure_never_retried(self):
        srv = self.deepgram(api_key='the-right-key')
        watch, msg = self.fail_to_start(
            'backend=deepgram api-key=wrong url=%s max-reconnect-attempts=-1 '
            'reconnect-min-ms=100' % srv.url)
        err, debug = msg.parse_error()
        self.assertIn('authentication failed (HTTP 401)', err.message)
        self.assertEqual(self.session_states(watch), ['connecting', 'failed'])
        self.assertEqual(len(srv.rejected), 1)
        self.assertEqual(watch.of_type(Gst.MessageType.WARNING), [])


if __name__ == '__main__':
    run_tests()
