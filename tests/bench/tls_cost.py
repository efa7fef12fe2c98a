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
S16LE 48 kHz stereo) to another that receives them with audiostreamsrc
(serving TLS or not); the sender's CPU time (utime + stime from /proc) is
read over MEASURE seconds after a warm-up that covers connecting and the
handshakes. The capture side (audiotestsrc) costs the same in both modes,
so the difference is TLS.

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


def run(tls, certs, streams, seconds, warmup=3.0):
    ports = free_ports(streams)
    rx_tls = ('tls-certificate-file=%s tls-key-file=%s' %
              (certs.server.cert, certs.server.key)) if tls else ''
    tx_tls = ('tls=true tls-ca-file=%s' % certs.ca.cert) if tls else ''
    rx = launch(' '.join(
        'audiostreamsrc host=127.0.0.1 port=%d stats-interval-ms=0 %s ! '
        'fakesink sync=false' % (p, rx_tls) for p in ports))
    time.sleep(1.0)
    tx = launch(' '.join(
        'audiotestsrc is-live=true wave=sine samplesperbuffer=480 ! %s ! '
        'audiostreamsink host=127.0.0.1 port=%d prefill-ms=200 '
        'stats-interval-ms=0 %s' % (CAPS, p, tx_tls) for p in ports))
    try:
        time.sleep(warmup)
        c0, t0 = cpu_seconds(tx.pid), time.monotonic()
        time.sleep(seconds)
        c1, t1 = cpu_seconds(tx.pid), time.monotonic()
        alive = tx.poll() is None and rx.poll() is None
    finally:
        for p in (tx, rx):
            p.terminate()
            p.wait()
    if not alive:
        raise RuntimeError('a pipeline ended early')
    return (c1 - c0) / ((t1 - t0) * streams)


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
            for mode, out in ((False, clear), (True, tls)):
                v = run(mode, certs, args.streams, args.seconds)
                out.append(v)
                print('round %d %-5s %.5f CPU s per s of audio per stream'
                      % (r + 1, 'tls' if mode else 'clear', v), flush=True)
    finally:
        certs.close()
    med = sorted(clear)[len(clear) // 2], sorted(tls)[len(tls) // 2]
    print('median clear %.5f  tls %.5f  ratio tls/clear %.2f  '
          'tls extra %.5f CPU s/s per stream' %
          (med[0], med[1], med[1] / med[0], med[1] - med[0]))


if __name__ == '__main__':
    main()
