/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* OpenAI Realtime API, transcription sessions (`?intent=transcription`).
 *
 * Authentication is `Authorization: Bearer <key>`. The first message is
 * `session.update` with `session.type=transcription`, the audio format
 * (PCM at 24 kHz, mono: the only rate the service takes) and the
 * transcription model. Audio goes out base64-encoded in text messages,
 * `input_audio_buffer.append {audio}`. The service's voice detector cuts
 * the buffer into items: `speech_started` / `speech_stopped` give an
 * item's span in ms of session audio, `input_audio_buffer.committed`
 * names the item and the one before it (`previous_item_id`), then
 * `...input_audio_transcription.delta` messages build its text and
 * `...completed {transcript}` ends it.
 *
 * Completions of consecutive items may arrive out of order, so finals are
 * held until every item before them (by previous_item_id) is complete:
 * finals go out in the order of the audio, and what a final commits never
 * skips an item still being transcribed. End of stream is
 * `input_audio_buffer.commit`: the tail after the last detected speech
 * becomes one more item (or the service answers with an error that there
 * was nothing to commit); the session is finished when every committed item
 * is complete. Errors come in-band as `error {error: {type, code,
 * message}}`; the socket stays open.
 *
 * The diarizing model sends `...segment {text, speaker, start, end}` for
 * parts of an item before it completes: segments become the final's
 * words, each with its speaker, so speaker turns follow them. Their times
 * are taken as seconds from the start of the item's audio.
 *
 * With `turn_detection: null` (in extra; some models need it) the service
 * cuts nothing: the client commits. The adapter watches the level of the
 * audio it sends and commits after speech followed by silence
 * (end-of-turn-silence-ms, else SILENCE_COMMIT_MS), and at the latest
 * every MAX_COMMIT_MS, so that finals come during the stream, not only at
 * its end. `vocabulary` is the transcription `prompt`,
 * `end-of-turn-silence-ms` the server VAD's `silence_duration_ms`.
 * Checked against openai-python's realtime types
 * (src/openai/types/realtime/: conversation_item_input_audio_transcription_
 * segment.py, realtime_audio_input_turn_detection.py,
 * audio_transcription.py) and the Realtime transcription guide
 * (platform.openai.com/docs/guides/realtime-transcription). */

#include "stt-adapter.h"
#include "stt-json.h"
#include "stt-request.h"

#include <string.h>

#define DEFAULT_MODEL "gpt-4o-transcribe"
#define COMMIT_MESSAGE "{\"type\":\"input_audio_buffer.commit\"}"
#define APPEND_HEAD "{\"type\":\"input_audio_buffer.append\",\"audio\":\""
#define APPEND_TAIL "\"}"

#define EV_PREFIX "conversation.item.input_audio_transcription."

/* Bounds on what a server can make the adapter remember. */
#define MAX_ITEMS 256
#define MAX_ITEM_TEXT (64 * 1024)
#define MAX_ITEM_SEGMENTS 256

/* Client commits (no server VAD): silence after speech that ends a turn,
 * the longest a turn may run, the least the service commits (100 ms), and
 * the level (RMS of S16 samples, about -40 dBFS) that counts as speech. */
#define SILENCE_COMMIT_MS 500
#define MAX_COMMIT_MS 10000
#define MIN_COMMIT_MS 100
#define SPEECH_RMS 330.0
#define MAX_PENDING_COMMITS 64

typedef struct
{
  gchar *id;
  gchar *previous_id;           /* as committed, or NULL */
  gboolean committed;
  gboolean done;                /* completed or failed */
  gint64 start_ms;              /* GST_STT_TIME_NONE until known */
  gint64 end_ms;
  GString *text;                /* deltas, then the completed transcript */
  GArray *segments;             /* of GstSttWord: the diarizer's segments */
} Item;

typedef struct
{
  GPtrArray *items;             /* of Item: committed ones in audio order,
                                 * then the ones only heard of */
  guint64 sent_frames;          /* audio sent this session */
  gint64 sent_ms;
  gint64 final_end_ms;          /* end of the last final */
  gboolean commit_answered;     /* the end-of-stream commit was answered */
  gint64 eos_sent_ms;           /* audio sent when the commit went */

  /* client commits, when server VAD is off */
  gboolean client_commits;
  guint silence_commit_ms;
  gint64 committed_ms;          /* audio sent up to our last commit */
  gint64 silence_ms;            /* silence since the last speech */
  gboolean speech;              /* speech since our last commit */
  GArray *commits;              /* of gint64: where commits not yet
                                 * answered end, oldest first */
} OpenAIState;

