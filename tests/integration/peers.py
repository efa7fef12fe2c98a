# gst-audiostream
# Copyright (C) 2026 gst-audiostream developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.

"""Real network peers owned by the tests, and the counter pattern.

`Receiver` is a threaded TCP server on a loopback address and port 0 that
records, per accepted connection, every byte with its arrival time, how the
connection ended (a clean FIN or a reset) and the IP traffic class the
client's SYN carried. With ``stall=True`` it accepts and never reads, which is
how a hung server looks to a sender.

The counter pattern puts the interleaved sample index, modulo 2**16, into
every int16 sample: frame n, channel c holds (n * channels + c) & 0xffff read
as a signed value. A stream that is exactly the pattern from sample 0 has lost,
repeated, reordered and invented nothing.
"""

import errno
import fcntl
import select
import socket
import struct
import sys
import termios
import threading
import time
import unittest

EXIT_SKIP = 77  # meson's SKIP

try:
    import numpy
except ImportError as e:
    # Only test programs import this module: not having numpy means they
    # cannot run here, which meson must report as SKIP, not as a failure.
    print('SKIP: numpy is not available (%s); install python3-numpy' % e)
    sys.exit(EXIT_SKIP)

# Linux socket options Python does not name.
IP_RECVTOS = 13
IP_PKTOPTIONS = 9
IPV6_RECVTCLASS = 66
IPV6_2292PKTOPTIONS = 6
CMSG_IP_TOS = (socket.IPPROTO_IP, 1)
CMSG_IPV6_TCLASS = (socket.IPPROTO_IPV6, 67)

TCP_ESTABLISHED = 1
TCP_CLOSE_WAIT = 8
TCP_STATE_NAMES = {1: 'ESTABLISHED', 2: 'SYN_SENT', 3: 'SYN_RECV',
                   4: 'FIN_WAIT1', 5: 'FIN_WAIT2', 6: 'TIME_WAIT',
                   7: 'CLOSE', 8: 'CLOSE_WAIT', 9: 'LAST_ACK', 10: 'LISTEN',
                   11: 'CLOSING'}
# States a socket reaches only after its own FIN has gone out.
TCP_FIN_SENT_STATES = {4, 5, 6, 7, 9, 11}

BYTES_PER_SAMPLE = 2


# --------------------------------------------------------------------------
# Counter pattern


def pattern_samples(first_sample, n_samples):
    """int16 samples n_samples long starting at interleaved index
    first_sample."""
    idx = numpy.arange(first_sample, first_sample + n_samples,
                       dtype=numpy.uint64)
    return (idx & 0xffff).astype(numpy.uint16).view(numpy.int16)


def pattern_bytes(first_frame, n_frames, channels):
    """S16LE bytes of frames [first_frame, first_frame + n_frames)."""
    samples = pattern_samples(first_frame * channels, n_frames * channels)
    return samples.astype('<i2').tobytes()


def first_mismatch(data, channels, first_frame=0):
    """Index (in int16 samples) of the first sample of data that is not the
    counter pattern from first_frame, or None when data is exactly the
    pattern. A trailing odd byte is a mismatch at the sample it starts."""
    n = len(data) // BYTES_PER_SAMPLE
    got = numpy.frombuffer(data, dtype='<i2', count=n)
    want = pattern_samples(first_frame * channels, n)
    bad = numpy.flatnonzero(got != want)
    if bad.size:
        return int(bad[0])
    if len(data) % BYTES_PER_SAMPLE:
        return n
    return None


def describe_mismatch(data, channels, first_frame=0):
    """A sentence for an assertion message, or None if data is the
    pattern."""
    i = first_mismatch(data, channels, first_frame)
    if i is None:
        return None
    n = len(data) // BYTES_PER_SAMPLE
    got = numpy.frombuffer(data, dtype='<i2', count=n)
    want = pattern_samples(first_frame * channels, n)
    lo, hi = max(0, i - 2), min(n, i + 6)
    return ('sample %d of %d (frame %d, channel %d) differs: got %s, '
            'expected %s' % (i, n, i // channels, i % channels,
                             got[lo:hi].tolist(), want[lo:hi].tolist()))


# --------------------------------------------------------------------------
# Receiver


def ipv6_loopback_available():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(('::1', 0))
        return True
    except OSError:
        return False


def unused_port(host='127.0.0.1'):
    """A port nothing listens on: bound, read back, closed. Connecting to it
    is refused."""
    family = socket.AF_INET6 if ':' in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _parse_cmsgs(raw):
    """Parses struct cmsghdr {size_t len; int level; int type;} + data
    records as returned by IP_PKTOPTIONS."""
    header = struct.Struct('@Nii')
    align = struct.calcsize('@N')
    out = []
    off = 0
    while off + header.size <= len(raw):
        length, level, ctype = header.unpack_from(raw, off)
        if length < header.size:
            break
        out.append((level, ctype, raw[off + header.size:off + length]))
        off += (length + align - 1) & ~(align - 1)
    return out


