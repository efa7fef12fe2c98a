#!/usr/bin/python3
# gst-audiostream
# Copyright (C) 2026 gst-audiostream developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.
"""Scale benchmark: N audiostreamsink instances in one process.

For each N in --counts, one process (a fresh one per measurement) runs N
live streams, each

  audiotestsrc is-live=true samplesperbuffer=480 !
  audio/x-raw,format=S16LE,layout=interleaved,rate=48000,channels=2 !
  audiostreamsink host=127.0.0.1 port=P prefill-ms=200 stats-interval-ms=0

against one local receiver (pcm-recv-multi) that timestamps every arrival
per connection, and reports over the steady window:

  CPU per stream (% of one core)    the process, user + system
  memory per stream (MiB)           VmRSS growth from before the pipelines
                                    were built to the end of the window
  send-time error p50 / p99 / max   lateness against the nominal schedule,
                                    per connection, then pooled (as
                                    pacing.py defines it)
  the elements' own pacing-error-p99-us, lag-ms and dropped-samples

and the same for N `tcpclientsink sync=true` as a reference. docs/scale.md
defines every figure and has the results. A benchmark, not a test: it
asserts nothing and exits 0 unless a run fails.

  /usr/bin/python3 tests/bench/scale.py --counts 1,10,100,250 \\
      --duration 20 --markdown --json scale.json

--source picks the source of every stream: `live` (audiotestsrc
is-live=true, the default, a capture card's rhythm) or `file`
(audiotestsrc is-live=false: produces as fast as the sink takes it, like a
pre-filled appsrc or a file; tcpclientsink sync=true paces it on the
clock, audiostreamsink on its ring). With --repeat, the summary gives the
CPU ratio audiostreamsink / tcpclientsink of each run (same N, same run),
min / median / max, the scale ceiling of each sink (the largest N of
--counts with pooled p99 <= 2 ms and nothing dropped) and the stop times.

  --idle N: N audiostreamsink instances with no peer (a closed port),
  started, left --duration s, stopped; the stop time, --repeat times.
"""

import argparse
import gc
import json
import os
import resource
import select
import signal
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import pacing  # noqa: E402  machine, build and CPU-accounting helpers

SOURCE_ROOT = pacing.SOURCE_ROOT
BUILD_ROOT = os.environ.get("AUDIOSTREAM_BUILD_ROOT",
                            os.path.join(SOURCE_ROOT, "build"))

HEADER = struct.Struct("<8sIIQIIQqqII")
CONN = np.dtype([("peer_port", "<u4"), ("reserved", "<u4"),
                 ("total_bytes", "<u8"), ("t_accept", "<i8"),
                 ("t_first", "<i8"), ("t_close", "<i8"),
                 ("n_reads", "<u8")])
RECORD = np.dtype([("t_mono", "<i8"), ("t_kernel", "<i8"), ("bytes", "<u8"),
                   ("conn", "<u4"), ("len", "<u4")])

SINKS = {
    "audiostreamsink": ("audiostreamsink",
                        {"host": "127.0.0.1", "chunk-samples": "{chunk}",
                         "prefill-ms": "{prefill}",
                         "stats-interval-ms": "0"}),
    "tcpclientsink": ("tcpclientsink",
                      {"host": "127.0.0.1", "sync": "true"}),
    # only for --idle-sink: a stock GstBaseSink that needs no peer
    "fakesink": ("fakesink", {"sync": "true"}),
}
REFERENCE = "tcpclientsink"

# key, column title, format
COLUMNS = [
    ("count", "N", "{:d}"),
    ("cpu_pct_per_stream", "CPU %/stream", "{:.2f}"),
    ("cpu_cores", "CPU cores", "{:.2f}"),
    ("rss_mib_per_stream", "RSS MiB/stream", "{:.2f}"),
    ("p50_us", "p50 us", "{:.0f}"),
    ("p99_us", "p99 us", "{:.0f}"),
    ("p99_lower_bound_us", "(p99 lower bound)", "{:.0f}"),
    ("max_us", "max us", "{:.0f}"),
    ("conn_p99_max_us", "worst stream p99 us", "{:.0f}"),
    ("own_p99_max_us", "own p99 us (max)", "{:.0f}"),
    ("own_lag_max_ms", "lag-ms (max)", "{:.0f}"),
    ("dropped_samples", "dropped", "{:d}"),
    ("ctxsw_per_stream_s", "ctxsw/stream/s", "{:.0f}"),
    ("stop_s", "stop s", "{:.1f}"),
    ("others_cpus", "others CPUs", "{:.2f}"),
]


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def parse_counts(text):
    return [int(x) for x in text.split(",") if x.strip()]