static void
segment_clear (gpointer data)
{
  GstSttWord *w = data;

  g_free (w->text);
  g_free (w->speaker);
}

static void
item_free (gpointer data)
{
  Item *item = data;

  g_free (item->id);
  g_free (item->previous_id);
  g_string_free (item->text, TRUE);
  g_array_unref (item->segments);
  g_free (item);
}

/* The language as the service wants it: ISO-639-1, "en" of "en-US". */
static gchar *
iso_language (const gchar * language)
{
  const gchar *dash = strchr (language, '-');

  return dash != NULL ? g_strndup (language, dash - language) :
      g_strdup (language);
}

/* Whether the session asks for no turn detection: a null
 * audio.input.turn_detection. */
static gboolean
server_vad_off (JsonObject * session)
{
  JsonObject *input = gst_stt_json_object (gst_stt_json_object (session,
          "audio"), "input");
  JsonNode *td = input != NULL ?
      json_object_get_member (input, "turn_detection") : NULL;

  return td != NULL && JSON_NODE_HOLDS_NULL (td);
}

static gchar *
build_session_update (GstSttAdapter * a, gboolean * client_commits)
{
  JsonObject *root = json_object_new ();
  JsonObject *session = json_object_new ();
  JsonObject *audio = json_object_new ();
  JsonObject *input = json_object_new ();
  JsonObject *format = json_object_new ();
  JsonObject *transcription = json_object_new ();
  gchar *text;

  json_object_set_string_member (format, "type", "audio/pcm");
  json_object_set_int_member (format, "rate", a->rate);
  json_object_set_object_member (input, "format", format);

  json_object_set_string_member (transcription, "model",
      a->model != NULL ? a->model : DEFAULT_MODEL);
  if (a->language != NULL) {
    gchar *lang = iso_language (a->language);

    json_object_set_string_member (transcription, "language", lang);
    g_free (lang);
  }
  if (a->vocabulary != NULL) {
    gchar *prompt = g_strjoinv (", ", a->vocabulary);

    json_object_set_string_member (transcription, "prompt", prompt);
    g_free (prompt);
  }
  json_object_set_object_member (input, "transcription", transcription);
  /* extra's null turns server VAD off (not just our settings of it) */
  *client_commits = a->extra != NULL && server_vad_off (a->extra);
  if (a->end_of_turn_silence_ms > 0 && !*client_commits) {
    JsonObject *vad = json_object_new ();

    json_object_set_string_member (vad, "type", "server_vad");
    json_object_set_int_member (vad, "silence_duration_ms",
        a->end_of_turn_silence_ms);
    json_object_set_object_member (input, "turn_detection", vad);
  }
  json_object_set_object_member (audio, "input", input);

  json_object_set_string_member (session, "type", "transcription");
  json_object_set_object_member (session, "audio", audio);
  if (a->extra != NULL)
    gst_stt_json_merge (session, a->extra);

  json_object_set_string_member (root, "type", "session.update");
  json_object_set_object_member (root, "session", session);
  text = gst_stt_json_object_to_string (root);
  json_object_unref (root);
  return text;
}

static gboolean
openai_init (GstSttAdapter * a, GError ** error)
{
  OpenAIState *st;
  GstSttQuery q;
  gboolean ok;

  /* The transcription intent, unless the url already says what it wants. */
  gst_stt_query_init (&q);
  if (a->url != NULL && strstr (a->url, "intent=") == NULL)
    gst_stt_query_add (&q, "intent", "transcription");
  ok = gst_stt_request_set_url (&a->request,
      a->url != NULL ? a->url : a->info->default_url, &q, error);
  gst_stt_query_clear (&q);
  if (!ok)
    return FALSE;

  if (a->api_key != NULL) {
    gchar *auth = g_strconcat ("Bearer ", a->api_key, NULL);

    gst_stt_request_add_header (&a->request, "Authorization", auth);
    memset (auth, 0, strlen (auth));
    g_free (auth);
  }
  st = g_new0 (OpenAIState, 1);
  st->items = g_ptr_array_new_with_free_func (item_free);
  st->commits = g_array_new (FALSE, FALSE, sizeof (gint64));
  a->request.first_message = build_session_update (a, &st->client_commits);
  st->silence_commit_ms = a->end_of_turn_silence_ms > 0 ?
      a->end_of_turn_silence_ms : SILENCE_COMMIT_MS;
  a->state = st;
  return TRUE;
}