def _proc_net_address(family, host, port):
    # /proc/net/tcp{,6} prints each 32-bit word of the address in host
    # (little-endian) order, the port in big-endian hex.
    raw = socket.inet_pton(family, host)
    words = [raw[i:i + 4][::-1].hex().upper() for i in range(0, len(raw), 4)]
    return '%s:%04X' % (''.join(words), port)


def local_tcp_state(family, local, remote):
    """Kernel TCP state of this machine's socket local -> remote (each a
    (host, port) pair), from /proc/net/tcp{,6}; None if there is none.
    This sees the other end of a loopback connection: the sender's socket,
    which the test does not own."""
    path = '/proc/net/tcp6' if family == socket.AF_INET6 else '/proc/net/tcp'
    want_local = _proc_net_address(family, local[0], local[1])
    want_remote = _proc_net_address(family, remote[0], remote[1])
    try:
        with open(path) as f:
            next(f)
            for line in f:
                fields = line.split()
                if fields[1] == want_local and fields[2] == want_remote:
                    return int(fields[3], 16)
    except OSError:
        return None
    return None


class Connection:
    """One accepted connection and everything observed on it."""

    def __init__(self, sock, peer, stall):
        self.sock = sock
        self.peer = peer
        self.stall = stall
        self.accepted_ns = time.monotonic_ns()
        self.tos = None
        # (time.monotonic_ns(), cumulative bytes) per recv
        self.arrivals = []
        # 'eof' (FIN), 'reset', 'error: ...' or None while open
        self.end = None
        self.end_ns = None
        self.ended = threading.Event()
        self._data = bytearray()
        self._lock = threading.Lock()
        self._thread = None
        self._closing = False

    # -- reading -----------------------------------------------------------

    def _read_traffic_class(self):
        if self.sock.family == socket.AF_INET6:
            self.sock.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVTCLASS, 1)
            raw = self.sock.getsockopt(socket.IPPROTO_IPV6,
                                       IPV6_2292PKTOPTIONS, 256)
            want = CMSG_IPV6_TCLASS
        else:
            self.sock.setsockopt(socket.IPPROTO_IP, IP_RECVTOS, 1)
            raw = self.sock.getsockopt(socket.IPPROTO_IP, IP_PKTOPTIONS, 256)
            want = CMSG_IP_TOS
        for level, ctype, data in _parse_cmsgs(raw):
            if (level, ctype) == want and data:
                # IP_TOS is one byte, IPV6_TCLASS an int.
                if len(data) >= 4:
                    return struct.unpack_from('@i', data)[0]
                return data[0]
        return None

    def _start(self):
        try:
            self.tos = self._read_traffic_class()
        except OSError:
            self.tos = None
        if not self.stall:
            self._thread = threading.Thread(target=self._read_loop,
                                            daemon=True)
            self._thread.start()

    def _finish(self, how):
        with self._lock:
            if self.end is None:
                self.end = how
                self.end_ns = time.monotonic_ns()
        self.ended.set()

    def _read_loop(self):
        while True:
            try:
                chunk = self.sock.recv(1 << 16)
            except ConnectionResetError:
                self._finish('reset')
                return
            except OSError as e:
                if e.errno in (errno.EBADF, errno.ENOTCONN):
                    self._finish('closed by the test')
                else:
                    self._finish('error: %s' % e)
                return
            now = time.monotonic_ns()
            if self._closing:
                self._finish('closed by the test')
                return
            if not chunk:
                # Keep the socket open: it stays in CLOSE_WAIT, which
                # tcp_state() can see.
                self._finish('eof')
                return
            with self._lock:
                self._data += chunk
                self.arrivals.append((now, len(self._data)))

    # -- what the tests look at ----------------------------------------------

    @property
    def data(self):
        with self._lock:
            return bytes(self._data)

    @property
    def nbytes(self):
        with self._lock:
            return len(self._data)

    def last_arrival_ns(self):
        with self._lock:
            return self.arrivals[-1][0] if self.arrivals else None

    def first_arrival_ns(self):
        with self._lock:
            return self.arrivals[0][0] if self.arrivals else None

    def wait_bytes(self, n, timeout):
        deadline = time.monotonic() + timeout
        while self.nbytes < n and time.monotonic() < deadline:
            if self.ended.is_set():
                break
            time.sleep(0.005)
        return self.nbytes

    def wait_end(self, timeout):
        self.ended.wait(timeout)
        return self.end

    def kernel_queued(self):
        """Bytes received by the kernel that the reader has not taken yet."""
        buf = fcntl.ioctl(self.sock.fileno(), termios.FIONREAD,
                          struct.pack('i', 0))
        return struct.unpack('i', buf)[0]

    def received_total(self):
        """Bytes that reached this end of the connection at this instant:
        read by the test plus still queued in the kernel. Sampled until the
        reader did not move in between, so nothing is counted twice."""
        for _ in range(1000):
            before = self.nbytes
            try:
                queued = self.kernel_queued()
            except OSError:
                queued = 0
            if self.nbytes == before:
                return before + queued
        return self.nbytes

    def tcp_state(self):
        """tcpi_state of this end (TCP_CLOSE_WAIT once the peer's FIN
        arrived), or None if the socket is gone."""
        try:
            info = self.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO,
                                        8)
        except OSError:
            return None
        return info[0]

    def peer_tcp_state(self):
        """TCP state of the sending end of this connection (it is on this
        machine): anything in TCP_FIN_SENT_STATES means it has sent its
        FIN."""
        local = self.sock.getsockname()
        return local_tcp_state(self.sock.family, self.peer[:2], local[:2])

    def close(self):
        self._closing = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        if self._thread is not None:
            self._thread.join(2)
        self._finish('closed by the test')


