#!/usr/bin/python3
# gst-audiostream
# Copyright (C) 2026 gst-audiostream developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.

"""stttranscriber in real pipelines with stock elements downstream
(webvttenc, srtenc, textoverlay, fakesink), against the local servers of
stt_servers.py over real WebSockets; and the lag of finals behind the
capture of their audio, for both STT elements.

The audio is the clock pattern, so the servers' words are named after the
stream time they start at ("w3" starts at 1500 ms), and a final covers a
second of audio.
"""

import os
import re
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from stt_harness import (Gst, BusWatch, ClockFeeder, caps_string,  # noqa
                         error_text, is_eos, is_eos_or_error, run_tests,
                         structure_dict)
import stt_servers as S  # noqa: E402

RATE = 16000
KEY = 'sk-test-transcriber'
ELEMENT = 'stttranscriber'


def element_messages(watch, name):
    """Structures (as dicts) of element messages called @name, in order,
    each with '_index', its position among all messages."""
    out = []
    for i, (t, msg) in enumerate(watch.snapshot()):
        s = msg.get_structure()
        if (msg.type == Gst.MessageType.ELEMENT and s is not None and
                s.get_name() == name):
            d = structure_dict(s)
            d['_index'] = i
            out.append(d)
    return out


def cue_time(text):
    h, m, s = text.replace(',', '.').split(':')
    return round((int(h) * 3600 + int(m) * 60 + float(s)) * 1000)


def parse_cues(path):
    """(start_ms, end_ms, text) of every cue of a WebVTT or SubRip file."""
    with open(path, encoding='utf-8') as f:
        content = f.read()
    cues = []
    for block in re.split(r'\n\s*\n', content):
        lines = [line for line in block.strip().split('\n') if line]
        for i, line in enumerate(lines):
            m = re.match(r'(\S+) --> (\S+)', line)
            if m:
                cues.append((cue_time(m.group(1)), cue_time(m.group(2)),
                             ' '.join(lines[i + 1:])))
                break
    return cues


class TextSink:
    """Every buffer a fakesink got: (pts, duration, flags, text)."""

    def __init__(self, sink):
        self.buffers = []
        sink.set_property('signal-handoffs', True)
        sink.connect('handoff', self._handoff)

    def _handoff(self, sink, buf, pad):
        ok, info = buf.map(Gst.MapFlags.READ)
        text = bytes(info.data).decode('utf-8') if ok else None
        if ok:
            buf.unmap(info)
        self.buffers.append((buf.pts, buf.duration, buf.get_flags(), text))

    def finals(self):
        return [b for b in self.buffers
                if not b[2] & Gst.BufferFlags.DELTA_UNIT]


class TranscriberTestCase(unittest.TestCase):

    def setUp(self):
        factory = Gst.ElementFactory.find(ELEMENT)
        self.assertIsNotNone(factory, '%s not found; GST_PLUGIN_PATH_1_0=%s'
                             % (ELEMENT, os.environ.get('GST_PLUGIN_PATH_1_0')))
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def server(self, cls, **behaviour):
        srv = cls(S.Behaviour(**behaviour))
        self.addCleanup(srv.close)
        return srv

    def pipeline(self, description):
        for name in ('webvttenc', 'srtenc', 'textoverlay', 'videotestsrc'):
            if name in description and not Gst.ElementFactory.find(name):
                self.skipTest('%s is not installed (gst-plugins-bad / '
                              '-base): scripts/setup.sh installs it' % name)
        pipeline = Gst.parse_launch(description)
        watch = BusWatch(pipeline)
        self.addCleanup(self._teardown, pipeline, watch)
        return pipeline, watch

    def _teardown(self, pipeline, watch):
        pipeline.set_state(Gst.State.NULL)
        watch.close()

    def appsrc(self, live):
        return ('appsrc name=src format=time is-live=%s caps="%s"' %
                ('true' if live else 'false', caps_string(RATE, 1)))

    def run_to_eos(self, pipeline, watch, total_ms, realtime=False,
                   timeout=30):
        feeder = ClockFeeder(pipeline.get_by_name('src'), RATE, total_ms,
                             realtime=realtime)
        self.addCleanup(feeder.stop)
        self.assertNotEqual(pipeline.set_state(Gst.State.PLAYING),
                            Gst.StateChangeReturn.FAILURE)
        feeder.start()
        t, msg = watch.wait(is_eos_or_error, timeout)
        self.assertIsNotNone(msg, 'neither EOS nor an error')
        self.assertEqual(msg.type, Gst.MessageType.EOS,
                         msg.type == Gst.MessageType.ERROR and
                         error_text(msg))
        return watch.index_of(is_eos)

    def assert_cues_match_finals(self, cues, finals, total_ms):
        self.assertEqual([c[2] for c in cues], [f['text'] for f in finals])
        for (start, end, text), f in zip(cues, finals):
            rt_ms = f['running-time'] / Gst.MSECOND
            self.assertAlmostEqual(start, rt_ms, delta=1, msg=text)
            self.assertAlmostEqual(end - start, f['end-ms'] - f['start-ms'],
                                   delta=1, msg=text)
        # the clock pattern says where each word is: the cue of "wN"
        # starts at or before N * 500 ms and ends after it
        words = ' '.join(c[2] for c in cues).split()
        self.assertEqual(words, S.expected_words(total_ms))
        for start, end, text in cues:
            for w in text.split():
                at = int(w[1:]) * S.WORD_MS
                self.assertLessEqual(start, at, w)
                self.assertGreater(end, at, w)


