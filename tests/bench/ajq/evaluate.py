#!/usr/bin/python3
# gst-audiostream
# Copyright (C) 2026 gst-audiostream developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.

"""Evaluate adaptivejitterqueue on arrival traces.

For each trace: replay it through the element on a test clock (ajq-replay),
then report concealment, the delay the element added (mean and p95),
time-scaling, and beside them, computed in hindsight from the trace alone:

- the optimal fixed delay: the smallest constant playout delay that would
  have concealed no more than the element did, with the drift known;
- a plain fixed-latency queue: a FIFO that starts playing after that same
  delay and then plays at the nominal rate, playing silence when it runs
  dry (its delay grows by every underrun) and dropping the oldest audio
  beyond max-latency-ms.

Delay is measured the same way for all three: from the earliest moment a
sample could have arrived (the drift-corrected lower envelope of the
trace's transit delays, which includes the wait for the rest of its
buffer) to the moment it is played.

Everything is measured after a start-up of --skip seconds (default 5) of
output: the output chunks from then on, the input frames they played, and
the envelope fitted to the arrivals of those frames. realpath.py measures
the element on a real TCP path with these same functions.

Usage:
  evaluate.py --replay BUILD/tests/bench/ajq/ajq-replay [--seconds 600]
              [--skip 5]
              [--traces DIR] [--only NAME ...] [--keep DIR]
              [--recorded FILE.trace[.gz] ...] [--output FILE.md]
              [--set PROPERTY=VALUE ...]

Needs the build's plugins on GST_PLUGIN_PATH (`meson devenv -C BUILD`
sets it) and numpy (python3-numpy).
"""

import argparse
import gzip
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import traces  # noqa: E402

RATE = traces.RATE
TARGET_CONCEALMENT = 0.5        # %, DESIGN.md
TARGET_RATIO = 1.2
REFERENCE_CONCEALMENT = 1.0     # % for the "fixed delay for 1 %" column
MAX_LATENCY_NS = 1_000_000_000
SKIP_S = 5.0


def read_trace(path):
    data = np.loadtxt(path, comments='#', dtype=np.int64, ndmin=2)
    return data[:, 0], data[:, 1]


def read_log(path):
    rows, stats = [], ''
    with open(path) as f:
        for line in f:
            if line.startswith('# stats'):
                stats = line[len('# stats '):].strip()
            elif line.strip():
                rows.append([float(x) for x in line.split()])
    return np.array(rows), stats


def lower_envelope(t, d):
    """The line c + s*t below every (t, d) that lies closest to them on
    average: an edge of their lower convex hull."""
    order = np.argsort(t)
    t, d = t[order], d[order]
    hull = []
    for p in zip(t, d):
        while len(hull) >= 2:
            (x1, y1), (x2, y2) = hull[-2], hull[-1]
            if (x2 - x1) * (p[1] - y1) - (y2 - y1) * (p[0] - x1) <= 0:
                hull.pop()
            else:
                break
        hull.append(p)
    best = (np.inf, 0.0, d.min())
    mean_t, mean_d = t.mean(), d.mean()
    for (x1, y1), (x2, y2) in zip(hull, hull[1:]):
        s = (y2 - y1) / (x2 - x1)
        c = y1 - s * x1
        gap = mean_d - (c + s * mean_t)
        if gap < best[0]:
            best = (gap, s, c)
    if len(hull) < 2:
        return 0.0, d.min()
    return best[1], best[2]


class Trace:
    """Per-buffer arrival, media positions and the earliest-arrival line."""

    def __init__(self, arrival, frames, since=0):
        """@since: the first input frame evaluated; the envelope is fitted
        to the buffers that hold frames from there on."""
        self.arrival = arrival.astype(np.float64)
        self.frames = frames
        self.end = np.cumsum(frames)
        self.start = self.end - frames
        t_end = self.end * 1e9 / RATE
        fit = self.end > since
        if fit.sum() < 2:
            fit = np.ones(len(frames), dtype=bool)
        self.slope, self.offset = lower_envelope(
            t_end[fit], (self.arrival - t_end)[fit])

    def earliest(self, frame):
        """Earliest arrival of input frame(s), ns."""
        t = np.asarray(frame, dtype=np.float64) * 1e9 / RATE
        return t + self.offset + self.slope * t

    def need_intervals(self):
        """Per buffer, the playout delays its first and last frames need:
        a frame is on time at delay D iff D >= arrival - earliest(frame)."""
        hi = self.arrival - self.earliest(self.start)
        lo = self.arrival - self.earliest(self.end - 1)
        return lo, hi

    def concealed_fraction(self, delay, since, upto):
        """Fraction of frames [since, upto) a fixed playout delay would
        miss (whole buffers: those that hold any of those frames)."""
        lo, hi = self.need_intervals()
        sel = (self.start < upto) & (self.end > since)
        lo, hi, n = lo[sel], hi[sel], self.frames[sel].astype(np.float64)
        # need falls linearly from hi (first frame) to lo (last frame)
        frac = np.clip((hi - delay) / np.maximum(hi - lo, 1e-9), 0.0, 1.0)
        frac = np.where(hi - lo < 1e-9, (hi > delay).astype(float), frac)
        return float((frac * n).sum() / n.sum())

    def optimal_fixed_delay(self, concealment, since, upto):
        """Smallest constant delay concealing at most @concealment of the
        frames [since, upto)."""
        lo, hi = self.need_intervals()
        a, b = 0.0, float(hi.max()) + 1.0
        for _ in range(60):
            mid = (a + b) / 2
            if self.concealed_fraction(mid, since, upto) <= concealment:
                b = mid
            else:
                a = mid
        return b