static void
openai_state_free (gpointer data)
{
  OpenAIState *st = data;

  g_ptr_array_unref (st->items);
  g_array_unref (st->commits);
  g_free (st);
}

static void
openai_start_session (GstSttAdapter * a)
{
  OpenAIState *st = a->state;

  g_ptr_array_set_size (st->items, 0);
  st->sent_frames = 0;
  st->sent_ms = 0;
  st->final_end_ms = 0;
  st->commit_answered = FALSE;
  st->eos_sent_ms = 0;
  st->committed_ms = 0;
  st->silence_ms = 0;
  st->speech = FALSE;
  g_array_set_size (st->commits, 0);
}

/* Whether @size bytes of S16 audio are louder than SPEECH_RMS. */
static gboolean
frame_is_speech (const guint8 * data, gsize size)
{
  gsize i, n = size / 2;
  gdouble sum = 0;

  for (i = 0; i < n; i++) {
    gint16 v = (gint16) (data[2 * i] | (data[2 * i + 1] << 8));

    sum += (gdouble) v * v;
  }
  return n > 0 && sum / n >= SPEECH_RMS * SPEECH_RMS;
}

static GBytes *
openai_frame_audio (GstSttAdapter * a, const guint8 * data, gsize size,
    gboolean * is_text)
{
  OpenAIState *st = a->state;
  gchar *b64 = g_base64_encode (data, size);
  gint64 before;
  gsize n = strlen (b64);
  gsize total = sizeof (APPEND_HEAD) - 1 + n + sizeof (APPEND_TAIL) - 1;
  guint8 *out = g_malloc (total);

  memcpy (out, APPEND_HEAD, sizeof (APPEND_HEAD) - 1);
  memcpy (out + sizeof (APPEND_HEAD) - 1, b64, n);
  memcpy (out + sizeof (APPEND_HEAD) - 1 + n, APPEND_TAIL,
      sizeof (APPEND_TAIL) - 1);
  g_free (b64);

  before = st->sent_ms;
  st->sent_frames += size / (2 * (gsize) a->channels);
  st->sent_ms = (gint64) (st->sent_frames * 1000 / (guint64) a->rate);
  /* without server VAD: where speech and silence are, for our commits */
  if (st->client_commits && frame_is_speech (data, size)) {
    st->speech = TRUE;
    st->silence_ms = 0;
  } else if (st->client_commits) {
    st->silence_ms += st->sent_ms - before;
  }
  *is_text = TRUE;
  return g_bytes_new_take (out, total);
}

/* Without server VAD: a commit after speech and enough silence, or when
 * the turn has run MAX_COMMIT_MS. */
static gchar *
openai_after_audio (GstSttAdapter * a)
{
  OpenAIState *st = a->state;
  gint64 buffered;

  if (!st->client_commits)
    return NULL;
  buffered = st->sent_ms - st->committed_ms;
  if (buffered < MIN_COMMIT_MS || st->commits->len >= MAX_PENDING_COMMITS)
    return NULL;
  if (!(st->speech && st->silence_ms >= st->silence_commit_ms) &&
      buffered < MAX_COMMIT_MS)
    return NULL;
  st->committed_ms = st->sent_ms;
  st->speech = FALSE;
  g_array_append_val (st->commits, st->sent_ms);
  return g_strdup (COMMIT_MESSAGE);
}

static gchar *
openai_eos (GstSttAdapter * a)
{
  OpenAIState *st = a->state;

  st->eos_sent_ms = st->sent_ms;
  return g_strdup (COMMIT_MESSAGE);
}

static Item *
find_item (OpenAIState * st, const gchar * id, guint * index)
{
  guint i;

  for (i = 0; id != NULL && i < st->items->len; i++) {
    Item *item = g_ptr_array_index (st->items, i);

    if (g_str_equal (item->id, id)) {
      if (index != NULL)
        *index = i;
      return item;
    }
  }
  return NULL;
}

/* The item @id, heard of for the first time if need be; NULL when the
 * server names too many items at once. */
