# gst-audiostream
# Copyright (C) 2026 gst-audiostream developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.

"""Local speech-to-text servers that speak Deepgram's and Vosk's streaming
protocols over a real WebSocket on 127.0.0.1, port 0 (python3-websockets).

They do not recognise speech. The tests feed the *clock pattern*: every
sample holds the stream time of its 10 ms block, (frame * 100 // rate) mod
32768, so a server can read from the audio itself where in the stream each
block is, whatever was dropped or replayed on the way. It "recognises" one
word per WORD_MS of stream time, named after that time: the word starting at
1500 ms is "w3". Messages carry session-relative times, as the services'
do. A test can then check that every word came exactly once, with the
stream time its name says, across reconnections and drops.

Misbehaviour on demand: refuse the handshake (401, 500 …), drop the TCP
connection or close with a code after some audio, interleave garbage
(non-JSON, binary, oversized, absurdly nested, wrong shape), delay or
withhold the last reply, stop reading.
"""

import asyncio
import http
import json
import socket
import struct
import sys
import threading
import time
import urllib.parse

EXIT_SKIP = 77

try:
    import websockets
    import websockets.exceptions
except ImportError as e:
    print('SKIP: python3-websockets is not available (%s)' % e)
    sys.exit(EXIT_SKIP)

WORD_MS = 500           # one word per 500 ms of stream time
WORD_LEN_MS = 400       # each word lasts 400 ms
BLOCK_MS = 10           # the clock pattern's resolution
FINAL_EVERY_MS = 1000   # a final per second of audio
PARTIAL_EVERY_MS = 250

# Garbage the servers can interleave; every item must be counted and
# skipped by the element.
GARBAGE = [
    'this is not json',
    b'\x00\x01\x02binary',
    '[1, 2, 3]',
    '{"type": "Results"}',
    '[' * 100000,
    '{"type": "Metadata", "padding": "%s"}' % ('x' * (2 * 1024 * 1024)),
    '{"truncated": ',
]


