#!/usr/bin/python3
"""gst-audiostream demo: a live tone, streamed by audiostreamsink to a local
receiver that this script starts itself.

It prints the sink's statistics once a second, stops by itself after
--seconds, and ends with a one-line verdict: every sample sent was received,
and what arrived is still the tone that was sent.

Run it with `bash scripts/demo.sh` (which installs and builds first), or from
`meson devenv -C build` as `/usr/bin/python3 examples/demo.py`.
"""

import argparse
import socket
import sys
import threading
import time

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402

RATE = 48000
CHANNELS = 2
BPF = 2 * CHANNELS


class Receiver:
    """A raw-PCM TCP server on 127.0.0.1: keeps every byte it receives."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.data = bytearray()
        self.closed_cleanly = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        conn, _ = self.listener.accept()
        with conn:
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    self.closed_cleanly = True
                    return
                self.data += chunk

    def wait_closed(self, timeout):
        self.thread.join(timeout)
        return not self.thread.is_alive()


def dominant_frequency(pcm):
    """Frequency of the strongest component of the left channel, in Hz."""
    import numpy

    samples = numpy.frombuffer(pcm, dtype="<i2")[::CHANNELS].astype(float)
    if len(samples) < RATE // 10:
        return 0.0
    spectrum = numpy.abs(numpy.fft.rfft(samples * numpy.hanning(len(samples))))
    return float(numpy.argmax(spectrum)) * RATE / len(samples)


def format_stats(s):
    return (
        "  {:>6.1f} s  sent {:>8} samples  {:>7.1f} kbit/s  buffer {:>4} ms "
        "(target {} ms)  pacing p99 {:>4} us  overflows {}  underruns {}".format(
            s.get_value("uptime-ms") / 1000.0,
            s.get_value("samples-sent"),
            s.get_value("bitrate-kbps"),
            s.get_value("buffer-level-ms"),
            s.get_value("buffer-target-ms"),
            s.get_value("pacing-error-p99-us"),
            s.get_value("overflows"),
            s.get_value("underruns"),
        )
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0,
                        help="how long to stream (default 5)")
    parser.add_argument("--freq", type=float, default=440.0,
                        help="tone frequency in Hz (default 440)")
    args = parser.parse_args()

    Gst.init(None)
    if Gst.ElementFactory.find("audiostreamsink") is None:
        sys.exit("audiostreamsink not found: run `bash scripts/demo.sh`, or "
                 "set GST_PLUGIN_PATH to build/plugins/audiostream")

    receiver = Receiver()
    pipeline = Gst.parse_launch(
        "audiotestsrc is-live=true wave=sine freq={freq} volume=0.5 ! "
        "audio/x-raw,format=S16LE,rate={rate},channels={ch} ! "
        "audiostreamsink name=sink host=127.0.0.1 port={port} "
        "prefill-ms=300 stats-interval-ms=1000".format(
            freq=args.freq, rate=RATE, ch=CHANNELS, port=receiver.port))
    sink = pipeline.get_by_name("sink")

    print("Streaming a {:.0f} Hz tone ({} Hz, {} channels, S16LE) to "
          "127.0.0.1:{} for {:.0f} s".format(args.freq, RATE, CHANNELS,
                                             receiver.port, args.seconds))
    loop = GLib.MainLoop()
    failure = []

    def on_message(bus, msg):
        if msg.type == Gst.MessageType.ELEMENT:
            s = msg.get_structure()
            if s.get_name() == "audiostreamsink-stats":
                print(format_stats(s))
            elif s.get_name() == "audiostreamsink-connection":
                print("  connection: {} {}".format(
                    s.get_value("state"), s.get_value("remote")))
        elif msg.type == Gst.MessageType.ERROR:
            err, debug = msg.parse_error()
            failure.append(err.message)
            loop.quit()
        elif msg.type == Gst.MessageType.EOS:
            loop.quit()
        return True

    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message)

    def stop():
        print("  sending EOS: draining what is buffered")
        pipeline.send_event(Gst.Event.new_eos())
        return False

    pipeline.set_state(Gst.State.PLAYING)
    GLib.timeout_add(int(args.seconds * 1000), stop)
    started = time.monotonic()
    loop.run()

    stats = sink.get_property("stats")
    pipeline.set_state(Gst.State.NULL)
    receiver.wait_closed(5.0)

    if failure:
        print("FAIL: {}".format(failure[0]))
        return 1

    sent = stats.get_value("samples-sent")
    received = len(receiver.data) // BPF
    freq = dominant_frequency(bytes(receiver.data))
    ok = (sent == received and sent > 0 and receiver.closed_cleanly
          and abs(freq - args.freq) < 2.0)
    print("{}: {} samples sent, {} samples received{}; tone {:.1f} Hz; "
          "{:.1f} s".format("PASS" if ok else "FAIL", sent, received,
                            "" if receiver.closed_cleanly
                            else " (connection not closed cleanly)",
                            freq, time.monotonic() - started))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
