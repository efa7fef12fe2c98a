# gst-audiostream
# Copyright (C) 2026 gst-audiostream developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.

"""GStreamer side of the Python tests: loading Gst against this build tree
(a missing PyGObject is a meson SKIP, exit code 77), watching a pipeline's
bus from the thread that posts, feeding an appsrc with the counter
pattern."""

import os
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import peers  # noqa: E402  (exits 77 without numpy)

EXIT_SKIP = peers.EXIT_SKIP


def _default_plugin_path():
    # meson test sets GST_PLUGIN_PATH_1_0; by hand, use the build tree next
    # to the sources rather than whatever is installed.
    if 'GST_PLUGIN_PATH_1_0' in os.environ or 'GST_PLUGIN_PATH' in os.environ:
        return
    build = os.environ.get('AUDIOSTREAM_BUILD_ROOT',
                           os.path.join(HERE, '..', '..', 'build'))
    os.environ['GST_PLUGIN_PATH_1_0'] = os.path.join(build, 'plugins',
                                                     'audiostream')


_default_plugin_path()

try:
    import gi
    gi.require_version('Gst', '1.0')
    # GLib and GObject are re-exported to the tests.
    from gi.repository import GLib, GObject, Gst  # noqa: F401
except (ImportError, ValueError) as e:
    print('SKIP: PyGObject with GStreamer 1.0 typelibs is not available '
          '(%s); run with /usr/bin/python3 (python3-gi, gir1.2-gst-1.0)' % e)
    sys.exit(EXIT_SKIP)

Gst.init(None)

ELEMENT = 'audiostreamsink'


def require_element(testcase):
    """The element must be there: a build that lacks it is broken, not a
    reason to skip."""
    factory = Gst.ElementFactory.find(ELEMENT)
    testcase.assertIsNotNone(
        factory, '%s not found; GST_PLUGIN_PATH_1_0=%s' %
        (ELEMENT, os.environ.get('GST_PLUGIN_PATH_1_0')))
    return factory


def caps_string(rate, channels):
    return ('audio/x-raw,format=S16LE,layout=interleaved,rate=%d,'
            'channels=%d' % (rate, channels))


class BusWatch:
    """Records every message of a pipeline's bus in the thread that posts
    it, with time.monotonic_ns(), so that "when was EOS posted" is the
    posting time and not when a main loop got round to it. on_message(msg)
    runs in that thread too, before the message is stored."""

    def __init__(self, pipeline, on_message=None):
        self.pipeline = pipeline
        self.bus = pipeline.get_bus()
        self.on_message = on_message
        self.messages = []
        self._cond = threading.Condition()
        self.bus.set_sync_handler(self._sync)

    def _sync(self, bus, msg, *unused):
        now = time.monotonic_ns()
        if self.on_message is not None:
            self.on_message(msg)
        with self._cond:
            self.messages.append((now, msg))
            self._cond.notify_all()
        return Gst.BusSyncReply.DROP

    def find(self, match, start=0):
        with self._cond:
            for t, msg in self.messages[start:]:
                if match(msg):
                    return t, msg
        return None, None

    def wait(self, match, timeout, start=0):
        """(time_ns, message) of the first message from index start that
        match(msg) accepts, or (None, None) after timeout seconds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for t, msg in self.messages[start:]:
                    if match(msg):
                        return t, msg
                left = deadline - time.monotonic()
                if left <= 0:
                    return None, None
                self._cond.wait(left)

    def mark(self):
        """Index to pass as start= to look only at later messages."""
        with self._cond:
            return len(self.messages)

    def errors(self):
        with self._cond:
            return [m for _, m in self.messages
                    if m.type == Gst.MessageType.ERROR]

    def connection_states(self):
        out = []
        with self._cond:
            for _, m in self.messages:
                s = m.get_structure()
                if (m.type == Gst.MessageType.ELEMENT and s is not None and
                        s.get_name() == 'audiostreamsink-connection'):
                    out.append(s.get_string('state'))
        return out

    def close(self):
        self.bus.set_sync_handler(None)


def is_eos(msg):
    return msg.type == Gst.MessageType.EOS


def is_error(msg):
    return msg.type == Gst.MessageType.ERROR


def is_eos_or_error(msg):
    return msg.type in (Gst.MessageType.EOS, Gst.MessageType.ERROR)


def is_connection(state):
    def match(msg):
        s = msg.get_structure()
        return (msg.type == Gst.MessageType.ELEMENT and s is not None and
                s.get_name() == 'audiostreamsink-connection' and
                s.get_string('state') == state)
    return match


def error_text(msg):
    err, debug = msg.parse_error()
    return '%s (%s)' % (err.message, debug)


def set_state_timed(element, state, timeout=5.0):
    """Sets state and waits for it; returns (StateChangeReturn, seconds)."""
    t0 = time.monotonic()
    ret = element.set_state(state)
    if ret == Gst.StateChangeReturn.ASYNC:
        ret, _, _ = element.get_state(int(timeout * Gst.SECOND))
    return ret, time.monotonic() - t0


def stats_dict(element):
    s = element.get_property('stats')
    out = {}
    for i in range(s.n_fields()):
        name = s.nth_field_name(i)
        out[name] = s.get_value(name)
    return out


class CounterFeeder(threading.Thread):
    """Pushes the counter pattern into an appsrc in buffers of buffer_frames
    with PTS and duration, at real-time pace (each buffer when its first
    frame is due, against an absolute schedule so scheduling noise does not
    accumulate) or as fast as the appsrc takes them, then end-of-stream."""

    def __init__(self, appsrc, rate, channels, total_frames,
                 buffer_frames=None, realtime=True, send_eos=True):
        super().__init__(daemon=True)
        self.appsrc = appsrc
        self.rate = rate
        self.channels = channels
        self.total_frames = total_frames
        self.buffer_frames = buffer_frames or rate // 100
        self.realtime = realtime
        self.send_eos = send_eos
        self.frames_pushed = 0
        self.flow = Gst.FlowReturn.OK
        self.eos_sent = False
        self.max_lateness = 0.0
        self._halt = threading.Event()

    def stop(self):
        self._halt.set()
        if self.ident is not None:
            self.join(5)

    def run(self):
        t0 = time.monotonic()
        frame = 0
        while frame < self.total_frames and not self._halt.is_set():
            n = min(self.buffer_frames, self.total_frames - frame)
            if self.realtime:
                due = t0 + frame / self.rate
                delay = due - time.monotonic()
                if delay > 0 and self._halt.wait(delay):
                    break
                self.max_lateness = max(self.max_lateness,
                                        time.monotonic() - due)
            buf = Gst.Buffer.new_wrapped(
                peers.pattern_bytes(frame, n, self.channels))
            buf.pts = frame * Gst.SECOND // self.rate
            buf.duration = (frame + n) * Gst.SECOND // self.rate - buf.pts
            ret = self.appsrc.emit('push-buffer', buf)
            if ret != Gst.FlowReturn.OK:
                self.flow = ret
                break
            frame += n
            self.frames_pushed = frame
        if self.send_eos and not self._halt.is_set() and \
                self.flow == Gst.FlowReturn.OK:
            self.appsrc.emit('end-of-stream')
            self.eos_sent = True


run_tests = peers.run_tests
