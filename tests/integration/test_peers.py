#!/usr/bin/python3
# gst-audiostream
# Copyright (C) 2026 gst-audiostream developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.

"""The test peers themselves: the pattern checker must catch what the
element tests rely on it to catch, and the receiver must tell a FIN from a
reset and read the traffic class a client's SYN carried."""

import os
import socket
import struct
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import peers  # noqa: E402


class TestPattern(unittest.TestCase):

    def test_values(self):
        data = peers.pattern_bytes(0, 3, 2)
        self.assertEqual(struct.unpack('<6h', data), (0, 1, 2, 3, 4, 5))
        # frame 16384, channel 2 of 2: index 32769 -> 0x8001 as int16
        (v,) = struct.unpack('<h', peers.pattern_bytes(16384, 1, 2)[2:])
        self.assertEqual(v, 32769 - 65536)

    def test_wraps_every_65536_samples(self):
        data = peers.pattern_bytes(0, 70000, 1)
        self.assertIsNone(peers.first_mismatch(data, 1))
        self.assertEqual(data[:8], data[65536 * 2:65536 * 2 + 8])

    def test_continuation(self):
        a = peers.pattern_bytes(0, 1000, 8)
        b = peers.pattern_bytes(1000, 500, 8)
        self.assertIsNone(peers.first_mismatch(a + b, 8))
        self.assertIsNone(peers.first_mismatch(b, 8, first_frame=1000))

    def test_detects_gap_duplicate_silence_and_partial_sample(self):
        good = peers.pattern_bytes(0, 4800, 2)
        gap = good[:4000] + good[4004:]
        dup = good[:4000] + good[3996:]
        silence = good[:4000] + bytes(40) + good[4040:]
        self.assertEqual(peers.first_mismatch(gap, 2), 2000)
        self.assertEqual(peers.first_mismatch(dup, 2), 2000)
        self.assertEqual(peers.first_mismatch(silence, 2), 2000)
        self.assertEqual(peers.first_mismatch(good + b'\x00', 2), 9600)
        self.assertEqual(peers.first_mismatch(good[2:], 2), 0)
        self.assertIn('frame 1000, channel 0',
                      peers.describe_mismatch(gap, 2))
        self.assertIsNone(peers.describe_mismatch(good, 2))


class TestReceiver(unittest.TestCase):

    def _client(self, rx, tos=None):
        family = socket.AF_INET6 if ':' in rx.host else socket.AF_INET
        c = socket.socket(family, socket.SOCK_STREAM)
        if tos is not None:
            if family == socket.AF_INET6:
                c.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_TCLASS, tos)
            else:
                c.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, tos)
        c.connect((rx.host, rx.port))
        return c

    def test_records_bytes_and_fin(self):
        with peers.Receiver() as rx:
            c = self._client(rx)
            c.sendall(b'abc')
            time.sleep(0.05)
            c.sendall(b'def')
            c.shutdown(socket.SHUT_WR)
            conn = rx.wait_connection(0, 2)
            self.assertEqual(conn.wait_end(2), 'eof')
            self.assertEqual(conn.data, b'abcdef')
            self.assertEqual(conn.arrivals[-1][1], 6)
            self.assertEqual(conn.tcp_state(), peers.TCP_CLOSE_WAIT)
            self.assertIn(conn.peer_tcp_state(), peers.TCP_FIN_SENT_STATES)
            c.close()

    def test_sees_the_senders_socket_state(self):
        hosts = ['127.0.0.1']
        if peers.ipv6_loopback_available():
            hosts.append('::1')
        for host in hosts:
            with self.subTest(host=host), peers.Receiver(host) as rx:
                c = self._client(rx)
                conn = rx.wait_connection(0, 2)
                self.assertEqual(conn.peer_tcp_state(), peers.TCP_ESTABLISHED)
                c.shutdown(socket.SHUT_WR)
                self.assertIn(conn.peer_tcp_state(),
                              peers.TCP_FIN_SENT_STATES)
                c.close()

    def test_records_reset(self):
        with peers.Receiver() as rx:
            c = self._client(rx)
            c.sendall(b'x')
            conn = rx.wait_connection(0, 2)
            conn.wait_bytes(1, 2)
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         struct.pack('ii', 1, 0))
            c.close()
            self.assertEqual(conn.wait_end(2), 'reset')

    def test_reads_traffic_class_of_the_syn(self):
        hosts = ['127.0.0.1']
        if peers.ipv6_loopback_available():
            hosts.append('::1')
        for host in hosts:
            for tos in (0xB8, 0x10, 0x08, 0x00):
                with self.subTest(host=host, tos=tos):
                    with peers.Receiver(host) as rx:
                        c = self._client(rx, tos)
                        conn = rx.wait_connection(0, 2)
                        self.assertEqual(conn.tos, tos)
                        c.close()

    def test_stalled_receiver_does_not_read(self):
        with peers.Receiver(stall=True, rcvbuf=4096) as rx:
            c = self._client(rx)
            c.setblocking(False)
            sent = 0
            try:
                for _ in range(10000):
                    sent += c.send(bytes(65536))
            except BlockingIOError:
                pass
            conn = rx.wait_connection(0, 2)
            self.assertLess(sent, 64 * 1024 * 1024)
            self.assertEqual(conn.nbytes, 0)
            self.assertGreater(conn.kernel_queued(), 0)
            c.close()

    def test_received_total_counts_queued_bytes(self):
        with peers.Receiver(stall=True) as rx:
            c = self._client(rx)
            c.sendall(b'12345')
            conn = rx.wait_connection(0, 2)
            deadline = time.monotonic() + 2
            while conn.received_total() < 5 and time.monotonic() < deadline:
                time.sleep(0.01)
            self.assertEqual(conn.received_total(), 5)
            c.close()

    def test_unused_port_is_refused(self):
        port = peers.unused_port()
        with self.assertRaises(ConnectionRefusedError):
            socket.create_connection(('127.0.0.1', port), timeout=2)


if __name__ == '__main__':
    peers.run_tests()
