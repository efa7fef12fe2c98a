#!/usr/bin/python3
"""Record what audiostreamsink measured and draw it to a PNG.

Streams for --seconds, records every stats, quality and buffer-resize
message, and draws buffer level and target, jitter, and the quality score
over time, so you can see what the network did. With --proxy-stalls, a
local receiver behind a small proxy that pauses its reads gives the network
something to do (the same proxy the tests use).

  /usr/bin/python3 examples/plot_network.py --local --proxy-stalls \\
      --seconds 40 --output network.png
  /usr/bin/python3 examples/plot_network.py --host 10.0.0.5 --port 4953 \\
      --sink-props "adaptive-buffer=true min-buffer-ms=300"

Needs python3-matplotlib (installed by scripts/setup.sh).
"""

import argparse
import os
import socket
import sys
import threading
import time

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def start_local_receiver():
    listener = socket.create_server(("127.0.0.1", 0))

    def serve():
        while True:
            conn, _ = listener.accept()
            with conn:
                while conn.recv(65536):
                    pass

    threading.Thread(target=serve, daemon=True).start()
    return listener.getsockname()[1]


def start_stalling_proxy(port, stall_s, period_s):
    sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
    from proxy import Proxy

    proxy = Proxy("127.0.0.1", port)

    def stall():
        while True:
            time.sleep(period_s - stall_s)
            proxy.stall(True)
            time.sleep(stall_s)
            proxy.stall(False)

    threading.Thread(target=stall, daemon=True).start()
    return proxy.port


def record(args):
    Gst.init(None)
    port = args.port
    if args.local:
        port = start_local_receiver()
        if args.proxy_stalls:
            port = start_stalling_proxy(port, 0.4, 1.5)
    pipeline = Gst.parse_launch(
        "{} ! audioconvert ! audioresample ! "
        "audio/x-raw,format=S16LE,rate=48000,channels=2 ! "
        "audiostreamsink host={} port={} stats-interval-ms=250 {}".format(
            args.source, args.host, port, args.sink_props))
    rows = {"stats": [], "quality": [], "resize": []}
    t0 = time.monotonic()
    loop = GLib.MainLoop()

    def on_message(bus, msg):
        if msg.type == Gst.MessageType.ELEMENT:
            s = msg.get_structure()
            kind = s.get_name().replace("audiostreamsink-", "").replace(
                "buffer-", "")
            if kind in rows:
                fields = {s.nth_field_name(i): s.get_value(s.nth_field_name(i))
                          for i in range(s.n_fields())}
                rows[kind].append((time.monotonic() - t0, fields))
        elif msg.type in (Gst.MessageType.ERROR, Gst.MessageType.EOS):
            if msg.type == Gst.MessageType.ERROR:
                print("error:", msg.parse_error()[0].message)
            loop.quit()

    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message)
    pipeline.set_state(Gst.State.PLAYING)
    GLib.timeout_add(int(args.seconds * 1000), loop.quit)
    loop.run()
    pipeline.set_state(Gst.State.NULL)
    return rows


def draw(rows, output):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2, ax3) = plt.subplots(3, 1, sharex=True, figsize=(10, 8))
    st = rows["stats"]
    ax1.plot([t for t, _ in st], [f["buffer-level-ms"] for _, f in st],
             label="buffer level")
    ax1.plot([t for t, _ in st], [f["buffer-target-ms"] for _, f in st],
             label="buffer target", linestyle="--")
    for t, f in rows["resize"]:
        ax1.axvline(t, color="grey", alpha=0.2)
    ax1.set_ylabel("ms")
    ax1.legend(loc="upper right")
    ax1.set_title("audiostreamsink: buffer, jitter and quality")

    q = rows["quality"]
    ax2.plot([t for t, _ in q], [f["jitter-ms"] for _, f in q],
             label="jitter", color="tab:red")
    ax2.plot([t for t, _ in q], [f["rtt-ms"] for _, f in q],
             label="rtt", color="tab:purple")
    ax2.set_ylabel("ms")
    ax2.legend(loc="upper right")

    ax3.step([t for t, _ in q], [f["score"] for _, f in q], where="post",
             color="tab:green")
    for level in (50, 70, 90):
        ax3.axhline(level, color="grey", linewidth=0.5)
    ax3.set_ylim(0, 105)
    ax3.set_ylabel("quality score")
    ax3.set_xlabel("seconds")
    fig.tight_layout()
    fig.savefig(output, dpi=90)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4953)
    parser.add_argument("--local", action="store_true",
                        help="start a receiver on 127.0.0.1 and use it")
    parser.add_argument("--proxy-stalls", action="store_true",
                        help="with --local: a proxy that pauses 0.4 s of "
                        "every 1.5 s")
    parser.add_argument("--source", default="audiotestsrc is-live=true")
    parser.add_argument("--sink-props",
                        default="adaptive-buffer=true min-buffer-ms=200 "
                        "prefill-ms=200")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--output", default="audiostreamsink-network.png")
    args = parser.parse_args()

    rows = record(args)
    if not rows["stats"]:
        print("no statistics recorded")
        return 1
    draw(rows, args.output)
    print("wrote {} ({} stats, {} quality, {} resize messages)".format(
        args.output, len(rows["stats"]), len(rows["quality"]),
        len(rows["resize"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
