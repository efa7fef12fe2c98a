#!/usr/bin/python3
# gst-audiostream
# Copyright (C) 2026 gst-audiostream developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.
"""Pacing benchmark: audiostreamsink against tcpclientsink sync=true.

Streams one live source (audiotestsrc is-live=true) through each sender in
turn, in separate gst-launch-1.0 processes, to a loopback receiver
(pcm-recv-ts) that timestamps every arrival, and reports for each sender:

  send-time error p50 / p99 / max (us)  lateness against the ideal schedule
  rate error (ppm)                      long-term data rate vs nominal
  CPU (s per s of audio)                the sender process, user + system

docs/benchmarks.md defines every figure and has the results. This is a
benchmark, not a test: it asserts nothing, and exits 0 unless a run fails.

Run with the Debian python (it needs numpy only, not PyGObject):

  /usr/bin/python3 tests/bench/pacing.py --duration 30 --markdown
  /usr/bin/python3 tests/bench/pacing.py --duration 30 --load 2 --markdown
"""

import argparse
import datetime
import json
import os
import platform
import re
import signal
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np

SOURCE_ROOT = os.environ.get(
    "AUDIOSTREAM_SOURCE_ROOT",
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BUILD_ROOT = os.environ.get("AUDIOSTREAM_BUILD_ROOT",
                            os.path.join(SOURCE_ROOT, "build"))

HEADER = struct.Struct("<8sIIQQQqqII")
RECORD = np.dtype([("t_mono", "<i8"), ("t_kernel", "<i8"), ("bytes", "<u8")])

# name -> sink description; {port}, {chunk}, {prefill} are filled in.
SENDERS = {
    "audiostreamsink":
        "audiostreamsink host=127.0.0.1 port={port} chunk-samples={chunk} "
        "prefill-ms={prefill}",
    "audiostreamsink-hp":
        "audiostreamsink host=127.0.0.1 port={port} chunk-samples={chunk} "
        "prefill-ms={prefill} high-priority=true",
    "tcpclientsink":
        "tcpclientsink host=127.0.0.1 port={port} sync=true",
}
REFERENCE = "tcpclientsink"
# key, column title, format, whether the table gives the ratio to the
# reference (not for context columns, which describe the run)
COLUMNS = [
    ("p50_us", "p50 us", "{:.0f}", True),
    ("p99_us", "p99 us", "{:.0f}", True),
    ("max_us", "max us", "{:.0f}", True),
    ("rate_error_ppm", "rate err ppm", "{:+.2f}", True),
    ("rate_error_se_ppm", "(SE)", "{:.2f}", False),
    ("cpu_per_audio_s", "CPU s/s", "{:.4f}", True),
    ("cpu_steady_per_s", "CPU s/s steady", "{:.4f}", True),
    ("element_p99_worst_us", "own p99 us", "{:.0f}", False),
    ("others_cpus", "others CPUs", "{:.2f}", False),
]
FIGURES = [c[0] for c in COLUMNS if c[3]]


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def parse_args():
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--duration", type=float, default=30.0,
                   help="seconds each sender runs before SIGINT (EOS)")
    p.add_argument("--rate", type=int, default=48000)
    p.add_argument("--channels", type=int, default=2)
    p.add_argument("--chunk", type=int, default=480,
                   help="frames per buffer (audiotestsrc samplesperbuffer) "
                   "and per send (audiostreamsink chunk-samples)")
    p.add_argument("--prefill-ms", type=int, default=200,
                   help="audiostreamsink prefill-ms")
    p.add_argument("--warmup", type=float, default=1.0,
                   help="seconds after the first byte left out of the figures")
    p.add_argument("--load", type=int, default=0,
                   help="start N busy-loop processes for the whole run")
    p.add_argument("--repeat", type=int, default=1,
                   help="run every sender this many times, interleaved")
    p.add_argument("--senders", default=",".join(SENDERS),
                   help="comma-separated, from: " + ", ".join(SENDERS))
    p.add_argument("--timestamps", choices=("kernel", "user"),
                   default="kernel",
                   help="which arrival time the figures use: the kernel's "
                   "receive timestamp, or the receiver's clock_gettime() "
                   "after recv() returns (adds the receiver's wake-up)")
    p.add_argument("--timerslack-ns", type=int, metavar="NS",
                   help="start every gst-launch-1.0 with this timer slack "
                   "(prctl PR_SET_TIMERSLACK; an experiment, applies to all "
                   "senders alike)")
    p.add_argument("--rt-receiver", type=int, default=0, metavar="PRIO",
                   help="run the receiver SCHED_FIFO at PRIO (0 = normal)")
    p.add_argument("--receiver",
                   default=os.path.join(BUILD_ROOT, "tests", "bench",
                                        "pcm-recv-ts"))
    p.add_argument("--plugin-path",
                   default=os.path.join(BUILD_ROOT, "plugins", "audiostream"))
    p.add_argument("--keep", metavar="DIR",
                   help="keep the raw arrival records in DIR")
    p.add_argument("--json", metavar="FILE", help="write all results here")
    p.add_argument("--markdown", action="store_true",
                   help="print the tables as Markdown")
    args = p.parse_args()
    args.load_pids = []
    args.senders = [s.strip() for s in args.senders.split(",") if s.strip()]
    for s in args.senders:
        if s not in SENDERS:
            p.error("unknown sender %r" % s)
    return args