def parse_args():
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--counts", default="1,10,100,250",
                   help="stream counts N for audiostreamsink")
    p.add_argument("--ref-counts",
                   help="stream counts for the tcpclientsink reference "
                   "(default: --counts; empty string: none)")
    p.add_argument("--sinks", default="audiostreamsink,tcpclientsink",
                   help="comma-separated, from: " + ", ".join(SINKS))
    p.add_argument("--duration", type=float, default=20.0,
                   help="seconds of the steady window")
    p.add_argument("--warmup", type=float, default=2.0,
                   help="seconds between the last stream's first byte and "
                   "the steady window")
    p.add_argument("--layout", choices=("shared", "staggered"),
                   default="shared",
                   help="shared: one pipeline (its live sources start, and "
                   "so are due, within a few ms of each other); staggered: "
                   "one pipeline per stream, base times spread evenly over "
                   "one chunk")
    p.add_argument("--rate", type=int, default=48000)
    p.add_argument("--channels", type=int, default=2)
    p.add_argument("--chunk", type=int, default=480,
                   help="frames per buffer and per send")
    p.add_argument("--prefill-ms", type=int, default=200)
    p.add_argument("--wave", default="silence", help="audiotestsrc wave "
                   "(silence: the cheapest source, so that it is not the "
                   "bottleneck for either sink)")
    p.add_argument("--source", choices=("live", "file"), default="live",
                   help="live: audiotestsrc is-live=true; file: "
                   "is-live=false, as fast as the sink takes it")
    p.add_argument("--idle", type=int, default=0, metavar="N",
                   help="instead: N audiostreamsink with no peer, started "
                   "and stopped (--duration s apart), --repeat times")
    p.add_argument("--idle-bare", action="store_true",
                   help="with --idle: the sinks alone, no source and no "
                   "pipeline, each set to PLAYING directly")
    p.add_argument("--idle-sink", choices=("audiostreamsink", "fakesink"),
                   default="audiostreamsink",
                   help="with --idle: the sink of each stream; fakesink "
                   "(sync=true) shows what stopping the same pipeline costs "
                   "with a stock GstBaseSink")
    p.add_argument("--ceiling-p99-us", type=float, default=2000.0)
    p.add_argument("--sink-props", default="",
                   help="extra properties for audiostreamsink, "
                   "'name=value name=value' (an experiment)")
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--wait-quiet", type=float, default=None, metavar="CPUS",
                   help="before each measurement, wait (at most "
                   "--wait-max s) until other processes use less than CPUS "
                   "CPUs over 2 s")
    p.add_argument("--wait-max", type=float, default=180.0)
    p.add_argument("--stop-timeout", type=float, default=60.0,
                   help="kill a measuring process whose pipelines take "
                   "longer than this to stop (the figures are kept)")
    p.add_argument("--stop-flush-bus", action="store_true",
                   help="set each pipeline's bus flushing just before the "
                   "stop, so that nothing posted during it is queued (an "
                   "experiment: see docs/scale.md, Stopping)")
    p.add_argument("--stop-dump", type=float, default=0.0, metavar="S",
                   help="when a stop takes longer than S s, dump every "
                   "thread's stack of the measuring process with gdb (0: "
                   "never)")
    p.add_argument("--stop-dump-dir", default="stop-dumps",
                   help="where --stop-dump writes")
    p.add_argument("--rt-receiver", type=int, default=0, metavar="PRIO",
                   help="run the receiver SCHED_FIFO at PRIO (0 = normal "
                   "priority). A receiver that reads late lets TCP merge "
                   "segments, which loosens the timestamps (see the p99 "
                   "lower bound); a real-time one preempts the senders")
    p.add_argument("--receiver",
                   default=os.path.join(BUILD_ROOT, "tests", "bench",
                                        "pcm-recv-multi"))
    p.add_argument("--plugin-path",
                   default=os.path.join(BUILD_ROOT, "plugins", "audiostream"))
    p.add_argument("--keep", metavar="DIR",
                   help="keep the raw arrival records in DIR")
    p.add_argument("--json", metavar="FILE", help="write all results here")
    p.add_argument("--markdown", action="store_true")
    p.add_argument("--report", metavar="FILE",
                   help="print the tables of an earlier --json and exit")
    # internal: one measurement, in a fresh process
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--sink", help=argparse.SUPPRESS)
    p.add_argument("--count", type=int, help=argparse.SUPPRESS)
    p.add_argument("--result", help=argparse.SUPPRESS)
    p.add_argument("--records", help=argparse.SUPPRESS)
    args = p.parse_args()
    args.counts = parse_counts(args.counts)
    args.ref_counts = (args.counts if args.ref_counts is None
                       else parse_counts(args.ref_counts))
    args.sinks = [s.strip() for s in args.sinks.split(",") if s.strip()]
    for s in args.sinks:
        if s not in SINKS:
            p.error("unknown sink %r" % s)
    return args


# ---------------------------------------------------------------------------
# The measuring process


def proc_status():
    """VmRSS (bytes) and thread count of this process."""
    out = {}
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                out["rss"] = int(line.split()[1]) * 1024
            elif line.startswith("Threads:"):
                out["threads"] = int(line.split()[1])
    return out


def rusage():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return {"wall": time.monotonic(), "user": ru.ru_utime,
            "sys": ru.ru_stime, "nvcsw": ru.ru_nvcsw,
            "nivcsw": ru.ru_nivcsw}


def sink_props(args, sink):
    factory, props = SINKS[sink]
    props = {k: v.format(chunk=args.chunk, prefill=args.prefill_ms)
             for k, v in props.items()}
    if sink == "audiostreamsink" and args.sink_props:
        for kv in args.sink_props.split():
            k, v = kv.split("=", 1)
            props[k] = v
    return factory, props


