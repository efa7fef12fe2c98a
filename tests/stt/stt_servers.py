# gst-audiostream
# Copyright (C) 2026 gst-audiostream developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.

"""Local speech-to-text servers that speak the streaming protocols of
Deepgram, AssemblyAI (v3), Speechmatics (real-time v2), OpenAI Realtime
(transcription) and Vosk over a real WebSocket on 127.0.0.1, port 0
(python3-websockets).

They do not recognise speech. The tests feed the *clock pattern*: every
sample holds the stream time of its 10 ms block, (frame * 100 // rate) mod
32768, so a server can read from the audio itself where in the stream each
block is, whatever was dropped or replayed on the way. It "recognises" one
word per WORD_MS of stream time, named after that time: the word starting at
1500 ms is "w3". Messages carry session-relative times, as the services'
do. A test can then check that every word came exactly once, with the
stream time its name says, across reconnections and drops.

Each checks what its service checks: the auth header, the configuration
(query or first message), the audio framing (AssemblyAI: 50-1000 ms
frames, never faster than real time; Speechmatics: no audio before
RecognitionStarted, last_seq_no; OpenAI: base64 appends, 24 kHz), and
counts the audio bytes and the 10 ms blocks of the stream it received.

Misbehaviour on demand: refuse the handshake (401, 500 …), drop the TCP
connection or close with a code after some audio, interleave garbage
(non-JSON, binary, oversized, absurdly nested, wrong shape), delay or
withhold the last reply, stop reading; and per protocol: OpenAI
completions out of order, AssemblyAI formatted turns repeated.
"""

import base64

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
    import websockets.frames
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
        self.violations = []     # protocol rules the client broke
        self.seq_no = None       # Speechmatics: last_seq_no at EndOfStream

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
                 never_finish=False, stall_after_ms=None, api_key=None,
                 out_of_order=False, repeat_turns=False, start_delay=0.3,
                 rate_tolerance_ms=400, refuse_after_drop_s=0.0,
                 error_every_frame=False, stall_sessions=None,
                 unreadable=None, unreadable_sessions=None,
                 reject_first=0, retry_after=None):
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
        # stall only the first N sessions (None: every one)
        self.stall_sessions = stall_sessions
        # after 1 s of audio, a message libsoup refuses: 'utf8' (a text
        # frame that is not UTF-8) or 'huge' (over its 16 MB limit), in
        # the first N sessions (None: every one)
        self.unreadable = unreadable
        self.unreadable_sessions = unreadable_sessions
        # answer the first N handshakes with reject_status (429 …), with a
        # Retry-After header if given
        self.reject_first = reject_first
        self.retry_after = retry_after
        self.api_key = api_key
        self.out_of_order = out_of_order      # OpenAI
        self.repeat_turns = repeat_turns      # AssemblyAI
        self.start_delay = start_delay        # Speechmatics
        self.rate_tolerance_ms = rate_tolerance_ms  # AssemblyAI
        # after a drop, answer handshakes with 503 for this long (an
        # outage, not just a lost connection)
        self.refuse_after_drop_s = refuse_after_drop_s
        self.error_every_frame = error_every_frame  # OpenAI: socket open