class Receiver:
    """Threaded TCP server for the sink to connect to.

    host: '127.0.0.1' or '::1'. stall: accept but never read. rcvbuf: a
    small SO_RCVBUF for the accepted sockets so a stalled peer fills up
    quickly.
    """

    def __init__(self, host='127.0.0.1', stall=False, rcvbuf=None):
        self.host = host
        self.stall = stall
        family = socket.AF_INET6 if ':' in host else socket.AF_INET
        self._listener = socket.socket(family, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if rcvbuf is not None:
            # Inherited by accepted sockets; must be set before listen().
            self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF,
                                      rcvbuf)
        self._listener.bind((host, 0))
        self._listener.listen(8)
        self.port = self._listener.getsockname()[1]
        self.connections = []
        self._cond = threading.Condition()
        self._closing = False
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    def _accept_loop(self):
        while not self._closing:
            try:
                ready, _, _ = select.select([self._listener], [], [], 0.05)
            except (OSError, ValueError):
                return
            if not ready or self._closing:
                continue
            try:
                sock, peer = self._listener.accept()
            except OSError:
                continue
            conn = Connection(sock, peer, self.stall)
            conn._start()
            with self._cond:
                self.connections.append(conn)
                self._cond.notify_all()

    def wait_connection(self, index=0, timeout=5.0):
        """The index-th accepted connection, or None after timeout."""
        with self._cond:
            self._cond.wait_for(lambda: len(self.connections) > index,
                                timeout)
            if len(self.connections) > index:
                return self.connections[index]
            return None

    def peer_tcp_state(self):
        """TCP state of the sending end of this connection (it is on this
        machine): anything in TCP_FIN_SENT_STATES means it has sent its
        FIN."""
        local = self.sock.getsockname()
        return local_tcp_state(self.sock.family, self.peer[:2], local[:2])

    def close(self):
        self._closing = True
        self._thread.join(2)
        self._listener.close()
        with self._cond:
            conns = list(self.connections)
        for conn in conns:
            conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class HangingListener:
    """A listener whose accept queue is full, so that a further connect()
    gets its SYN dropped and hangs (Linux drops SYNs for a full queue and
    the client retransmits after 1 s, 3 s, ...)."""

    def __init__(self, host='127.0.0.1', fillers=2):
        family = socket.AF_INET6 if ':' in host else socket.AF_INET
        self.host = host
        self._listener = socket.socket(family, socket.SOCK_STREAM)
        self._listener.bind((host, 0))
        self._listener.listen(0)
        self.port = self._listener.getsockname()[1]
        self._fillers = []
        for _ in range(fillers):
            c = socket.socket(family, socket.SOCK_STREAM)
            c.setblocking(False)
            c.connect_ex((host, self.port))
            self._fillers.append(c)
            time.sleep(0.02)

    def connect_hangs(self, timeout=0.3):
        """True if a connect() does not complete within timeout."""
        family = self._listener.family
        with socket.socket(family, socket.SOCK_STREAM) as c:
            c.settimeout(timeout)
            try:
                c.connect((self.host, self.port))
            except socket.timeout:
                return True
            except OSError:
                return False
            return False

    def close(self):
        for c in self._fillers:
            c.close()
        self._listener.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def run_tests():
    """unittest.main, but a program whose every test skipped exits 77 so
    meson reports SKIP rather than OK."""
    prog = unittest.main(exit=False, verbosity=2)
    result = prog.result
    if not result.wasSuccessful():
        sys.exit(1)
    if result.testsRun == 0 or len(result.skipped) == result.testsRun:
        sys.exit(EXIT_SKIP)
    sys.exit(0)