def make_branch(Gst, args, sink, port, index):
    src = Gst.ElementFactory.make("audiotestsrc", "src%d" % index)
    src.set_property("is-live", args.source == "live")
    src.set_property("samplesperbuffer", args.chunk)
    Gst.util_set_object_arg(src, "wave", args.wave)
    caps = Gst.ElementFactory.make("capsfilter", "caps%d" % index)
    caps.set_property("caps", Gst.Caps.from_string(
        "audio/x-raw,format=S16LE,layout=interleaved,rate=%d,channels=%d" %
        (args.rate, args.channels)))
    factory, props = sink_props(args, sink)
    snk = Gst.ElementFactory.make(factory, "sink%d" % index)
    if snk is None:
        raise RuntimeError("no element %s: is GST_PLUGIN_PATH set?" % factory)
    if snk.find_property("port") is not None:
        Gst.util_set_object_arg(snk, "port", str(port))
    for k, v in props.items():
        Gst.util_set_object_arg(snk, k, v)
    return src, caps, snk


def build(Gst, args, sink, port, n):
    """The pipelines, and the sinks in stream order."""
    pipelines, sinks = [], []
    if args.layout == "shared":
        pipe = Gst.Pipeline.new("scale")
        for i in range(n):
            elems = make_branch(Gst, args, sink, port, i)
            for e in elems:
                pipe.add(e)
            elems[0].link(elems[1])
            elems[1].link(elems[2])
            sinks.append(elems[2])
        pipelines.append(pipe)
        return pipelines, sinks

    clock = Gst.SystemClock.obtain()
    for i in range(n):
        pipe = Gst.Pipeline.new("scale%d" % i)
        elems = make_branch(Gst, args, sink, port, i)
        for e in elems:
            pipe.add(e)
        elems[0].link(elems[1])
        elems[1].link(elems[2])
        pipe.use_clock(clock)
        pipe.set_start_time(Gst.CLOCK_TIME_NONE)
        pipelines.append(pipe)
        sinks.append(elems[2])
    return pipelines, sinks