def skip_rows(log, skip_s=SKIP_S):
    """Index of the first output chunk after the start-up."""
    t = log[:, 0]
    return int(np.searchsorted(t, t[0] + skip_s * 1e9))


def first_frame(log, k0):
    """Input frames consumed before output chunk @k0."""
    if k0 == 0:
        return 0.0
    return float(log[k0 - 1, 2] + log[k0 - 1, 3] + log[k0 - 1, 4])


def element_metrics(trace, log, k0=0):
    """Concealment, stretching and delays from the replay log, over the
    output chunks from @k0 on."""
    t = log[:, 0]
    out = log[:, 1]
    played, removed, dropped = log[:, 2], log[:, 3], log[:, 4]
    concealed, inserted = log[:, 5], log[:, 6]
    consumed = played + removed + dropped
    total_out = out[k0:].sum()

    def since(counter):
        return counter[-1] - (counter[k0 - 1] if k0 > 0 else 0.0)

    # each chunk plays the input it consumed spread over its duration
    prev = np.concatenate([[0.0], consumed[:-1]])
    n = consumed - prev
    mids = []
    weights = []
    sel = n > 0
    sel[:k0] = False
    # sample each chunk's consumption at up to 8 points
    k = 8
    for j in range(k):
        frac = (j + 0.5) / k
        frame = prev[sel] + frac * n[sel]
        play = t[sel] + frac * out[sel] * 1e9 / RATE
        mids.append(play - trace.earliest(frame))
        weights.append(n[sel] / k)
    delays = np.concatenate(mids)
    w = np.concatenate(weights)
    order = np.argsort(delays)
    cw = np.cumsum(w[order])
    p95 = delays[order][np.searchsorted(cw, 0.95 * cw[-1])]
    return {
        'concealment': since(concealed) / total_out,
        'stretched': (since(inserted) + since(removed)) / total_out,
        'dropped': since(dropped) / total_out,
        'mean': float((delays * w).sum() / w.sum()),
        'p95': float(p95),
        'first': first_frame(log, k0),
        'consumed': consumed[-1],
        'output_s': total_out / RATE,
    }


def plain_queue(trace, delay, since, upto):
    """A FIFO that starts after @delay and plays at the nominal rate;
    measured on the frames [since, upto)."""
    playhead = trace.earliest(0) + delay
    concealed = 0.0
    total_delay = 0.0
    frames = 0
    for a, s, n in zip(trace.arrival, trace.start, trace.frames):
        if s >= upto:
            break
        counted = s + n > since
        if a > playhead:
            if counted:
                concealed += a - playhead
            playhead = a
        wait = playhead - a
        if wait > MAX_LATENCY_NS:
            playhead -= wait - MAX_LATENCY_NS
        dur = n * 1e9 / RATE
        mid_frame = s + n / 2
        if counted:
            total_delay += (playhead + dur / 2 -
                            trace.earliest(mid_frame)) * n
            frames += n
        playhead += dur
    played_ns = frames * 1e9 / RATE
    return concealed / (played_ns + concealed), total_delay / frames


