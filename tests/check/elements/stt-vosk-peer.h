/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#pragma once

/* A Vosk-protocol peer for the STT element tests (sttpushsink,
 * stttranscriber): libsoup's WebSocket server on 127.0.0.1 port 0, in a
 * thread and GMainContext of its own. Config first, one reply per audio
 * frame: a final every RESULT_EVERY frames (word wN from N * 0.5 s to
 * N * 0.5 + 0.4 s, session time), a partial otherwise; `{"eof" : 1}` is
 * answered with a last result ("last", just after the audio), then close. */

#include <gst/check/gstcheck.h>
#include <libsoup/soup.h>

#define RESULT_EVERY 5          /* a final every 5 frames */

typedef struct
{
  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  SoupServer *server;
  guint16 port;
  GPtrArray *conns;

  GMutex lock;
  GCond cond;
  gboolean ready;
  gchar *first_text;            /* the config message */
  guint64 bytes;
  guint frames;
  guint replies;
  gboolean got_eof;
  gboolean refuse;              /* answer the handshake with 403 */
} VoskPeer;

VoskPeer * vosk_peer_new  (gboolean refuse);
void       vosk_peer_free (VoskPeer * p);
gchar *    vosk_peer_url  (VoskPeer * p);

/* S16LE mono silence of @frames from @first_frame on, timestamped. */
GstBuffer * stt_test_silence (gint rate, guint64 first_frame, guint frames);
