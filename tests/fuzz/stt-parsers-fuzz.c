/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* libFuzzer target for the STT server-message parsers: whatever a server
 * sends, the adapters must refuse it with an error or turn it into events,
 * never crash, hang, leak or read out of bounds.
 *
 * Input: one control byte, then server messages separated by NUL bytes
 * (JSON text cannot contain NUL, so the separator never hides a case):
 *   control & 1     with bits 6-7, the backend: (control & 1) |
 *                   ((control >> 6) << 1) is 0 Deepgram, 1 Vosk,
 *                   2 AssemblyAI, 3 AssemblyAI without format_turns,
 *                   4-5 Speechmatics, 6 OpenAI, 7 OpenAI without server
 *                   VAD (the adapter commits)
 *   control & 2     interim results
 *   control & 4     diarize, and the vocabulary, end-of-turn silence and
 *                   max delay settings
 *   control & 8     end-of-stream sent after the first message
 *   (control >> 4) & 3   audio frames sent before each message (Vosk's
 *                   replies are matched to them, Speechmatics acknowledges
 *                   them, OpenAI's items end where they do)
 * Inputs from before bits 6-7 meant anything keep their meaning.
 * Each message also goes through describe_close as a close reason.
 *
 * scripts/fuzz.sh builds it with clang's libFuzzer and sanitizers and runs
 * it for a bounded time; tests/fuzz/replay.c runs the corpus in the test
 * suite so that every input found stays fixed. */

#include <string.h>

#include "stt-backend.h"

int LLVMFuzzerTestOneInput (const guint8 * data, size_t size);
int LLVMFuzzerInitialize (int *argc, char ***argv);

/* Building an adapter (URL, query, config) is not what is fuzzed here: one
 * per configuration is made once, and each input gets a fresh session. */
static GstSttAdapter *adapters[64];

static const struct
{
  GstSttBackend backend;
  const gchar *extra;
} kinds[8] = {
  {GST_STT_BACKEND_DEEPGRAM, NULL},
  {GST_STT_BACKEND_VOSK, NULL},
  {GST_STT_BACKEND_ASSEMBLYAI, NULL},
  {GST_STT_BACKEND_ASSEMBLYAI, "{\"format_turns\": false}"},
  {GST_STT_BACKEND_SPEECHMATICS, NULL},
  {GST_STT_BACKEND_SPEECHMATICS, NULL},
  {GST_STT_BACKEND_OPENAI, NULL},
  /* without server VAD: the adapter's own commits */
  {GST_STT_BACKEND_OPENAI,
      "{\"audio\": {\"input\": {\"turn_detection\": null}}}"},
};

static guint
kind_of (guint8 control)
{
  return (control & 1) | ((control >> 6) << 1);
}

static GstSttAdapter *
make_adapter (guint8 control)
{
  GstSttSettings s = {
    .backend = kinds[kind_of (control)].backend,
    .url = "ws://127.0.0.1:1/fuzz",
    .interim_results = (control & 2) != 0,
    .diarize = (control & 4) != 0,
    .extra = kinds[kind_of (control)].extra,
    .rate = kinds[kind_of (control)].backend == GST_STT_BACKEND_OPENAI ?
        24000 : 16000,
    .channels = 1,
    .vocabulary = (control & 4) ? "one, two words" : NULL,
    .end_of_turn_silence_ms = (control & 4) ? 300 : 0,
    .max_delay_ms = (control & 4) ? 1500 : 0,
  };

  return gst_stt_adapter_new (&s, NULL);
}

static GstSttAdapter *
adapter_for (guint8 control)
{
  GstSttAdapter **a = &adapters[(control & 0x0f) | ((control >> 6) << 4)];

  if (*a == NULL)
    *a = make_adapter (control);
  if (*a != NULL)
    gst_stt_adapter_start_session (*a);
  return *a;
}

static void
send_frames (GstSttAdapter * a, guint n)
{
  static const guint8 silence[320];
  static const guint8 loud[320] = { 0x00, 0x40, 0x00, 0xc0, 0x00, 0x40 };
  gboolean is_text;
  guint i;

  for (i = 0; i < n && gst_stt_adapter_may_send_audio (a); i++) {
    GBytes *frame = gst_stt_adapter_frame_audio (a, (i & 1) ? silence : loud,
        sizeof (silence), &is_text);

    g_bytes_unref (frame);
    g_free (gst_stt_adapter_after_audio_message (a));
  }
}

static void
check_event (const GstSttEvent * ev)
{
  guint i;

  /* What the element reads of every event must be there. */
  g_assert (ev->words != NULL);
  g_assert (gst_stt_event_type_name (ev->type) != NULL);
  if (ev->type == GST_STT_EVENT_PARTIAL || ev->type == GST_STT_EVENT_FINAL)
    g_assert (ev->text != NULL && g_utf8_validate (ev->text, -1, NULL));
  if (ev->type == GST_STT_EVENT_METADATA)
    g_assert (ev->json != NULL);
  /* every string valid UTF-8, no time running backwards */
  g_assert (ev->speaker == NULL || g_utf8_validate (ev->speaker, -1, NULL));
  g_assert (ev->kind == NULL || g_utf8_validate (ev->kind, -1, NULL));
  g_assert (ev->start_ms < 0 || ev->end_ms < 0 || ev->start_ms <= ev->end_ms);
  for (i = 0; i < ev->words->len; i++) {
    const GstSttWord *w = &g_array_index (ev->words, GstSttWord, i);

    g_assert (w->text != NULL && g_utf8_validate (w->text, -1, NULL));
    g_assert (w->speaker == NULL || g_utf8_validate (w->speaker, -1, NULL));
    g_assert (w->start_ms >= 0 && w->start_ms <= w->end_ms);
  }
}

int
LLVMFuzzerTestOneInput (const guint8 * data, size_t size)
{
  GstSttAdapter *a;
  guint8 control;
  gsize pos = 1;
  guint n = 0;

  if (size < 1)
    return 0;
  control = data[0];
  a = adapter_for (control);
  if (a == NULL)
    return 0;

  while (pos <= size) {
    const guint8 *end = memchr (data + pos, 0, size - pos);
    gsize len = end ? (gsize) (end - (data + pos)) : size - pos;
    GPtrArray *events = g_ptr_array_new_with_free_func ((GDestroyNotify)
        gst_stt_event_free);
    GError *err = NULL;
    gboolean fatal;
    gchar *reason, *text;
    guint i;

    send_frames (a, (control >> 4) & 3);
    if (n == 1 && (control & 8)) {
      text = gst_stt_adapter_eos_message (a);
      g_free (text);
    }
    if (gst_stt_adapter_parse (a, (const gchar *) data + pos, len, events,
            &err)) {
      g_assert (err == NULL);
      for (i = 0; i < events->len; i++)
        check_event (g_ptr_array_index (events, i));
    } else {
      g_assert (err != NULL && events->len == 0);
      g_error_free (err);
    }
    g_ptr_array_unref (events);

    /* the same bytes as a close reason, when they are text */
    if (len < 512 && g_utf8_validate ((const gchar *) data + pos, len, NULL)) {
      gchar *r = g_strndup ((const gchar *) data + pos, len);

      reason = gst_stt_adapter_describe_close (a, (gushort) (len * 7), r,
          &fatal);
      g_assert (reason != NULL);
      gst_stt_adapter_close_is_auth (a, (gushort) (len * 7));
      g_free (reason);
      g_free (r);
    }
    text = gst_stt_adapter_keepalive_message (a);
    g_free (text);

    pos += len + 1;
    n++;
  }
  return 0;
}

/* One-time allocations (GLib's type system, quarks, json-glib's types,
 * the adapters) happen here, so that the leak checker sees only per-input
 * leaks. */
int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  static const gchar warm_up[] =
      "\x03{\"type\":\"Results\",\"channel\":{\"alternatives\":"
      "[{\"transcript\":\"a\"}]}}";
  static const gchar warm_up_vosk[] = "\x13{\"partial\":\"a\"}";
  guint i;

  for (i = 0; i < 256; i++)
    adapter_for (i);
  LLVMFuzzerTestOneInput ((const guint8 *) warm_up, sizeof (warm_up) - 1);
  static const gchar warm_up_assemblyai[] = "\x42{\"type\":\"Turn\","
      "\"turn_order\":0,\"end_of_turn\":true,\"words\":[{\"text\":\"a\"}]}";
  static const gchar warm_up_speechmatics[] = "\x92{\"message\":"
      "\"RecognitionStarted\"}";
  static const gchar warm_up_openai[] = "\xd2{\"type\":"
      "\"input_audio_buffer.committed\",\"item_id\":\"a\"}";

  LLVMFuzzerTestOneInput ((const guint8 *) warm_up_vosk,
      sizeof (warm_up_vosk) - 1);
  LLVMFuzzerTestOneInput ((const guint8 *) warm_up_assemblyai,
      sizeof (warm_up_assemblyai) - 1);
  LLVMFuzzerTestOneInput ((const guint8 *) warm_up_speechmatics,
      sizeof (warm_up_speechmatics) - 1);
  LLVMFuzzerTestOneInput ((const guint8 *) warm_up_openai,
      sizeof (warm_up_openai) - 1);
  return 0;
}
