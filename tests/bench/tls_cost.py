#!/usr/bin/python3
# gst-audiostream
# Copyright (C) 2026 gst-audiostream developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.

"""What TLS costs a sender: CPU seconds per second of audio per stream,
audiostreamsink with tls=true against tls=false, in the same run,
alternating, repeated.

One gst-launch-1.0 process sends STREAMS streams (live audiotestsrc,
S16LE 48 kHz stereo) to another that receives them with audiostreamsrc;
a clear pair and a TLS pair run at the same time, so both see the same
load from the rest of the machine. Each sender's CPU time (utime + stime
from /proc) is read over the same --seconds after a warm-up that covers
connecting and the handshakes. The capture side (audiotestsrc) costs the
same in both, so the difference is TLS.

    GST_PLUGIN_PATH=build/plugins python3 tests/bench/tls_cost.py \
        [--streams 20] [--seconds 10] [--rounds 3]
"""

import argparse
import os
import shlex
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'integration'))
from certs import Certs  # noqa: E402

CAPS = 'audio/x-raw,format=S16LE,rate=48000,channels=2,layout=interleaved'


def free_ports(n):
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind(('127.0.0.1', 0))
        socks.append(s)
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def cpu_seconds(pid):
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    ticks = os.sysconf('SC_CLK_TCK')
    return (int(fields[11]) + int(fields[12])) / ticks


def launch(description):
    return subprocess.Popen(['gst-launch-1.0', '-q'] +
                            shlex.split(description),
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def pipelines(tls, certs, ports):
    rx_tls = ('tls-certificate-file=%s tls-key-file=%s' %
              (certs.server.cert, certs.server.key)) if tls else ''
    tx_tls = ('tls=true tls-ca-file=%s' % certs.ca.cert) if tls else ''
    rx = ' '.join(
        'audiostreamsrc host=127.0.0.1 port=%d stats-interval-ms=0 %s ! '
        'fakesink sync=false' % (p, rx_tls) for p in ports)
    tx = ' '.join(
        'audiotestsrc is-live=true wave=sine samplesperbuffer=480 ! %s ! '
        'audiostreamsink host=127.0.0.1 port=%d prefill-ms=200 '
        'stats-interval-ms=0 %s' % (CAPS, p, tx_tls) for p in ports)
    return rx, tx


def run(certs, streams, seconds, warmup=3.0):
    """Both modes at once, so that they share whatever else the machine
    does; returns (clear, tls) CPU seconds per second of audio per
    stream."""
    ports = free_ports(2 * streams)
    descs = [pipelines(False, certs, ports[:streams]),
             pipelines(True, certs, ports[streams:])]
    rxs = [launch(rx) for rx, _ in descs]
    time.sleep(1.0)
    txs = [launch(tx) for _, tx in descs]
    try:
        time.sleep(warmup)
        c0, t0 = [cpu_seconds(p.pid) for p in txs], time.monotonic()
        time.sleep(seconds)
        c1, t1 = [cpu_seconds(p.pid) for p in txs], time.monotonic()
        alive = all(p.poll() is None for p in txs + rxs)
    finally:
        for p in txs + rxs:
            p.terminate()
            p.wait()
    if not alive:
        raise RuntimeError('a pipeline ended early: %s' %
                           [p.returncode for p in txs + rxs])
    return [(b - a) / ((t1 - t0) * streams) for a, b in zip(c0, c1)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--streams', type=int, default=20)
    ap.add_argument('--seconds', type=float, default=10.0)
    ap.add_argument('--rounds', type=int, default=3)
    args = ap.parse_args()

    certs = Certs()
    try:
        clear, tls = [], []
        for r in range(args.rounds):
            c, t = run(certs, args.streams, args.seconds)
            clear.append(c)
            tls.append(t)
            print('round %d clear %.5f tls %.5f CPU s per s of audio per '
                  'stream, tls/clear %.2f' % (r + 1, c, t, t / c),
                  flush=True)
    finally:
        certs.close()
    med = sorted(clear)[len(clear) // 2], sorted(tls)[len(tls) // 2]
    print('median clear %.5f  tls %.5f  ratio tls/clear %.2f  '
          'tls extra %.5f CPU s/s per stream' %
          (med[0], med[1], med[1] / med[0], med[1] - med[0]))


if __name__ == '__main__':
    main()