static Item *
get_item (OpenAIState * st, const gchar * id)
{
  Item *item = find_item (st, id, NULL);

  if (item != NULL || id == NULL)
    return item;
  if (st->items->len >= MAX_ITEMS)
    return NULL;
  item = g_new0 (Item, 1);
  item->id = g_strdup (id);
  item->start_ms = item->end_ms = GST_STT_TIME_NONE;
  item->text = g_string_new (NULL);
  item->segments = g_array_new (FALSE, TRUE, sizeof (GstSttWord));
  g_array_set_clear_func (item->segments, segment_clear);
  g_ptr_array_add (st->items, item);
  return item;
}

/* Number of committed items: they come first, in audio order. */
static guint
committed_count (OpenAIState * st)
{
  guint n = 0;

  while (n < st->items->len &&
      ((Item *) g_ptr_array_index (st->items, n))->committed)
    n++;
  return n;
}

/* Places a newly committed item: after the one it follows, before one
 * that follows it, else after every committed item. */
static void
order_item (OpenAIState * st, Item * item)
{
  guint n, i, from = 0, to;

  find_item (st, item->id, &from);
  g_ptr_array_steal_index (st->items, from);
  n = committed_count (st);
  to = n;
  for (i = 0; i < n; i++) {
    Item *other = g_ptr_array_index (st->items, i);

    if (item->previous_id != NULL && g_str_equal (other->id,
            item->previous_id)) {
      to = i + 1;
      break;
    }
    if (other->previous_id != NULL && g_str_equal (other->previous_id,
            item->id)) {
      to = i;
      break;
    }
  }
  g_ptr_array_insert (st->items, to, item);
  item->committed = TRUE;
}

static void
emit_utterance_end (GPtrArray * events, gint64 at)
{
  GstSttEvent *ev = gst_stt_event_new (GST_STT_EVENT_UTTERANCE_END);

  ev->end_ms = at;
  g_ptr_array_add (events, ev);
}

/* The diarizer's segments as the final's words, placed on the session's
 * timeline from the item's start. */
static void
add_segments (GstSttEvent * ev, Item * item)
{
  guint i;

  for (i = 0; i < item->segments->len; i++) {
    const GstSttWord *seg = &g_array_index (item->segments, GstSttWord, i);

    gst_stt_event_add_word (ev, seg->text, ev->start_ms + seg->start_ms,
        ev->start_ms + seg->end_ms, GST_STT_CONFIDENCE_NONE, seg->speaker);
  }
  if (ev->words->len > 0)
    ev->speaker = g_strdup (g_array_index (ev->words, GstSttWord,
            0).speaker);
}

/* Finals for the complete items at the head of the committed order. */
static void
drain (GstSttAdapter * a, GPtrArray * events)
{
  OpenAIState *st = a->state;

  while (st->items->len > 0) {
    Item *item = g_ptr_array_index (st->items, 0);
    GstSttEvent *ev;

    if (!item->committed || !item->done)
      break;
    ev = gst_stt_event_new (GST_STT_EVENT_FINAL);
    ev->text = g_strstrip (g_strdup (item->text->str));
    ev->start_ms = item->start_ms >= 0 ? item->start_ms : st->final_end_ms;
    ev->end_ms = item->end_ms >= 0 ? item->end_ms : ev->start_ms;
    add_segments (ev, item);
    st->final_end_ms = MAX (st->final_end_ms, ev->end_ms);
    g_ptr_array_add (events, ev);
    g_ptr_array_remove_index (st->items, 0);
  }
}

/* Finished: the end-of-stream commit was answered and every committed item
 * is posted. Items only heard of (never committed) are not waited for. */
static void
check_finished (GstSttAdapter * a)
{
  OpenAIState *st = a->state;

  if (a->eos_sent && st->commit_answered && committed_count (st) == 0)
    a->finished = TRUE;
}

