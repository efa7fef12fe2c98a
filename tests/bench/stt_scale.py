#!/usr/bin/python3
# gst-audiostream
# Copyright (C) 2026 gst-audiostream developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.
"""Scale benchmark: N sttpushsink sessions in one process (issue 13).

For each build given (--before, e.g. main, and --after, this tree) and each
N in --counts, a fresh process runs N live pipelines

  audiotestsrc is-live=true wave=silence samplesperbuffer=1600 !
  audio/x-raw,format=S16LE,rate=16000,channels=1 !
  sttpushsink backend=deepgram url=ws://127.0.0.1:P/v1/listen

against one local WebSocket server in a process of its own, and reports,
once every session is open and after --warmup seconds, over --duration
seconds:

  threads            /proc/<pid>/status Threads of the pipelines' process
  RSS / session      VmRSS growth from before the pipelines were built,
                     per session (KiB)
  CPU / session      the process's user + system CPU over the window, per
                     session, per second of audio (ms of CPU per s)
  finals / s         finals each session received per second (the server
                     sends one per second of audio: 1.0 means it kept up)
  queue max          the largest queue-level-ms of any session at the end
  stop               seconds to set every pipeline to NULL

and the same N pipelines with `fakesink` instead of sttpushsink, the floor
that the sources and pipelines cost alone, in the same run; `CPU ÷ floor`
is each run's CPU / session over the floor's at the same N in the same
repeat (the median of those ratios), the figure to compare across runs
on a noisy machine.

--element stttranscriber measures the filter instead: `… ! stttranscriber
backend=deepgram url=… ! fakesink sync=false`. --build NAME=PATH adds
builds between --before and --after (e.g. main).

The server (--serve, started by the benchmark) speaks Deepgram's protocol
as far as the element needs it, in Python asyncio with python3-websockets:
for each session it counts the audio and answers every 250 ms of it with a
partial and every second with a final, CloseStream with the rest and a
normal close. Its CPU is reported too, so that a saturated server shows.
It is not tests/stt/stt_servers.py's DeepgramServer, whose recogniser
decodes the clock pattern and rescans its history for every word: with
silence it sends no finals, and at 200 sessions it would be the
bottleneck.

A benchmark, not a test: it asserts nothing and exits 0 unless a run
fails. docs/scale.md ("sttpushsink sessions") has results.

  /usr/bin/python3 tests/bench/stt_scale.py --counts 1,20,200 \\
      --before /path/to/main/build/plugins/stt --duration 10 --repeat 3 \\
      --markdown
"""

import argparse
import asyncio
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
BUILD_ROOT = os.environ.get("AUDIOSTREAM_BUILD_ROOT",
                            os.path.join(SOURCE_ROOT, "build"))
RATE = 16000
CHUNK_FRAMES = 1600            # 100 ms per buffer
PARTIAL_EVERY = RATE // 4      # frames
FINAL_EVERY = RATE             # frames


def log(*args):
    print(*args, file=sys.stderr, flush=True)


# -- the server (its own process) --------------------------------------------

def results(start, duration, is_final, n_words):
    words = [{"word": "w", "punctuated_word": "W", "confidence": 0.9,
              "start": start + i * duration / max(n_words, 1),
              "end": start + (i + 1) * duration / max(n_words, 1)}
             for i in range(n_words)]
    return json.dumps({
        "type": "Results", "channel_index": [0, 1], "duration": duration,
        "start": start, "is_final": is_final, "speech_final": is_final,
        "channel": {"alternatives": [{
            "transcript": " ".join(w["word"] for w in words),
            "confidence": 0.9, "words": words}]},
        "metadata": {"request_id": "bench"}})


