# gst-audiostream
# Copyright (C) 2026 gst-audiostream developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.

"""A userspace TCP proxy owned by the tests, standing in for netem (which
this kernel lacks): it sits between the sender and a receiver on loopback
and, on demand, delays and jitters delivery, stops reading, drops or resets
the connection, refuses new connections for a while, or turns into a
half-open peer that neither reads nor closes.

Every accepted connection gets its own upstream connection to the receiver,
so the receiver sees one connection per sender connection, as it would
without the proxy.
"""

import random
import select
import socket
import struct
import threading
import time


class _Link:
    """One sender connection and its upstream connection."""

    def __init__(self, proxy, client, upstream):
        self.proxy = proxy
        self.client = client
        self.upstream = upstream
        self.queue = []             # (due monotonic seconds, bytes)
        self.cond = threading.Condition()
        self.closing = False
        self.last_due = 0.0
        self.bytes_in = 0
        self.reader = threading.Thread(target=self._read_loop, daemon=True)
        self.writer = threading.Thread(target=self._write_loop, daemon=True)
        # what the receiver says (a TLS handshake), straight back
        self.back = threading.Thread(target=self._back_loop, daemon=True)

    def start(self):
        self.reader.start()
        self.writer.start()
        if self.proxy.two_way:
            self.back.start()

    def _back_loop(self):
        while not self.closing:
            try:
                ready, _, _ = select.select([self.upstream], [], [], 0.05)
                if not ready:
                    continue
                data = self.upstream.recv(65536)
                if not data:
                    return
                self.client.sendall(data)
            except (OSError, ValueError):
                return

    def _due(self):
        delay, jitter = self.proxy.delay_s, self.proxy.jitter_s
        if self.proxy.gauss_sigma_s:
            # never earlier than now: a packet cannot arrive before it left
            delay = max(0.0, self.proxy.rng.gauss(delay,
                                                  self.proxy.gauss_sigma_s))
        due = time.monotonic() + delay + (random.uniform(0, jitter)
                                          if jitter else 0)
        # TCP keeps order: a chunk never overtakes the one before
        self.last_due = max(self.last_due, due)
        return self.last_due

    def _forward(self, data):
        with self.cond:
            self.queue.append((self._due(), data))
            self.cond.notify_all()

    def _drain_client(self):
        """Everything the kernel already acknowledged to the sender goes on,
        so that a drop loses exactly what a real network would: nothing
        that was acknowledged."""
        self.client.setblocking(False)
        while True:
            try:
                data = self.client.recv(65536)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            if not data:
                return
            self.bytes_in += len(data)
            self._forward(data)

    def _read_loop(self):
        while not self.closing:
            action = self.proxy._pending_action(self)
            if action is not None:
                self._drain_client()
                self._cut(action)
                return
            if self.proxy.stalled or self.proxy.blackholed:
                time.sleep(0.005)
                continue
            try:
                ready, _, _ = select.select([self.client], [], [], 0.005)
            except (OSError, ValueError):
                return
            if not ready:
                continue
            try:
                data = self.client.recv(65536)
            except OSError:
                data = b''
            if not data:
                self._cut('fin')
                return
            self.bytes_in += len(data)
            self._forward(data)

    def _write_loop(self):
        while True:
            with self.cond:
                while not self.queue and not self.closing:
                    self.cond.wait(0.05)
                if not self.queue and self.closing:
                    break
                due, data = self.queue[0]
                wait = due - time.monotonic()
                if wait > 0:
                    self.cond.wait(wait)
                    continue
                self.queue.pop(0)
            if self.proxy.blackholed:
                continue
            try:
                self.upstream.sendall(data)
            except OSError:
                break
        try:
            self.upstream.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        self.upstream.close()

    def _cut(self, how):
        """Ends both sides: 'fin' closes, 'reset' sends an RST to the
        sender. The upstream side always closes cleanly after the data."""
        try:
            if how == 'reset':
                self.client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack('ii', 1, 0))
            self.client.close()
        except OSError:
            pass
        with self.cond:
            self.closing = True
            self.cond.notify_all()

    def close(self):
        with self.cond:
            self.closing = True
            self.cond.notify_all()
        try:
            self.client.close()
        except OSError:
            pass
        self.writer.join(2)
        self.reader.join(2)
        if self.back.is_alive():
            self.back.join(2)