static gboolean
parse_committed (GstSttAdapter * a, JsonObject * msg, GPtrArray * events,
    GError ** error)
{
  OpenAIState *st = a->state;
  const gchar *id = gst_stt_json_string (msg, "item_id");
  Item *item;

  if (id == NULL) {
    g_set_error (error, GST_STT_ERROR, GST_STT_ERROR_MALFORMED,
        "input_audio_buffer.committed without item_id");
    return FALSE;
  }
  item = get_item (st, id);
  if (item == NULL || item->committed)
    return TRUE;
  g_free (item->previous_id);
  item->previous_id = g_strdup (gst_stt_json_string (msg,
          "previous_item_id"));

  /* Without server VAD, every commit is the answer to one of ours, in
   * order: it ends where that commit did. */
  if (st->commits->len > 0) {
    if (item->end_ms < 0)
      item->end_ms = g_array_index (st->commits, gint64, 0);
    g_array_remove_index (st->commits, 0);
  } else if (a->eos_sent && item->end_ms < 0) {
    /* A commit after end-of-stream of audio the voice detector did not
     * close is the answer to ours: it ends where the audio did. */
    st->commit_answered = TRUE;
    item->end_ms = st->eos_sent_ms;
  }
  if (item->end_ms < 0)
    item->end_ms = st->sent_ms;
  order_item (st, item);
  /* one that started before the detector said so begins where the one
   * before it ended */
  if (item->start_ms < 0) {
    guint index = 0;

    find_item (st, item->id, &index);
    item->start_ms = index > 0 ?
        ((Item *) g_ptr_array_index (st->items, index - 1))->end_ms :
        st->final_end_ms;
  }
  drain (a, events);
  return TRUE;
}

static gboolean
parse_transcription (GstSttAdapter * a, JsonObject * msg, const gchar * what,
    GPtrArray * events, GError ** error)
{
  OpenAIState *st = a->state;
  const gchar *id = gst_stt_json_string (msg, "item_id");
  Item *item;

  if (id == NULL) {
    g_set_error (error, GST_STT_ERROR, GST_STT_ERROR_MALFORMED,
        EV_PREFIX "%s without item_id", what);
    return FALSE;
  }
  item = get_item (st, id);
  if (item == NULL || item->done)
    return TRUE;

  if (g_str_equal (what, "delta")) {
    const gchar *delta = gst_stt_json_string (msg, "delta");
    GstSttEvent *ev;

    if (delta == NULL || item->text->len + strlen (delta) > MAX_ITEM_TEXT)
      return TRUE;
    g_string_append (item->text, delta);
    if (!a->interim_results || item->text->len == 0)
      return TRUE;
    ev = gst_stt_event_new (GST_STT_EVENT_PARTIAL);
    ev->text = g_strstrip (g_strdup (item->text->str));
    ev->start_ms = item->start_ms >= 0 ? item->start_ms : st->final_end_ms;
    ev->end_ms = item->end_ms >= 0 ? item->end_ms : st->sent_ms;
    g_ptr_array_add (events, ev);
    return TRUE;
  }

  if (g_str_equal (what, "segment")) {
    const gchar *text = gst_stt_json_string (msg, "text");
    gdouble start = 0, end = 0;
    GstSttWord seg;

    if (text == NULL) {
      g_set_error (error, GST_STT_ERROR, GST_STT_ERROR_MALFORMED,
          EV_PREFIX "segment without text");
      return FALSE;
    }
    if (item->segments->len >= MAX_ITEM_SEGMENTS || text[0] == '\0' ||
        strlen (text) > MAX_ITEM_TEXT)
      return TRUE;
    gst_stt_json_double (msg, "start", &start);
    gst_stt_json_double (msg, "end", &end);
    seg.text = g_strstrip (g_strdup (text));
    seg.start_ms = gst_stt_seconds_to_ms (start);
    seg.end_ms = MAX (seg.start_ms, gst_stt_seconds_to_ms (end));
    seg.confidence = GST_STT_CONFIDENCE_NONE;
    seg.speaker = g_strdup (gst_stt_json_string (msg, "speaker"));
    g_array_append_val (item->segments, seg);
    return TRUE;
  }

  if (g_str_equal (what, "completed")) {
    const gchar *transcript = gst_stt_json_string (msg, "transcript");

    if (transcript == NULL) {
      g_set_error (error, GST_STT_ERROR, GST_STT_ERROR_MALFORMED,
          EV_PREFIX "completed without transcript");
      return FALSE;
    }
    g_string_assign (item->text, "");
    g_string_append_len (item->text, transcript,
        MIN (strlen (transcript), MAX_ITEM_TEXT));
    item->done = TRUE;
  } else if (g_str_equal (what, "failed")) {
    JsonObject *err = gst_stt_json_object (msg, "error");

    /* failed: said, and its place in the order given up */
    gst_stt_add_error (events, gst_stt_json_string (err, "message") ?
        gst_stt_json_string (err, "message") : "transcription failed",
        gst_stt_json_string (err, "code"));
    g_string_assign (item->text, "");
    item->done = TRUE;
  }
  drain (a, events);
  return TRUE;
}

