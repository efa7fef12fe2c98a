# gst-audiostream
# Copyright (C) 2026 gst-audiostream developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.

"""GStreamer side of the sttpushsink tests: Gst loaded against this build
tree (a missing PyGObject is a meson SKIP), a bus recorder that stores
every message in the thread that posts it, and an appsrc feeder of the
clock pattern (see stt_servers)."""

import os
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import stt_servers  # noqa: E402  (exits 77 without python3-websockets)

EXIT_SKIP = stt_servers.EXIT_SKIP


def _default_plugin_path():
    # meson test sets GST_PLUGIN_PATH_1_0; by hand, use the build tree.
    if 'GST_PLUGIN_PATH_1_0' in os.environ:
        return
    build = os.environ.get('AUDIOSTREAM_BUILD_ROOT',
                           os.path.join(HERE, '..', '..', 'build'))
    os.environ['GST_PLUGIN_PATH_1_0'] = os.path.join(build, 'plugins', 'stt')


_default_plugin_path()

try:
    import gi
    gi.require_version('Gst', '1.0')
    from gi.repository import GLib, GObject, Gst  # noqa: F401
except (ImportError, ValueError) as e:
    print('SKIP: PyGObject with GStreamer 1.0 typelibs is not available '
          '(%s); run with /usr/bin/python3' % e)
    sys.exit(EXIT_SKIP)

Gst.init(None)

# Reading the `words` list (a GstValueList) needs GStreamer's Python
# overrides.
if not hasattr(Gst, 'ValueList'):
    print('SKIP: the GStreamer Python overrides are not available; install '
          'python3-gst-1.0')
    sys.exit(EXIT_SKIP)

ELEMENT = 'sttpushsink'
PREFIX = 'sttpushsink-'


def require_element(testcase):
    factory = Gst.ElementFactory.find(ELEMENT)
    testcase.assertIsNotNone(
        factory, '%s not found; GST_PLUGIN_PATH_1_0=%s' %
        (ELEMENT, os.environ.get('GST_PLUGIN_PATH_1_0')))
    return factory


def caps_string(rate, channels):
    return ('audio/x-raw,format=S16LE,layout=interleaved,rate=%d,'
            'channels=%d' % (rate, channels))


def structure_dict(s):
    out = {'name': s.get_name()}
    for i in range(s.n_fields()):
        name = s.nth_field_name(i)
        out[name] = s.get_value(name)
    return out


class BusWatch:
    """Every message of a pipeline's bus, recorded in the posting thread
    with time.monotonic(), in order."""

    def __init__(self, pipeline):
        self.bus = pipeline.get_bus()
        self.messages = []
        self._cond = threading.Condition()
        self.bus.set_sync_handler(self._sync)

    def _sync(self, bus, msg, *unused):
        with self._cond:
            self.messages.append((time.monotonic(), msg))
            self._cond.notify_all()
        return Gst.BusSyncReply.DROP

    def wait(self, match, timeout):
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for t, msg in self.messages:
                    if match(msg):
                        return t, msg
                left = deadline - time.monotonic()
                if left <= 0:
                    return None, None
                self._cond.wait(left)

    def snapshot(self):
        with self._cond:
            return list(self.messages)

    def element(self, kind):
        """Structures (as dicts) of sttpushsink-<kind> messages, in order,
        each with '_index', its position among all messages."""
        out = []
        for i, (t, msg) in enumerate(self.snapshot()):
            s = msg.get_structure()
            if (msg.type == Gst.MessageType.ELEMENT and s is not None and
                    s.get_name() == PREFIX + kind):
                d = structure_dict(s)
                d['_index'] = i
                d['_time'] = t
                out.append(d)
        return out

    def index_of(self, match):
        for i, (t, msg) in enumerate(self.snapshot()):
            if match(msg):
                return i
        return None

    def of_type(self, msg_type):
        return [m for _, m in self.snapshot() if m.type == msg_type]

    def close(self):
        self.bus.set_sync_handler(None)


def is_eos(msg):
    return msg.type == Gst.MessageType.EOS


def is_error(msg):
    return msg.type == Gst.MessageType.ERROR


def is_eos_or_error(msg):
    return msg.type in (Gst.MessageType.EOS, Gst.MessageType.ERROR)


def error_text(msg):
    if msg.type == Gst.MessageType.ERROR:
        err, debug = msg.parse_error()
    else:
        err, debug = msg.parse_warning()
    return '%s (%s)' % (err.message, debug)


def stats(element):
    return structure_dict(element.get_property('stats'))


def word_texts(final):
    return [w.get_string('text') for w in final['words']]


class ClockFeeder(threading.Thread):
    """Pushes the clock pattern into an appsrc, in buffers of buffer_ms,
    at real time or as fast as the appsrc takes them, optionally pausing
    (no data at all) at a given stream time, then EOS."""

    def __init__(self, appsrc, rate, total_ms, channels=1, buffer_ms=20,
                 realtime=False, pause_at_ms=None, pause_s=0.0,
                 send_eos=True):
        super().__init__(daemon=True)
        self.appsrc = appsrc
        self.rate = rate
        self.channels = channels
        self.total_frames = rate * total_ms // 1000
        self.buffer_frames = rate * buffer_ms // 1000
        self.realtime = realtime
        self.pause_at = (rate * pause_at_ms // 1000
                         if pause_at_ms is not None else None)
        self.pause_s = pause_s
        self.send_eos = send_eos
        self.flow = Gst.FlowReturn.OK
        self.frames_pushed = 0
        self.push_seconds = 0.0
        self.eos_at = None
        self._halt = threading.Event()

    def stop(self):
        self._halt.set()
        if self.ident is not None:
            self.join(5)

    def run(self):
        t0 = time.monotonic()
        shift = 0.0
        frame = 0
        while frame < self.total_frames and not self._halt.is_set():
            if self.pause_at is not None and frame == self.pause_at:
                if self._halt.wait(self.pause_s):
                    break
                shift += self.pause_s
            n = min(self.buffer_frames, self.total_frames - frame)
            if self.pause_at is not None and frame < self.pause_at:
                n = min(n, self.pause_at - frame)
            if self.realtime:
                delay = t0 + shift + frame / self.rate - time.monotonic()
                if delay > 0 and self._halt.wait(delay):
                    break
            buf = Gst.Buffer.new_wrapped(stt_servers.clock_pattern(
                frame, n, self.rate, self.channels))
            buf.pts = frame * Gst.SECOND // self.rate
            buf.duration = (frame + n) * Gst.SECOND // self.rate - buf.pts
            t = time.monotonic()
            ret = self.appsrc.emit('push-buffer', buf)
            self.push_seconds = max(self.push_seconds, time.monotonic() - t)
            if ret != Gst.FlowReturn.OK:
                self.flow = ret
                break
            frame += n
            self.frames_pushed = frame
        if self.send_eos and not self._halt.is_set() and \
                self.flow == Gst.FlowReturn.OK:
            self.eos_at = time.monotonic()
            self.appsrc.emit('end-of-stream')


def run_tests():
    program = unittest.main(exit=False, verbosity=2)
    result = program.result
    if not result.wasSuccessful():
        sys.exit(1)
    if result.testsRun > 0 and len(result.skipped) == result.testsRun:
        sys.exit(EXIT_SKIP)
    sys.exit(0)
