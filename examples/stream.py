#!/usr/bin/python3
# gst-audiostream
# Copyright (C) 2026 gst-audiostream developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.

"""Capture audio and stream it with audiostreamsink, printing what the sink
reports, until Ctrl-C or --seconds. The Python twin of examples/stream.c,
with the same options.

  /usr/bin/python3 examples/stream.py --host 192.0.2.10      # a test tone
  /usr/bin/python3 examples/stream.py --device "Built-in Audio Analog Stereo"
  /usr/bin/python3 examples/stream.py --loopback --adaptive-buffer \\
      --device "Monitor of Built-in Audio Analog Stereo"

--device takes a device name as examples/list-devices prints it, or the
pipeline fragment printed under it. Options left out keep the element's
defaults, so --loopback still changes the buffer defaults. Ctrl-C (or the
end of --seconds) sends EOS: the sink sends what it holds, closes the
connection, and the script exits 0; a second Ctrl-C stops at once. An
error exits 1. Run it from `meson devenv -C build`, or with GST_PLUGIN_PATH
pointing at build/plugins/audiostream.
"""

import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402

DEFAULT_SOURCE = "audiotestsrc is-live=true wave=sine freq=440"

# command-line option -> audiostreamsink property, set only when given
INT_PROPERTIES = ["prefill-ms", "ring-buffer-ms", "chunk-samples",
                  "reconnect-min-ms", "reconnect-max-ms", "min-buffer-ms",
                  "max-buffer-ms", "stats-interval-ms"]
DSCP_CLASSES = ["voip", "lowdelay", "throughput", "besteffort"]


# -- the pipeline -------------------------------------------------------------

def element_for_device_name(name):
    """The capture device whose display name is name, as an element, or
    None."""
    monitor = Gst.DeviceMonitor.new()
    monitor.add_filter("Audio/Source", None)
    if not monitor.start():
        return None
    try:
        for device in monitor.get_devices():
            if device.get_display_name() == name:
                return device.create_element(None)
    finally:
        monitor.stop()
    return None


def make_source(device):
    if device is None:
        return Gst.parse_bin_from_description(DEFAULT_SOURCE, True)
    return (element_for_device_name(device) or
            Gst.parse_bin_from_description(device, True))


def configure_sink(sink, args):
    """Only what the user gave: the element's defaults, loopback's
    included, stay in charge of the rest."""
    if args.socket_path:
        sink.set_property("socket-path", args.socket_path)
    else:
        sink.set_property("host", args.host)
        sink.set_property("port", args.port)
    sink.set_property("loopback", args.loopback)
    sink.set_property("adaptive-buffer", args.adaptive_buffer)
    sink.set_property("high-priority", args.high_priority)
    sink.set_property("auto-reconnect", not args.no_auto_reconnect)
    if args.dscp is not None:
        Gst.util_set_object_arg(sink, "dscp", args.dscp)
    for name in INT_PROPERTIES:
        value = getattr(args, name.replace("-", "_"))
        if value is not None:
            sink.set_property(name, value)


def build_pipeline(args):
    """source ! audioconvert ! audioresample ! S16LE caps ! audiostreamsink"""
    sink = Gst.ElementFactory.make("audiostreamsink", "sink")
    if sink is None:
        raise RuntimeError("No audiostreamsink element: set GST_PLUGIN_PATH "
                           "to build/plugins/audiostream, or run from "
                           "`meson devenv`.")
    configure_sink(sink, args)
    source = make_source(args.device)
    convert = Gst.ElementFactory.make("audioconvert", None)
    resample = Gst.ElementFactory.make("audioresample", None)
    caps = Gst.ElementFactory.make("capsfilter", None)
    caps.set_property("caps", Gst.Caps.from_string(
        "audio/x-raw,format=S16LE,layout=interleaved,rate={},channels={}"
        .format(args.rate, args.channels)))

    pipeline = Gst.Pipeline.new("stream")
    chain = [source, convert, resample, caps, sink]
    for element in chain:
        pipeline.add(element)
    for upstream, downstream in zip(chain, chain[1:]):
        if not upstream.link(downstream):
            raise RuntimeError("Could not link the source to S16LE at {} Hz, "
                               "{} channels.".format(args.rate, args.channels))
    return pipeline


# -- messages -----------------------------------------------------------------

def describe(s):
    """One line for an audiostreamsink message, or None for others."""
    v = s.get_value
    name = s.get_name()
    if name == "audiostreamsink-connection":
        text = "connection  {:<12} attempt {} {}".format(
            v("state"), v("attempt"), v("remote"))
        if v("retry-in-ms") >= 0:
            text += " retry in {} ms".format(v("retry-in-ms"))
        if v("error"):
            text += " ({})".format(v("error"))
        return text
    if name == "audiostreamsink-stats":
        return ("stats       sent {} samples, {:.1f} kbit/s, level {} / "
                "target {} ms, p99 {} us, underruns {}, overflows {}, "
                "dropped {}, reconnects {}".format(
                    v("samples-sent"), v("bitrate-kbps"), v("buffer-level-ms"),
                    v("buffer-target-ms"), v("pacing-error-p99-us"),
                    v("underruns"), v("overflows"), v("dropped-samples"),
                    v("reconnects")))
    if name == "audiostreamsink-quality":
        return ("quality     {} {}, jitter {:.1f} ms, rtt {:.2f} ms, "
                "buffer health {:.2f}".format(
                    v("score"), v("rating"), v("jitter-ms"), v("rtt-ms"),
                    v("buffer-health")))
    if name == "audiostreamsink-buffer-resize":
        return "resize      {} -> {} ms (jitter {:.1f} ms, {})".format(
            v("old-ms"), v("new-ms"), v("jitter-ms"), v("reason"))
    return None


