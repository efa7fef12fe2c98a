#!/usr/bin/python3
# gst-audiostream
# Copyright (C) 2026 gst-audiostream developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.

"""Replay a recorded audio file to a raw-PCM receiver at real time.

  /usr/bin/python3 examples/replay_file.py talk.ogg --host 192.0.2.10
  /usr/bin/python3 examples/replay_file.py song.flac --rate 48000 --channels 2

filesrc ! decodebin ! audioconvert ! audioresample ! S16LE ! audiostreamsink:
any format GStreamer can decode. Nothing in the pipeline is live, so the
decoder runs ahead until audiostreamsink's ring buffer is full; from then
on the sink holds it back, and sends at exactly the rate of the audio,
paced by its own clock. Nothing is dropped or padded. At the end of the
file everything buffered is sent, the connection is closed, and the script
exits 0. Ctrl-C stops early (cleanly: EOS). Run it from `meson devenv -C
build`, or with GST_PLUGIN_PATH pointing at build/plugins/audiostream.

Without --rate and --channels the file's own rate and channel count go out
(the receiver must expect them: a Snapcast source is configured for one).
"""

import argparse
import os
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402


def output_caps(rate, channels):
    caps = "audio/x-raw,format=S16LE,layout=interleaved"
    if rate:
        caps += ",rate={}".format(rate)
    if channels:
        caps += ",channels={}".format(channels)
    return Gst.Caps.from_string(caps)


def make(factory, **properties):
    element = Gst.ElementFactory.make(factory, None)
    if element is None:
        raise RuntimeError("No {} element. For audiostreamsink, set "
                           "GST_PLUGIN_PATH to build/plugins/audiostream or "
                           "run from `meson devenv`.".format(factory))
    for name, value in properties.items():
        element.set_property(name.replace("_", "-"), value)
    return element


def build_pipeline(args):
    pipeline = Gst.Pipeline.new("replay")
    source = make("filesrc", location=args.file)
    decode = make("decodebin")
    convert = make("audioconvert")
    resample = make("audioresample")
    caps = make("capsfilter", caps=output_caps(args.rate, args.channels))
    sink = make("audiostreamsink", prefill_ms=args.prefill_ms,
                stats_interval_ms=args.stats_interval_ms)
    if args.socket_path:
        sink.set_property("socket-path", args.socket_path)
    else:
        sink.set_property("host", args.host)
        sink.set_property("port", args.port)

    for element in (source, decode, convert, resample, caps, sink):
        pipeline.add(element)
    source.link(decode)
    convert.link(resample)
    resample.link(caps)
    caps.link(sink)

    def on_pad_added(element, pad):
        # The file's audio stream; anything else (video, subtitles) stays
        # unlinked, and decodebin drops it.
        if pad.query_caps(None).to_string().startswith("audio/"):
            target = convert.get_static_pad("sink")
            if not target.is_linked():
                pad.link(target)

    def on_no_more_pads(element):
        if not convert.get_static_pad("sink").is_linked():
            element.post_message(Gst.Message.new_error(
                element, GLib.Error("{} has no audio stream.".format(
                    args.file)), "decodebin found no audio/ pad"))

    decode.connect("pad-added", on_pad_added)
    decode.connect("no-more-pads", on_no_more_pads)
    return pipeline, sink


def print_progress(pipeline, sink):
    ok, position = pipeline.query_position(Gst.Format.TIME)
    ok2, duration = pipeline.query_duration(Gst.Format.TIME)
    stats = sink.get_property("stats")
    sent = stats.get_value("samples-sent") if stats else 0
    print("progress    decoded {:.1f} / {} s, {} samples sent".format(
        position / Gst.SECOND if ok else 0.0,
        "{:.1f}".format(duration / Gst.SECOND) if ok2 else "?", sent),
        flush=True)
    return GLib.SOURCE_CONTINUE


def run(pipeline, sink, quiet):
    loop = GLib.MainLoop()
    result = {"code": 0}

    def on_message(bus, msg):
        if msg.type == Gst.MessageType.ELEMENT:
            s = msg.get_structure()
            if s.get_name() == "audiostreamsink-connection" and not quiet:
                print("connection  {} {}{}".format(
                    s.get_value("state"), s.get_value("remote"),
                    " ({})".format(s.get_value("error"))
                    if s.get_value("error") else ""), flush=True)
        elif msg.type == Gst.MessageType.WARNING:
            print("WARNING     " + msg.parse_warning()[0].message, flush=True)
        elif msg.type == Gst.MessageType.ERROR:
            err, debug = msg.parse_error()
            print("ERROR       {}\n            {}".format(err.message, debug),
                  file=sys.stderr, flush=True)
            result["code"] = 1
            loop.quit()
        elif msg.type == Gst.MessageType.EOS:
            print("done        the whole file was sent", flush=True)
            loop.quit()

    def on_signal():
        pipeline.send_event(Gst.Event.new_eos())
        return GLib.SOURCE_REMOVE

    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, on_signal)
    if not quiet:
        GLib.timeout_add_seconds(1, print_progress, pipeline, sink)
    pipeline.set_state(Gst.State.PLAYING)
    loop.run()
    pipeline.set_state(Gst.State.NULL)
    bus.remove_signal_watch()
    return result["code"]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("file", help="audio file to replay")
    p.add_argument("-H", "--host", default="127.0.0.1",
                   help="receiver host (default %(default)s)")
    p.add_argument("-p", "--port", type=int, default=4953,
                   help="receiver TCP port (default %(default)s)")
    p.add_argument("--socket-path",
                   help="stream to this Unix socket instead of host and port")
    p.add_argument("-r", "--rate", type=int,
                   help="resample to this rate (default: the file's)")
    p.add_argument("-c", "--channels", type=int,
                   help="mix to this many channels (default: the file's)")
    p.add_argument("-b", "--prefill-ms", type=int, default=1000,
                   help="audio buffered before sending starts "
                   "(default %(default)s)")
    p.add_argument("--stats-interval-ms", type=int, default=1000,
                   help="period of the sink's stats, 0 = none")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="print only warnings, errors and the end")
    args = p.parse_args(argv)
    if not os.path.isfile(args.file):
        p.error("no such file: {}".format(args.file))

    Gst.init(None)
    try:
        pipeline, sink = build_pipeline(args)
    except RuntimeError as e:
        print(e, file=sys.stderr)
        return 1
    return run(pipeline, sink, args.quiet)


if __name__ == "__main__":
    sys.exit(main())