async def serve_session(ws, path=None):
    frames = 0
    finalised = 0
    partial_at = 0
    try:
        async for message in ws:
            if isinstance(message, bytes):
                frames += len(message) // 2
                if frames - finalised >= FINAL_EVERY:
                    await ws.send(results(finalised / RATE, 1.0, True, 2))
                    finalised += FINAL_EVERY
                    partial_at = finalised
                elif frames - partial_at >= PARTIAL_EVERY:
                    partial_at = frames
                    await ws.send(results(finalised / RATE,
                                          (frames - finalised) / RATE,
                                          False, 1))
                continue
            msg = json.loads(message)
            if msg.get("type") == "CloseStream":
                if frames > finalised:
                    await ws.send(results(finalised / RATE,
                                          (frames - finalised) / RATE,
                                          True, 1))
                await ws.send(json.dumps({"type": "Metadata",
                                          "request_id": "bench"}))
                await ws.close(code=1000)
                return
    except Exception:      # noqa: BLE001  a client that left
        pass


def run_server():
    import websockets

    async def main():
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        server = await websockets.serve(serve_session, sock=sock,
                                        max_size=None, ping_interval=None,
                                        compression=None, backlog=1024)
        print(sock.getsockname()[1], flush=True)
        loop = asyncio.get_running_loop()
        # until the benchmark closes our stdin
        await loop.run_in_executor(None, sys.stdin.read)
        server.close()

    asyncio.run(main())


# -- the pipelines' process --------------------------------------------------

