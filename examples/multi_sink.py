#!/usr/bin/python3
# gst-audiostream
# Copyright (C) 2026 gst-audiostream developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.

"""One capture, three destinations: a WAV file, a raw-PCM receiver, and a
speech-to-text service.

                          ┌─ queue ─ wavenc ─ filesink         recording
  capture ─ S16LE ─ tee ──┼─ queue ─ audiostreamsink ─ TCP ──>  stream
                          └─ queue ─ 16 kHz mono ─ sttpushsink ─> transcript

  /usr/bin/python3 examples/multi_sink.py --host 192.0.2.10 --output talk.wav
  /usr/bin/python3 examples/multi_sink.py --source "pulsesrc" \\
      --stt-props "backend=vosk url=ws://127.0.0.1:2700"

Each branch starts with a queue, a thread of its own, so no branch waits for
another: a stalled or dead network never holds up the recording. The
network sinks never block a live capture anyway (audiostreamsink buffers in
its ring, sttpushsink in its queue); their queues leak, dropping the oldest,
rather than ever pushing back on the tee. A network branch that fails for
good (auto-reconnect off, a refused API key) is cut off from the tee, and
the recording goes on.

The STT branch needs the sttpushsink element (plugin `stt`) and a service:
--stt-props, or DEEPGRAM_API_KEY in the environment for Deepgram. Without
them the branch is skipped, and the script says so.

The capture must be live (a device, or audiotestsrc is-live=true); to send
a file, use examples/replay_file.py. Ctrl-C (or the end of --seconds) sends
EOS: the WAV header is completed, the stream drained, the last transcripts
delivered, then the script exits 0. Run it from `meson devenv -C build`, or
with GST_PLUGIN_PATH pointing at build/plugins/audiostream (and
build/plugins/stt).
"""

import argparse
import os
import shlex
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402

DEFAULT_SOURCE = "audiotestsrc is-live=true wave=sine freq=440"
CAPS = "audio/x-raw,format=S16LE,layout=interleaved,rate={rate},channels={ch}"
STT_CAPS = "audio/x-raw,format=S16LE,layout=interleaved,rate=16000,channels=1"
# A network branch may fall this far behind before its queue drops audio.
NETWORK_QUEUE_NS = 2 * Gst.SECOND
# The pipeline does not wait for a network sink to preroll (a live capture
# has nothing to preroll anyway), so one that fails before its first buffer
# can be taken out without leaving a state change waiting for it.
NETWORK_SINK = {"async": False}


def stt_available():
    return Gst.ElementFactory.find("sttpushsink") is not None


def set_properties(element, props):
    """props: "name=value name=value", as on a gst-launch line."""
    for item in shlex.split(props or ""):
        name, _, value = item.partition("=")
        if element.find_property(name) is None:
            raise RuntimeError("{} has no property {}".format(
                element.get_factory().get_name(), name))
        Gst.util_set_object_arg(element, name, value)


def make(factory, name=None, **properties):
    element = Gst.ElementFactory.make(factory, name)
    if element is None:
        raise RuntimeError("No {} element. Set GST_PLUGIN_PATH to "
                           "build/plugins/audiostream, or run from "
                           "`meson devenv`.".format(factory))
    for prop, value in properties.items():
        element.set_property(prop.replace("_", "-"), value)
    return element


def network_queue(name):
    return make("queue", name, leaky=2, max_size_time=NETWORK_QUEUE_NS,
                max_size_buffers=0, max_size_bytes=0)


