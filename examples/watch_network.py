#!/usr/bin/python3
"""Print what audiostreamsink says about the network, live.

Streams a pipeline to a receiver and prints every audiostreamsink message
(connection, stats, quality, buffer-resize) and every warning, one line
each, until Ctrl-C, which drains and ends the stream cleanly.

  /usr/bin/python3 examples/watch_network.py --host 127.0.0.1 --port 4953
  /usr/bin/python3 examples/watch_network.py --source "pulsesrc" \\
      --sink-props "adaptive-buffer=true min-buffer-ms=500"

Without a receiver of your own, `--local` starts one on 127.0.0.1. Run it
from `meson devenv -C build`, or with GST_PLUGIN_PATH pointing at
build/plugins/audiostream.
"""

import argparse
import signal
import socket
import sys
import threading

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402


def start_local_receiver():
    """A raw-PCM TCP server that reads and discards; returns its port."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve():
        while True:
            conn, _ = listener.accept()
            with conn:
                while conn.recv(65536):
                    pass

    threading.Thread(target=serve, daemon=True).start()
    return listener.getsockname()[1]


def describe(s):
    name = s.get_name()
    v = s.get_value
    if name == "audiostreamsink-connection":
        text = "connection  {:<12} attempt {} {}".format(
            v("state"), v("attempt"), v("remote"))
        if v("retry-in-ms") >= 0:
            text += " retry in {} ms".format(v("retry-in-ms"))
        if v("error"):
            text += " ({})".format(v("error"))
        return text
    if name == "audiostreamsink-stats":
        return ("stats       sent {:>9} samples {:>7.1f} kbit/s  level {:>5} "
                "/ target {:>5} ms  p99 {:>5} us  under {} over {} dropped {} "
                "reconnects {}".format(
                    v("samples-sent"), v("bitrate-kbps"), v("buffer-level-ms"),
                    v("buffer-target-ms"), v("pacing-error-p99-us"),
                    v("underruns"), v("overflows"), v("dropped-samples"),
                    v("reconnects")))
    if name == "audiostreamsink-quality":
        return ("quality     {:>3} {:<9}  jitter {:>6.1f} ms  rtt {:>6.2f} ± "
                "{:.2f} ms  retrans {}  unsent {:.0f} ms  health {:.2f}".format(
                    v("score"), v("rating"), v("jitter-ms"), v("rtt-ms"),
                    v("rtt-var-ms"), v("retransmits"), v("unsent-ms"),
                    v("buffer-health")))
    if name == "audiostreamsink-buffer-resize":
        return "resize      {} -> {} ms (jitter {:.1f} ms, {})".format(
            v("old-ms"), v("new-ms"), v("jitter-ms"), v("reason"))
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4953)
    parser.add_argument("--local", action="store_true",
                        help="start a receiver on 127.0.0.1 and use it")
    parser.add_argument("--source", default="audiotestsrc is-live=true",
                        help="capture part of the pipeline")
    parser.add_argument("--sink-props", default="",
                        help="extra audiostreamsink properties")
    args = parser.parse_args()

    Gst.init(None)
    port = start_local_receiver() if args.local else args.port
    pipeline = Gst.parse_launch(
        "{} ! audioconvert ! audioresample ! "
        "audio/x-raw,format=S16LE,rate=48000,channels=2 ! "
        "audiostreamsink host={} port={} {}".format(
            args.source, args.host, port, args.sink_props))
    loop = GLib.MainLoop()

    def on_message(bus, msg):
        if msg.type == Gst.MessageType.ELEMENT:
            line = describe(msg.get_structure())
            if line:
                print(line, flush=True)
        elif msg.type == Gst.MessageType.WARNING:
            print("WARNING     " + msg.parse_warning()[0].message, flush=True)
        elif msg.type == Gst.MessageType.INFO:
            print("INFO        " + msg.parse_info()[0].message, flush=True)
        elif msg.type == Gst.MessageType.ERROR:
            print("ERROR       " + msg.parse_error()[0].message, flush=True)
            loop.quit()
        elif msg.type == Gst.MessageType.EOS:
            loop.quit()

    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT,
                         lambda: pipeline.send_event(Gst.Event.new_eos())
                         and False)
    pipeline.set_state(Gst.State.PLAYING)
    loop.run()
    pipeline.set_state(Gst.State.NULL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