def start(Gst, args, pipelines):
    if args.layout == "shared":
        pipelines[0].set_state(Gst.State.PLAYING)
        return
    # Base times in the past, spread evenly over one chunk: stream i is due
    # i/N of a chunk after stream 0, for the whole run.
    clock = Gst.SystemClock.obtain()
    period = args.chunk * Gst.SECOND // args.rate
    now = clock.get_time()
    n = len(pipelines)
    for i, pipe in enumerate(pipelines):
        pipe.set_base_time(now - period + (i * period) // n)
        pipe.set_state(Gst.State.PLAYING)


def drain_bus(Gst, pipelines, errors, warnings):
    for pipe in pipelines:
        bus = pipe.get_bus()
        while True:
            msg = bus.pop()
            if msg is None:
                break
            if msg.type == Gst.MessageType.ERROR:
                err, dbg = msg.parse_error()
                errors.append("%s: %s" % (msg.src.get_name(), err.message))
            elif msg.type == Gst.MessageType.WARNING:
                err, dbg = msg.parse_warning()
                warnings.append("%s: %s" % (msg.src.get_name(), err.message))


def wait_line(pipe, timeout, poll_cb):
    """A line from @pipe (a text stream), or None after @timeout s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r, _, _ = select.select([pipe], [], [], 0.2)
        if r:
            return pipe.readline()
        poll_cb()
    return None


def element_stats(sink, sinks):
    """The elements' own view at the end of the window."""
    out = {}
    if sink == "audiostreamsink":
        p99, lag, dropped, underruns, silence, connected = \
            [], [], 0, 0, 0, 0
        for s in sinks:
            st = s.get_property("stats")
            p99.append(st.get_value("pacing-error-p99-us"))
            lag.append(st.get_value("lag-ms"))
            dropped += st.get_value("dropped-samples")
            underruns += st.get_value("underruns")
            silence += st.get_value("silence-samples")
            connected += 1 if st.get_value("connected") else 0
        out.update({
            "own_p99_median_us": float(np.median(p99)),
            "own_p99_max_us": float(max(p99)),
            "own_lag_median_ms": float(np.median(lag)),
            "own_lag_max_ms": float(max(lag)),
            "dropped_samples": int(dropped),
            "underruns": int(underruns),
            "silence_samples": int(silence),
            "connected": connected,
        })
    else:
        rendered, dropped = 0, 0
        for s in sinks:
            st = s.get_property("stats")
            rendered += st.get_value("rendered")
            dropped += st.get_value("dropped")
        out.update({"rendered_buffers": int(rendered),
                    "dropped_buffers": int(dropped)})
    return out


def closed_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def stop_all(Gst, args, pipelines):
    """Sets every pipeline to NULL; returns how long that took."""
    t = time.monotonic()
    if args.stop_flush_bus:
        for pipe in pipelines:
            bus = pipe.get_bus()
            if bus is not None:
                bus.set_flushing(True)
    for pipe in pipelines:
        pipe.set_state(Gst.State.NULL)
    return time.monotonic() - t


def run_idle(Gst, args):
    """N audiostreamsink with nobody listening: they start, retry, and stop;
    how long the stop takes."""
    n = args.idle
    result = {"sink": args.sink, "count": n, "idle": True}
    before = proc_status()
    t = time.monotonic()
    if args.idle_bare:
        port = closed_port()
        pipelines = []
        for i in range(n):
            e = Gst.ElementFactory.make("audiostreamsink", "sink%d" % i)
            e.set_property("port", port)
            e.set_property("async", False)
            pipelines.append(e)
        for e in pipelines:
            e.set_state(Gst.State.PLAYING)
        result["bare"] = True
    else:
        pipelines, sinks = build(Gst, args, args.sink, closed_port(), n)
        start(Gst, args, pipelines)
    result["start_s"] = time.monotonic() - t
    ru0 = rusage()
    time.sleep(args.duration)
    ru1 = rusage()
    status = proc_status()
    result["threads"] = status["threads"]
    result["rss_mib_per_stream"] = (status["rss"] - before["rss"]) / 2**20 / n
    result["cpu_cores"] = ((ru1["user"] - ru0["user"]) +
                           (ru1["sys"] - ru0["sys"])) / (ru1["wall"] -
                                                         ru0["wall"])
    with open(args.result, "w") as f:
        json.dump(result, f)
    result["stop_s"] = stop_all(Gst, args, pipelines)
    with open(args.result, "w") as f:
        json.dump(result, f)
    return 0


def run_child(args):
    """One measurement: N streams of args.sink in this process."""
    import gi
    gi.require_version("Gst", "1.0")
    from gi.repository import Gst
    Gst.init(None)

    if args.idle:
        return run_idle(Gst, args)
    n = args.count
    # Load every plugin and class before the baseline, so that the memory
    # growth is the streams' own.
    p, s = build(Gst, args, args.sink, 9, 1)
    for pipe in p:
        pipe.set_state(Gst.State.NULL)
    del p, s
    gc.collect()

    chunk_s = args.chunk / args.rate
    max_records = int((args.duration + args.warmup + 60) / chunk_s * n) + 1000
    recv_cmd = [args.receiver, "--out", args.records, "--connections", str(n),
                "--max-records", str(max_records), "--accept-timeout", "60"]
    if args.rt_receiver:
        recv_cmd += ["--rt-priority", str(args.rt_receiver)]
    receiver = subprocess.Popen(recv_cmd, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    port = int(receiver.stdout.readline())

    before = proc_status()
    pipelines, sinks = build(Gst, args, args.sink, port, n)
    errors, warnings = [], []
    t_play = time.monotonic()
    start(Gst, args, pipelines)
    built = proc_status()

    def poll():
        drain_bus(Gst, pipelines, errors, warnings)
        if errors:
            raise RuntimeError("; ".join(errors[:5]))

    result = {"sink": args.sink, "count": n, "layout": args.layout}
    line = wait_line(receiver.stdout, 60, poll)
    if line is None or line.strip() != "streaming":
        raise RuntimeError("not all %d streams delivered data in 60 s" % n)
    result["startup_s"] = time.monotonic() - t_play

    end_warmup = time.monotonic() + args.warmup
    while time.monotonic() < end_warmup:
        time.sleep(0.2)
        poll()
    ours = [os.getpid(), receiver.pid]
    snap0 = pacing.cpu_snapshot(ours)
    ru0 = rusage()
    t0 = time.monotonic_ns()
    warm = proc_status()
    end = time.monotonic() + args.duration
    while time.monotonic() < end:
        time.sleep(min(0.5, max(0.0, end - time.monotonic())))
        poll()
    t1 = time.monotonic_ns()
    ru1 = rusage()
    snap1 = pacing.cpu_snapshot(ours)
    after = proc_status()
    result.update(element_stats(args.sink, sinks))
    usage = pacing.cpu_usage(snap0, snap1, os.getpid())
    receiver_cpu = (snap1["pids"][receiver.pid] -
                    snap0["pids"][receiver.pid]) / (snap1["wall"] -
                                                    snap0["wall"])

    # The records first, while every sender still streams: stopping N
    # senders takes a while (see docs/scale.md), and a receiver that went
    # away would make them reconnect.
    receiver.send_signal(signal.SIGUSR1)
    line = wait_line(receiver.stdout, 30, lambda: None)
    if line is None or line.strip() != "written":
        raise RuntimeError("the receiver did not write its records")

    wall = ru1["wall"] - ru0["wall"]
    cpu = (ru1["user"] - ru0["user"]) + (ru1["sys"] - ru0["sys"])
    result.update({
        "window_s": wall,
        "cpu_cores": cpu / wall,
        "cpu_user_cores": (ru1["user"] - ru0["user"]) / wall,
        "cpu_sys_cores": (ru1["sys"] - ru0["sys"]) / wall,
        "cpu_pct_per_stream": 100.0 * cpu / wall / n,
        "ctxsw_per_stream_s": ((ru1["nvcsw"] - ru0["nvcsw"]) +
                               (ru1["nivcsw"] - ru0["nivcsw"])) / wall / n,
        "involuntary_ctxsw_per_s": (ru1["nivcsw"] - ru0["nivcsw"]) / wall,
        "rss_before_mib": before["rss"] / 2**20,
        "rss_built_mib": built["rss"] / 2**20,
        "rss_warm_mib": warm["rss"] / 2**20,
        "rss_after_mib": after["rss"] / 2**20,
        "rss_mib_per_stream": (after["rss"] - before["rss"]) / 2**20 / n,
        "threads": after["threads"],
        "threads_per_stream": (after["threads"] - before["threads"]) / n,
        "machine_busy": usage["machine_busy"],
        "others_cpus": usage["others"],
        "ksoftirqd_cpus": usage["ksoftirqd"],
        "receiver_cpus": receiver_cpu,
        "warnings": len(warnings),
        "warning_samples": warnings[:5],
        "errors": errors,
    })
    result.update(analyse(args, args.records, t0, t1))
    with open(args.result, "w") as f:
        json.dump(result, f)

    # How long the pipelines take to stop; the driver kills this process if
    # it is too long, and keeps the figures above.
    result["stop_s"] = stop_all(Gst, args, pipelines)
    drain_bus(Gst, pipelines, errors, warnings)
    result["warnings_after_stop"] = len(warnings)
    with open(args.result, "w") as f:
        json.dump(result, f)
    receiver.send_signal(signal.SIGINT)
    try:
        receiver.wait(timeout=20)
    except subprocess.TimeoutExpired:
        receiver.kill()
    return 0


# ---------------------------------------------------------------------------
# Analysis


def read_records(path):
    with open(path, "rb") as f:
        raw = f.read()
    (magic, header_size, record_size, n, n_conns, conn_size, lost, off0, off1,
     flags, _) = HEADER.unpack_from(raw)
    if (magic != b"PCMRTM1\0" or record_size != RECORD.itemsize or
            conn_size != CONN.itemsize):
        raise ValueError("%s: not a pcm-recv-multi file" % path)
    conns = np.frombuffer(raw, dtype=CONN, count=n_conns, offset=header_size)
    recs = np.frombuffer(raw, dtype=RECORD, count=n,
                         offset=header_size + n_conns * CONN.itemsize)
    return conns, recs, {"lost_records": lost, "rt_minus_mono_start": off0,
                         "rt_minus_mono_end": off1,
                         "kernel_ts": bool(flags & 1)}


def chunk_arrivals(t, t_read, nbytes, chunk_bytes):
    """Per chunk completed on a connection: its end in chunks (1-based), the
    time of the read that completed it (the kernel's timestamp of the last
    segment read, exact for the read's last chunk and an upper bound for the
    others), a lower bound (for the others, when the receiver finished the
    read before: nothing of it was there yet), and whether it was the last
    chunk of its read."""
    k = nbytes // chunk_bytes
    k_prev = np.concatenate(([0], k[:-1]))
    per = (k - k_prev).astype(np.int64)
    idx = np.arange(1, int(k[-1]) + 1, dtype=np.int64)
    prev_read = np.concatenate(([np.iinfo(np.int64).min], t_read[:-1]))
    hi = np.repeat(t, per)
    lo = np.repeat(np.minimum(t, prev_read), per)
    last = np.zeros(len(idx), dtype=bool)
    ends = np.cumsum(per)
    last[ends[per > 0] - 1] = True
    lo[last] = hi[last]
    return idx, hi, lo, last


def analyse(args, path, t0, t1):
    """Send-time error, as pacing.py defines it, per connection over the
    window [t0, t1) (CLOCK_MONOTONIC ns), then pooled."""
    conns, recs, meta = read_records(path)
    if not meta["kernel_ts"] or np.any(recs["t_kernel"] == 0):
        raise ValueError("records lack kernel timestamps")
    bpf = 2 * args.channels
    chunk_bytes = args.chunk * bpf
    t_all = recs["t_kernel"].astype(np.int64) - meta["rt_minus_mono_start"]
    wake = recs["t_mono"].astype(np.int64) - t_all

    pooled, pooled_lo, conn_p99, merged, n_chunks = [], [], [], 0, 0
    phases = []
    period = args.chunk * 1_000_000_000 // args.rate
    short = 0
    for c in range(len(conns)):
        sel = recs["conn"] == c
        if not np.any(sel):
            short += 1
            continue
        idx, hi, lo, last = chunk_arrivals(
            t_all[sel], recs["t_mono"][sel].astype(np.int64),
            recs["bytes"][sel].astype(np.int64), chunk_bytes)
        win = (hi >= t0) & (hi < t1)
        if np.count_nonzero(win) < 10:
            short += 1
            continue
        idx, hi, lo, last = idx[win], hi[win], lo[win], last[win]
        ideal = (idx * args.chunk * 1_000_000_000) // args.rate
        # pacing.py's figure: residual against the nominal schedule,
        # anchored at the earliest; the lower bound uses the same anchor
        r = (hi - ideal).astype(np.float64)
        anchor = r.min()
        late = r - anchor
        late_lo = np.maximum((lo - ideal).astype(np.float64) - anchor, 0.0)
        # the stream's phase: where in the chunk period its schedule falls
        phases.append(int(hi[np.argmin(r)] - ideal[np.argmin(r)]) % period)
        pooled.append(late)
        pooled_lo.append(late_lo)
        conn_p99.append(float(np.quantile(late, 0.99)))
        merged += int(np.count_nonzero(~last))
        n_chunks += len(late)

    if not pooled:
        raise ValueError("no connection has data in the window")
    late = np.concatenate(pooled)
    late_lo = np.concatenate(pooled_lo)
    expected = len(conns) * (t1 - t0) / 1e9 * args.rate / args.chunk
    # How many streams are due within the same tenth of a chunk period, at
    # most (100 %: all at once; about 10 %: spread evenly)
    slots = np.bincount((np.array(phases) * 10) // period, minlength=10)
    return {
        "connections": int(len(conns)),
        "connections_short": short,
        "chunks": int(n_chunks),
        "chunks_expected": float(expected),
        "p50_us": float(np.quantile(late, 0.50)) / 1e3,
        "p99_us": float(np.quantile(late, 0.99)) / 1e3,
        "p999_us": float(np.quantile(late, 0.999)) / 1e3,
        "max_us": float(late.max()) / 1e3,
        "late_over_2ms_pct": 100.0 * np.count_nonzero(late > 2e6) / len(late),
        "conn_p99_median_us": float(np.median(conn_p99)) / 1e3,
        "conn_p99_max_us": float(max(conn_p99)) / 1e3,
        "merged_pct": 100.0 * merged / n_chunks,
        "p99_lower_bound_us": float(np.quantile(late_lo, 0.99)) / 1e3,
        "max_lower_bound_us": float(late_lo.max()) / 1e3,
        "receiver_wakeup_p99_us": float(np.quantile(wake, 0.99)) / 1e3,
        "lost_records": int(meta["lost_records"]),
        "phase_peak_pct": 100.0 * float(slots.max()) / len(phases),
    }


# ---------------------------------------------------------------------------
# The driver


def machine_busy_cpus(seconds):
    """CPUs the whole machine kept busy over @seconds (the driver itself is
    asleep meanwhile, so this is everybody else)."""
    b0, t0 = pacing.machine_cpu_ticks()
    w0 = time.monotonic()
    time.sleep(seconds)
    b1, t1 = pacing.machine_cpu_ticks()
    return (b1 - b0) / os.sysconf("SC_CLK_TCK") / (time.monotonic() - w0)


def wait_quiet(args):
    """Waits until the others' load is below args.wait_quiet CPUs, or
    args.wait_max s. Returns (seconds waited, last load seen)."""
    t = time.monotonic()
    while True:
        busy = machine_busy_cpus(2.0)
        waited = time.monotonic() - t
        if args.wait_quiet is None or busy < args.wait_quiet or \
                waited >= args.wait_max:
            return waited, busy
        log("  others use %.2f CPUs; waiting" % busy)


def dump_threads(args, pid, name):
    """Every thread's stack of a process whose stop takes long, with gdb,
    and a summary: identical stacks (by function names) counted once."""
    path = os.path.join(args.stop_dump_dir, name + ".gdb.txt")
    os.makedirs(args.stop_dump_dir, exist_ok=True)
    try:
        bt = subprocess.run(["gdb", "-p", str(pid), "-batch", "-nx",
                             "-ex", "set debuginfod enabled off",
                             "-ex", "thread apply all bt 25"],
                            capture_output=True, text=True,
                            timeout=300).stdout
    except (OSError, subprocess.TimeoutExpired) as e:
        log("  could not dump the threads: %s" % e)
        return None
    stacks, cur = {}, None
    for line in bt.splitlines():
        if line.startswith("Thread "):
            cur = []
            stacks.setdefault(id(cur), cur)
        elif line.startswith("#") and cur is not None:
            words = line.split()
            fn = words[3] if len(words) > 3 and words[2] == "in" else \
                words[1]
            cur.append(fn)
    counts = {}
    for st in stacks.values():
        key = " < ".join(st[:12])
        counts[key] = counts.get(key, 0) + 1
    with open(path, "w") as f:
        for key, c in sorted(counts.items(), key=lambda kv: -kv[1]):
            f.write("%5d x %s\n" % (c, key))
        f.write("\n" + bt)
    log("  stop slower than %g s: threads dumped to %s" %
        (args.stop_dump, path))
    return path


def measure(args, env, sink, n, tmpdir, run_index):
    rec = os.path.join(args.keep or tmpdir, "%s-%d-%s-%d.rec" %
                       (sink, n, args.layout, run_index))
    res = os.path.join(tmpdir, "result.json")
    if os.path.exists(res):
        os.unlink(res)
    cmd = [sys.executable, os.path.abspath(__file__), "--child",
           "--sink", sink, "--count", str(n), "--result", res,
           "--records", rec]
    for opt in ("duration", "warmup", "layout", "rate", "channels", "chunk",
                "prefill_ms", "wave", "sink_props", "rt_receiver",
                "receiver", "source", "idle"):
        cmd += ["--" + opt.replace("_", "-"), str(getattr(args, opt))]
    if args.idle_bare:
        cmd += ["--idle-bare"]
    if args.stop_flush_bus:
        cmd += ["--stop-flush-bus"]
    log("[run %d] %s x %d (%s): %g s" % (run_index + 1, sink, n, args.layout,
                                         args.duration))
    waited, busy_before = wait_quiet(args)
    t = time.monotonic()
    child = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True)
    timed_out = False
    deadline = t + args.warmup + args.duration + 90 + args.stop_timeout
    stop_began = None
    dump = None
    while True:
        try:
            _, stderr = child.communicate(timeout=0.5)
            break
        except subprocess.TimeoutExpired:
            pass
        # the figures are written just before the stop begins
        if stop_began is None and os.path.exists(res):
            stop_began = time.monotonic()
        if (args.stop_dump and dump is None and stop_began is not None and
                time.monotonic() - stop_began > args.stop_dump):
            dump = dump_threads(args, child.pid, "%s-%d-run%d" %
                                (sink, n, run_index + 1))
        if time.monotonic() > deadline or (
                stop_began is not None and
                time.monotonic() - stop_began > args.stop_timeout):
            log("  %s x %d: not stopped after %g s; killing it" %
                (sink, n, args.stop_timeout))
            child.kill()
            _, stderr = child.communicate()
            timed_out = True
            break
    out = {"sink": sink, "count": n, "run": run_index + 1,
           "others_cpus_before": busy_before, "waited_quiet_s": waited}
    if (child.returncode != 0 and not timed_out) or not os.path.exists(res):
        log("%s x %d failed:\n%s" % (sink, n, stderr.strip()[-2000:]))
        out["error"] = stderr.strip()[-2000:]
        return out
    with open(res) as f:
        out.update(json.load(f))
    if timed_out:
        out["stop_s"] = None
        out["stop_timed_out"] = True
        out["stop_timeout"] = args.stop_timeout
    if dump:
        out["stop_dump"] = dump
    out["run"] = run_index + 1
    out["others_cpus_before"] = busy_before
    out["waited_quiet_s"] = waited
    out["elapsed_s"] = time.monotonic() - t
    if not args.keep and os.path.exists(rec):
        os.unlink(rec)
    return out


def format_table(rows, markdown):
    head = ["sink"] + [c[1] for c in COLUMNS]
    lines = []
    for r in rows:
        if "error" in r:
            lines.append([r["sink"], str(r["count"])] +
                         ["failed"] * (len(COLUMNS) - 1))
            continue
        cells = [r["sink"]]
        for k, _, fmt in COLUMNS:
            v = r.get(k)
            if k == "stop_s" and r.get("stop_timed_out"):
                cells.append("> %g" % r.get("stop_timeout", 0))
            else:
                cells.append(fmt.format(v) if v is not None else "-")
        lines.append(cells)
    if markdown:
        out = ["| " + " | ".join(head) + " |",
               "|---" + "|---:" * len(COLUMNS) + "|"]
        out += ["| " + " | ".join(l) + " |" for l in lines]
        return "\n".join(out)
    widths = [max(len(x[i]) for x in [head] + lines) for i in range(len(head))]
    return "\n".join("  ".join((c.ljust(w) if i == 0 else c.rjust(w))
                               for i, (c, w) in enumerate(zip(l, widths)))
                     for l in [head] + lines)


def median_rows(rows):
    """Per sink and N, the median of every figure over the runs."""
    out = []
    keys = sorted({(r["sink"], r["count"]) for r in rows if "error" not in r})
    for sink, n in keys:
        ok = [r for r in rows if r["sink"] == sink and r["count"] == n and
              "error" not in r]
        m = {"sink": sink, "count": n, "runs": len(ok)}
        for k, _, fmt in COLUMNS[1:]:
            vals = [r[k] for r in ok if r.get(k) is not None]
            if vals:
                v = float(np.median(vals))
                m[k] = int(round(v)) if fmt == "{:d}" else v
        if any(r.get("stop_timed_out") for r in ok):
            m["stop_timed_out"] = True
            m["stop_timeout"] = max(r.get("stop_timeout", 0) for r in ok)
        out.append(m)
    return out


def report(title, rows, sinks, repeat, markdown):
    print(title + "\n")
    runs = sorted({r["run"] for r in rows})
    for run in runs:
        if len(runs) > 1:
            print("\nrun %d\n" % run)
        ordered = sorted((r for r in rows if r["run"] == run),
                         key=lambda r: (sinks.index(r["sink"]), r["count"]))
        print(format_table(ordered, markdown))
    if len(runs) > 1:
        med = median_rows(rows)
        med.sort(key=lambda r: (sinks.index(r["sink"]), r["count"]))
        print("\nmedian of %d runs\n" % len(runs))
        print(format_table(med, markdown))


def spread(vals, fmt="{:.2f}"):
    """min / median / max"""
    if not vals:
        return "-"
    return " / ".join(fmt.format(v) for v in
                      (min(vals), float(np.median(vals)), max(vals)))


def passes(r, p99_us):
    """Within the ceiling's rule: every stream delivered over the window,
    pooled p99 <= p99_us, nothing dropped."""
    if "error" in r or r.get("connections_short", 1) != 0:
        return False
    if r.get("p99_us") is None or r["p99_us"] > p99_us:
        return False
    if r["sink"] == "audiostreamsink":
        return r.get("dropped_samples", 1) == 0 and \
            r.get("connected", 0) == r["count"]
    return r.get("dropped_buffers", 1) == 0


def summary(rows, args, markdown):
    """Same-run ratios, ceilings and stop times over the runs."""
    runs = sorted({r["run"] for r in rows})
    out = []
    if args.idle:
        stops = [r["stop_s"] for r in rows if r.get("stop_s") is not None]
        timed_out = sum(1 for r in rows if r.get("stop_timed_out") or
                        "error" in r)
        out.append("%d idle %s instances, %d runs: stop s "
                   "(min / median / max) %s; runs that hung or failed: %d; "
                   "threads %s" % (args.idle, rows[0]["sink"] if rows else
                                   "audiostreamsink", len(rows),
                                   spread(stops, "{:.2f}"), timed_out,
                                   spread([r["threads"] for r in rows
                                           if "threads" in r], "{:.0f}")))
        print("\n".join(out))
        return
    counts = sorted({r["count"] for r in rows})
    lines = ["| N | runs | CPU ratio audiostreamsink / tcpclientsink "
             "(min / median / max) | audiostreamsink CPU %/stream | "
             "tcpclientsink CPU %/stream | audiostreamsink stop s | "
             "tcpclientsink stop s |", "|---:|---:|---|---|---|---|---|"]
    for n in counts:
        ratios, ours, ref, stop_ours, stop_ref = [], [], [], [], []
        for run in runs:
            a = [r for r in rows if r["run"] == run and r["count"] == n and
                 r["sink"] == "audiostreamsink" and "error" not in r]
            b = [r for r in rows if r["run"] == run and r["count"] == n and
                 r["sink"] == REFERENCE and "error" not in r]
            if a:
                ours.append(a[0]["cpu_pct_per_stream"])
                if a[0].get("stop_s") is not None:
                    stop_ours.append(a[0]["stop_s"])
            if b:
                ref.append(b[0]["cpu_pct_per_stream"])
                if b[0].get("stop_s") is not None:
                    stop_ref.append(b[0]["stop_s"])
            if a and b:
                ratios.append(a[0]["cpu_pct_per_stream"] /
                              b[0]["cpu_pct_per_stream"])
        lines.append("| %d | %d | %s | %s | %s | %s | %s |" % (
            n, len(runs), spread(ratios), spread(ours, "{:.3f}"),
            spread(ref, "{:.3f}"), spread(stop_ours), spread(stop_ref)))
    out.append("\n".join(lines))
    for sink in args.sinks:
        per_run = []
        for run in runs:
            ok = [r["count"] for r in rows if r["run"] == run and
                  r["sink"] == sink and passes(r, args.ceiling_p99_us)]
            per_run.append(max(ok) if ok else 0)
        out.append("ceiling of %s (largest N of %s with pooled p99 <= %g us "
                   "and nothing dropped), per run: %s" % (
                       sink, ",".join(str(c) for c in counts),
                       args.ceiling_p99_us,
                       ", ".join(str(c) for c in per_run)))
    print("\n\n".join(out))


def main():
    args = parse_args()
    if args.child:
        return run_child(args)
    if args.report:
        with open(args.report) as f:
            saved = json.load(f)
        report(saved.get("title", ""), saved["rows"],
               saved["options"]["sinks"], saved["options"]["repeat"],
               args.markdown)
        return 0
    if not os.access(args.receiver, os.X_OK):
        sys.exit("receiver %s not built: ninja -C %s" %
                 (args.receiver, BUILD_ROOT))
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)

    info = pacing.machine_info()
    info["build"] = pacing.build_identity(args)
    plan = []
    for s in args.sinks:
        for n in (args.ref_counts if s == REFERENCE else args.counts):
            plan.append((s, n))
    if args.idle:
        plan = [("audiostreamsink" if args.idle_bare else args.idle_sink,
                 args.idle)]
    rows = []
    with tempfile.TemporaryDirectory(prefix="scale-") as tmpdir:
        env = pacing.gst_env(args, tmpdir)
        pacing.prewarm_registry(env)
        for i in range(args.repeat):
            # counts ascending; sinks interleaved at each count
            for s, n in sorted(plan, key=lambda p: (p[1], p[0])):
                rows.append(measure(args, env, s, n, tmpdir, i))

    after = pacing.build_identity(args)
    if after["plugin_sha256"] != info["build"]["plugin_sha256"]:
        log("warning: the plugin was rebuilt during the run")
        info["build"]["plugin_changed_during_run"] = True

    title = ("{d:g} s window, {rate} Hz, {ch} ch, {chunk}-frame chunks, "
             "layout {layout}, source {source}{props}; {date}, {nproc} CPUs, "
             "Linux {kernel}, "
             "GStreamer {gst}; commit {commit}{dirty}, plugin {sha}").format(
                 d=args.duration, rate=args.rate, ch=args.channels,
                 chunk=args.chunk, layout=args.layout, source=args.source,
                 props=(", audiostreamsink " + args.sink_props
                        if args.sink_props else ""),
                 date=info["date"], nproc=info["nproc"],
                 kernel=info["kernel"], gst=info["gstreamer"],
                 commit=info["build"]["commit"],
                 dirty=(" (element sources modified)"
                        if info["build"]["element_sources_modified"] else ""),
                 sha=info["build"]["plugin_sha256"])
    if args.idle:
        summary(rows, args, args.markdown)
    else:
        report(title, rows, args.sinks, args.repeat, args.markdown)
        print("\nsummary\n")
        summary(rows, args, args.markdown)

    if args.json:
        with open(args.json, "w") as f:
            json.dump({"title": title, "machine": info, "options": {
                k: getattr(args, k) for k in (
                    "counts", "ref_counts", "sinks", "duration", "warmup",
                    "layout", "rate", "channels", "chunk", "prefill_ms",
                    "wave", "sink_props", "repeat", "rt_receiver",
                    "wait_quiet", "wait_max", "stop_timeout", "source",
                    "idle", "stop_flush_bus")},
                "rows": rows}, f, indent=2)
    return 1 if any("error" in r for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