# ---------------------------------------------------------------------------
# Environment


def gst_env(args, tmpdir):
    env = dict(os.environ)
    env["GST_PLUGIN_PATH_1_0"] = args.plugin_path
    env["GST_PLUGIN_PATH"] = args.plugin_path
    # A registry of our own: a stale cache must not mask this build.
    env["GST_REGISTRY_1_0"] = os.path.join(tmpdir, "registry.bin")
    env["GST_REGISTRY"] = env["GST_REGISTRY_1_0"]
    env.pop("GST_DEBUG", None)
    return env


def prewarm_registry(env):
    """Scans plugins once, so no sender pays for it in its CPU figure."""
    for element in ("audiostreamsink", "tcpclientsink", "audiotestsrc"):
        r = subprocess.run(["gst-inspect-1.0", element], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if r.returncode != 0:
            sys.exit("gst-inspect-1.0 %s failed: %s" %
                     (element, r.stderr.decode(errors="replace").strip()))


def machine_info():
    def first_line(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True,
                                  check=True).stdout.splitlines()[0]
        except (OSError, subprocess.CalledProcessError, IndexError):
            return "unknown"

    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "date": datetime.datetime.now(datetime.timezone.utc)
        .strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "kernel": platform.release(),
        "gstreamer": first_line(["gst-launch-1.0", "--version"])
        .replace("gst-launch-1.0 version ", ""),
        "clocksource": open_text(
            "/sys/devices/system/clocksource/clocksource0/current_clocksource"),
    }