class App:
    def __init__(self, pipeline):
        self.pipeline = pipeline
        self.loop = GLib.MainLoop()
        self.stopping = False
        self.exit_code = 0

    def on_message(self, bus, msg):
        if msg.type == Gst.MessageType.ELEMENT:
            line = describe(msg.get_structure())
            if line:
                print(line, flush=True)
        elif msg.type == Gst.MessageType.WARNING:
            print("WARNING     " + msg.parse_warning()[0].message, flush=True)
        elif msg.type == Gst.MessageType.ERROR:
            err, debug = msg.parse_error()
            print("ERROR       {}\n            {}".format(err.message, debug),
                  file=sys.stderr, flush=True)
            self.exit_code = 1
            self.loop.quit()
        elif msg.type == Gst.MessageType.EOS:
            print("done        everything sent", flush=True)
            self.loop.quit()

    def stop(self):
        """EOS from the source: the sink sends what it holds, then EOS
        reaches the bus and the main loop ends."""
        if self.stopping:
            return
        self.stopping = True
        print("stopping    sending what is buffered (Ctrl-C again to quit "
              "at once)", flush=True)
        self.pipeline.send_event(Gst.Event.new_eos())

    def on_signal(self):
        if self.stopping:
            self.exit_code = 130
            self.loop.quit()
        else:
            self.stop()
        return GLib.SOURCE_CONTINUE

    def on_time_up(self):
        self.stop()
        return GLib.SOURCE_REMOVE

    def run(self, seconds):
        bus = self.pipeline.get_bus()
        bus.add_signal_watch()
        bus.connect("message", self.on_message)
        for signum in (signal.SIGINT, signal.SIGTERM):
            GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signum, self.on_signal)
        if seconds:
            GLib.timeout_add(int(seconds * 1000), self.on_time_up)
        # A failure posts an ERROR, which ends the loop.
        self.pipeline.set_state(Gst.State.PLAYING)
        self.loop.run()
        self.pipeline.set_state(Gst.State.NULL)
        bus.remove_signal_watch()
        return self.exit_code


# -- options ------------------------------------------------------------------

def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Capture audio and stream it as raw S16LE PCM to a TCP "
        "or Unix-socket receiver, printing connection, stats, quality and "
        "buffer-resize messages. Ctrl-C drains and stops. Options left out "
        "keep audiostreamsink's defaults.")
    p.add_argument("-d", "--device", help="capture device: a name as "
                   "list-devices prints it, or a pipeline fragment (default: "
                   "{})".format(DEFAULT_SOURCE))
    p.add_argument("-H", "--host", default="127.0.0.1",
                   help="receiver host name or address (default %(default)s)")
    p.add_argument("-p", "--port", type=int, default=4953,
                   help="receiver TCP port (default %(default)s)")
    p.add_argument("--socket-path",
                   help="stream to this Unix socket instead of host and port")
    p.add_argument("-r", "--rate", type=int, default=48000,
                   help="sample rate sent (default %(default)s)")
    p.add_argument("-c", "--channels", type=int, default=2,
                   help="channels sent (default %(default)s)")
    p.add_argument("-b", "--prefill-ms", type=int, metavar="MS",
                   help="buffer size: audio buffered before sending starts")
    p.add_argument("--ring-buffer-ms", type=int, metavar="MS",
                   help="ring buffer capacity")
    p.add_argument("--chunk-samples", type=int, metavar="FRAMES",
                   help="frames per send")
    p.add_argument("--dscp", choices=DSCP_CLASSES, help="traffic class")
    p.add_argument("--high-priority", action="store_true",
                   help="real-time priority for the network thread")
    p.add_argument("--no-auto-reconnect", action="store_true",
                   help="stop with an error at the first connection failure")
    p.add_argument("--reconnect-min-ms", type=int, metavar="MS",
                   help="first wait before reconnecting")
    p.add_argument("--reconnect-max-ms", type=int, metavar="MS",
                   help="longest wait before reconnecting")
    p.add_argument("-l", "--loopback", action="store_true",
                   help="monitor (what-you-hear) capture: larger buffer "
                   "defaults")
    p.add_argument("-A", "--adaptive-buffer", action="store_true",
                   help="let the buffer target follow the measured jitter")
    p.add_argument("--min-buffer-ms", type=int, metavar="MS",
                   help="lowest adaptive buffer target")
    p.add_argument("--max-buffer-ms", type=int, metavar="MS",
                   help="highest adaptive buffer target")
    p.add_argument("--stats-interval-ms", type=int, metavar="MS",
                   help="period of the stats messages, 0 = none")
    p.add_argument("-s", "--seconds", type=float, default=0,
                   help="stop after this long (default: at Ctrl-C)")
    args = p.parse_args(argv)
    if args.rate < 8000 or args.channels < 1 or args.seconds < 0:
        p.error("--rate must be at least 8000, --channels at least 1, "
                "--seconds not negative")
    return args


def main(argv=None):
    args = parse_args(argv)
    Gst.init(None)
    try:
        pipeline = build_pipeline(args)
    except (RuntimeError, GLib.Error) as e:
        print(e, file=sys.stderr)
        return 1
    return App(pipeline).run(args.seconds)


if __name__ == "__main__":
    sys.exit(main())