static gboolean
parse_error (GstSttAdapter * a, JsonObject * msg, GPtrArray * events)
{
  OpenAIState *st = a->state;
  JsonObject *err = gst_stt_json_object (msg, "error");
  const gchar *code = gst_stt_json_string (err, "code");
  const gchar *type = gst_stt_json_string (err, "type");
  GstSttEvent *ev;

  /* A commit of ours found nothing to commit: an earlier one of our
   * own without server VAD (answers come in order), else the one at
   * end-of-stream, when everything was in items already. Expected, not
   * worth a warning. */
  if (code != NULL && g_str_has_prefix (code, "input_audio_buffer_commit")) {
    if (st->commits->len > 0) {
      g_array_remove_index (st->commits, 0);
      return TRUE;
    }
    if (a->eos_sent && !st->commit_answered) {
      st->commit_answered = TRUE;
      return TRUE;
    }
  }
  ev = gst_stt_add_error (events, gst_stt_json_string (err, "message"),
      code != NULL ? code : type);
  if (g_strcmp0 (code, "invalid_api_key") == 0 ||
      g_strcmp0 (type, "authentication_error") == 0)
    ev->fatal = ev->auth = TRUE;
  return TRUE;
}

static gboolean
openai_parse (GstSttAdapter * a, JsonObject * msg, const gchar * raw,
    GPtrArray * events, GError ** error)
{
  OpenAIState *st = a->state;
  const gchar *type = gst_stt_json_string (msg, "type");
  gboolean ok = TRUE;

  if (type == NULL) {
    g_set_error (error, GST_STT_ERROR, GST_STT_ERROR_MALFORMED,
        "message without a type");
    return FALSE;
  }

  if (g_str_has_prefix (type, EV_PREFIX)) {
    ok = parse_transcription (a, msg, type + strlen (EV_PREFIX), events,
        error);
  } else if (g_str_equal (type, "input_audio_buffer.committed")) {
    ok = parse_committed (a, msg, events, error);
  } else if (g_str_equal (type, "input_audio_buffer.speech_started") ||
      g_str_equal (type, "input_audio_buffer.speech_stopped")) {
    gboolean started = g_str_has_suffix (type, "started");
    Item *item = get_item (st, gst_stt_json_string (msg, "item_id"));
    gdouble ms;

    if (!gst_stt_json_double (msg, started ? "audio_start_ms" :
            "audio_end_ms", &ms)) {
      g_set_error (error, GST_STT_ERROR, GST_STT_ERROR_MALFORMED,
          "%s without its time", type);
      return FALSE;
    }
    if (item != NULL && !item->committed) {
      if (started)
        item->start_ms = gst_stt_seconds_to_ms (ms / 1000.0);
      else
        item->end_ms = gst_stt_seconds_to_ms (ms / 1000.0);
    }
    if (!started)
      emit_utterance_end (events, gst_stt_seconds_to_ms (ms / 1000.0));
  } else if (g_str_equal (type, "error")) {
    ok = parse_error (a, msg, events);
  } else if (g_str_has_prefix (type, "session.") ||
      g_str_has_prefix (type, "transcription_session.")) {
    gst_stt_add_metadata (events, type, raw);
  }
  /* else: a message type added after this was written, not an error */

  if (ok)
    check_finished (a);
  return ok;
}

static gsize
openai_held_bytes (gpointer data)
{
  OpenAIState *st = data;
  gsize n = st->items->len * sizeof (gpointer);
  guint i;

  for (i = 0; i < st->items->len; i++) {
    Item *item = g_ptr_array_index (st->items, i);

    guint j;

    n += sizeof (Item) + sizeof (GString) + item->text->allocated_len +
        strlen (item->id) + 1 +
        (item->previous_id ? strlen (item->previous_id) + 1 : 0);
    for (j = 0; j < item->segments->len; j++) {
      const GstSttWord *w = &g_array_index (item->segments, GstSttWord, j);

      n += sizeof (GstSttWord) + strlen (w->text) + 1 +
          (w->speaker ? strlen (w->speaker) + 1 : 0);
    }
  }
  return n;
}

static const GstSttBackendOps openai_ops = {
  .init = openai_init,
  .state_free = openai_state_free,
  .start_session = openai_start_session,
  .frame_audio = openai_frame_audio,
  .eos = openai_eos,
  .after_audio = openai_after_audio,
  .parse = openai_parse,
  .held_bytes = openai_held_bytes,
};

const GstSttBackendOps *
gst_stt_openai_get_ops (void)
{
  return &openai_ops;
}