class MultiSink:
    """The pipeline, and what to do when one of its network branches
    fails. Branch names: "file", "stream", "stt"."""

    def __init__(self, source, output, host="127.0.0.1", port=4953,
                 rate=48000, channels=2, sink_props="", stt=False,
                 stt_props=""):
        self.pipeline = Gst.Pipeline.new("multi-sink")
        self.branches = {}          # name -> [elements], queue first; kept
        #                             after a branch is removed, to name it
        self.failed = {}            # name -> error text
        self.cut_pads = {}          # name -> the tee pad it was fed from
        self.tee = self._add_capture(source, rate, channels)
        self._add_branch("file", [
            make("queue", "file-queue"),
            make("wavenc"),
            make("filesink", "file-sink", location=output)])
        sink = make("audiostreamsink", "stream-sink", host=host, port=port,
                    **NETWORK_SINK)
        set_properties(sink, sink_props)
        self._add_branch("stream", [network_queue("stream-queue"), sink])
        if stt:
            stt_sink = make("sttpushsink", "stt-sink", **NETWORK_SINK)
            set_properties(stt_sink, stt_props)
            self._add_branch("stt", [
                network_queue("stt-queue"),
                make("audioconvert"), make("audioresample"),
                make("capsfilter", caps=Gst.Caps.from_string(STT_CAPS)),
                stt_sink])

    def _add_capture(self, source, rate, channels):
        src = Gst.parse_bin_from_description(source, True)
        src.set_name("capture")
        chain = [src, make("audioconvert"), make("audioresample"),
                 make("capsfilter", caps=Gst.Caps.from_string(
                     CAPS.format(rate=rate, ch=channels))),
                 make("tee", "tee")]
        self._add_chain(chain)
        return chain[-1]

    def _add_chain(self, chain):
        for element in chain:
            self.pipeline.add(element)
        for upstream, downstream in zip(chain, chain[1:]):
            if not upstream.link(downstream):
                raise RuntimeError("Could not link {} to {}".format(
                    upstream.get_name(), downstream.get_name()))

    def _add_branch(self, name, chain):
        self._add_chain(chain)
        self.tee.link(chain[0])
        self.branches[name] = chain

    def element(self, name):
        return self.pipeline.get_by_name(name)

    def branch_of(self, obj):
        """The name of the network branch obj is in, or None."""
        for name, chain in self.branches.items():
            if name != "file" and obj in chain:
                return name
        return None

    def on_sync_message(self, msg):
        """Call in the thread that posts (a bus sync handler): an ERROR from
        a network branch cuts that branch off the tee there and then,
        before its failure can travel up to the capture and stop the
        recording. Returns the branch's name when this message cut it,
        else None."""
        if msg.type != Gst.MessageType.ERROR:
            return None
        name = self.branch_of(msg.src)
        if name is None or name in self.failed:
            return None
        self.failed[name] = msg.parse_error()[0].message
        queue_pad = self.branches[name][0].get_static_pad("sink")
        tee_pad = queue_pad.get_peer()
        if tee_pad is not None:
            tee_pad.unlink(queue_pad)
            self.cut_pads[name] = tee_pad
        return name

    def remove_failed_branch(self, name):
        """From the main thread, after on_sync_message cut it off."""
        tee_pad = self.cut_pads.pop(name, None)
        if tee_pad is None:
            return
        chain = self.branches[name]
        # Out of the pipeline first, then down to NULL, so that the
        # pipeline never counts on a sink that is on its way out.
        for element in chain:
            self.pipeline.remove(element)
        for element in chain:
            element.set_state(Gst.State.NULL)
        self.tee.release_request_pad(tee_pad)
        # An ERROR during a state change fails that state change (GstBin
        # does so for any child's ERROR): a sink that failed at once, before
        # the pipeline was PLAYING, left it short of PLAYING. Ask again;
        # when the pipeline is PLAYING already, this does nothing.
        self.pipeline.set_state(Gst.State.PLAYING)


def describe(s):
    """One line for the messages worth printing, or None."""
    name = s.get_name()
    v = s.get_value
    if name == "audiostreamsink-connection":
        return "stream      {} {}{}".format(
            v("state"), v("remote"),
            " ({})".format(v("error")) if v("error") else "")
    if name == "audiostreamsink-stats":
        return "stream      {} samples sent, level {} ms, dropped {}".format(
            v("samples-sent"), v("buffer-level-ms"), v("dropped-samples"))
    if name == "sttpushsink-session":
        return "stt         {}{}".format(
            v("state"), " ({})".format(v("error")) if v("error") else "")
    if name == "sttpushsink-final":
        return "stt         [{:6.1f} s] {}".format(v("start-ms") / 1000.0,
                                                  v("text"))
    return None