class TestSubtitles(TranscriberTestCase):

    def test_webvttenc_cues_match_the_finals(self):
        """Deepgram, a file: every final is a WebVTT cue with its text and
        times, written before EOS even when the last reply is slow."""
        srv = self.server(S.DeepgramServer, final_delay=0.5)
        out = os.path.join(self.tmp.name, 'out.vtt')
        pipeline, watch = self.pipeline(
            '%s ! stttranscriber name=t backend=deepgram url=%s api-key=%s '
            '! webvttenc ! filesink location=%s' %
            (self.appsrc(False), srv.url, KEY, out))
        eos = self.run_to_eos(pipeline, watch, 6000)

        finals = element_messages(watch, 'stttranscriber-final')
        self.assertGreaterEqual(len(finals), 5)
        self.assertLess(finals[-1]['_index'], eos)
        self.assertEqual(element_messages(watch, 'sttpushsink-final'), [])
        self.assert_cues_match_finals(parse_cues(out), finals, 6000)
        st = structure_dict(pipeline.get_by_name('t').get_property('stats'))
        self.assertEqual(st['buffers-pushed'], len(finals))
        self.assertEqual(st['late'], 0)

    def test_srtenc_cues_match_the_finals(self):
        """Vosk through srtenc: the same, with another backend and the
        stock SubRip encoder."""
        srv = self.server(S.VoskServer)
        out = os.path.join(self.tmp.name, 'out.srt')
        pipeline, watch = self.pipeline(
            '%s ! stttranscriber backend=vosk url=%s ! srtenc ! '
            'filesink location=%s' % (self.appsrc(False), srv.url, out))
        eos = self.run_to_eos(pipeline, watch, 5000)

        finals = [f for f in element_messages(watch, 'stttranscriber-final')
                  if f['text']]
        self.assertGreaterEqual(len(finals), 4)
        self.assertLess(finals[-1]['_index'], eos)
        self.assert_cues_match_finals(parse_cues(out), finals, 5000)


