/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* stt-reference-server: an offline speech-to-text server that speaks the
 * Vosk server protocol over a WebSocket and recognises with pocketsphinx
 * (Debian's pocketsphinx 0.8 / 5prealpha and its US English model), so that
 * `sttpushsink backend=vosk` can be tried without any cloud account.
 *
 * Protocol, as vosk-server's websocket/asr_server.py:
 *   text   {"config": {"sample_rate": N, ...}}   before audio; default 8000
 *   binary mono S16LE at that rate                 one reply each:
 *            {"partial": "..."}                    while an utterance goes on
 *            {"result": [words], "text": "..."}    when it ends (silence)
 *   text   {"eof" : 1}                             the last result, then close
 * Words are {"word", "start", "end", "conf"}, times in seconds from the
 * start of the session's audio.
 *
 * Audio at any rate is resampled to the model's 16 kHz. pocketsphinx's
 * voice activity detection ends utterances; its word times are relative to
 * an utterance whose start the detector places within about 0.2 s, so word
 * times are approximate. Accuracy is pocketsphinx's: fine for clear speech
 * and a demo, not for production.
 *
 * Usage: stt-reference-server [--host 127.0.0.1] [--port 2700]
 *            [--hmm DIR] [--lm FILE] [--dict FILE] [--verbose]
 * Prints "listening on ws://HOST:PORT" on stdout once ready (with --port 0,
 * the port the system chose).
 */

#include <glib.h>
#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <math.h>
#include <pocketsphinx.h>
#include <sphinxbase/cmn.h>
#include <sphinxbase/feat.h>
#include <signal.h>
#include <string.h>

#define MODEL_DIR "/usr/share/pocketsphinx/model/en-us"
#define DEFAULT_HMM MODEL_DIR "/en-us"
#define DEFAULT_LM MODEL_DIR "/en-us.lm.bin"
#define DEFAULT_DICT MODEL_DIR "/cmudict-en-us.dict"

#define MODEL_RATE 16000
#define DEFAULT_RATE 8000       /* Vosk's, without a config message */
#define FRAMES_PER_SECOND 100   /* pocketsphinx's -frate */
/* audio the detector keeps before the onset of speech (-vad_prespeech) */
#define PRESPEECH_SECONDS 0.2
#define EOF_MESSAGE "{\"eof\" : 1}"
#define MAX_PAYLOAD (4 * 1024 * 1024)

static gboolean verbose = FALSE;

typedef struct
{
  cmd_ln_t *config;
  GPtrArray *idle;              /* of ps_decoder_t, ready for a session */
  /* a fresh decoder's cepstral mean normalisation: mean, running sum and
   * frame count */
  mfcc_t *initial_mean;
  mfcc_t *initial_sum;
  gint32 initial_nframe;
  gint32 veclen;
} Recogniser;

/* Linear-interpolation resampler with a box pre-filter when going down:
 * plenty for a recogniser that looks at 16 kHz speech. */
typedef struct
{
  gint in_rate;
  gdouble step;                 /* input samples per output sample */
  gdouble pos;                  /* next output position, in input samples,
                                 * relative to the current block */
  gint16 last;                  /* the previous block's last sample */
} Resampler;

typedef struct
{
  Recogniser *rec;
  SoupWebsocketConnection *conn;
  ps_decoder_t *ps;
  Resampler rs;
  GArray *pcm;                  /* 16 kHz samples of the current block */
  guint64 samples;              /* 16 kHz samples fed this session */
  gboolean in_utterance;
  gdouble utterance_base;       /* seconds: where utterance frame 0 is */
  gboolean audio_seen;
  guint replies;
} Session;

/* ------------------------------------------------------------------------ */
/* Resampling                                                                */

static void
resampler_init (Resampler * rs, gint in_rate)
{
  rs->in_rate = in_rate;
  rs->step = (gdouble) in_rate / MODEL_RATE;
  rs->pos = 0;
  rs->last = 0;
}

static gint16
sample_at (const gint16 * in, gint n, gint16 last, gint i)
{
  if (i < 0)
    return last;
  return in[MIN (i, n - 1)];
}

/* Appends the 16 kHz version of @in to @out. */
static void
resampler_push (Resampler * rs, const gint16 * in, gint n, GArray * out)
{
  gint width = MAX (1, (gint) floor (rs->step));

  if (rs->in_rate == MODEL_RATE) {
    g_array_append_vals (out, in, n);
    return;
  }
  while (rs->pos < n - 1) {
    gint i = (gint) floor (rs->pos);
    gdouble frac = rs->pos - i, a = 0, b = 0;
    gint k, v;
    gint16 o;

    /* average over the output sample's span before interpolating */
    for (k = 0; k < width; k++) {
      a += sample_at (in, n, rs->last, i - k);
      b += sample_at (in, n, rs->last, i + 1 - k);
    }
    v = (gint) lround ((a * (1 - frac) + b * frac) / width);
    o = (gint16) CLAMP (v, G_MININT16, G_MAXINT16);
    g_array_append_val (out, o);
    rs->pos += rs->step;
  }
  rs->pos -= n;
  if (n > 0)
    rs->last = in[n - 1];
}

/* ------------------------------------------------------------------------ */
/* Recognition                                                               */

/* A decoder as a new one: its frame count (word times) and its
 * cepstral mean, which adapts to the audio heard, start over. Without
 * this, a reused decoder times words from the start of its first session
 * and hears the next speaker through the last one's channel. */
static void
recogniser_reset (Recogniser * rec, ps_decoder_t * ps)
{
  feat_t *feat = ps_get_feat (ps);

  cmn_t *cmn = feat != NULL ? feat->cmn_struct : NULL;

  ps_start_stream (ps);
  if (rec->initial_mean == NULL || cmn == NULL || cmn->veclen != rec->veclen)
    return;
  memcpy (cmn->cmn_mean, rec->initial_mean, rec->veclen * sizeof (mfcc_t));
  memcpy (cmn->sum, rec->initial_sum, rec->veclen * sizeof (mfcc_t));
  cmn->nframe = rec->initial_nframe;
}

static ps_decoder_t *
recogniser_take (Recogniser * rec)
{
  ps_decoder_t *ps;

  if (rec->idle->len == 0)
    return ps_init (rec->config);
  ps = g_ptr_array_steal_index (rec->idle, rec->idle->len - 1);
  recogniser_reset (rec, ps);
  return ps;
}

/* Keeps the cepstral mean @ps starts with, for recogniser_reset(). */
static void
recogniser_note_initial (Recogniser * rec, ps_decoder_t * ps)
{
  feat_t *feat = ps_get_feat (ps);
  cmn_t *cmn = feat != NULL ? feat->cmn_struct : NULL;

  if (cmn == NULL)
    return;
  rec->veclen = cmn->veclen;
  rec->initial_mean = g_memdup2 (cmn->cmn_mean, cmn->veclen *
      sizeof (mfcc_t));
  rec->initial_sum = g_memdup2 (cmn->sum, cmn->veclen * sizeof (mfcc_t));
  rec->initial_nframe = cmn->nframe;
}

static void
recogniser_give_back (Recogniser * rec, ps_decoder_t * ps)
{
  g_ptr_array_add (rec->idle, ps);
}

/* "read(2)" is the second pronunciation of "read"; fillers (<s>, <sil>,
 * [NOISE], ++UH++) are not words. */
static gchar *
clean_word (const gchar * word)
{
  const gchar *paren;

  if (word == NULL || word[0] == '<' || word[0] == '[' || word[0] == '+')
    return NULL;
  paren = strchr (word, '(');
  return paren ? g_strndup (word, paren - word) : g_strdup (word);
}

/* The words of the utterance just ended, as a Vosk result. */
static gchar *
build_result (Session * s)
{
  JsonBuilder *b = json_builder_new ();
  logmath_t *lmath = ps_get_logmath (s->ps);
  GString *text = g_string_new (NULL);
  ps_seg_t *seg;
  JsonNode *root;
  gchar *out;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "result");
  json_builder_begin_array (b);
  for (seg = ps_seg_iter (s->ps); seg != NULL; seg = ps_seg_next (seg)) {
    gchar *word = clean_word (ps_seg_word (seg));
    gint32 ascr, lscr, lback;
    gint sf, ef;
    gdouble conf;

    if (word == NULL)
      continue;
    ps_seg_frames (seg, &sf, &ef);
    conf = logmath_exp (lmath, ps_seg_prob (seg, &ascr, &lscr, &lback));
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "conf");
    json_builder_add_double_value (b, CLAMP (conf, 0.0, 1.0));
    json_builder_set_member_name (b, "end");
    json_builder_add_double_value (b, s->utterance_base +
        (gdouble) (ef + 1) / FRAMES_PER_SECOND);
    json_builder_set_member_name (b, "start");
    json_builder_add_double_value (b, s->utterance_base +
        (gdouble) sf / FRAMES_PER_SECOND);
    json_builder_set_member_name (b, "word");
    json_builder_add_string_value (b, word);
    json_builder_end_object (b);
    if (text->len > 0)
      g_string_append_c (text, ' ');
    g_string_append (text, word);
    g_free (word);
  }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "text");
  json_builder_add_string_value (b, text->str);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  out = json_to_string (root, FALSE);
  json_node_unref (root);
  g_object_unref (b);
  g_string_free (text, TRUE);
  return out;
}