class Proxy:
    """Listens on host (port 0) and forwards to (upstream_host,
    upstream_port).

    rcvbuf: SO_RCVBUF of the accepted sockets, so that a proxy that stops
    reading pushes back on the sender quickly.
    mss: the segment size the proxy advertises. Loopback's 64 KiB segments
    against a small receive window make Linux hold window updates back
    (silly-window avoidance) until the sender's persist timer fires, which
    would stall the stream for seconds after every pause; an Ethernet-sized
    segment behaves like a real network.
    two_way: also carry what the receiver sends back (a TLS handshake needs
    it; a raw-PCM receiver sends nothing).
    """

    def __init__(self, upstream_host, upstream_port, host='127.0.0.1',
                 rcvbuf=16384, mss=1400, two_way=False):
        self.upstream = (upstream_host, upstream_port)
        self.two_way = two_way
        self.host = host
        self.rcvbuf = rcvbuf
        self.mss = mss
        self.delay_s = 0.0
        self.jitter_s = 0.0
        self.gauss_sigma_s = 0.0
        self.rng = random.Random()
        self.stalled = False
        self._stall_timer = None
        self.blackholed = False
        self.accept_times = []      # time.monotonic() of each accept
        self.links = []
        self._actions = {}
        self._lock = threading.Lock()
        self._closing = False
        self._listener = self._listen(0)
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    def _listen(self, port):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if self.rcvbuf:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.rcvbuf)
        if self.mss:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, self.mss)
        sock.bind((self.host, port))
        sock.listen(8)
        return sock

    def _accept_loop(self):
        while not self._closing:
            with self._lock:
                listener = self._listener
            if listener is None:
                time.sleep(0.01)
                continue
            try:
                ready, _, _ = select.select([listener], [], [], 0.02)
            except (OSError, ValueError):
                continue
            if not ready:
                continue
            try:
                client, _ = listener.accept()
            except OSError:
                continue
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                upstream = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            link = _Link(self, client, upstream)
            with self._lock:
                self.accept_times.append(time.monotonic())
                self.links.append(link)
            link.start()

    def _pending_action(self, link):
        with self._lock:
            return self._actions.pop(link, None)

    def _cut_all(self, how):
        with self._lock:
            for link in self.links:
                if not link.closing:
                    self._actions[link] = how

    # -- controls ------------------------------------------------------------

    def set_delay(self, delay_ms, jitter_ms=0):
        """Each chunk is delivered delay_ms (+ uniform 0..jitter_ms) after it
        arrived, never before the chunk ahead of it."""
        self.delay_s = delay_ms / 1000.0
        self.jitter_s = jitter_ms / 1000.0
        self.gauss_sigma_s = 0.0

    def set_gauss_jitter(self, delay_ms, sigma_ms, seed=None):
        """Each chunk is delivered after a delay drawn from a normal
        distribution (mean delay_ms, standard deviation sigma_ms, cut at 0),
        never before the chunk ahead of it, as over TCP. seed makes the
        draws repeatable."""
        self.rng = random.Random(seed)
        self.delay_s = delay_ms / 1000.0
        self.jitter_s = 0.0
        self.gauss_sigma_s = sigma_ms / 1000.0

    def stall_every(self, period_s, duration_s, first_s=None):
        """Stall for duration_s every period_s (the first one after
        first_s, default period_s), until stop_stalls() or close(). Timed
        on the monotonic clock from the call, so stalls do not drift."""
        start = time.monotonic() + (period_s if first_s is None else first_s)
        stop = threading.Event()

        def loop():
            k = 0
            while True:
                begin = start + k * period_s
                if stop.wait(max(0.0, begin - time.monotonic())):
                    break
                self.stalled = True
                stop.wait(max(0.0, begin + duration_s - time.monotonic()))
                self.stalled = False
                k += 1

        self.stop_stalls()
        thread = threading.Thread(target=loop, daemon=True)
        self._stall_timer = (stop, thread)
        thread.start()

    def stop_stalls(self):
        if self._stall_timer is not None:
            stop, thread = self._stall_timer
            stop.set()
            thread.join(2)
            self._stall_timer = None
            self.stalled = False

    def stall(self, stalled=True):
        """Stop (or resume) reading from the sender; the connection stays
        up, so TCP flow control pushes back."""
        self.stalled = stalled

    def drop(self):
        """Forward what was received, then close the connections (FIN)."""
        self._cut_all('fin')

    def reset(self):
        """Forward what was received, then reset the connections (RST)."""
        self._cut_all('reset')

    def blackhole(self):
        """A half-open peer: stop reading and forwarding, never close."""
        self.blackholed = True

    def refuse_for(self, seconds):
        """Close the listening socket (connections are refused) and listen
        on the same port again after seconds."""
        with self._lock:
            listener, self._listener = self._listener, None
        listener.close()

        def reopen():
            deadline = time.monotonic() + 5
            while not self._closing:
                try:
                    sock = self._listen(self.port)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.01)
            else:
                return
            with self._lock:
                self._listener = sock

        timer = threading.Timer(seconds, reopen)
        timer.daemon = True
        timer.start()

    def wait_links(self, n, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.links) >= n:
                    return True
            time.sleep(0.01)
        return False

    def close(self):
        self.stop_stalls()
        self._closing = True
        self._thread.join(2)
        with self._lock:
            listener, self._listener = self._listener, None
            links = list(self.links)
        if listener is not None:
            listener.close()
        for link in links:
            link.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
