#!/usr/bin/python3
# gst-audiostream
# Copyright (C) 2026 gst-audiostream developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.

"""Synthetic arrival traces for the adaptivejitterqueue evaluation.

A sender emits one packet of PACKET_MS of audio every PACKET_MS of its own
clock; each packet takes a transit delay drawn from a network model and,
as over TCP, is delivered in order: a packet never arrives before the one
sent before it. Packets that arrive at the same instant are read as one
buffer (up to a socket read's worth), as tcpserversrc does after a stall.

Trace file: one line per buffer, "ARRIVAL_NS FRAMES", arrival order, with
'#' comment lines describing the model. Everything is seeded: the same
name gives the same trace.
"""

import argparse
import os
import sys

import numpy as np

RATE = 48000
PACKET_MS = 10
MAX_READ_FRAMES = 2048          # 4096 bytes of 16-bit mono
START_NS = 1_000_000_000        # the first packet is sent at 1 s

MS = 1_000_000                  # ns


def send_times(n, drift_ppm):
    """Send time of each packet on the receiver's clock: a sender clock
    running drift_ppm fast sends its packets that much closer together."""
    period = PACKET_MS * MS / (1.0 + drift_ppm * 1e-6)
    return START_NS + np.arange(n) * period


def in_order(arrivals):
    return np.maximum.accumulate(arrivals)


def model_constant(rng, send):
    return send + 20 * MS


def model_gauss(sigma_ms):
    def model(rng, send):
        delay = 20 + 4 * sigma_ms + rng.normal(0.0, sigma_ms, len(send))
        return in_order(send + np.maximum(delay, 0.0) * MS)
    return model


def model_wifi(rng, send):
    """Mostly good, with bursty stretches of higher jitter and a 200 ms
    stall (150-250 ms) every 15 s on average, during which nothing gets
    through and after which everything arrives at once."""
    n = len(send)
    delay = 5 + rng.exponential(2.0, n)
    # bursty periods: a two-state Markov chain per packet
    bad = np.zeros(n, dtype=bool)
    state = False
    flips = rng.random(n)
    for i in range(n):
        if state:
            state = flips[i] > 1.0 / 300     # bad periods last ~3 s
        else:
            state = flips[i] < 1.0 / 2000    # every ~20 s
        bad[i] = state
    delay[bad] += rng.exponential(15.0, bad.sum())
    arrival = send + delay * MS
    t = send[0]
    end = send[-1]
    while True:
        t += rng.exponential(15.0) * 1e9
        if t > end:
            break
        length = rng.uniform(150, 250) * MS
        held = (arrival >= t) & (arrival < t + length)
        arrival[held] = t + length
    return in_order(arrival)


def model_step(rng, send):
    """20 ms with 3 ms of jitter; 80 ms more from 200 s to 400 s."""
    delay = 20 + 12 + rng.normal(0.0, 3.0, len(send))
    rel = (send - send[0]) / 1e9
    delay[(rel >= 200) & (rel < 400)] += 80
    return in_order(send + np.maximum(delay, 0.0) * MS)


def model_tcp_retransmit(rng, send):
    """30 ms RTT path with little jitter; a lost segment every 8 s on
    average is retransmitted after the minimum RTO (200 ms) plus an RTT,
    holding back everything behind it."""
    n = len(send)
    delay = 15 + rng.exponential(1.0, n)
    lost = rng.random(n) < (PACKET_MS / 8000.0)
    delay[lost] += 200 + 30
    return in_order(send + delay * MS)


TRACES = {
    'constant': (model_constant, 0),
    'gauss-5ms': (model_gauss(5), 0),
    'gauss-20ms': (model_gauss(20), 0),
    'gauss-50ms': (model_gauss(50), 0),
    'wifi-stalls': (model_wifi, 0),
    'step-80ms': (model_step, 0),
    'tcp-retransmit': (model_tcp_retransmit, 0),
    'drift+200ppm': (model_gauss(5), 200),
    'drift-200ppm': (model_gauss(5), -200),
}


def merge_reads(arrivals, frames):
    """Packets arriving at the same instant become one read."""
    out_t, out_n = [], []
    for t, n in zip(arrivals, frames):
        if out_t and t == out_t[-1] and out_n[-1] + n <= MAX_READ_FRAMES:
            out_n[-1] += n
        else:
            out_t.append(t)
            out_n.append(n)
    return out_t, out_n


def generate(name, seconds, seed=None):
    model, drift = TRACES[name]
    rng = np.random.default_rng(seed if seed is not None
                                else sum(map(ord, name)))
    n = int(seconds * 1000 / PACKET_MS)
    send = send_times(n, drift)
    arrival = np.rint(model(rng, send)).astype(np.int64)
    frames = [RATE * PACKET_MS // 1000] * n
    return merge_reads(arrival.tolist(), frames)


def write(path, name, seconds):
    t, n = generate(name, seconds)
    with open(path, 'w') as f:
        f.write('# synthetic trace %s: %d s, %d Hz, %d ms packets, '
                'drift %+d ppm\n' % (name, seconds, RATE, PACKET_MS,
                                     TRACES[name][1]))
        for a, k in zip(t, n):
            f.write('%d %d\n' % (a, k))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--seconds', type=int, default=600)
    parser.add_argument('--outdir', required=True)
    parser.add_argument('names', nargs='*', default=list(TRACES))
    args = parser.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    for name in args.names:
        write(os.path.join(args.outdir, name + '.trace'), name, args.seconds)
    return 0


if __name__ == '__main__':
    sys.exit(main())