class TestLive(TranscriberTestCase):

    def overlay_pipeline(self, srv, latency_ms):
        return self.pipeline(
            'videotestsrc is-live=true pattern=black ! '
            'video/x-raw,width=160,height=120,framerate=20/1 ! '
            'textoverlay name=o ! fakesink name=v sync=false '
            'audiotestsrc is-live=true wave=silence samplesperbuffer=1600 ! '
            'audio/x-raw,format=S16LE,rate=%d,channels=1 ! '
            'stttranscriber name=t backend=deepgram url=%s api-key=%s '
            'latency-ms=%d ! o.text_sink' % (RATE, srv.url, KEY, latency_ms))

    def test_textoverlay_keeps_flowing_in_silence(self):
        """Live video through textoverlay whose text comes from the
        transcriber: silence makes no text, and GAP events keep the video
        at its frame rate (textoverlay waits for text otherwise)."""
        srv = self.server(S.DeepgramServer)
        pipeline, watch = self.overlay_pipeline(srv, 500)
        frames = []
        sink = pipeline.get_by_name('v')
        sink.set_property('signal-handoffs', True)
        sink.connect('handoff', lambda *a: frames.append(time.monotonic()))
        pipeline.set_state(Gst.State.PLAYING)
        started = time.monotonic()
        time.sleep(1.5)
        start, before = time.monotonic(), len(frames)
        time.sleep(3.0)
        rate = (len(frames) - before) / (time.monotonic() - start)
        self.assertEqual(watch.of_type(Gst.MessageType.ERROR), [])
        self.assertGreater(rate, 20 * 0.7, 'video stalled: %.1f fps' % rate)
        elapsed = time.monotonic() - started
        st = structure_dict(pipeline.get_by_name('t').get_property('stats'))
        self.assertGreater(st['gaps-pushed'], 10)
        # one GAP per 100 ms tick, not one per turn of a busy loop
        self.assertLess(st['gaps-pushed'], elapsed * 10 * 1.5 + 5)
        self.assertEqual(st['buffers-pushed'], 0)

    def test_latency_query_answers_latency_ms(self):
        """Live: the transcriber adds latency-ms to upstream's latency, and
        the pipeline's latency includes it; not live: nothing to add."""
        srv = self.server(S.DeepgramServer)
        pipeline, watch = self.pipeline(
            'audiotestsrc name=a is-live=true samplesperbuffer=1600 ! '
            'audio/x-raw,format=S16LE,rate=%d,channels=1 ! '
            'stttranscriber name=t backend=deepgram url=%s api-key=%s '
            'latency-ms=2500 ! fakesink' % (RATE, srv.url, KEY))
        pipeline.set_state(Gst.State.PLAYING)
        self.assertEqual(pipeline.get_state(5 * Gst.SECOND)[0],
                         Gst.StateChangeReturn.SUCCESS)
        upstream = Gst.Query.new_latency()
        self.assertTrue(pipeline.get_by_name('a').get_static_pad('src')
                        .query(upstream))
        up_live, up_min, up_max = upstream.parse_latency()
        q = Gst.Query.new_latency()
        self.assertTrue(pipeline.get_by_name('t').get_static_pad('src')
                        .query(q))
        live, lmin, lmax = q.parse_latency()
        self.assertTrue(up_live and live)
        self.assertEqual(lmin, up_min + 2500 * Gst.MSECOND)
        if up_max != Gst.CLOCK_TIME_NONE:
            self.assertEqual(lmax, up_max + 2500 * Gst.MSECOND)
        self.assertGreaterEqual(pipeline.get_latency(),
                                2500 * Gst.MSECOND)
        pipeline.set_state(Gst.State.NULL)

        srv2 = self.server(S.DeepgramServer)
        pipeline, watch = self.pipeline(
            '%s ! stttranscriber name=t backend=deepgram url=%s api-key=%s '
            'latency-ms=2500 ! fakesink' % (self.appsrc(False), srv2.url,
                                            KEY))
        pipeline.set_state(Gst.State.PAUSED)
        q = Gst.Query.new_latency()
        self.assertTrue(pipeline.get_by_name('t').get_static_pad('src')
                        .query(q))
        live, lmin, lmax = q.parse_latency()
        self.assertFalse(live)
        self.assertLess(lmin, 2500 * Gst.MSECOND)

    def live_text(self, latency_ms, interim='none'):
        srv = self.server(S.DeepgramServer)
        pipeline, watch = self.pipeline(
            '%s ! stttranscriber name=t backend=deepgram url=%s api-key=%s '
            'latency-ms=%d interim=%s ! fakesink name=out sync=false' %
            (self.appsrc(True), srv.url, KEY, latency_ms, interim))
        text = TextSink(pipeline.get_by_name('out'))
        eos = self.run_to_eos(pipeline, watch, 5000, realtime=True)
        finals = element_messages(watch, 'stttranscriber-final')
        st = structure_dict(pipeline.get_by_name('t').get_property('stats'))
        return text, finals, st, eos

    def test_late_text_is_pushed_late_and_counted(self):
        """A final comes about 1.4 s after its audio starts (a second of
        words, then the service's 400 ms): with latency-ms=300 every final
        is late; it is still pushed, at the end of what went out (PTS never
        going back), whole, and counted."""
        text, finals, st, eos = self.live_text(300)
        self.assertGreaterEqual(len(finals), 4)
        self.assertEqual([b[3] for b in text.finals()],
                         [f['text'] for f in finals])
        self.assertGreaterEqual(st['late'], len(finals) - 1)
        self.assertGreater(st['max-late-ms'], 300)
        # GAPs at most every 100 ms of the ~5 s run, not a busy loop
        self.assertLess(st['gaps-pushed'], 100)
        pts = [b[0] for b in text.buffers]
        self.assertEqual(pts, sorted(pts))
        for (p, d, _, _), f in zip(text.finals(), finals):
            self.assertGreaterEqual(p, f['running-time'])
            self.assertEqual(d, (f['end-ms'] - f['start-ms']) * Gst.MSECOND)

    def test_text_within_latency_is_not_late(self):
        """The same stream with latency-ms=4000: nothing is late, each
        buffer has its final's own running time."""
        text, finals, st, eos = self.live_text(4000)
        self.assertGreaterEqual(len(finals), 4)
        self.assertEqual(st['late'], 0)
        self.assertEqual([(b[0], b[3]) for b in text.finals()],
                         [(f['running-time'], f['text']) for f in finals])

    def test_partials_are_flagged_delta_units(self):
        """interim=partial: partial hypotheses come as DELTA_UNIT buffers
        between the finals, which stay unflagged and complete."""
        text, finals, st, eos = self.live_text(4000, interim='partial')
        partials = [b for b in text.buffers
                    if b[2] & Gst.BufferFlags.DELTA_UNIT]
        self.assertGreater(len(partials), 0)
        self.assertEqual([b[3] for b in text.finals()],
                         [f['text'] for f in finals])
        words = ' '.join(b[3] for b in text.finals()).split()
        self.assertEqual(words, S.expected_words(5000))