class App:
    def __init__(self, multi):
        self.multi = multi
        self.loop = GLib.MainLoop()
        self.stopping = False
        self.exit_code = 0

    def on_sync_message(self, bus, msg):
        branch = self.multi.on_sync_message(msg)
        if branch is not None:
            GLib.idle_add(self.on_branch_failed, branch)
        return Gst.BusSyncReply.PASS

    def on_branch_failed(self, branch):
        print("{:<11} branch stopped, the recording goes on: {}".format(
            branch, self.multi.failed[branch]), flush=True)
        self.multi.remove_failed_branch(branch)
        return GLib.SOURCE_REMOVE

    def on_message(self, bus, msg):
        if msg.type == Gst.MessageType.ELEMENT:
            line = describe(msg.get_structure())
            if line:
                print(line, flush=True)
        elif msg.type == Gst.MessageType.WARNING:
            print("WARNING     " + msg.parse_warning()[0].message, flush=True)
        elif msg.type == Gst.MessageType.ERROR:
            if self.multi.branch_of(msg.src) in self.multi.failed:
                return      # reported by on_branch_failed
            err, debug = msg.parse_error()
            print("ERROR       {}\n            {}".format(err.message, debug),
                  file=sys.stderr, flush=True)
            self.exit_code = 1
            self.loop.quit()
        elif msg.type == Gst.MessageType.EOS:
            print("done        recording complete", flush=True)
            self.loop.quit()

    def stop(self):
        if not self.stopping:
            self.stopping = True
            print("stopping    finishing the file, the stream and the "
                  "transcript", flush=True)
            self.multi.pipeline.send_event(Gst.Event.new_eos())
        return GLib.SOURCE_REMOVE

    def on_signal(self):
        if self.stopping:
            self.exit_code = 130
            self.loop.quit()
        self.stop()
        return GLib.SOURCE_CONTINUE

    def run(self, seconds):
        pipeline = self.multi.pipeline
        bus = pipeline.get_bus()
        bus.set_sync_handler(self.on_sync_message)
        bus.add_signal_watch()
        bus.connect("message", self.on_message)
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT,
                             self.on_signal)
        if seconds:
            GLib.timeout_add(int(seconds * 1000), self.stop)
        pipeline.set_state(Gst.State.PLAYING)
        self.loop.run()
        pipeline.set_state(Gst.State.NULL)
        bus.remove_signal_watch()
        bus.set_sync_handler(None)
        return self.exit_code


def want_stt(args):
    """(add the branch?, why not)"""
    if args.no_stt:
        return False, "--no-stt"
    if not stt_available():
        return False, ("no sttpushsink element (build the stt plugin and add "
                       "build/plugins/stt to GST_PLUGIN_PATH)")
    if not args.stt_props and not os.environ.get("DEEPGRAM_API_KEY"):
        return False, ("no service configured (--stt-props, or "
                       "DEEPGRAM_API_KEY for Deepgram)")
    return True, None


def main(argv=None):
    p = argparse.ArgumentParser(
        description="Record to a WAV file, stream with audiostreamsink and "
        "transcribe with sttpushsink, all from one capture.")
    p.add_argument("--source", default=DEFAULT_SOURCE,
                   help="the capture, a pipeline fragment such as "
                   "examples/list-devices prints (default: %(default)s)")
    p.add_argument("-o", "--output", default="recording.wav",
                   help="WAV file to write (default %(default)s)")
    p.add_argument("-H", "--host", default="127.0.0.1")
    p.add_argument("-p", "--port", type=int, default=4953)
    p.add_argument("-r", "--rate", type=int, default=48000)
    p.add_argument("-c", "--channels", type=int, default=2)
    p.add_argument("--sink-props", default="",
                   help='more audiostreamsink properties, e.g. '
                   '"prefill-ms=500 dscp=lowdelay"')
    p.add_argument("--stt-props", default="",
                   help='sttpushsink properties, e.g. "backend=vosk '
                   'url=ws://127.0.0.1:2700"')
    p.add_argument("--no-stt", action="store_true",
                   help="no speech-to-text branch")
    p.add_argument("-s", "--seconds", type=float, default=0,
                   help="stop after this long (default: at Ctrl-C)")
    args = p.parse_args(argv)

    Gst.init(None)
    stt, why_not = want_stt(args)
    if not stt:
        print("stt         branch skipped: " + why_not, flush=True)
    try:
        multi = MultiSink(args.source, args.output, args.host, args.port,
                          args.rate, args.channels, args.sink_props, stt,
                          args.stt_props)
    except (RuntimeError, GLib.Error) as e:
        print(e, file=sys.stderr)
        return 1
    print("recording   to {}".format(args.output), flush=True)
    return App(multi).run(args.seconds)


if __name__ == "__main__":
    sys.exit(main())