static gchar *
build_partial (Session * s)
{
  const gchar *hyp = s->in_utterance ? ps_get_hyp (s->ps, NULL) : NULL;
  JsonBuilder *b = json_builder_new ();
  JsonNode *root;
  gchar *out;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "partial");
  json_builder_add_string_value (b, hyp != NULL ? hyp : "");
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  out = json_to_string (root, FALSE);
  json_node_unref (root);
  g_object_unref (b);
  return out;
}

/* Ends the utterance and returns its result; starts the next one. */
static gchar *
finish_utterance (Session * s)
{
  gchar *result;

  ps_end_utt (s->ps);
  result = build_result (s);
  ps_start_utt (s->ps);
  s->in_utterance = FALSE;
  return result;
}

static void
reply (Session * s, gchar * text)
{
  if (verbose)
    g_printerr ("reply: %s\n", text);
  if (soup_websocket_connection_get_state (s->conn) ==
      SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (s->conn, text);
  s->replies++;
  g_free (text);
}

/* One frame of audio: one reply. */
static void
session_audio (Session * s, const guint8 * data, gsize size)
{
  gboolean speech;

  g_array_set_size (s->pcm, 0);
  resampler_push (&s->rs, (const gint16 *) data, (gint) (size / 2), s->pcm);
  ps_process_raw (s->ps, (const int16 *) s->pcm->data, s->pcm->len, FALSE,
      FALSE);
  speech = ps_get_in_speech (s->ps);

  if (speech && !s->in_utterance) {
    s->in_utterance = TRUE;
    s->utterance_base = MAX (0.0, (gdouble) s->samples / MODEL_RATE -
        PRESPEECH_SECONDS);
  }
  s->samples += s->pcm->len;

  if (!speech && s->in_utterance)
    reply (s, finish_utterance (s));
  else
    reply (s, build_partial (s));
}

static void
session_config (Session * s, const gchar * text)
{
  JsonParser *parser = json_parser_new ();
  JsonObject *config = NULL;
  JsonNode *root, *rate;

  if (json_parser_load_from_data (parser, text, -1, NULL) &&
      (root = json_parser_get_root (parser)) != NULL &&
      JSON_NODE_HOLDS_OBJECT (root)) {
    JsonNode *c = json_object_get_member (json_node_get_object (root),
        "config");

    if (c != NULL && JSON_NODE_HOLDS_OBJECT (c))
      config = json_node_get_object (c);
  }
  if (config != NULL && (rate = json_object_get_member (config,
              "sample_rate")) != NULL && JSON_NODE_HOLDS_VALUE (rate)) {
    gdouble r = json_node_get_double (rate);

    if (r >= 8000 && r <= 192000) {
      resampler_init (&s->rs, (gint) r);
      if (verbose)
        g_printerr ("config: %d Hz\n", (gint) r);
    }
  }
  g_object_unref (parser);
}

static void
on_message (SoupWebsocketConnection * conn, gint type, GBytes * message,
    gpointer user_data)
{
  Session *s = user_data;
  gsize size;
  const gchar *data = g_bytes_get_data (message, &size);

  if (type == SOUP_WEBSOCKET_DATA_BINARY) {
    s->audio_seen = TRUE;
    session_audio (s, (const guint8 *) data, size);
    return;
  }
  if (size == strlen (EOF_MESSAGE) && memcmp (data, EOF_MESSAGE, size) == 0) {
    reply (s, finish_utterance (s));
    soup_websocket_connection_close (conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    return;
  }
  if (!s->audio_seen && g_strstr_len (data, size, "config") != NULL) {
    gchar *text = g_strndup (data, size);

    session_config (s, text);
    g_free (text);
    return;
  }
  /* Vosk feeds any other text to the recogniser as audio: it gets its one
   * reply like audio does. */
  reply (s, build_partial (s));
}

static void
on_closed (SoupWebsocketConnection * conn, gpointer user_data)
{
  Session *s = user_data;

  if (verbose)
    g_printerr ("session closed after %u replies\n", s->replies);
  /* an utterance is always open between messages */
  ps_end_utt (s->ps);
  recogniser_give_back (s->rec, s->ps);
  g_array_unref (s->pcm);
  g_object_unref (s->conn);
  g_free (s);
}

static void
on_websocket (SoupServer * server, SoupServerMessage * msg,
    const char *path, SoupWebsocketConnection * conn, gpointer user_data)
{
  Session *s = g_new0 (Session, 1);

  s->rec = user_data;
  s->conn = g_object_ref (conn);
  s->ps = recogniser_take (s->rec);
  if (s->ps == NULL) {
    soup_websocket_connection_close (conn, SOUP_WEBSOCKET_CLOSE_SERVER_ERROR,
        "recogniser unavailable");
    g_object_unref (s->conn);
    g_free (s);
    return;
  }
  s->pcm = g_array_new (FALSE, FALSE, sizeof (gint16));
  resampler_init (&s->rs, DEFAULT_RATE);
  ps_start_utt (s->ps);
  soup_websocket_connection_set_max_incoming_payload_size (conn,
      MAX_PAYLOAD);
  g_signal_connect (conn, "message", G_CALLBACK (on_message), s);
  g_signal_connect (conn, "closed", G_CALLBACK (on_closed), s);
  if (verbose)
    g_printerr ("session from %s\n", path);
}

static gboolean
on_signal (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  gchar *host = g_strdup ("127.0.0.1");
  gint port = 2700;
  gchar *hmm = g_strdup (DEFAULT_HMM), *lm = g_strdup (DEFAULT_LM);
  gchar *dict = g_strdup (DEFAULT_DICT);
  GOptionEntry entries[] = {
    {"host", 0, 0, G_OPTION_ARG_STRING, &host, "Address to listen on "
          "(default 127.0.0.1)", "ADDR"},
    {"port", 0, 0, G_OPTION_ARG_INT, &port, "Port (default 2700, 0: any "
          "free port)", "PORT"},
    {"hmm", 0, 0, G_OPTION_ARG_FILENAME, &hmm, "Acoustic model directory",
        "DIR"},
    {"lm", 0, 0, G_OPTION_ARG_FILENAME, &lm, "Language model", "FILE"},
    {"dict", 0, 0, G_OPTION_ARG_FILENAME, &dict, "Pronunciation dictionary",
        "FILE"},
    {"verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Log sessions and "
          "replies to stderr", NULL},
    {NULL}
  };
  GOptionContext *ctx = g_option_context_new ("- offline Vosk-protocol "
      "speech-to-text server (pocketsphinx)");
  GError *err = NULL;
  Recogniser rec = { 0, };
  SoupServer *server;
  GInetAddress *addr;
  GSocketAddress *saddr;
  GMainLoop *loop;
  GSList *uris;
  ps_decoder_t *first;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    g_printerr ("%s\n", err->message);
    return 2;
  }
  g_option_context_free (ctx);

  if (!g_file_test (hmm, G_FILE_TEST_IS_DIR) ||
      !g_file_test (lm, G_FILE_TEST_EXISTS) ||
      !g_file_test (dict, G_FILE_TEST_EXISTS)) {
    g_printerr ("stt-reference-server: no pocketsphinx model at %s "
        "(install pocketsphinx-en-us)\n", hmm);
    return 3;
  }

  rec.config = cmd_ln_init (NULL, ps_args (), TRUE, "-hmm", hmm, "-lm", lm,
      "-dict", dict, "-samprate", "16000", "-logfn", "/dev/null", NULL);
  rec.idle = g_ptr_array_new ();
  /* Load the model once now: a broken model fails here, not per session. */
  first = ps_init (rec.config);
  if (first == NULL) {
    g_printerr ("stt-reference-server: could not load the model\n");
    return 3;
  }
  recogniser_note_initial (&rec, first);
  recogniser_give_back (&rec, first);

  server = soup_server_new ("server-header", "stt-reference-server", NULL);
  soup_server_add_websocket_handler (server, NULL, NULL, NULL, on_websocket,
      &rec, NULL);
  addr = g_inet_address_new_from_string (host);
  if (addr == NULL) {
    g_printerr ("stt-reference-server: not an address: %s\n", host);
    return 2;
  }
  saddr = g_inet_socket_address_new (addr, port);
  if (!soup_server_listen (server, saddr, 0, &err)) {
    g_printerr ("stt-reference-server: %s\n", err->message);
    return 1;
  }
  g_object_unref (saddr);
  g_object_unref (addr);

  uris = soup_server_get_uris (server);
  port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  if (strchr (host, ':'))
    g_print ("listening on ws://[%s]:%d\n", host, port);
  else
    g_print ("listening on ws://%s:%d\n", host, port);
  fflush (stdout);

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, on_signal, loop);
  g_unix_signal_add (SIGTERM, on_signal, loop);
  g_main_loop_run (loop);

  soup_server_disconnect (server);
  g_object_unref (server);
  while (rec.idle->len > 0)
    ps_free (g_ptr_array_steal_index (rec.idle, rec.idle->len - 1));
  g_ptr_array_unref (rec.idle);
  g_free (rec.initial_mean);
  g_free (rec.initial_sum);
  cmd_ln_free_r (rec.config);
  g_main_loop_unref (loop);
  g_free (host);
  g_free (hmm);
  g_free (lm);
  g_free (dict);
  return 0;
}