class TestLag(TranscriberTestCase):
    """The lag of finals behind the capture of their audio, for both
    elements: a field of each final, stats, and one WARNING an episode."""

    def run_live(self, element, warning_ms):
        srv = self.server(S.DeepgramServer)
        sink = '' if element == 'sttpushsink' else ' ! fakesink'
        pipeline, watch = self.pipeline(
            '%s ! %s name=t backend=deepgram url=%s api-key=%s '
            'lag-warning-ms=%d%s' % (self.appsrc(True), element, srv.url,
                                     KEY, warning_ms, sink))
        self.run_to_eos(pipeline, watch, 4000, realtime=True)
        finals = element_messages(watch, element + '-final')
        st = structure_dict(pipeline.get_by_name('t').get_property('stats'))
        warnings = [error_text(m) for m in
                    watch.of_type(Gst.MessageType.WARNING)]
        return finals, st, [w for w in warnings if 'behind the audio' in w]

    def check_lag(self, element):
        finals, st, warnings = self.run_live(element, 1)
        self.assertGreaterEqual(len(finals), 3)
        lags = [f['lag-ms'] for f in finals]
        # the server answers 400 ms after a final's last word, at EOS at
        # once; ClockFeeder pushes each 20 ms buffer when its audio
        # *starts* (a capture source pushes it when it ends), so the last
        # final may come up to a buffer "before" its audio ended
        for lag in lags:
            self.assertGreaterEqual(lag, -40)
            self.assertLess(lag, 5000)
        self.assertGreater(max(lags), 300)
        self.assertEqual(st['max-lag-ms'], max(lags))
        self.assertEqual(st['lag-ms'], lags[-1])
        # every final is over 1 ms: one episode, one warning
        self.assertEqual(len(warnings), 1, warnings)
        self.assertEqual(st['lag-warnings'], 1)

        finals, st, warnings = self.run_live(element, 0)
        self.assertEqual(warnings, [])
        self.assertGreaterEqual(st['max-lag-ms'], 0)

    def test_transcriber_lag(self):
        self.check_lag('stttranscriber')

    def test_pushsink_lag(self):
        self.check_lag('sttpushsink')

    def test_no_lag_for_a_file(self):
        """A file has no capture time: no lag-ms, stats say -1."""
        srv = self.server(S.DeepgramServer)
        pipeline, watch = self.pipeline(
            '%s ! sttpushsink name=t backend=deepgram url=%s api-key=%s '
            'lag-warning-ms=1' % (self.appsrc(False), srv.url, KEY))
        self.run_to_eos(pipeline, watch, 3000)
        finals = element_messages(watch, 'sttpushsink-final')
        self.assertGreaterEqual(len(finals), 2)
        self.assertTrue(all('lag-ms' not in f for f in finals))
        st = structure_dict(pipeline.get_by_name('t').get_property('stats'))
        self.assertEqual(st['max-lag-ms'], -1)


if __name__ == '__main__':
    run_tests()