def proc_status(field, pid="self"):
    with open("/proc/%s/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def proc_cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_child(args):
    import gi
    gi.require_version("Gst", "1.0")
    from gi.repository import Gst
    Gst.init(None)

    if args.sink == "sttpushsink":
        sink = "sttpushsink backend=deepgram url=%s" % args.url
    elif args.sink == "stttranscriber":
        sink = ("stttranscriber backend=deepgram url=%s name=stt ! "
                "fakesink sync=false" % args.url)
    else:
        sink = "fakesink sync=false"
    desc = ("audiotestsrc is-live=true wave=silence samplesperbuffer=%d ! "
            "audio/x-raw,format=S16LE,rate=%d,channels=1 ! %s" %
            (CHUNK_FRAMES, RATE, sink))
    if args.sink != "stttranscriber":
        desc += " name=stt"
    rss0 = proc_status("VmRSS")
    threads0 = proc_status("Threads")
    pipelines = [Gst.parse_launch(desc) for _ in range(args.n)]
    sinks = [p.get_by_name("stt") for p in pipelines]
    is_stt = args.sink != "fakesink"
    for p in pipelines:
        p.set_state(Gst.State.PLAYING)

    def stt_stats():
        return [s.get_property("stats") for s in sinks]

    def field(st, name):
        ok, v = st.get_uint64(name)
        return v if ok else 0

    out = {"n": args.n, "sink": args.sink}
    if is_stt:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            states = [st.get_string("state") for st in stt_stats()]
            if all(s == "open" for s in states):
                break
            time.sleep(0.2)
        out["open"] = sum(s == "open" for s in states)
    time.sleep(args.warmup)

    before = stt_stats() if is_stt else None
    # getrusage: the scheduler's runtime, finer than os.times()'s ticks
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.monotonic()
    time.sleep(args.duration)
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    t1 = time.monotonic()
    out["threads"] = proc_status("Threads")
    out["threads_before"] = threads0
    out["rss_kib"] = proc_status("VmRSS") - rss0
    out["window_s"] = t1 - t0
    out["cpu_s"] = ((cpu1.ru_utime - cpu0.ru_utime) +
                    (cpu1.ru_stime - cpu0.ru_stime))
    if before is not None:
        after = stt_stats()
        out["finals"] = sum(field(a, "finals") - field(b, "finals")
                            for a, b in zip(after, before))
        out["queue_max_ms"] = max(field(a, "queue-level-ms") for a in after)
        out["reconnects"] = sum(field(a, "reconnects") for a in after)
        out["dropped_ms"] = sum(field(a, "dropped-ms") for a in after)
    errors = 0
    for p in pipelines:
        bus = p.get_bus()
        while True:
            msg = bus.pop_filtered(Gst.MessageType.ERROR)
            if msg is None:
                break
            errors += 1
    out["errors"] = errors

    t = time.monotonic()
    for p in pipelines:
        p.set_state(Gst.State.NULL)
    out["stop_s"] = time.monotonic() - t
    out["threads_after_stop"] = proc_status("Threads")
    print(json.dumps(out), flush=True)


# -- the benchmark -----------------------------------------------------------

def gst_env(plugin_dir, tmpdir, name, element):
    env = dict(os.environ)
    env["GST_PLUGIN_PATH_1_0"] = plugin_dir
    # a registry per build: a cached scan of the other must not mask it
    env["GST_REGISTRY_1_0"] = os.path.join(tmpdir, "registry-%s.bin" % name)
    env.pop("GST_DEBUG", None)
    subprocess.run(["gst-inspect-1.0", element], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return env


def measure(args, env, url, n, sink, server_pid):
    cmd = [sys.executable, os.path.abspath(__file__), "--child",
           "--n", str(n), "--url", url, "--sink", sink,
           "--warmup", str(args.warmup), "--duration", str(args.duration)]
    s0 = proc_cpu_seconds(server_pid)
    t0 = time.monotonic()
    r = subprocess.run(cmd, env=env, capture_output=True, text=True,
                       timeout=args.duration + args.warmup + 180)
    wall = time.monotonic() - t0
    if r.returncode != 0:
        sys.exit("child failed (%s, %d): %s" % (sink, n, r.stderr[-2000:]))
    out = json.loads(r.stdout.strip().splitlines()[-1])
    out["server_cpu_pct"] = 100.0 * (proc_cpu_seconds(server_pid) - s0) / wall
    return out


def row(build, res):
    n = res["n"]
    audio_s = n * res["window_s"]
    r = {
        "build": build, "sink": res["sink"], "n": n,
        "threads": res["threads"],
        "rss_kib_per_session": res["rss_kib"] / n,
        "cpu_ms_per_audio_s": 1000.0 * res["cpu_s"] / audio_s,
        "stop_s": res["stop_s"],
        "errors": res["errors"],
        "server_cpu_pct": res["server_cpu_pct"],
    }
    if "finals" in res:
        r.update(open=res["open"], finals_per_s=res["finals"] / audio_s,
                 queue_max_ms=res["queue_max_ms"],
                 reconnects=res["reconnects"], dropped_ms=res["dropped_ms"])
    return r


COLUMNS = [
    ("build", "build", "{}"), ("sink", "sink", "{}"), ("n", "N", "{:d}"),
    ("open", "open", "{}"), ("threads", "threads", "{:d}"),
    ("rss_kib_per_session", "RSS/session KiB", "{:.0f}"),
    ("cpu_ms_per_audio_s", "CPU ms per s audio/session", "{:.2f}"),
    ("cpu_range", "CPU range", "{}"),
    ("cpu_ratio", "CPU ÷ floor", "{:.2f}"),
    ("finals_per_s", "finals/s/session", "{:.2f}"),
    ("queue_max_ms", "queue max ms", "{}"),
    ("stop_s", "stop s", "{:.2f}"), ("errors", "errors", "{:d}"),
    ("server_cpu_pct", "server CPU %", "{:.0f}"),
]


def median_rows(rows):
    """One row per (build, sink, N): the median of each figure over the
    repeats, and the range of the CPU figure."""
    groups = {}
    for r in rows:
        groups.setdefault((r["build"], r["sink"], r["n"]), []).append(r)
    out = []
    for key, rs in groups.items():
        m = dict(rs[0])
        for k, v in rs[0].items():
            if isinstance(v, (int, float)) and k != "n":
                m[k] = statistics.median(r[k] for r in rs)
                if isinstance(v, int):
                    m[k] = int(round(m[k]))
        cpu = [r["cpu_ms_per_audio_s"] for r in rs]
        m["cpu_range"] = "%.2f–%.2f" % (min(cpu), max(cpu))
        m["runs"] = len(rs)
        out.append(m)
    return out


def table(rows, markdown):
    head = [c[1] for c in COLUMNS]
    lines = []
    for r in rows:
        lines.append([fmt.format(r[k]) if k in r else "-"
                      for k, _, fmt in COLUMNS])
    if markdown:
        out = ["| " + " | ".join(head) + " |",
               "|" + "|".join("---" for _ in head) + "|"]
        out += ["| " + " | ".join(line) + " |" for line in lines]
        return "\n".join(out)
    widths = [max(len(h), *(len(line[i]) for line in lines))
              for i, h in enumerate(head)]
    out = ["  ".join(h.rjust(w) for h, w in zip(head, widths))]
    out += ["  ".join(c.rjust(w) for c, w in zip(line, widths))
            for line in lines]
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--counts", default="1,20,200")
    ap.add_argument("--duration", type=float, default=10.0)
    ap.add_argument("--warmup", type=float, default=2.0)
    ap.add_argument("--repeat", type=int, default=1,
                    help="runs of each measurement, interleaved; the "
                    "table shows medians")
    ap.add_argument("--before", help="plugin dir of the build to compare "
                    "with (e.g. main's build/plugins/stt)")
    ap.add_argument("--after", default=os.path.join(BUILD_ROOT, "plugins",
                                                    "stt"))
    ap.add_argument("--build", action="append", default=[],
                    metavar="NAME=PATH", help="another build's plugin dir, "
                    "measured between --before and --after")
    ap.add_argument("--element", default="sttpushsink",
                    choices=["sttpushsink", "stttranscriber"])
    ap.add_argument("--no-floor", action="store_true",
                    help="skip the fakesink pipelines")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--json")
    # internal
    ap.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--url", help=argparse.SUPPRESS)
    ap.add_argument("--sink", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.serve:
        return run_server()
    if args.child:
        return run_child(args)

    counts = [int(c) for c in args.counts.split(",")]
    builds = ([("before", args.before)] if args.before else []) + \
        [tuple(b.split("=", 1)) for b in args.build] + [("after", args.after)]
    server = subprocess.Popen([sys.executable, os.path.abspath(__file__),
                               "--serve"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    port = int(server.stdout.readline())
    url = "ws://127.0.0.1:%d/v1/listen" % port
    rows = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            envs = {name: gst_env(path, tmp, name, args.element)
                    for name, path in builds}
            for _ in range(args.repeat):
                for n in counts:
                    floor = None
                    if not args.no_floor:
                        res = measure(args, envs["after"], url, n,
                                      "fakesink", server.pid)
                        rows.append(row("-", res))
                        floor = rows[-1]["cpu_ms_per_audio_s"]
                        log(table(rows[-1:], False))
                    # before and after next to each other, for the same
                    # load
                    for name, _ in builds:
                        res = measure(args, envs[name], url, n,
                                      args.element, server.pid)
                        rows.append(row(name, res))
                        if floor:
                            rows[-1]["cpu_ratio"] = \
                                rows[-1]["cpu_ms_per_audio_s"] / floor
                        log(table(rows[-1:], False))
    finally:
        server.stdin.close()
        server.wait(10)

    order = {n: i for i, n in enumerate(counts)}
    medians = sorted(median_rows(rows), key=lambda r: order[r["n"]])
    print(table(medians, args.markdown))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rows": rows, "medians": medians, "counts": counts,
                       "element": args.element,
                       "duration": args.duration, "warmup": args.warmup,
                       "builds": dict(builds), "nproc": os.cpu_count(),
                       "date": time.strftime("%Y-%m-%d %H:%M UTC",
                                             time.gmtime())}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