class _Server:
    """A websockets server in a thread of its own."""

    auth_scheme = None

    def __init__(self, behaviour=None, rcvbuf=None, port=0):
        self.behaviour = behaviour or Behaviour()
        self._port_wanted = port   # 0: any free one
        self.sessions = []
        self.rejected = []
        self.garbage_sent = 0
        self.refuse_until = 0.0
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
        sock.bind(('127.0.0.1', self._port_wanted))
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
        if time.monotonic() < self.refuse_until:
            self.rejected.append(dict(headers.raw_items()))
            return (http.HTTPStatus.SERVICE_UNAVAILABLE, [], b'outage\n')
        if b.reject_status is not None and (
                not b.reject_first or len(self.rejected) < b.reject_first):
            self.rejected.append(dict(headers.raw_items()))
            extra = ([('Retry-After', str(b.retry_after))]
                     if b.retry_after is not None else [])
            return (http.HTTPStatus(b.reject_status),
                    [('dg-error', 'refused by test')] + extra,
                    b'refused\n')
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

    def unique_blocks(self):
        """Stream times (ms) of every 10 ms block any session received."""
        out = set()
        for session in self.sessions:
            out.update(t for _, t in session.blocks)
        return out

    async def finish_delay(self):
        """What the server does before answering end-of-stream."""
        if self.behaviour.never_finish:
            await asyncio.sleep(3600)
        if self.behaviour.final_delay:
            await asyncio.sleep(self.behaviour.final_delay)

    async def maybe_misbehave(self, ws, session, index):
        """Returns True when the session was ended by misbehaviour."""
        b = self.behaviour
        ms = session.audio_frames * 1000 // self.rate(session)
        if (b.drop_after_ms is not None and index < b.drop_sessions and
                ms >= b.drop_after_ms):
            session.end = 'dropped'
            if b.refuse_after_drop_s:
                self.refuse_until = time.monotonic() + b.refuse_after_drop_s
            ws.transport.abort()
            return True
        if (b.close_after_ms is not None and index == 0 and
                ms >= b.close_after_ms):
            session.end = 'closed %d' % b.close_code
            await ws.close(code=b.close_code, reason=b.close_reason)
            return True
        if (b.unreadable is not None and ms >= 1000 and
                (b.unreadable_sessions is None or
                 index < b.unreadable_sessions) and
                not getattr(session, 'unreadable_sent', False)):
            session.unreadable_sent = True
            self.unreadable_sent = getattr(self, 'unreadable_sent', 0) + 1
            if b.unreadable == 'utf8':
                await ws.write_frame(True, websockets.frames.Opcode.TEXT,
                                     b'{"type": "Metadata", "x": "\xff\xfe"}')
            else:
                await ws.send('{"type": "Metadata", "x": "%s"}' %
                              ('x' * (17 * 1024 * 1024)))
        if (b.stall_after_ms is not None and ms >= b.stall_after_ms and
                (b.stall_sessions is None or index < b.stall_sessions) and
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
        session.blocks = rec.blocks
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
                session.blocks = rec.blocks
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


def _ms(seconds):
    return int(round(seconds * 1000))


def _capitalised(words):
    return [dict(w, word=w['word'].capitalize()) for w in words]


class AssemblyAIServer(_Server):
    """AssemblyAI Universal Streaming v3: query configuration with a required
    speech_model, the key as is in Authorization (checked in band: Error
    1008, then close 1008), binary frames of 50-1000 ms no faster than real
    time (else Error 3007 and close 3007), Begin, partial Turns restated
    whole, an ended Turn, and with format_turns its formatted copy with the
    same turn_order (capitalised words here); Terminate → remaining turns,
    Termination, close 1000."""

    route = '/v3/ws'

    def rate(self, session):
        return int(session.q('sample_rate') or 16000)

    async def error(self, ws, session, code, text, end):
        session.violations.append(text)
        session.end = end
        await ws.send(json.dumps({'type': 'Error', 'error_code': code,
                                  'error': text}))
        await ws.close(code=code, reason=text[:100])

    def turn(self, session, order, words, end_of_turn, formatted):
        speaker = None
        if session.q('speaker_labels') == 'true' and words:
            speaker = 'AB'[words[0]['speaker']]
        shown = _capitalised(words) if formatted else words
        msg = {
            'turn_order': order, 'turn_is_formatted': formatted,
            'end_of_turn': end_of_turn,
            'transcript': ' '.join(w['word'] for w in
                                   (shown if end_of_turn else shown[:-1])),
            'end_of_turn_confidence': 0.9 if end_of_turn else 0.1,
            'words': [{'start': _ms(w['start']), 'end': _ms(w['end']),
                       'text': w['word'], 'confidence': w['confidence'],
                       'word_is_final': end_of_turn or i + 1 < len(shown)}
                      for i, w in enumerate(shown)],
            'utterance': '', 'type': 'Turn'}
        if speaker is not None:
            msg['speaker_label'] = speaker
        return json.dumps(msg)

    async def send_turns(self, ws, session, rec, force=False):
        words, _, _ = rec.take_final(force)
        if words:
            order = session.turn_order
            session.turn_order += 1
            await self.send_garbage(ws)
            await ws.send(self.turn(session, order, words, True, False))
            if session.q('format_turns') == 'true':
                copies = 2 if self.behaviour.repeat_turns else 1
                for _ in range(copies):
                    await ws.send(self.turn(session, order, words, True,
                                            True))
            elif self.behaviour.repeat_turns:
                await ws.send(self.turn(session, order, words, True, False))
            return True
        if not force:
            partial = rec.take_partial()
            if partial:
                await ws.send(self.turn(session, session.turn_order, partial,
                                        False, False))
        return False

    async def serve_session(self, ws, session, index):
        b = self.behaviour
        session.turn_order = 0
        if b.api_key is not None and \
                session.headers.get('Authorization') != b.api_key:
            await self.error(ws, session, 1008, 'Unauthorized Connection: '
                             'Invalid API key', 'unauthorized')
            return
        if not session.q('speech_model'):
            await self.error(ws, session, 3006, 'Invalid Message: '
                             'speech_model is required', 'no model')
            return
        rate = self.rate(session)
        rec = Recogniser(rate, 1)
        session.blocks = rec.blocks
        await ws.send(json.dumps({'type': 'Begin', 'id': 'test-%d' % index,
                                  'expires_at': int(time.time()) + 600}))
        t0 = time.monotonic()
        async for message in ws:
            if isinstance(message, bytes):
                frame_ms = len(message) // 2 * 1000 / rate
                if not 50 <= frame_ms <= 1000:
                    await self.error(
                        ws, session, 3007, 'Input duration violation: %d ms. '
                        'Expected between 50 and 1000 ms' % frame_ms,
                        'bad chunk')
                    return
                session.audio_bytes += len(message)
                session.frame_sizes.append(len(message))
                session.audio_frames += len(message) // 2
                audio_ms = session.audio_frames * 1000 / rate
                elapsed_ms = (time.monotonic() - t0) * 1000
                if audio_ms > elapsed_ms + b.rate_tolerance_ms:
                    await self.error(
                        ws, session, 3007, 'Audio Transmission Rate Exceeded: '
                        'Received %.1f sec. audio in %.1f sec' %
                        (audio_ms / 1000, elapsed_ms / 1000), 'too fast')
                    return
                rec.feed(message)
                if await self.maybe_misbehave(ws, session, index):
                    return
                await self.send_turns(ws, session, rec)
                continue
            session.text_messages.append(message)
            msg = json.loads(message)
            if msg.get('type') == 'Terminate':
                session.eos = True
                session.eos_raw = message
                await self.finish_delay()
                while await self.send_turns(ws, session, rec):
                    pass
                await self.send_turns(ws, session, rec, force=True)
                await ws.send(json.dumps({
                    'type': 'Termination',
                    'audio_duration_seconds': rec.session_ms() // 1000,
                    'session_duration_seconds': int(time.monotonic() - t0)}))
                session.end = 'finished'
                await ws.close(code=1000)
                return


class SpeechmaticsServer(_Server):
    """Speechmatics real-time v2: Bearer auth at the handshake,
    StartRecognition first (checked), RecognitionStarted after a delay
    (audio before it is a protocol error), AudioAdded per frame,
    AddPartialTranscript with enable_partials, AddTranscript with
    punctuation as separate results attached to a word ("w0," … "w1."),
    EndOfUtterance with conversation_config, EndOfStream (last_seq_no
    checked) → remaining, EndOfTranscript, close 1000."""

    route = '/v2'
    auth_scheme = 'Bearer'

    def rate(self, session):
        try:
            return int(session.config['audio_format']['sample_rate'])
        except (TypeError, KeyError, ValueError):
            return 16000

    @staticmethod
    def result(kind, start, end, content, speaker, attaches=None):
        r = {'type': kind, 'start_time': start, 'end_time': end,
             'alternatives': [{'content': content, 'confidence': 0.9,
                               'language': 'en', 'speaker': speaker}]}
        if attaches:
            r['attaches_to'] = attaches
            r['is_eos'] = content == '.'
        return r

    def transcript(self, session, words, start, end, final):
        results = []
        diarize = session.config.get('transcription_config', {}).get(
            'diarization') == 'speaker'
        for i, w in enumerate(words):
            speaker = 'S%d' % (w['speaker'] + 1) if diarize else 'UU'
            results.append(self.result('word', w['start'], w['end'],
                                       w['word'], speaker))
            if final and i == 0 and len(words) > 1:
                results.append(self.result('punctuation', w['end'], w['end'],
                                           ',', speaker, 'previous'))
            if final and i == len(words) - 1:
                results.append(self.result('punctuation', w['end'], w['end'],
                                           '.', speaker, 'previous'))
        text = ' '.join(w['word'] for w in words)
        return json.dumps({
            'message': 'AddTranscript' if final else 'AddPartialTranscript',
            'format': '2.9',
            'metadata': {'start_time': start, 'end_time': end,
                         'transcript': text},
            'results': results})

    async def send_final(self, ws, session, rec, force=False):
        words, start, duration = rec.take_final(force)
        if words is None:
            return False
        await self.send_garbage(ws)
        await ws.send(self.transcript(session, words, start,
                                      start + duration, True))
        tc = session.config.get('transcription_config', {})
        if words and 'conversation_config' in tc:
            await ws.send(json.dumps({
                'message': 'EndOfUtterance', 'format': '2.9',
                'metadata': {'start_time': words[-1]['end'],
                             'end_time': words[-1]['end']}}))
        return True

    async def protocol_error(self, ws, session, text):
        session.violations.append(text)
        session.end = 'protocol error'
        await ws.send(json.dumps({'message': 'Error',
                                  'type': 'protocol_error', 'reason': text}))
        await ws.close(code=1003, reason=text[:100])

    async def serve_session(self, ws, session, index):
        queue = asyncio.Queue()

        async def reader():
            try:
                async for m in ws:
                    await queue.put((time.monotonic(), m))
            finally:
                await queue.put((time.monotonic(), None))

        task = asyncio.ensure_future(reader())
        try:
            await self.serve_messages(ws, session, index, queue)
        finally:
            task.cancel()

    async def serve_messages(self, ws, session, index, queue):
        _, first = await queue.get()
        if first is None:
            return
        if isinstance(first, str):
            session.text_messages.append(first)
        try:
            start = json.loads(first)
        except (TypeError, ValueError):
            start = None
        if not isinstance(start, dict) or \
                start.get('message') != 'StartRecognition':
            await self.protocol_error(ws, session, 'StartRecognition must '
                                      'be the first message')
            return
        session.config = start
        fmt = start.get('audio_format', {})
        if fmt.get('type') != 'raw' or fmt.get('encoding') != 'pcm_s16le':
            session.violations.append('audio_format %r' % fmt)
        await asyncio.sleep(self.behaviour.start_delay)
        started_at = time.monotonic()
        await ws.send(json.dumps({'message': 'RecognitionStarted',
                                  'id': 'test-%d' % index,
                                  'orchestrator_version': 'test'}))
        rec = Recogniser(self.rate(session), 1)
        session.blocks = rec.blocks
        partials = start.get('transcription_config', {}).get(
            'enable_partials', False)
        seq = 0
        while True:
            t, message = await queue.get()
            if message is None:
                if session.end is None:
                    session.end = 'client-closed'
                return
            if isinstance(message, bytes):
                if t < started_at:
                    await self.protocol_error(ws, session, 'audio before '
                                              'RecognitionStarted')
                    return
                seq += 1
                session.audio_bytes += len(message)
                session.frame_sizes.append(len(message))
                session.audio_frames += len(message) // 2
                rec.feed(message)
                await ws.send(json.dumps({'message': 'AudioAdded',
                                          'seq_no': seq}))
                if await self.maybe_misbehave(ws, session, index):
                    return
                if not await self.send_final(ws, session, rec) and partials:
                    partial = rec.take_partial()
                    if partial:
                        await ws.send(self.transcript(
                            session, partial, partial[0]['start'],
                            partial[-1]['end'], False))
                continue
            session.text_messages.append(message)
            msg = json.loads(message)
            if msg.get('message') == 'EndOfStream':
                session.eos = True
                session.eos_raw = message
                session.seq_no = msg.get('last_seq_no')
                if session.seq_no != seq:
                    session.violations.append('last_seq_no %r, sent %d' %
                                              (session.seq_no, seq))
                await self.finish_delay()
                while await self.send_final(ws, session, rec):
                    pass
                await self.send_final(ws, session, rec, force=True)
                await ws.send(json.dumps({'message': 'EndOfTranscript'}))
                session.end = 'finished'
                await ws.close(code=1000)
                return


class OpenAIServer(_Server):
    """OpenAI Realtime, transcription intent: Bearer auth at the handshake,
    session.update first (type transcription, audio/pcm at 24 kHz: checked),
    base64 input_audio_buffer.append, a voice detector that cuts an item per
    second of speech (speech_started, speech_stopped, committed with
    previous_item_id, deltas, completed), completions swapped in pairs on
    demand (out_of_order), input_audio_buffer.commit at the end → the tail
    as one more item, or an error when less than 100 ms is left. The socket
    stays open; the client closes it."""

    route = '/v1/realtime'
    auth_scheme = 'Bearer'

    def rate(self, session):
        try:
            return int(session.config['session']['audio']['input']['format']
                       ['rate'])
        except (TypeError, KeyError, ValueError):
            return 24000

    async def send_error(self, ws, session, code, text):
        await ws.send(json.dumps({'type': 'error', 'event_id': 'e',
                                  'error': {'type': 'invalid_request_error',
                                            'code': code, 'message': text,
                                            'param': None}}))

    async def completion(self, ws, item_id, words):
        text = ' '.join(w['word'] for w in words)
        await ws.send(json.dumps({
            'type': 'conversation.item.input_audio_transcription.completed',
            'event_id': 'e', 'item_id': item_id, 'content_index': 0,
            'transcript': text,
            'usage': {'type': 'tokens', 'total_tokens': len(words) + 3}}))

    async def commit_item(self, ws, session, words, start_ms, end_ms,
                          vad=True):
        session.item_no += 1
        item_id = 'item_%d_%d' % (session.index, session.item_no)
        if vad:
            await ws.send(json.dumps({
                'type': 'input_audio_buffer.speech_started',
                'event_id': 'e', 'item_id': item_id,
                'audio_start_ms': start_ms}))
            await ws.send(json.dumps({
                'type': 'input_audio_buffer.speech_stopped',
                'event_id': 'e', 'item_id': item_id,
                'audio_end_ms': end_ms}))
        await ws.send(json.dumps({
            'type': 'input_audio_buffer.committed', 'event_id': 'e',
            'item_id': item_id, 'previous_item_id': session.last_item}))
        session.last_item = item_id
        session.committed_ms = end_ms
        await self.send_garbage(ws)
        for w in words:
            await ws.send(json.dumps({
                'type': 'conversation.item.input_audio_transcription.delta',
                'event_id': 'e', 'item_id': item_id, 'content_index': 0,
                'delta': w['word'] + ' '}))
        held = session.held
        if self.behaviour.out_of_order and held is None:
            session.held = (item_id, words)
            return
        await self.completion(ws, item_id, words)
        if held is not None:
            session.held = None
            await self.completion(ws, *held)

    async def flush_held(self, ws, session):
        if session.held is not None:
            held, session.held = session.held, None
            await self.completion(ws, *held)

    async def serve_session(self, ws, session, index):
        session.index = index
        session.item_no = 0
        session.last_item = None
        session.committed_ms = 0
        session.held = None
        await ws.send(json.dumps({'type': 'session.created',
                                  'event_id': 'e0',
                                  'session': {'type': 'transcription'}}))
        rec = None
        async for message in ws:
            if isinstance(message, bytes):
                session.violations.append('binary message')
                await self.send_error(ws, session, 'invalid_message',
                                      'binary messages are not accepted')
                continue
            msg = json.loads(message)
            kind = msg.get('type')
            if kind != 'input_audio_buffer.append':
                session.text_messages.append(message)
            if rec is None:
                if kind != 'session.update':
                    session.violations.append('%s before session.update' %
                                              kind)
                    continue
                session.config = msg
                sess = msg.get('session', {})
                fmt = sess.get('audio', {}).get('input', {}).get(
                    'format', {})
                if sess.get('type') != 'transcription' or \
                        fmt.get('type') != 'audio/pcm' or \
                        fmt.get('rate') != 24000:
                    session.violations.append('session %r' % sess)
                    await self.send_error(ws, session, 'invalid_value',
                                          'only audio/pcm at 24000 Hz')
                    continue
                rec = Recogniser(self.rate(session), 1)
                session.blocks = rec.blocks
                await ws.send(json.dumps({'type': 'session.updated',
                                          'event_id': 'e1',
                                          'session': sess}))
                continue
            if kind == 'input_audio_buffer.append':
                audio = base64.b64decode(msg['audio'], validate=True)
                session.audio_bytes += len(audio)
                session.frame_sizes.append(len(audio))
                session.audio_frames += len(audio) // 2
                rec.feed(audio)
                if await self.maybe_misbehave(ws, session, index):
                    return
                if self.behaviour.error_every_frame:
                    session.errors_sent = getattr(session, 'errors_sent',
                                                  0) + 1
                    await self.send_error(ws, session, 'rate_limited',
                                          'slow down')
                words, start, duration = rec.take_final()
                if words:
                    await self.commit_item(ws, session, words, _ms(start),
                                           _ms(start + duration))
            elif kind == 'input_audio_buffer.commit':
                session.eos = True
                session.eos_raw = message
                await self.finish_delay()
                while True:
                    words, start, duration = rec.take_final()
                    if words is None:
                        break
                    if words:
                        await self.commit_item(ws, session, words,
                                               _ms(start),
                                               _ms(start + duration))
                words, start, duration = rec.take_final(force=True)
                left_ms = rec.session_ms() - session.committed_ms
                if left_ms < 100 or words is None:
                    await self.flush_held(ws, session)
                    await self.send_error(
                        ws, session, 'input_audio_buffer_commit_empty',
                        'Error committing input audio buffer: buffer too '
                        'small. Expected at least 100ms of audio, but '
                        'buffer only has %dms of audio.' % left_ms)
                else:
                    # the client's commit: no speech_stopped of its own
                    await self.commit_item(ws, session, words,
                                           session.committed_ms,
                                           rec.session_ms(), vad=False)
                    await self.flush_held(ws, session)
                session.end = 'finished'
            else:
                session.violations.append('unexpected %s' % kind)
