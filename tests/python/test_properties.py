#!/usr/bin/python3
# gst-audiostream
# Copyright (C) 2026 gst-audiostream developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.

"""The property contract of every element of the project, as an application
sees it through PyGObject: one suite for all elements (PropertyContract),
then what is particular to each (audiostreamsink's dscp enum and stats
structure, sttpushsink's write-only key, the properties stttranscriber
shares with it)."""

import os
import socket
import subprocess
import sys
import textwrap
import time
import unittest

INTEGRATION = os.path.join(
    os.environ.get('AUDIOSTREAM_SOURCE_ROOT',
                   os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', '..')),
    'tests', 'integration')
sys.path.insert(0, INTEGRATION)

from harness import (GLib, GObject, Gst, BusWatch, caps_string,  # noqa: E402
                     require_element, run_tests, set_state_timed, stats_dict)
import peers  # noqa: E402



KNOWN_PROPERTIES = {
    'host': GObject.TYPE_STRING,
    'port': GObject.TYPE_INT,
    'chunk-samples': GObject.TYPE_UINT,
    'prefill-ms': GObject.TYPE_UINT,
    'ring-buffer-ms': GObject.TYPE_UINT,
    'dscp': None,                       # the element's own enum
    'high-priority': GObject.TYPE_BOOLEAN,
    'stats-interval-ms': GObject.TYPE_UINT,
    'max-lag-ms': GObject.TYPE_UINT,
    'stats': Gst.Structure.__gtype__,
}

DSCP = {'voip': 0xB8, 'lowdelay': 0x10, 'throughput': 0x08,
        'besteffort': 0x00}

STATS_FIELDS = {
    'uptime-ms': GObject.TYPE_UINT64,
    'bytes-sent': GObject.TYPE_UINT64,
    'samples-sent': GObject.TYPE_UINT64,
    'bitrate-kbps': GObject.TYPE_DOUBLE,
    'buffer-level-ms': GObject.TYPE_UINT64,
    'buffer-target-ms': GObject.TYPE_UINT64,
    'buffer-capacity-ms': GObject.TYPE_UINT64,
    'underruns': GObject.TYPE_UINT64,
    'silence-samples': GObject.TYPE_UINT64,
    'overflows': GObject.TYPE_UINT64,
    'dropped-samples': GObject.TYPE_UINT64,
    'lag-dropped-samples': GObject.TYPE_UINT64,
    'reconnects': GObject.TYPE_UINT64,
    'connect-attempts': GObject.TYPE_UINT64,
    'connected': GObject.TYPE_BOOLEAN,
    'pacing-error-p99-us': GObject.TYPE_INT64,
}

COUNTERS = ['bytes-sent', 'samples-sent', 'underruns', 'silence-samples',
            'overflows', 'dropped-samples', 'reconnects', 'connect-attempts']

NUMERIC_LIMITS = {
    GObject.TYPE_INT: (-2 ** 31, 2 ** 31 - 1),
    GObject.TYPE_UINT: (0, 2 ** 32 - 1),
    GObject.TYPE_INT64: (-2 ** 63, 2 ** 63 - 1),
    GObject.TYPE_UINT64: (0, 2 ** 64 - 1),
    GObject.TYPE_LONG: (-2 ** 63, 2 ** 63 - 1),
    GObject.TYPE_ULONG: (0, 2 ** 64 - 1),
}


def own_properties(element):
    gtype = element.__gtype__
    return [p for p in element.list_properties() if p.owner_type == gtype]


def is_writable(pspec):
    return bool(pspec.flags & GObject.ParamFlags.WRITABLE)


def fundamental(pspec):
    return pspec.value_type.fundamental


def enum_values(pspec):
    """{nick: int} of an enum property."""
    return {v.value_nick: int(v)
            for v in pspec.enum_class.__enum_values__.values()}


class GLibWarnings:
    """Collects GLib-GObject warnings (an out-of-range value is refused with
    a g_warning) instead of letting them reach stderr."""

    def __enter__(self):
        self.messages = []
        self._id = GLib.log_set_handler(
            'GLib-GObject', GLib.LogLevelFlags.LEVEL_WARNING, self._log, None)
        return self

    def _log(self, domain, level, message, *unused):
        self.messages.append(message)

    def __exit__(self, *exc):
        GLib.log_remove_handler('GLib-GObject', self._id)


def is_readable(pspec):
    return bool(pspec.flags & GObject.ParamFlags.READABLE)


def find_factory(testcase, name, optional=False):
    """The element must be there: a build that lacks it is broken, unless
    its plugin is optional (sttpushsink needs libsoup and json-glib), which
    is a visible skip."""
    factory = Gst.ElementFactory.find(name)
    if factory is None and optional:
        testcase.skipTest('%s is not built (optional plugin)' % name)
    testcase.assertIsNotNone(
        factory, '%s not found; GST_PLUGIN_PATH_1_0=%s' %
        (name, os.environ.get('GST_PLUGIN_PATH_1_0')))
    return factory


class PropertyContract:
    """The contract every element of the project keeps, checked on every
    property it defines (discovered, so that a new property is covered
    without editing this file): documented, readable unless it is a
    secret, defaults equal to the param spec (which gst-inspect shows),
    every writable value in range read back, the same from strings as
    gst-launch-1.0 sets them, out-of-range values refused and the old value
    kept, read-only structures refusing writes.

    A subclass names ELEMENT, STRING_VALUES (values each string property
    must accept) and WRITE_ONLY (secrets)."""

    ELEMENT = None
    OPTIONAL = False
    STRING_VALUES = {}
    WRITE_ONLY = set()

    def setUp(self):
        find_factory(self, self.ELEMENT, self.OPTIONAL)
        self.pipeline = Gst.Pipeline.new('properties')
        self.element = Gst.ElementFactory.make(self.ELEMENT, 'element')
        self.pipeline.add(self.element)
        self.addCleanup(self.pipeline.set_state, Gst.State.NULL)

    def own(self):
        return own_properties(self.element)

    def test_every_property_documented(self):
        props = self.own()
        self.assertTrue(props, 'no properties found')
        for p in props:
            with self.subTest(property=p.name):
                self.assertTrue(p.nick)
                self.assertTrue(p.blurb, 'undocumented property')
                if p.name in self.WRITE_ONLY:
                    self.assertFalse(is_readable(p),
                                     'a secret must be write-only')
                    self.assertTrue(is_writable(p))
                else:
                    self.assertTrue(is_readable(p))
        missing = self.WRITE_ONLY - {p.name for p in props}
        self.assertEqual(missing, set())

    def test_defaults_match_param_specs(self):
        # _init and the param spec share DEFAULT_*: a fresh element reads
        # back what the spec (and gst-inspect) advertises.
        for p in self.own():
            if not is_writable(p) or not is_readable(p):
                continue
            with self.subTest(property=p.name):
                self.assertEqual(self.element.get_property(p.name),
                                 p.default_value)

    def _values_to_try(self, pspec):
        """Non-default values a property must accept and read back."""
        f = fundamental(pspec)
        default = pspec.default_value
        if f == GObject.TYPE_STRING:
            self.assertIn(pspec.name, self.STRING_VALUES,
                          'no test values for string property %s: extend '
                          'STRING_VALUES' % pspec.name)
            values = self.STRING_VALUES[pspec.name]
        elif f == GObject.TYPE_BOOLEAN:
            values = [not default]
        elif f == GObject.TYPE_ENUM:
            values = [pspec.enum_class(v) for v in
                      enum_values(pspec).values()]
        elif f == GObject.TYPE_FLAGS:
            cls = type(default)
            values = [cls(0), cls(int(default) & ~1 or 1)]
        elif f in NUMERIC_LIMITS or f in (GObject.TYPE_DOUBLE,
                                          GObject.TYPE_FLOAT):
            lo, hi = pspec.minimum, pspec.maximum
            if f in (GObject.TYPE_DOUBLE, GObject.TYPE_FLOAT):
                values = [lo, hi, (lo + hi) / 2]
            else:
                values = [lo, hi, (lo + hi) // 2]
        else:
            self.fail('no test values for property %s of type %s: extend '
                      'this test' % (pspec.name, pspec.value_type.name))
        return [v for v in values if v != default]

    def test_every_writable_property_round_trips(self):
        for p in self.own():
            if not is_writable(p) or not is_readable(p):
                continue
            for value in self._values_to_try(p):
                with self.subTest(property=p.name, value=value):
                    self.element.set_property(p.name, value)
                    self.assertEqual(self.element.get_property(p.name),
                                     value)
            self.element.set_property(p.name, p.default_value)
            self.assertEqual(self.element.get_property(p.name),
                             p.default_value)

    def test_properties_set_from_strings_like_gst_launch(self):
        # gst-launch-1.0 sets every property from text.
        for p in self.own():
            if not is_writable(p) or not is_readable(p):
                continue
            f = fundamental(p)
            for value in self._values_to_try(p):
                if f == GObject.TYPE_ENUM:
                    text = value.value_nick
                elif f == GObject.TYPE_BOOLEAN:
                    text = 'true' if value else 'false'
                elif f == GObject.TYPE_FLAGS:
                    text = str(int(value))
                elif f in (GObject.TYPE_DOUBLE, GObject.TYPE_FLOAT):
                    text = repr(float(value))
                else:
                    text = str(value)
                with self.subTest(property=p.name, text=text):
                    Gst.util_set_object_arg(self.element, p.name, text)
                    got = self.element.get_property(p.name)
                    if f in (GObject.TYPE_DOUBLE, GObject.TYPE_FLOAT):
                        self.assertAlmostEqual(got, value)
                    else:
                        self.assertEqual(got, value)
            self.element.set_property(p.name, p.default_value)

    def test_out_of_range_values_are_refused(self):
        # Through PyGObject, a value that fits the C type but not the param
        # spec (port=0 on a gint [1, 65535]) reaches g_object_set_property,
        # which refuses it with a GLib-GObject g_warning and leaves the
        # property as it was; one that does not fit the C type at all (-1
        # for a guint) is refused by PyGObject with a TypeError first.
        cases = []
        for p in self.own():
            if not is_writable(p) or not is_readable(p):
                continue
            f = fundamental(p)
            if f in NUMERIC_LIMITS:
                tmin, tmax = NUMERIC_LIMITS[f]
                if p.minimum > tmin:
                    cases.append((p.name, p.minimum - 1))
                if p.maximum < tmax:
                    cases.append((p.name, p.maximum + 1))
            elif f in (GObject.TYPE_DOUBLE, GObject.TYPE_FLOAT):
                cases.append((p.name, p.minimum - 1.0))
                cases.append((p.name, p.maximum + 1.0))
        for name, bad in cases:
            with self.subTest(property=name, value=bad):
                before = self.element.get_property(name)
                with GLibWarnings() as w:
                    try:
                        self.element.set_property(name, bad)
                        refused_by = 'GObject'
                    except (TypeError, OverflowError, ValueError):
                        refused_by = 'PyGObject'
                self.assertEqual(self.element.get_property(name), before,
                                 '%s=%r was accepted' % (name, bad))
                if refused_by == 'GObject':
                    self.assertTrue(
                        any(name in m for m in w.messages),
                        'no GLib warning for %s=%r: %s' %
                        (name, bad, w.messages))

    # read-only properties that are not structures (audiostreamsrc's
    # current-port)
    READ_ONLY_VALUES = set()

    def test_read_only_structures_refuse_writes(self):
        for p in self.own():
            if is_writable(p):
                continue
            with self.subTest(property=p.name):
                if p.name in self.READ_ONLY_VALUES:
                    with self.assertRaises(TypeError):
                        self.element.set_property(p.name, 1)
                    continue
                self.assertTrue(GObject.type_is_a(p.value_type,
                                                  Gst.Structure.__gtype__))
                self.assertIsNotNone(self.element.get_property(p.name))
                with self.assertRaises(TypeError):
                    self.element.set_property(p.name,
                                              Gst.Structure.new_empty('x'))


class TestAudioStreamSinkProperties(PropertyContract, unittest.TestCase):

    ELEMENT = 'audiostreamsink'
    STRING_VALUES = {
        'host': ['audio.example.org', '192.0.2.1', '2001:db8::1'],
        'socket-path': ['/run/audio/stream.sock'],
        'tls-ca-file': ['/etc/audio/ca.pem'],
        'tls-certificate-file': ['/etc/audio/sender.pem'],
        'tls-key-file': ['/etc/audio/sender.key'],
        'tls-server-name': ['audio.example.org'],
    }

    def setUp(self):
        super().setUp()
        self.sink = self.element

    def test_known_properties_exist_with_their_types(self):
        props = {p.name: p for p in own_properties(self.sink)}
        for name, gtype in KNOWN_PROPERTIES.items():
            with self.subTest(property=name):
                self.assertIn(name, props)
                if gtype is not None:
                    self.assertEqual(props[name].value_type, gtype)
        self.assertTrue(GObject.type_is_a(props['dscp'].value_type,
                                          GObject.TYPE_ENUM))
        self.assertFalse(is_writable(props['stats']), 'stats is read-only')

    def test_port_out_of_range_refused(self):
        for bad in (0, 70000, -1):
            with self.subTest(value=bad):
                with GLibWarnings():
                    try:
                        self.sink.set_property('port', bad)
                    except (TypeError, OverflowError, ValueError):
                        pass
                self.assertEqual(self.sink.get_property('port'), 4953)

    def test_invalid_dscp_is_refused(self):
        before = int(self.sink.get_property('dscp'))
        with GLibWarnings():
            try:
                self.sink.set_property('dscp', 0x2E)   # not in the enum
            except (TypeError, ValueError):
                pass
        self.assertEqual(int(self.sink.get_property('dscp')), before)
        Gst.util_set_object_arg(self.sink, 'dscp', 'no-such-class')
        self.assertEqual(int(self.sink.get_property('dscp')), before)

    def test_dscp_nicks_map_to_tos_values(self):
        pspec = self.sink.find_property('dscp')
        self.assertEqual(enum_values(pspec), DSCP)
        self.assertEqual(int(pspec.default_value), DSCP['voip'])
        for nick, value in DSCP.items():
            with self.subTest(dscp=nick):
                Gst.util_set_object_arg(self.sink, 'dscp', nick)
                got = self.sink.get_property('dscp')
                self.assertEqual(int(got), value)
                self.assertEqual(got.value_nick, nick)

    def assert_stats_shape(self, stats):
        self.assertEqual(stats.get_name(), 'audiostreamsink-stats')
        names = {stats.nth_field_name(i) for i in range(stats.n_fields())}
        self.assertEqual(set(STATS_FIELDS) - names, set(),
                         'missing stats fields')
        for name, gtype in STATS_FIELDS.items():
            with self.subTest(field=name):
                self.assertEqual(stats.get_field_type(name), gtype,
                                 '%s is %s' % (
                                     name, stats.get_field_type(name).name))

    def test_stats_before_and_after_streaming(self):
        stats = self.sink.get_property('stats')
        self.assert_stats_shape(stats)
        before = stats_dict(self.sink)
        for name in COUNTERS + ['uptime-ms', 'buffer-level-ms']:
            self.assertEqual(before[name], 0, name)
        self.assertFalse(before['connected'])
        self.assertEqual(before['bitrate-kbps'], 0.0)

        rx = peers.Receiver()
        self.addCleanup(rx.close)
        src = Gst.parse_bin_from_description(
            'audiotestsrc is-live=true ! capsfilter caps="%s"' %
            caps_string(48000, 2), True)
        self.pipeline.add(src)
        src.link(self.sink)
        for name, value in (('host', '127.0.0.1'), ('port', rx.port),
                            ('prefill-ms', 100), ('ring-buffer-ms', 2000),
                            ('stats-interval-ms', 0)):
            self.sink.set_property(name, value)
        watch = BusWatch(self.pipeline)
        self.addCleanup(watch.close)

        t0 = time.monotonic()
        self.pipeline.set_state(Gst.State.PLAYING)
        conn = rx.wait_connection(0, 5)
        self.assertIsNotNone(conn, 'no connection')
        want = 48000 * 4 * 4 // 10      # 400 ms
        self.assertGreaterEqual(conn.wait_bytes(want, 10), want)
        s = self.sink.get_property('stats')
        elapsed_ms = (time.monotonic() - t0) * 1000
        received = conn.nbytes
        self.assert_stats_shape(s)
        during = stats_dict(self.sink)

        self.assertEqual(watch.errors(), [])
        self.assertTrue(during['connected'])
        self.assertEqual(during['connect-attempts'], 1)
        self.assertEqual(during['reconnects'], 0)
        # The counter moves once send() has returned, so the receiver can
        # see a chunk a moment before the counter does: give it that
        # moment, then it must cover everything received.
        deadline = time.monotonic() + 1.0
        while (stats_dict(self.sink)['bytes-sent'] < received and
               time.monotonic() < deadline):
            time.sleep(0.01)
        during = stats_dict(self.sink)
        self.assertGreaterEqual(during['bytes-sent'], received)
        self.assertEqual(during['bytes-sent'], during['samples-sent'] * 4)
        self.assertEqual(during['buffer-capacity-ms'], 2000)
        self.assertEqual(during['buffer-target-ms'], 100)
        self.assertLessEqual(during['buffer-level-ms'], 2000)
        self.assertGreater(during['uptime-ms'], 0)
        self.assertLessEqual(during['uptime-ms'], elapsed_ms + 1000)
        self.assertEqual(during['overflows'], 0)
        self.assertEqual(during['dropped-samples'], 0)
        # 48 kHz stereo S16 is 1536 kb/s; averaged since start (which
        # includes connecting and prefill) it is lower, never above the
        # 1.5x catch-up rate.
        self.assertGreater(during['bitrate-kbps'], 0)
        self.assertLess(during['bitrate-kbps'], 1536 * 1.5)
        self.assertGreaterEqual(during['pacing-error-p99-us'], 0)

        ret, _ = set_state_timed(self.pipeline, Gst.State.NULL)
        self.assertEqual(ret, Gst.StateChangeReturn.SUCCESS)
        after = stats_dict(self.sink)
        self.assertFalse(after['connected'])
        self.assertGreaterEqual(after['samples-sent'], during['samples-sent'])
        # Uptime stops with the element.
        time.sleep(0.3)
        self.assertEqual(stats_dict(self.sink)['uptime-ms'],
                         after['uptime-ms'])


class TestAdaptiveJitterQueueProperties(PropertyContract,
                                        unittest.TestCase):

    ELEMENT = 'adaptivejitterqueue'


class TestAudioStreamSrcProperties(PropertyContract, unittest.TestCase):

    ELEMENT = 'audiostreamsrc'
    STRING_VALUES = {
        'host': ['127.0.0.1', '::', 'localhost'],
        'socket-path': ['/tmp/audiostreamsrc.sock'],
        'tls-certificate-file': ['/etc/audio/receiver.pem'],
        'tls-key-file': ['/etc/audio/receiver.key'],
        'tls-client-ca-file': ['/etc/audio/senders-ca.pem'],
        'allowed-senders': ['192.168.1.0/24', '127.0.0.1, ::1'],
    }
    READ_ONLY_VALUES = {'current-port'}

    def test_current_port_is_the_bound_port(self):
        self.element.set_property('host', '127.0.0.1')
        self.element.set_property('port', 0)
        self.assertEqual(self.element.get_property('current-port'), 0)
        ret, _ = set_state_timed(self.pipeline, Gst.State.PAUSED)
        self.assertNotEqual(ret, Gst.StateChangeReturn.FAILURE)
        port = self.element.get_property('current-port')
        self.assertGreater(port, 0)
        with socket.create_connection(('127.0.0.1', port), timeout=5):
            pass
        self.pipeline.set_state(Gst.State.NULL)
        self.assertEqual(self.element.get_property('current-port'), 0)

    def test_formats(self):
        pspec = self.element.find_property('format')
        self.assertEqual(sorted(enum_values(pspec)),
                         ['f32le', 's16le', 's24le', 's32le'])
        Gst.util_set_object_arg(self.element, 'format', 'S24LE')
        self.assertEqual(self.element.get_property('format').value_nick,
                         's24le')


class TestSttPushSinkProperties(PropertyContract, unittest.TestCase):

    ELEMENT = 'sttpushsink'
    OPTIONAL = True
    STRING_VALUES = {
        'url': ['wss://stt.example.org/v1/listen', 'ws://127.0.0.1:2700'],
        'api-key': ['not-a-real-key'],
        'language': ['en', 'de-DE'],
        'model': ['nova-3'],
        'extra': ['{"smart_format": true}'],
        'transcript-location': ['/tmp/transcript.vtt'],
        'vocabulary': ['GStreamer', 'GStreamer, Speechmatics, nova-3'],
    }
    WRITE_ONLY = {'api-key'}

    # The properties both STT elements share (stt-properties.c), with
    # their defaults: the reconnection defaults are the values that were
    # hard-coded before they became properties.
    SHARED_DEFAULTS = {
        'backend': 'deepgram', 'chunk-ms': 100, 'queue-ms': 20000,
        'vocabulary': None, 'end-of-turn-silence-ms': 0,
        'max-delay-ms': 0, 'max-reconnect-attempts': -1,
        'reconnect-min-ms': 500, 'reconnect-max-ms': 10000,
        'lag-warning-ms': 0, 'finish-timeout-ms': 10000,
    }

    def test_shared_properties_and_defaults(self):
        for name, default in self.SHARED_DEFAULTS.items():
            pspec = self.element.find_property(name)
            self.assertIsNotNone(pspec, name)
            value = self.element.get_property(name)
            if name == 'backend':
                value = value.value_nick
            self.assertEqual(value, default, name)
        self.assertEqual(
            self.element.find_property('max-reconnect-attempts').minimum, -1)

    def test_api_key_accepted_but_never_read_back(self):
        self.element.set_property('api-key', 'not-a-real-key')
        with self.assertRaises(TypeError):
            self.element.get_property('api-key')


class TestSttTranscriberProperties(PropertyContract, unittest.TestCase):
    """stttranscriber: the same shared properties as sttpushsink (one
    implementation, stt-properties.c), plus its own."""

    ELEMENT = 'stttranscriber'
    OPTIONAL = True
    STRING_VALUES = {k: v for k, v in
                     TestSttPushSinkProperties.STRING_VALUES.items()
                     if k != 'transcript-location'}
    WRITE_ONLY = {'api-key'}
    SHARED_DEFAULTS = TestSttPushSinkProperties.SHARED_DEFAULTS
    test_shared_properties_and_defaults = \
        TestSttPushSinkProperties.test_shared_properties_and_defaults

    def test_same_shared_properties_as_sttpushsink(self):
        find_factory(self, 'sttpushsink', True)
        sink = Gst.ElementFactory.make('sttpushsink', None)
        own = {p.name: p for p in self.own()}
        for p in own_properties(sink):
            if p.name in ('transcript-location', 'transcript-format',
                          'stats'):
                continue
            self.assertIn(p.name, own)
            self.assertEqual(p.blurb, own[p.name].blurb, p.name)
            self.assertEqual(p.value_type, own[p.name].value_type, p.name)

    def test_own_properties(self):
        self.assertEqual(self.element.get_property('latency-ms'), 8000)
        self.assertEqual(self.element.get_property('interim').value_nick,
                         'none')
        Gst.util_set_object_arg(self.element, 'interim', 'partial')
        self.assertEqual(self.element.get_property('interim').value_nick,
                         'partial')
        st = self.element.get_property('stats')
        self.assertEqual(st.get_name(), 'stttranscriber-stats')
        for field in ('late', 'max-late-ms', 'buffers-pushed',
                      'gaps-pushed', 'lag-ms', 'max-lag-ms'):
            self.assertTrue(st.has_field(field), field)


class TestHostNull(unittest.TestCase):
    """host=NULL is what g_object_set (sink, "host", NULL, NULL) and
    set_property('host', None) give. It must be refused or turned into an
    element error; it must not reach GIO (a g_critical, fatal under
    G_DEBUG=fatal_criticals). Run in a child so a crash is a failure of this
    test only."""

    CHILD = textwrap.dedent('''
        import sys
        sys.path.insert(0, %r)
        from harness import Gst, BusWatch, caps_string, is_error, error_text
        pipeline = Gst.parse_launch(
            'audiotestsrc is-live=true ! %%s ! audiostreamsink name=sink '
            'port=9' %% caps_string(48000, 2))
        sink = pipeline.get_by_name('sink')
        sink.set_property('host', None)
        print('host after set None:', repr(sink.get_property('host')))
        watch = BusWatch(pipeline)
        pipeline.set_state(Gst.State.PLAYING)
        t, msg = watch.wait(is_error, 5)
        print('error:', msg and error_text(msg))
        pipeline.set_state(Gst.State.NULL)
        watch.close()
        print('done')
    ''') % INTEGRATION

    def test_null_host_does_not_crash(self):
        require_element(self)
        child = subprocess.run([sys.executable, '-c', self.CHILD],
                               capture_output=True, text=True, timeout=30)
        out = child.stdout + child.stderr
        self.assertEqual(child.returncode, 0,
                         'the process died (%d) on host=NULL:\n%s' %
                         (child.returncode, out))
        self.assertNotIn('CRITICAL', out)
        self.assertIn('done', out)


if __name__ == '__main__':
    run_tests()
