#!/usr/bin/python3
# gst-audiostream
# Copyright (C) 2026 gst-audiostream developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.

"""Print transcripts as they arrive: microphone or file → sttpushsink →
speech-to-text service → bus messages → this script.

Offline, with no account (the default): the project's pocketsphinx
reference server speaks the Vosk protocol on your machine; this script
starts it when no --url is given, and without --file or --mic it speaks a
sentence itself with espeak-ng:

    /usr/bin/python3 examples/stt_transcribe.py                 # demo
    /usr/bin/python3 examples/stt_transcribe.py --mic           # you talk
    /usr/bin/python3 examples/stt_transcribe.py --file talk.wav

A Vosk server of your own, or a cloud service (the key from
DEEPGRAM_API_KEY, ASSEMBLYAI_API_KEY, SPEECHMATICS_API_KEY or
OPENAI_API_KEY):

    /usr/bin/python3 examples/stt_transcribe.py --url ws://host:2700 --mic
    /usr/bin/python3 examples/stt_transcribe.py --backend deepgram --mic
    /usr/bin/python3 examples/stt_transcribe.py --backend openai --file a.wav

The audio is converted to the rate the backend takes (its `capabilities`:
OpenAI 24 kHz only, the others 16 kHz). Whatever goes wrong is said in one
line on stderr, with exit status 1 (2 for a wrong command line).

Finals print as "[start-s] text"; on a terminal the current partial
hypothesis shows on the line below them. Ctrl-C ends the stream the proper
way: EOS, so the service's last finals still arrive before the script
exits. Run from `meson devenv -C build` (or with GST_PLUGIN_PATH pointing
at build/plugins/stt) so that GStreamer finds the plugin.
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

import gi

gi.require_version('Gst', '1.0')
from gi.repository import GLib, Gst  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DEMO_SENTENCE = 'hello world. how are you today'
# sttpushsink's backend enum, in its order
BACKENDS = ('deepgram', 'assemblyai', 'speechmatics', 'openai', 'vosk')
# the rate asked for when a backend takes a range (speech models hear
# 16 kHz; more only costs bandwidth)
PREFERRED_RATE = 16000
SERVER = 'stt-reference-server'


class Failure(Exception):
    """Something the user can fix, said in one line."""


def find_reference_server():
    """The reference server: $STT_REFERENCE_SERVER, the PATH (installed, or
    `meson devenv`), else the build trees next to the sources."""
    candidates = [os.environ.get('STT_REFERENCE_SERVER'),
                  shutil.which(SERVER)]
    root = os.path.dirname(HERE)
    build = os.environ.get('AUDIOSTREAM_BUILD_ROOT')
    if build:
        candidates.append(os.path.join(build, 'tools', SERVER))
    for name in sorted(os.listdir(root)):
        candidates.append(os.path.join(root, name, 'tools', SERVER))
    for path in candidates:
        if path and os.access(path, os.X_OK):
            return path
    return None


def backend_rate(stt):
    """The rate to send: the one the backend takes, or PREFERRED_RATE
    within its range (the element's `capabilities`)."""
    caps = stt.get_property('capabilities')
    ok, rate = caps.get_int('rates')
    if ok:
        return rate
    # a Gst.IntRange; its Python range's stop is the range's maximum
    rates = caps.get_value('rates').range
    return min(max(PREFERRED_RATE, rates.start), rates.stop)


class LocalServer:
    """The reference server on 127.0.0.1, on a port the system picks."""

    def __init__(self, binary):
        self.proc = subprocess.Popen([binary, '--port', '0'],
                                     stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        match = re.match(r'listening on (ws://\S+)', line)
        if match is None:
            self.proc.kill()
            self.proc.wait()
            raise Failure('the reference server %s did not start' % binary)
        self.url = match.group(1)

    def close(self):
        self.proc.terminate()
        self.proc.wait()


def synthesise(directory):
    if shutil.which('espeak-ng') is None:
        raise Failure('no --file or --mic, and espeak-ng is not there to '
                      'say something: install espeak-ng or give --file')
    wav = os.path.join(directory, 'demo.wav')
    subprocess.run(['espeak-ng', '-v', 'en-us+m3', '-s', '120', '-w', wav,
                    DEMO_SENTENCE], check=True)
    print('(espeak-ng says: "%s")' % DEMO_SENTENCE, file=sys.stderr)
    return wav


def build_pipeline(args, url, source_file):
    stt = Gst.ElementFactory.make('sttpushsink', 'stt')
    stt.set_property('backend', args.backend)
    rate = backend_rate(stt)
    if args.mic:
        source = 'autoaudiosrc'
    else:
        source = 'filesrc location="%s" ! decodebin' % source_file
    try:
        pipeline = Gst.parse_launch(
            '%s ! audioconvert ! audioresample ! '
            'audio/x-raw,format=S16LE,rate=%d,channels=1 ! '
            'identity name=tail' % (source, rate))
    except GLib.Error as e:
        raise Failure('could not build the pipeline: %s' % e.message)
    pipeline.add(stt)
    pipeline.get_by_name('tail').link(stt)
    if url:
        stt.set_property('url', url)
    if args.language:
        stt.set_property('language', args.language)
    if args.model:
        stt.set_property('model', args.model)
    stt.set_property('diarize', args.diarize)
    # The key, if any, comes from the environment (DEEPGRAM_API_KEY …):
    # never from a command line, which other users can read.
    return pipeline


class Printer:
    """Finals on lines of their own; the partial under them on a tty."""

    def __init__(self):
        self.tty = sys.stdout.isatty()
        self.partial_shown = False

    def clear_partial(self):
        if self.partial_shown:
            sys.stdout.write('\r\033[K')
            self.partial_shown = False

    def partial(self, s):
        if not self.tty:
            return
        self.clear_partial()
        width = shutil.get_terminal_size().columns - 4
        sys.stdout.write('  … ' + s.get_string('text')[-width:])
        sys.stdout.flush()
        self.partial_shown = True

    def final(self, s):
        self.clear_partial()
        ok, start = s.get_uint64('start-ms')
        speaker = s.get_string('speaker')
        who = '(speaker %s) ' % speaker if speaker is not None else ''
        print('[%8.3f] %s%s' % (start / 1000.0, who, s.get_string('text')),
              flush=True)

    def note(self, text):
        self.clear_partial()
        print(text, file=sys.stderr, flush=True)


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a wrong command line is one line, not the usage."""

    def error(self, message):
        self.exit(2, '%s: %s (see --help)\n' % (self.prog, message))


def main():
    parser = OneLineParser(
        description='Print transcripts as sttpushsink posts them.')
    parser.add_argument('--backend', default='vosk', choices=BACKENDS,
                        help='the service: %s (default vosk)' %
                        ', '.join(BACKENDS))
    parser.add_argument('--url', help='endpoint; default: start the local '
                        'reference server (vosk), or the service\'s own')
    source = parser.add_mutually_exclusive_group()
    source.add_argument('--file', help='audio file to transcribe')
    source.add_argument('--mic', action='store_true',
                        help='transcribe the default microphone')
    parser.add_argument('--language')
    parser.add_argument('--model')
    parser.add_argument('--diarize', action='store_true')
    args = parser.parse_args()
    try:
        return run(args)
    except Failure as e:
        print('%s: %s' % (parser.prog, e), file=sys.stderr)
        return 1


def run(args):
    Gst.init(None)
    if Gst.ElementFactory.find('sttpushsink') is None:
        raise Failure('sttpushsink not found: run from `meson devenv -C '
                      'build` or set GST_PLUGIN_PATH to build/plugins/stt')
    if args.file is not None and not os.path.isfile(args.file):
        raise Failure('no such file: %s' % args.file)

    tmp = tempfile.TemporaryDirectory()
    server = None
    url = args.url
    if url is None and args.backend == 'vosk':
        binary = find_reference_server()
        if binary is None:
            raise Failure('no --url and no %s found (built with '
                          'libpocketsphinx-dev, installed into bindir; see '
                          'docs/sttpushsink.md)' % SERVER)
        server = LocalServer(binary)
        url = server.url
        print('(reference server at %s)' % url, file=sys.stderr)
    source_file = args.file
    if not args.mic and source_file is None:
        source_file = synthesise(tmp.name)

    try:
        pipeline = build_pipeline(args, url, source_file)
    except Failure:
        if server is not None:
            server.close()
        raise
    printer = Printer()
    loop = GLib.MainLoop()
    status = {'code': 0}

    def on_message(bus, msg):
        s = msg.get_structure()
        if msg.type == Gst.MessageType.ELEMENT and s is not None:
            name = s.get_name()
            if name == 'sttpushsink-partial':
                printer.partial(s)
            elif name == 'sttpushsink-final':
                printer.final(s)
            elif (name == 'sttpushsink-session' and s.get_string('error')
                  and s.get_string('state') != 'failed'):
                # a failure comes as the ERROR, in one line
                printer.note('session %s: %s' % (s.get_string('state'),
                                                 s.get_string('error')))
        elif msg.type == Gst.MessageType.WARNING:
            err, _ = msg.parse_warning()
            printer.note('warning: %s' % err.message)
        elif msg.type == Gst.MessageType.ERROR:
            err, _ = msg.parse_error()
            printer.note('error: %s' % err.message)
            status['code'] = 1
            loop.quit()
        elif msg.type == Gst.MessageType.EOS:
            # every final is in by now
            printer.clear_partial()
            loop.quit()

    def on_interrupt():
        # EOS, not a hard stop: the last finals still arrive
        printer.note('(finishing)')
        pipeline.send_event(Gst.Event.new_eos())
        return GLib.SOURCE_REMOVE

    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect('message', on_message)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, on_interrupt)

    pipeline.set_state(Gst.State.PLAYING)
    try:
        loop.run()
    finally:
        pipeline.set_state(Gst.State.NULL)
        bus.remove_signal_watch()
        if server is not None:
            server.close()
        tmp.cleanup()
    return status['code']


if __name__ == '__main__':
    sys.exit(main())