def measure(name, trace_path, log_path, skip_s=SKIP_S):
    """The figures of one run: a trace of what arrived and a log of what
    the element output (ajq-replay's or realpath.py's)."""
    arrival, frames = read_trace(trace_path)
    log, stats = read_log(log_path)
    k0 = skip_rows(log, skip_s)
    since = first_frame(log, k0)
    trace = Trace(arrival, frames, since)
    m = element_metrics(trace, log, k0)
    events = 0
    for part in stats.split(','):
        if part.strip().startswith('concealment-events='):
            events = int(part.split(')')[-1].strip(' ;'))
    minutes = log[:, 1].sum() / RATE / 60.0
    upto = m['consumed']
    opt = trace.optimal_fixed_delay(m['concealment'], since, upto)
    opt1 = trace.optimal_fixed_delay(REFERENCE_CONCEALMENT / 100, since,
                                     upto)
    plain_c, plain_mean = plain_queue(trace, opt, since, upto)
    return {
        'name': name,
        'concealment': 100 * m['concealment'],
        'events_per_min': events / minutes if minutes > 0 else 0.0,
        'mean': m['mean'] / 1e6,
        'p95': m['p95'] / 1e6,
        'stretched': 100 * m['stretched'],
        'dropped': 100 * m['dropped'],
        'optimal': opt / 1e6,
        'ratio': m['mean'] / opt if opt > 0 else float('inf'),
        'optimal1': opt1 / 1e6,
        'plain_concealment': 100 * plain_c,
        'plain_mean': plain_mean / 1e6,
        'drift_ppm': trace.slope * 1e6,
        'output_s': m['output_s'],
        'stats': stats,
    }


def evaluate(name, trace_path, replay, props, workdir, skip_s=SKIP_S):
    log_path = os.path.join(workdir, name.replace(' ', '-') + '.log')
    cmd = [replay, trace_path, log_path]
    for p in props:
        cmd += ['--set', p]
    subprocess.run(cmd, check=True)
    return measure(name, trace_path, log_path, skip_s)


def verdict(r):
    ok = (r['concealment'] <= TARGET_CONCEALMENT and
          r['ratio'] <= TARGET_RATIO)
    return 'yes' if ok else 'NO'


def table(results):
    lines = [
        '| trace | concealed % | underruns /min | mean delay ms '
        '| p95 delay ms | stretched % '
        '| optimal fixed delay ms (same concealment) | mean / optimal '
        '| fixed delay for 1 % ms | plain queue: concealed % '
        '| plain queue: mean delay ms | target met |',
        '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ]
    for r in results:
        lines.append(
            '| %s | %.2f | %.1f | %.1f | %.1f | %.2f | %.1f | %.2f | %.1f '
            '| %.2f | %.1f | %s |' % (
                r['name'], r['concealment'], r['events_per_min'], r['mean'],
                r['p95'],
                r['stretched'], r['optimal'], r['ratio'], r['optimal1'],
                r['plain_concealment'], r['plain_mean'], verdict(r)))
    return '\n'.join(lines) + '\n'


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.
                                     RawDescriptionHelpFormatter)
    parser.add_argument('--replay', required=True)
    parser.add_argument('--seconds', type=int, default=600)
    parser.add_argument('--skip', type=float, default=SKIP_S,
                        help='seconds of output not evaluated (start-up)')
    parser.add_argument('--traces', help='directory for synthetic traces '
                        '(generated when missing)')
    parser.add_argument('--recorded', nargs='*', default=[])
    parser.add_argument('--only', nargs='*', help='synthetic trace names')
    parser.add_argument('--set', action='append', default=[])
    parser.add_argument('--output')
    parser.add_argument('--keep', help='directory for the replay logs')
    args = parser.parse_args()

    workdir = args.keep or tempfile.mkdtemp(prefix='ajq-eval-')
    os.makedirs(workdir, exist_ok=True)
    trace_dir = args.traces or os.path.join(workdir, 'traces')
    os.makedirs(trace_dir, exist_ok=True)

    jobs = []
    for name in (args.only if args.only is not None else traces.TRACES):
        path = os.path.join(trace_dir, '%s-%ds.trace' % (name, args.seconds))
        if not os.path.exists(path):
            traces.write(path, name, args.seconds)
        jobs.append((name, path))
    for path in args.recorded:
        name = os.path.basename(path)
        if name.endswith('.gz'):
            plain = os.path.join(workdir, name[:-3])
            with gzip.open(path, 'rb') as f, open(plain, 'wb') as out:
                out.write(f.read())
            path, name = plain, name[:-3]
        jobs.append(('recorded ' + os.path.splitext(name)[0], path))

    results = []
    for name, path in jobs:
        r = evaluate(name, path, args.replay, args.set, workdir, args.skip)
        results.append(r)
        print('%-22s concealed %5.2f %% (%4.1f/min)  mean %6.1f ms  '
              'p95 %6.1f ms  stretched %5.2f %%  optimal %6.1f ms  '
              'ratio %.2f  plain %5.2f %% %6.1f ms  drift %+.0f ppm  %s' % (
                  name, r['concealment'], r['events_per_min'], r['mean'],
                  r['p95'],
                  r['stretched'], r['optimal'], r['ratio'],
                  r['plain_concealment'], r['plain_mean'], r['drift_ppm'],
                  verdict(r)), flush=True)

    md = table(results)
    if args.output:
        with open(args.output, 'w') as f:
            f.write(md)
    else:
        print()
        print(md)
    return 0


if __name__ == '__main__':
    sys.exit(main())