def build_identity(args):
    """Which element was measured: the commit, whether the element's sources
    differ from it, and a hash of the plugin file."""
    import hashlib

    def git(*cmd):
        try:
            return subprocess.run(["git", "-C", SOURCE_ROOT] + list(cmd),
                                  capture_output=True, text=True,
                                  check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return None

    so = os.path.join(args.plugin_path, "libgstaudiostream.so")
    try:
        with open(so, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()[:16]
    except OSError:
        digest = None
    # tracked sources of the sink and its library only: other elements'
    # work in progress does not change what is measured here
    dirty = git("diff", "--name-only", "HEAD", "--",
                "plugins/audiostream/gstaudiostreamsink.*",
                "gst/audiostream/*.[ch]")
    return {"commit": git("rev-parse", "--short", "HEAD"),
            "element_sources_modified": bool(dirty),
            "plugin_sha256": digest}


def open_text(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return "unknown"


def start_load(n):
    procs = []
    for _ in range(n):
        procs.append(subprocess.Popen(
            [sys.executable, "-c", "while True: pass"]))
    return procs


def stop_processes(procs):
    for p in procs:
        if p.poll() is None:
            p.kill()
    for p in procs:
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass


# ---------------------------------------------------------------------------
# One run


def proc_cpu_seconds(pid):
    """user + system CPU of a live process so far, from /proc (tick
    resolution), or None once it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # fields[0] is the state (field 3); utime and stime are fields 14, 15
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu_ticks():
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]                          # idle + iowait
    total = sum(v[:8])                          # guest time is in user
    return total - idle, total


def ksoftirqd_pids():
    pids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/comm" % d) as f:
                    if f.read().startswith("ksoftirqd/"):
                        pids.append(int(d))
            except OSError:
                pass
    return pids


KSOFTIRQD = ksoftirqd_pids()


def cpu_snapshot(pids):
    """CPU seconds of the machine and of each of @pids, now."""
    busy, total = machine_cpu_ticks()
    hz = os.sysconf("SC_CLK_TCK")
    return {"wall": time.monotonic(), "busy": busy / hz, "total": total / hz,
            "pids": {p: proc_cpu_seconds(p) for p in pids + KSOFTIRQD}}


def cpu_usage(s0, s1, sender_pid):
    """Between two snapshots, in CPUs (CPU seconds per second): the sender,
    the whole machine, and everything that is none of ours (other users of
    the machine; the kernel's softirq threads are counted apart)."""
    wall = s1["wall"] - s0["wall"]

    def delta(pid):
        a, b = s0["pids"].get(pid), s1["pids"].get(pid)
        return 0.0 if a is None or b is None else b - a

    ours = sum(delta(p) for p in s0["pids"] if p not in KSOFTIRQD)
    soft = sum(delta(p) for p in KSOFTIRQD)
    busy = s1["busy"] - s0["busy"]
    total = s1["total"] - s0["total"]
    return {
        "sender": delta(sender_pid) / wall,
        "machine_busy": busy / total if total > 0 else None,
        "others": max(0.0, busy - ours - soft) / wall,
        "ksoftirqd": soft / wall,
    }


def set_timerslack(ns):
    """For preexec_fn: the exec'd process and every thread it creates get
    this timer slack (the kernel default is 50 us for normal threads)."""
    import ctypes
    PR_SET_TIMERSLACK = 29
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_TIMERSLACK, ctypes.c_ulong(ns), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_TIMERSLACK)")


def wait4_with_timeout(pid, timeout):
    """os.wait4 that gives up after @timeout seconds: (status, rusage) or
    None."""
    deadline = time.monotonic() + timeout
    while True:
        wpid, status, ru = os.wait4(pid, os.WNOHANG)
        if wpid == pid:
            return status, ru
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.02)


def pipeline(args, sender, port):
    src = ("audiotestsrc is-live=true samplesperbuffer={chunk} ! "
           "audio/x-raw,format=S16LE,layout=interleaved,rate={rate},"
           "channels={channels} ! ").format(chunk=args.chunk, rate=args.rate,
                                            channels=args.channels)
    return src + SENDERS[sender].format(port=port, chunk=args.chunk,
                                        prefill=args.prefill_ms)


def parse_element_stats(text):
    """pacing-error-p99-us of every audiostreamsink-stats message that
    gst-launch-1.0 -m printed (one per stats-interval-ms)."""
    vals = [int(m) for m in re.findall(
        r"audiostreamsink-stats.*?pacing-error-p99-us=\(gint64\)(-?\d+)",
        text)]
    return vals or None


def run_sender(args, env, sender, rec_path):
    """Streams through @sender for args.duration seconds; returns the raw
    measurements."""
    bpf = 2 * args.channels
    recv_cmd = [args.receiver, "--out", rec_path,
                "--recv-size", str(args.chunk * bpf),
                "--accept-timeout", "30"]
    if args.rt_receiver:
        recv_cmd += ["--rt-priority", str(args.rt_receiver)]
    receiver = subprocess.Popen(recv_cmd, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    port = int(receiver.stdout.readline())

    launch = pipeline(args, sender, port)
    # -m prints bus messages, among them audiostreamsink's own stats; both
    # senders get it, so both pay the same for the printing.
    cmd = ["gst-launch-1.0", "-e", "-m"] + launch.split()
    out = open(rec_path + ".stdout", "w+")
    preexec = None
    if args.timerslack_ns is not None:
        preexec = lambda: set_timerslack(args.timerslack_ns)
    child = subprocess.Popen(cmd, env=env, stdout=out,
                             stderr=subprocess.PIPE, preexec_fn=preexec)
    t_launch = time.monotonic_ns()

    # Steady-state CPU: from the end of the warm-up to the stop, read from
    # /proc, so process start-up and the EOS drain are not in it.
    time.sleep(min(args.warmup + 0.5, args.duration / 2))
    ours = [child.pid, receiver.pid] + args.load_pids
    snap0 = cpu_snapshot(ours)
    time.sleep(max(0.0, args.duration - (time.monotonic_ns() - t_launch) / 1e9))
    snap1 = cpu_snapshot(ours)
    usage = cpu_usage(snap0, snap1, child.pid)

    t_stop = time.monotonic_ns()
    child.send_signal(signal.SIGINT)
    waited = wait4_with_timeout(child.pid, 15)
    if waited is None:
        log("%s: no exit 15 s after SIGINT, killing it" % sender)
        child.kill()
        waited = os.wait4(child.pid, 0)[1:]
    status, ru = waited
    child.returncode = os.waitstatus_to_exitcode(status)
    stderr = child.stderr.read().decode(errors="replace")

    try:
        receiver.wait(timeout=10)
    except subprocess.TimeoutExpired:
        receiver.terminate()
        receiver.wait()
    recv_err = receiver.stderr.read().strip()
    out.seek(0)
    element_p99 = parse_element_stats(out.read())
    out.close()
    os.unlink(out.name)

    if child.returncode != 0:
        log("%s: gst-launch-1.0 exited with %d:\n%s" %
            (sender, child.returncode, stderr.strip()))
    return {
        "launch": "gst-launch-1.0 -e " + launch,
        "exit_code": child.returncode,
        "stderr": stderr.strip(),
        "receiver": recv_err,
        "t_stop": t_stop,
        "cpu_s": ru.ru_utime + ru.ru_stime,
        "cpu_user_s": ru.ru_utime,
        "cpu_sys_s": ru.ru_stime,
        "cpu_steady_per_s": usage["sender"],
        "wall_s": (time.monotonic_ns() - t_launch) / 1e9,
        "machine_busy": usage["machine_busy"],
        "others_cpus": usage["others"],
        "ksoftirqd_cpus": usage["ksoftirqd"],
        "element_p99_us": element_p99,
        "voluntary_ctxsw": ru.ru_nvcsw,
        "involuntary_ctxsw": ru.ru_nivcsw,
    }


# ---------------------------------------------------------------------------
# Analysis


def read_records(path):
    with open(path, "rb") as f:
        raw = f.read()
    (magic, header_size, record_size, n, total, lost, off0, off1, recv_size,
     flags) = HEADER.unpack_from(raw)
    if magic != b"PCMRTS1\0" or record_size != RECORD.itemsize:
        raise ValueError("%s: not a pcm-recv-ts file" % path)
    recs = np.frombuffer(raw, dtype=RECORD, count=n, offset=header_size)
    return recs, {"total_bytes": total, "lost_records": lost,
                  "rt_minus_mono_start": off0, "rt_minus_mono_end": off1,
                  "kernel_ts": bool(flags & 1)}


def quantile_us(x_ns, q):
    return float(np.quantile(x_ns, q)) / 1e3


def analyse(args, recs, meta, t_stop, timestamps):
    """Figures from the arrival records. See docs/benchmarks.md."""
    bpf = 2 * args.channels
    chunk_bytes = args.chunk * bpf
    if len(recs) == 0:
        raise ValueError("no data arrived")

    if timestamps == "kernel":
        if not meta["kernel_ts"] or np.any(recs["t_kernel"] == 0):
            raise ValueError("records lack kernel timestamps")
        if meta["rt_minus_mono_start"] != meta["rt_minus_mono_end"]:
            log("warning: the wall clock stepped by %d ns during the run" %
                (meta["rt_minus_mono_end"] - meta["rt_minus_mono_start"]))
        t_all = recs["t_kernel"].astype(np.int64) - meta["rt_minus_mono_start"]
    else:
        t_all = recs["t_mono"].astype(np.int64)

    # Warm-up out: everything before the first byte plus args.warmup; the
    # EOS drain out: everything after SIGINT.
    t_first = int(t_all[0])
    keep = (t_all >= t_first + int(args.warmup * 1e9)) & (t_all < t_stop)
    t = t_all[keep]
    n_bytes = recs["bytes"][keep].astype(np.int64)
    if len(t) < 10:
        raise ValueError("only %d records in the window" % len(t))

    frames = n_bytes // bpf
    # residual r_i = t_i - n_i / rate, in ns, exact in int64 until the
    # division; relative to the first record so the float fit is well
    # conditioned.
    ideal = (frames * 1_000_000_000) // args.rate
    r = (t - ideal).astype(np.float64)
    r -= r[0]
    x = (ideal - ideal[0]).astype(np.float64) / 1e9       # seconds of audio

    # Long-term rate: least squares r = a + b x. t advances (1 + b) s per
    # second of audio, so the sender's rate is nominal / (1 + b).
    (b, a), cov = np.polyfit(x, r / 1e9, 1, cov=True)
    rate_error_ppm = (1.0 / (1.0 + b) - 1.0) * 1e6
    rate_error_se_ppm = float(np.sqrt(cov[0, 0])) * 1e6

    # The same on the lower envelope (the earliest residual of each second
    # of audio): the rate of the schedule itself, which bursts of lateness
    # cannot tilt.
    sec = (x // 1.0).astype(np.int64)
    starts = np.flatnonzero(np.diff(sec, prepend=-1))
    floor_x = np.array([x[i:j][np.argmin(r[i:j])] for i, j in
                        zip(starts, list(starts[1:]) + [len(x)])])
    floor_r = np.minimum.reduceat(r, starts)
    rate_error_floor_ppm = None
    if len(floor_x) >= 3:
        bf = np.polyfit(floor_x, floor_r / 1e9, 1)[0]
        rate_error_floor_ppm = float((1.0 / (1.0 + bf) - 1.0) * 1e6)

    # Send-time error: lateness against the ideal schedule, origin + n/rate
    # at the nominal rate. The origin is the earliest arrival's: neither
    # sender ever sends before a deadline, so the minimum residual is the
    # one send with no lateness (plus the constant path delay).
    late = r - r.min()

    # Detrended (rate error removed) jitter, for reference.
    fit = a * 1e9 + b * 1e9 * x
    detr = r - fit
    detr -= detr.min()

    gaps = np.diff(t)
    return {
        "records": int(len(t)),
        "window_s": float((t[-1] - t[0]) / 1e9),
        "off_chunk_boundary": int(np.count_nonzero(n_bytes % chunk_bytes)),
        "p50_us": quantile_us(late, 0.50),
        "p99_us": quantile_us(late, 0.99),
        "max_us": float(late.max()) / 1e3,
        "rate_error_ppm": float(rate_error_ppm),
        "rate_error_se_ppm": rate_error_se_ppm,
        "rate_error_floor_ppm": rate_error_floor_ppm,
        "detrended_p50_us": quantile_us(detr, 0.50),
        "detrended_p99_us": quantile_us(detr, 0.99),
        "detrended_max_us": float(detr.max()) / 1e3,
        "max_gap_ms": float(gaps.max()) / 1e6,
        "total_bytes": int(meta["total_bytes"]),
        "audio_s": meta["total_bytes"] / (bpf * args.rate),
    }


def receiver_wakeup(recs, meta):
    """How long after the kernel's receive timestamp the receiver read the
    data: a check on the measurement, not a figure of the sender."""
    if not meta["kernel_ts"] or len(recs) == 0:
        return None
    d = (recs["t_mono"] - (recs["t_kernel"] - meta["rt_minus_mono_start"]))
    return {"p50_us": quantile_us(d, 0.5), "p99_us": quantile_us(d, 0.99),
            "max_us": float(d.max()) / 1e3}


def measure(args, env, sender, tmpdir, run_index):
    rec_path = os.path.join(args.keep or tmpdir,
                            "%s-%d.rec" % (sender, run_index))
    log("[run %d] %s: %g s%s" % (run_index + 1, sender, args.duration,
                                 ", load %d" % args.load if args.load else ""))
    raw = run_sender(args, env, sender, rec_path)
    result = {"sender": sender, "run": run_index + 1, "launch": raw["launch"],
              "exit_code": raw["exit_code"]}
    try:
        recs, meta = read_records(rec_path)
        result.update(analyse(args, recs, meta, raw["t_stop"],
                              args.timestamps))
        other = "user" if args.timestamps == "kernel" else "kernel"
        try:
            o = analyse(args, recs, meta, raw["t_stop"], other)
            result[other + "_timestamps"] = {
                k: o[k] for k in ("p50_us", "p99_us", "max_us",
                                  "rate_error_ppm")}
        except ValueError:
            pass
        result["receiver_wakeup_us"] = receiver_wakeup(recs, meta)
    except (OSError, ValueError) as e:
        log("%s: no figures: %s" % (sender, e))
        result["error"] = str(e)
        result["stderr"] = raw["stderr"]
        return result
    finally:
        if not args.keep and os.path.exists(rec_path):
            os.unlink(rec_path)

    result["cpu_s"] = raw["cpu_s"]
    result["cpu_user_s"] = raw["cpu_user_s"]
    result["cpu_sys_s"] = raw["cpu_sys_s"]
    result["cpu_per_audio_s"] = raw["cpu_s"] / result["audio_s"]
    result["cpu_steady_per_s"] = raw["cpu_steady_per_s"]
    if raw["element_p99_us"]:
        # Its own view, per stats interval (the first intervals include
        # connection and prefill).
        v = raw["element_p99_us"]
        result["element_p99_us"] = {"intervals": len(v),
                                    "median": float(np.median(v)),
                                    "max": max(v), "values": v}
        # the worst 1-s interval after the warm-up
        steady = v[int(args.warmup):] or v
        result["element_p99_worst_us"] = float(max(steady))
    for k in ("machine_busy", "others_cpus", "ksoftirqd_cpus",
              "voluntary_ctxsw", "involuntary_ctxsw"):
        result[k] = raw[k]
    result["ctxsw_per_audio_s"] = (raw["voluntary_ctxsw"] +
                                   raw["involuntary_ctxsw"]) / result["audio_s"]
    if raw["stderr"]:
        result["stderr"] = raw["stderr"]
    return result


# ---------------------------------------------------------------------------
# Report


def ratios(rows):
    """audiostreamsink figure / tcpclientsink figure, per figure (for the
    rate error, of the magnitudes)."""
    ref = next((r for r in rows if r["sender"] == REFERENCE and
                "error" not in r), None)
    out = []
    if ref is None:
        return out
    for r in rows:
        if r["sender"] == REFERENCE or "error" in r:
            continue
        q = {"sender": "%s / %s" % (r["sender"], REFERENCE)}
        for key in FIGURES:
            num, den = r.get(key), ref.get(key)
            if num is None or den is None:
                q[key] = None
            elif key == "rate_error_ppm":
                num, den = abs(num), abs(den)
                q[key] = num / den if den > 0 else None
            else:
                q[key] = num / den if den > 0 else None
        out.append(q)
    return out


def format_table(rows, ratio_rows, markdown):
    head = ["sender"] + [c[1] for c in COLUMNS]
    lines = []
    for r in rows:
        if "error" in r:
            lines.append([r["sender"]] + ["failed"] * len(COLUMNS))
            continue
        lines.append([r["sender"]] + [
            (fmt.format(r[k]) if r.get(k) is not None else "-")
            for k, _, fmt, _ in COLUMNS])
    for q in ratio_rows:
        lines.append([q["sender"]] + [
            ("" if not has_ratio else
             "{:.2f}".format(q[k]) if q[k] is not None else "-")
            for k, _, _, has_ratio in COLUMNS])

    if markdown:
        out = ["| " + " | ".join(head) + " |",
               "|---" + "|---:" * len(COLUMNS) + "|"]
        out += ["| " + " | ".join(l) + " |" for l in lines]
        return "\n".join(out)
    widths = [max(len(x[i]) for x in [head] + lines) for i in range(len(head))]

    def fmt_line(cells):
        return "  ".join((c.ljust(w) if i == 0 else c.rjust(w))
                         for i, (c, w) in enumerate(zip(cells, widths)))
    return "\n".join([fmt_line(head)] + [fmt_line(l) for l in lines])


def median_rows(all_runs, senders):
    rows = []
    for s in senders:
        ok = [r for run in all_runs for r in run
              if r["sender"] == s and "error" not in r]
        if not ok:
            continue
        m = {"sender": s}
        for key, _, _, _ in COLUMNS:
            vals = [r[key] for r in ok if r.get(key) is not None]
            m[key] = float(np.median(vals)) if vals else None
        rows.append(m)
    return rows


def main():
    args = parse_args()
    if not os.access(args.receiver, os.X_OK):
        sys.exit("receiver %s not built: ninja -C %s" %
                 (args.receiver, BUILD_ROOT))
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)

    info = machine_info()
    info["build"] = build_identity(args)
    all_runs = []
    load = []
    with tempfile.TemporaryDirectory(prefix="pacing-") as tmpdir:
        env = gst_env(args, tmpdir)
        prewarm_registry(env)
        try:
            load = start_load(args.load)
            args.load_pids = [p.pid for p in load]
            if load:
                time.sleep(1.0)
            for i in range(args.repeat):
                # Alternate the order so neither sender always goes first.
                order = args.senders if i % 2 == 0 else args.senders[::-1]
                rows = [measure(args, env, s, tmpdir, i) for s in order]
                rows.sort(key=lambda r: args.senders.index(r["sender"]))
                all_runs.append(rows)
        finally:
            stop_processes(load)

    after = build_identity(args)
    if after["plugin_sha256"] != info["build"]["plugin_sha256"]:
        log("warning: the plugin was rebuilt during the run")
        info["build"]["plugin_changed_during_run"] = True

    title = ("{d:g} s per sender, {rate} Hz, {ch} ch, {chunk}-frame chunks, "
             "load {load}, {ts} timestamps; {date}, {nproc} CPUs, Linux "
             "{kernel}, GStreamer {gst}; commit {commit}{dirty}, plugin "
             "{sha}").format(
                 d=args.duration, rate=args.rate, ch=args.channels,
                 chunk=args.chunk, load=args.load, ts=args.timestamps,
                 date=info["date"], nproc=info["nproc"],
                 kernel=info["kernel"], gst=info["gstreamer"],
                 commit=info["build"]["commit"],
                 dirty=(" (element sources modified)"
                        if info["build"]["element_sources_modified"] else ""),
                 sha=info["build"]["plugin_sha256"])
    print(title)
    for i, rows in enumerate(all_runs):
        print("\nrun %d\n" % (i + 1) if args.repeat > 1 else "")
        print(format_table(rows, ratios(rows), args.markdown))
    if args.repeat > 1:
        med = median_rows(all_runs, args.senders)
        print("\nmedian of %d runs\n" % args.repeat)
        print(format_table(med, ratios(med), args.markdown))

    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": info, "options": {
                k: getattr(args, k) for k in (
                    "duration", "rate", "channels", "chunk", "prefill_ms",
                    "warmup", "load", "repeat", "senders", "timestamps",
                    "rt_receiver", "timerslack_ns")},
                "runs": all_runs,
                "ratios": [ratios(rows) for rows in all_runs]}, f, indent=2)

    failed = any("error" in r for rows in all_runs for r in rows)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