def clock_pattern(first_frame, n_frames, rate, channels=1):
    """S16LE bytes of the clock pattern for frames [first_frame, +n)."""
    out = bytearray()
    block = rate * BLOCK_MS // 1000
    f = first_frame
    end = first_frame + n_frames
    while f < end:
        v = (f * 100 // rate) % 32768
        n = min(end, (f // block + 1) * block) - f
        out += struct.pack('<h', v) * (n * channels)
        f += n
    return bytes(out)


def word_name(start_ms):
    return 'w%d' % (start_ms // WORD_MS)


def expected_words(total_ms):
    """Words a full stream of total_ms holds: each word fully inside."""
    return ['w%d' % i for i in range(total_ms // WORD_MS)
            if i * WORD_MS + WORD_LEN_MS <= total_ms]


class Session:
    """What one WebSocket connection brought."""

    def __init__(self, path, headers):
        self.path = path
        parsed = urllib.parse.urlsplit(path)
        self.route = parsed.path
        self.query = urllib.parse.parse_qs(parsed.query,
                                           keep_blank_values=True)
        self.headers = dict(headers.raw_items())
        self.config = None
        self.text_messages = []
        self.audio_bytes = 0
        self.audio_frames = 0
        self.frame_sizes = []
        self.keepalives = 0
        self.eos = False
        self.eos_raw = None
        self.end = None          # how it ended
        self.blocks = []         # (session_ms, stream_ms) per 10 ms block
        self.first_audio = None
        self.replies = 0

    def q(self, name):
        values = self.query.get(name)
        return values[-1] if values else None


class Recogniser:
    """Turns clock-pattern audio into words, one session at a time."""

    def __init__(self, rate, channels, diarize=False):
        self.rate = rate
        self.channels = channels
        self.diarize = diarize
        self.pending = bytearray()
        self.session_frames = 0
        self.blocks = []            # (session_ms, stream_ms)
        self.final_until = None     # stream ms finalised so far
        self.last_partial_at = 0

    def feed(self, data):
        bpf = 2 * self.channels
        self.pending += data
        block = self.rate * BLOCK_MS // 1000
        while len(self.pending) >= block * bpf:
            chunk = bytes(self.pending[:block * bpf])
            del self.pending[:block * bpf]
            value = struct.unpack_from('<h', chunk, 0)[0]
            session_ms = self.session_frames * 1000 // self.rate
            stream_ms = value * BLOCK_MS
            self.blocks.append((session_ms, stream_ms))
            self.session_frames += block
            if self.final_until is None:
                # the first whole word at or after the session's start
                self.final_until = -(-stream_ms // WORD_MS) * WORD_MS

    def session_ms(self):
        return self.session_frames * 1000 // self.rate

    def stream_end(self):
        return self.blocks[-1][1] + BLOCK_MS if self.blocks else 0

    def to_session(self, stream_ms):
        """Session time of a stream time the session received."""
        for s, t in reversed(self.blocks):
            if t <= stream_ms < t + BLOCK_MS:
                return s + (stream_ms - t)
        return None

    def words_between(self, lo, hi):
        """Words starting in [lo, hi) whose whole span was received."""
        words = []
        start = -(-lo // WORD_MS) * WORD_MS
        for w in range(start, hi, WORD_MS):
            s = self.to_session(w)
            e = self.to_session(w + WORD_LEN_MS - BLOCK_MS)
            if s is None or e is None:
                continue  # part of it was never received (dropped)
            index = w // WORD_MS
            words.append({'word': word_name(w), 'start': s / 1000.0,
                          'end': (e + BLOCK_MS) / 1000.0,
                          'confidence': 0.9,
                          'speaker': (index // 4) % 2})
        return words

    def take_final(self, force=False):
        """Words of the next second of audio (or all that is left)."""
        if self.final_until is None:
            return None, None, None
        end = self.stream_end()
        if force:
            hi = end
        elif end - self.final_until >= FINAL_EVERY_MS + WORD_LEN_MS:
            hi = self.final_until + FINAL_EVERY_MS
        else:
            return None, None, None
        lo = self.final_until
        words = self.words_between(lo, hi)
        self.final_until = max(hi, lo)
        s = self.to_session(lo)
        s = s if s is not None else (words[0]['start'] * 1000 if words
                                     else self.session_ms())
        e = self.to_session(hi - BLOCK_MS)
        e = e + BLOCK_MS if e is not None else self.session_ms()
        return words, s / 1000.0, max(e - s, 0) / 1000.0

    def take_partial(self):
        if self.final_until is None:
            return None
        if self.session_ms() - self.last_partial_at < PARTIAL_EVERY_MS:
            return None
        self.last_partial_at = self.session_ms()
        words = self.words_between(self.final_until, self.stream_end())
        return words or None


class Behaviour:
    """How a server misbehaves; everything off by default."""

    def __init__(self, reject_status=None, drop_after_ms=None,
                 drop_sessions=1, close_after_ms=None, close_code=None,
                 close_reason='', garbage=False, final_delay=0.0,
                 never_finish=False, stall_after_ms=None, api_key=None):
        self.reject_status = reject_status
        self.drop_after_ms = drop_after_ms
        self.drop_sessions = drop_sessions
        self.close_after_ms = close_after_ms
        self.close_code = close_code
        self.close_reason = close_reason
        self.garbage = garbage
        self.final_delay = final_delay
        self.never_finish = never_finish
        self.stall_after_ms = stall_after_ms
        self.api_key = api_key


class _Server:
    """A websockets server in a thread of its own."""

    auth_scheme = None

    def __init__(self, behaviour=None, rcvbuf=None):
        self.behaviour = behaviour or Behaviour()
        self.sessions = []
        self.rejected = []
        self.garbage_sent = 0
        self._lock = threading.Condition()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._rcvbuf = rcvbuf
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError('server did not start')

    # -- plumbing --------------------------------------------------------

    def _run(self):
        asyncio.set_event_loop(self._loop)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if self._rcvbuf:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self._rcvbuf)
        sock.bind(('127.0.0.1', 0))
        self.port = sock.getsockname()[1]
        serve = websockets.serve(self._handler, sock=sock,
                                 process_request=self._process_request,
                                 max_size=None, ping_interval=None,
                                 compression=None)
        self._server = self._loop.run_until_complete(serve)
        self._ready.set()
        self._loop.run_forever()
        self._loop.close()

    async def _shutdown(self):
        # Sessions first (one may sleep forever on purpose), then the
        # listening socket, so that the port refuses connections after.
        current = asyncio.current_task()
        tasks = [t for t in asyncio.all_tasks() if t is not current]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._server.close()
        try:
            await asyncio.wait_for(self._server.wait_closed(), 2)
        except asyncio.TimeoutError:
            pass
        await self._loop.shutdown_asyncgens()
        self._loop.stop()

    def close(self):
        if self._thread.is_alive() and self._loop.is_running():
            asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop)
        self._thread.join(5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def url(self):
        return 'ws://127.0.0.1:%d%s' % (self.port, self.route)

    def wait_sessions(self, n, timeout=10.0):
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self.sessions) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(left)
        return True

    def wait_end(self, index=0, timeout=10.0):
        deadline = time.monotonic() + timeout
        with self._lock:
            while (len(self.sessions) <= index or
                   self.sessions[index].end is None):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(left)
        return True

    async def _process_request(self, path, headers):
        b = self.behaviour
        if b.reject_status is not None:
            self.rejected.append(dict(headers.raw_items()))
            return (http.HTTPStatus(b.reject_status),
                    [('dg-error', 'refused by test')], b'refused\n')
        if self.auth_scheme is not None and b.api_key is not None:
            expected = '%s %s' % (self.auth_scheme, b.api_key)
            if headers.get('Authorization') != expected:
                self.rejected.append(dict(headers.raw_items()))
                return (http.HTTPStatus.UNAUTHORIZED,
                        [('dg-error', 'Invalid credentials.')],
                        b'{"err_code":"INVALID_AUTH"}\n')
        return None

    async def _handler(self, ws, path):
        session = Session(path, ws.request_headers)
        with self._lock:
            self.sessions.append(session)
            index = len(self.sessions) - 1
            self._lock.notify_all()
        try:
            await self.serve_session(ws, session, index)
            if session.end is None:
                session.end = 'server-closed'
        except websockets.exceptions.ConnectionClosed as e:
            if session.end is None:
                session.end = 'client-closed %s' % (e.code,)
        finally:
            with self._lock:
                self._lock.notify_all()

    async def send_garbage(self, ws):
        if not self.behaviour.garbage:
            return
        for g in GARBAGE:
            await ws.send(g)
            self.garbage_sent += 1

    async def maybe_misbehave(self, ws, session, index):
        """Returns True when the session was ended by misbehaviour."""
        b = self.behaviour
        ms = session.audio_frames * 1000 // self.rate(session)
        if (b.drop_after_ms is not None and index < b.drop_sessions and
                ms >= b.drop_after_ms):
            session.end = 'dropped'
            ws.transport.abort()
            return True
        if (b.close_after_ms is not None and index == 0 and
                ms >= b.close_after_ms):
            session.end = 'closed %d' % b.close_code
            await ws.close(code=b.close_code, reason=b.close_reason)
            return True
        if (b.stall_after_ms is not None and ms >= b.stall_after_ms and
                not getattr(session, 'stalled', False)):
            session.stalled = True
            ws.transport.pause_reading()
        return False


class DeepgramServer(_Server):
    """Deepgram /v1/listen: query configuration, `Token` auth, binary audio,
    KeepAlive, interim and final Results, UtteranceEnd, CloseStream →
    remaining Results, Metadata, close 1000."""

    route = '/v1/listen'
    auth_scheme = 'Token'

    def rate(self, session):
        return int(session.q('sample_rate') or 16000)

    def results(self, words, start, duration, is_final, speech_final=False):
        text = ' '.join(w['word'] for w in words)
        return json.dumps({
            'type': 'Results', 'channel_index': [0, 1],
            'duration': duration, 'start': start, 'is_final': is_final,
            'speech_final': speech_final,
            'channel': {'alternatives': [{
                'transcript': text, 'confidence': 0.93,
                'words': [dict(w, punctuated_word=w['word'].capitalize())
                          for w in words]}]},
            'metadata': {'request_id': 'test', 'model_uuid': 'test'}})

    def strip_speakers(self, session, words):
        if session.q('diarize') != 'true':
            for w in words:
                w.pop('speaker', None)
        return words

    async def send_final(self, ws, session, rec, force=False):
        words, start, duration = rec.take_final(force)
        if words is None:
            return
        words = self.strip_speakers(session, words)
        await self.send_garbage(ws)
        await ws.send(self.results(words, start, duration, True,
                                   speech_final=bool(words)))
        if words and session.q('utterance_end_ms'):
            await ws.send(json.dumps({'type': 'UtteranceEnd',
                                      'channel': [0, 1],
                                      'last_word_end': words[-1]['end']}))

    async def serve_session(self, ws, session, index):
        rate = self.rate(session)
        channels = int(session.q('channels') or 1)
        rec = Recogniser(rate, channels)
        interim = session.q('interim_results') == 'true'
        await ws.send(json.dumps({'type': 'SpeechStarted', 'channel': [0],
                                  'timestamp': 0.0}))
        async for message in ws:
            if isinstance(message, bytes):
                if not message:
                    session.end = 'empty frame'
                    await ws.close(code=1008, reason='DATA-0000 empty')
                    return
                session.audio_bytes += len(message)
                session.frame_sizes.append(len(message))
                session.audio_frames += len(message) // (2 * channels)
                rec.feed(message)
                if await self.maybe_misbehave(ws, session, index):
                    return
                await self.send_final(ws, session, rec)
                partial = rec.take_partial() if interim else None
                if partial:
                    partial = self.strip_speakers(session, partial)
                    start = partial[0]['start']
                    await ws.send(self.results(
                        partial, start, partial[-1]['end'] - start, False))
                continue
            session.text_messages.append(message)
            msg = json.loads(message)
            if msg.get('type') == 'KeepAlive':
                session.keepalives += 1
            elif msg.get('type') == 'CloseStream':
                session.eos = True
                session.eos_raw = message
                if self.behaviour.never_finish:
                    await asyncio.sleep(3600)
                if self.behaviour.final_delay:
                    await asyncio.sleep(self.behaviour.final_delay)
                while True:
                    before = rec.final_until
                    await self.send_final(ws, session, rec)
                    if rec.final_until == before:
                        break
                await self.send_final(ws, session, rec, force=True)
                await ws.send(json.dumps({
                    'type': 'Metadata', 'transaction_key': 'deprecated',
                    'request_id': 'test', 'sha256': '0',
                    'created': '2026-01-01T00:00:00.000Z',
                    'duration': rec.session_ms() / 1000.0,
                    'channels': channels}))
                session.end = 'finished'
                await ws.close(code=1000)
                return


class VoskServer(_Server):
    """Vosk server: `{"config": {...}}` first, exactly one reply per binary
    frame (`partial` or `text`/`result`), `{"eof" : 1}` → last result,
    close."""

    route = ''

    def rate(self, session):
        if session.config and 'sample_rate' in session.config:
            return int(session.config['sample_rate'])
        return 8000

    def result(self, words):
        return json.dumps({
            'result': [{'conf': w['confidence'], 'end': w['end'],
                        'start': w['start'], 'word': w['word']}
                       for w in words],
            'text': ' '.join(w['word'] for w in words)})

    async def serve_session(self, ws, session, index):
        rec = None
        async for message in ws:
            if isinstance(message, str) and 'config' in message and \
                    session.config is None and not session.audio_bytes:
                session.text_messages.append(message)
                session.config = json.loads(message)['config']
                continue
            if rec is None:
                rec = Recogniser(self.rate(session), 1)
            if isinstance(message, str):
                session.text_messages.append(message)
                if message == '{"eof" : 1}':
                    session.eos = True
                    session.eos_raw = message
                    if self.behaviour.never_finish:
                        await asyncio.sleep(3600)
                    if self.behaviour.final_delay:
                        await asyncio.sleep(self.behaviour.final_delay)
                    words, _, _ = rec.take_final(force=True)
                    await ws.send(self.result(words or []))
                    session.replies += 1
                    session.end = 'finished'
                    await ws.close(code=1000)
                    return
                continue
            session.audio_bytes += len(message)
            session.frame_sizes.append(len(message))
            session.audio_frames += len(message) // 2
            rec.feed(message)
            if await self.maybe_misbehave(ws, session, index):
                return
            await self.send_garbage(ws)
            words, _, _ = rec.take_final()
            if words is not None:
                reply = self.result(words)
            else:
                partial = rec.take_partial() or []
                reply = json.dumps({'partial': ' '.join(
                    w['word'] for w in partial)})
            await ws.send(reply)
            session.replies += 1
