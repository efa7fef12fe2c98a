/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The properties sttpushsink and stttranscriber share: see
 * stt-properties.h. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "stt-properties.h"

#include <string.h>

#define DEFAULT_BACKEND GST_STT_BACKEND_DEEPGRAM
#define DEFAULT_URL NULL
#define DEFAULT_API_KEY NULL
#define DEFAULT_LANGUAGE NULL
#define DEFAULT_MODEL NULL
#define DEFAULT_DIARIZE FALSE
#define DEFAULT_INTERIM_RESULTS TRUE
#define DEFAULT_CHUNK_MS 100
#define DEFAULT_EXTRA NULL
#define DEFAULT_VOCABULARY NULL
#define DEFAULT_END_OF_TURN_SILENCE_MS 0
#define DEFAULT_MAX_DELAY_MS 0
#define DEFAULT_FINISH_TIMEOUT_MS 10000
#define DEFAULT_KEEPALIVE_INTERVAL_MS 4000
#define DEFAULT_SEND_TIMEOUT_MS 5000
#define DEFAULT_QUEUE_MS 20000
#define DEFAULT_MAX_SPEED 0.0
#define DEFAULT_MAX_RECONNECT_ATTEMPTS -1
#define DEFAULT_RECONNECT_MIN_MS 500
#define DEFAULT_RECONNECT_MAX_MS 10000
#define DEFAULT_LAG_WARNING_MS 0

#define MIN_CHUNK_MS 10
#define MAX_CHUNK_MS 1000
#define MIN_QUEUE_MS 1000
#define MAX_QUEUE_MS 600000
#define MAX_MAX_SPEED 100.0
#define MAX_SILENCE_MS 60000
#define MAX_MAX_DELAY_MS 20000
#define MAX_RECONNECT_MS 3600000

GType
gst_stt_push_sink_backend_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_STT_BACKEND_DEEPGRAM, "Deepgram streaming (/v1/listen)", "deepgram"},
    {GST_STT_BACKEND_ASSEMBLYAI, "AssemblyAI Universal Streaming (v3)",
        "assemblyai"},
    {GST_STT_BACKEND_SPEECHMATICS, "Speechmatics real-time (v2)",
        "speechmatics"},
    {GST_STT_BACKEND_OPENAI, "OpenAI Realtime transcription (24 kHz mono)",
        "openai"},
    {GST_STT_BACKEND_VOSK, "Vosk server protocol (also the offline "
          "pocketsphinx reference server)", "vosk"},
    {0, NULL, NULL},
  };

  /* The type keeps sttpushsink's name: applications and the interface
   * reference know it by it. */
  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstSttPushSinkBackend", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

/* ------------------------------------------------------------------------ */
/* Param specs                                                               */

static GParamSpec *
make_pspec (GstSttProp id)
{
  const GParamFlags rw_ready = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_READY;

  switch (id) {
    case GST_STT_PROP_BACKEND:
      return g_param_spec_enum ("backend", "Backend",
          "Speech-to-text service protocol to speak",
          GST_TYPE_STT_PUSH_SINK_BACKEND, DEFAULT_BACKEND, rw_ready);
    case GST_STT_PROP_URL:
      return g_param_spec_string ("url", "URL",
          "Endpoint to connect to instead of the backend's (ws:// or wss://); "
          "the element appends the backend's query parameters. With a url, "
          "an API key is optional (self-hosted services)",
          DEFAULT_URL, rw_ready);
    case GST_STT_PROP_API_KEY:
      return g_param_spec_string ("api-key", "API key",
          "Key for the service (write-only, never logged); when unset, the "
          "backend's environment variable: DEEPGRAM_API_KEY, "
          "ASSEMBLYAI_API_KEY, SPEECHMATICS_API_KEY or OPENAI_API_KEY",
          DEFAULT_API_KEY, G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY);
    case GST_STT_PROP_LANGUAGE:
      return g_param_spec_string ("language", "Language",
          "Language of the speech (BCP-47, such as en or en-US); unset: the "
          "service's default", DEFAULT_LANGUAGE, rw_ready);
    case GST_STT_PROP_MODEL:
      return g_param_spec_string ("model", "Model",
          "Recognition model (such as nova-3 for Deepgram); unset: nova-3 "
          "for Deepgram (the service's own default is its oldest model), "
          "the service's default for the others", DEFAULT_MODEL, rw_ready);
    case GST_STT_PROP_DIARIZE:
      return g_param_spec_boolean ("diarize", "Diarize",
          "Ask the service to label speakers (when it can: see "
          "capabilities); speaker changes are posted as -speaker-turn "
          "messages", DEFAULT_DIARIZE, rw_ready);
    case GST_STT_PROP_INTERIM_RESULTS:
      return g_param_spec_boolean ("interim-results", "Interim results",
          "Post interim hypotheses (-partial messages) as well as finals",
          DEFAULT_INTERIM_RESULTS, rw_ready);
    case GST_STT_PROP_CHUNK_MS:
      return g_param_spec_uint ("chunk-ms", "Chunk",
          "Audio per WebSocket frame, in ms (kept within what the backend "
          "accepts: 20-250 ms for Deepgram, 50-1000 ms for AssemblyAI)",
          MIN_CHUNK_MS, MAX_CHUNK_MS, DEFAULT_CHUNK_MS, rw_ready);
    case GST_STT_PROP_EXTRA:
      return g_param_spec_string ("extra", "Extra settings",
          "A JSON object merged into the backend's configuration: query "
          "parameters for Deepgram and AssemblyAI ({\"smart_format\": "
          "true}; null removes one), the StartRecognition message for "
          "Speechmatics ({\"transcription_config\": {\"operating_point\": "
          "\"enhanced\"}}), the session of OpenAI's session.update, the "
          "config message for Vosk ({\"phrase_list\": [...]}); objects "
          "merge member by member, and win over the element's own "
          "settings", DEFAULT_EXTRA, rw_ready);
    case GST_STT_PROP_VOCABULARY:
      return g_param_spec_string ("vocabulary", "Vocabulary",
          "Comma-separated words and phrases the service should expect "
          "(names, jargon): Deepgram keyterm (nova-3 models; keywords for "
          "older models), AssemblyAI keyterms_prompt, "
          "Speechmatics additional_vocab, OpenAI the transcription prompt. "
          "Vosk has no such setting: it is ignored with a warning (extra's "
          "phrase_list restricts Vosk's vocabulary instead). NULL: none",
          DEFAULT_VOCABULARY, rw_ready);
    case GST_STT_PROP_END_OF_TURN_SILENCE_MS:
      return g_param_spec_uint ("end-of-turn-silence-ms",
          "End-of-turn silence",
          "Silence, in ms, after which the service ends a turn and makes "
          "its words final: Deepgram endpointing, AssemblyAI "
          "min_end_of_turn_silence_when_confident, Speechmatics "
          "end_of_utterance_silence_trigger, OpenAI server VAD "
          "silence_duration_ms. Vosk has no such setting: ignored with a "
          "warning. 0: the service's default", 0, MAX_SILENCE_MS,
          DEFAULT_END_OF_TURN_SILENCE_MS, rw_ready);
    case GST_STT_PROP_MAX_DELAY_MS:
      return g_param_spec_uint ("max-delay-ms", "Maximum delay",
          "Speechmatics only: max_delay, the longest the service may hold "
          "a word back before making it final, in ms (the service takes "
          "700-4000 ms at the time of writing); lower is faster, higher "
          "more accurate. The other backends have no such setting and "
          "ignore it with a warning. 0: the service's default", 0,
          MAX_MAX_DELAY_MS, DEFAULT_MAX_DELAY_MS, rw_ready);
    case GST_STT_PROP_FINISH_TIMEOUT_MS:
      return g_param_spec_uint ("finish-timeout-ms", "Finish timeout",
          "How long EOS may wait, from the moment it reaches the element, "
          "for the remaining audio to be sent and the service's last reply; "
          "then EOS goes on with a warning (0 = do not wait)",
          0, 600000, DEFAULT_FINISH_TIMEOUT_MS, rw_ready);
    case GST_STT_PROP_KEEPALIVE_INTERVAL_MS:
      return g_param_spec_uint ("keepalive-interval-ms",
          "Keep-alive interval",
          "When no audio has been sent for this long, send the backend's "
          "keep-alive (Deepgram closes after 10 s without either); backends "
          "without keep-alive ignore it (0 = never)", 0, 60000,
          DEFAULT_KEEPALIVE_INTERVAL_MS, rw_ready);
    case GST_STT_PROP_SEND_TIMEOUT_MS:
      return g_param_spec_uint ("send-timeout-ms", "Send timeout",
          "A service that accepts no audio for this long, in ms, while "
          "there is audio to send counts as gone: the element warns, "
          "reconnects and replays what it had not committed. A non-live "
          "upstream waits for room at most twice this long without "
          "progress, then loses its oldest queued audio (counted) instead "
          "of holding the pipeline", 100, 600000, DEFAULT_SEND_TIMEOUT_MS,
          rw_ready);
    case GST_STT_PROP_QUEUE_MS:
      return g_param_spec_uint ("queue-ms", "Queue",
          "Audio held between capture and service, in ms, replay history "
          "included: when full, a live upstream loses its oldest unsent "
          "audio and a non-live upstream waits", MIN_QUEUE_MS, MAX_QUEUE_MS,
          DEFAULT_QUEUE_MS, rw_ready);
    case GST_STT_PROP_MAX_SPEED:
      return g_param_spec_double ("max-speed", "Maximum speed",
          "At most this many times real time, for audio that is there "
          "ahead of time (a file, a backlog after an outage). 0: as fast "
          "as the service reads it, except for services that refuse audio "
          "faster than real time (AssemblyAI), which never get more than "
          "they allow whatever the value", 0.0, MAX_MAX_SPEED,
          DEFAULT_MAX_SPEED, rw_ready);
    case GST_STT_PROP_MAX_RECONNECT_ATTEMPTS:
      return g_param_spec_int ("max-reconnect-attempts",
          "Max reconnect attempts",
          "Consecutive failed connection attempts, the first connection "
          "included, before giving up with an error (-1 = retry for ever, "
          "0 = the first failure is fatal). A refused key is fatal at once "
          "whatever the value", -1, G_MAXINT,
          DEFAULT_MAX_RECONNECT_ATTEMPTS, rw_ready);
    case GST_STT_PROP_RECONNECT_MIN_MS:
      return g_param_spec_uint ("reconnect-min-ms", "Reconnect min",
          "First wait before reconnecting, in ms; it doubles after each "
          "failure up to reconnect-max-ms, each wait randomised by +/-20 %",
          1, MAX_RECONNECT_MS, DEFAULT_RECONNECT_MIN_MS, rw_ready);
    case GST_STT_PROP_RECONNECT_MAX_MS:
      return g_param_spec_uint ("reconnect-max-ms", "Reconnect max",
          "Longest wait between reconnection attempts, in ms", 1,
          MAX_RECONNECT_MS, DEFAULT_RECONNECT_MAX_MS, rw_ready);
    case GST_STT_PROP_LAG_WARNING_MS:
      return g_param_spec_uint ("lag-warning-ms", "Lag warning",
          "Post a WARNING when a final comes more than this many ms after "
          "its audio was captured (the lag-ms of -final messages: the "
          "clock's time at the final minus the base time plus the running "
          "time of the final's last audio; live upstreams only). Said once "
          "until a final comes back under it (0 = never warn)", 0,
          G_MAXINT, DEFAULT_LAG_WARNING_MS, rw_ready);
    case GST_STT_PROP_CAPABILITIES:
      return g_param_spec_boxed ("capabilities", "Capabilities",
          "What the selected backend supports: sttpushsink-capabilities with "
          "backend, supported (implemented here), partials, diarization, "
          "word-times, keep-alive, needs-key, realtime-only (booleans), "
          "max-speed (double, 0 = no limit), rates, channels and chunk-ms "
          "(ranges, or an int when fixed)",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    case GST_STT_N_PROPS:
      break;
  }
  g_assert_not_reached ();
  return NULL;
}

/**
 * gst_stt_properties_install:
 * @first_id: the element's id of GST_STT_PROP_BACKEND; the others follow
 *
 * Installs every shared property on @klass.
 */
void
gst_stt_properties_install (GObjectClass * klass, guint first_id)
{
  guint id;

  for (id = 0; id < GST_STT_N_PROPS; id++)
    g_object_class_install_property (klass, first_id + id, make_pspec (id));
}

/* ------------------------------------------------------------------------ */
/* Values                                                                    */

void
gst_stt_properties_init (GstSttProperties * p)
{
  memset (p, 0, sizeof (*p));
  p->backend = DEFAULT_BACKEND;
  p->url = g_strdup (DEFAULT_URL);
  p->api_key = g_strdup (DEFAULT_API_KEY);
  p->language = g_strdup (DEFAULT_LANGUAGE);
  p->model = g_strdup (DEFAULT_MODEL);
  p->diarize = DEFAULT_DIARIZE;
  p->interim_results = DEFAULT_INTERIM_RESULTS;
  p->chunk_ms = DEFAULT_CHUNK_MS;
  p->extra = g_strdup (DEFAULT_EXTRA);
  p->vocabulary = g_strdup (DEFAULT_VOCABULARY);
  p->end_of_turn_silence_ms = DEFAULT_END_OF_TURN_SILENCE_MS;
  p->max_delay_ms = DEFAULT_MAX_DELAY_MS;
  p->finish_timeout_ms = DEFAULT_FINISH_TIMEOUT_MS;
  p->keepalive_interval_ms = DEFAULT_KEEPALIVE_INTERVAL_MS;
  p->send_timeout_ms = DEFAULT_SEND_TIMEOUT_MS;
  p->queue_ms = DEFAULT_QUEUE_MS;
  p->max_speed = DEFAULT_MAX_SPEED;
  p->max_reconnect_attempts = DEFAULT_MAX_RECONNECT_ATTEMPTS;
  p->reconnect_min_ms = DEFAULT_RECONNECT_MIN_MS;
  p->reconnect_max_ms = DEFAULT_RECONNECT_MAX_MS;
  p->lag_warning_ms = DEFAULT_LAG_WARNING_MS;
}

void
gst_stt_properties_clear (GstSttProperties * p)
{
  g_free (p->url);
  gst_stt_free_secret (p->api_key);
  g_free (p->language);
  g_free (p->model);
  g_free (p->extra);
  g_free (p->vocabulary);
  memset (p, 0, sizeof (*p));
}

static void
replace_string (gchar ** field, const GValue * value)
{
  g_free (*field);
  *field = g_value_dup_string (value);
}

/* Called with the object lock held. */
void
gst_stt_properties_set (GstSttProperties * p, guint id, const GValue * value)
{
  switch ((GstSttProp) id) {
    case GST_STT_PROP_BACKEND:
      p->backend = g_value_get_enum (value);
      break;
    case GST_STT_PROP_URL:
      replace_string (&p->url, value);
      break;
    case GST_STT_PROP_API_KEY:
      gst_stt_free_secret (p->api_key);
      p->api_key = g_value_dup_string (value);
      break;
    case GST_STT_PROP_LANGUAGE:
      replace_string (&p->language, value);
      break;
    case GST_STT_PROP_MODEL:
      replace_string (&p->model, value);
      break;
    case GST_STT_PROP_DIARIZE:
      p->diarize = g_value_get_boolean (value);
      break;
    case GST_STT_PROP_INTERIM_RESULTS:
      p->interim_results = g_value_get_boolean (value);
      break;
    case GST_STT_PROP_CHUNK_MS:
      p->chunk_ms = g_value_get_uint (value);
      break;
    case GST_STT_PROP_EXTRA:
      replace_string (&p->extra, value);
      break;
    case GST_STT_PROP_VOCABULARY:
      replace_string (&p->vocabulary, value);
      break;
    case GST_STT_PROP_END_OF_TURN_SILENCE_MS:
      p->end_of_turn_silence_ms = g_value_get_uint (value);
      break;
    case GST_STT_PROP_MAX_DELAY_MS:
      p->max_delay_ms = g_value_get_uint (value);
      break;
    case GST_STT_PROP_FINISH_TIMEOUT_MS:
      p->finish_timeout_ms = g_value_get_uint (value);
      break;
    case GST_STT_PROP_KEEPALIVE_INTERVAL_MS:
      p->keepalive_interval_ms = g_value_get_uint (value);
      break;
    case GST_STT_PROP_SEND_TIMEOUT_MS:
      p->send_timeout_ms = g_value_get_uint (value);
      break;
    case GST_STT_PROP_QUEUE_MS:
      p->queue_ms = g_value_get_uint (value);
      break;
    case GST_STT_PROP_MAX_SPEED:
      p->max_speed = g_value_get_double (value);
      break;
    case GST_STT_PROP_MAX_RECONNECT_ATTEMPTS:
      p->max_reconnect_attempts = g_value_get_int (value);
      break;
    case GST_STT_PROP_RECONNECT_MIN_MS:
      p->reconnect_min_ms = g_value_get_uint (value);
      break;
    case GST_STT_PROP_RECONNECT_MAX_MS:
      p->reconnect_max_ms = g_value_get_uint (value);
      break;
    case GST_STT_PROP_LAG_WARNING_MS:
      p->lag_warning_ms = g_value_get_uint (value);
      break;
    case GST_STT_PROP_CAPABILITIES:
    case GST_STT_N_PROPS:
      g_assert_not_reached ();
      break;
  }
}

/* Called with the object lock held. api-key is write-only: GObject never
 * asks for it. */
void
gst_stt_properties_get (const GstSttProperties * p, guint id, GValue * value)
{
  switch ((GstSttProp) id) {
    case GST_STT_PROP_BACKEND:
      g_value_set_enum (value, p->backend);
      break;
    case GST_STT_PROP_URL:
      g_value_set_string (value, p->url);
      break;
    case GST_STT_PROP_LANGUAGE:
      g_value_set_string (value, p->language);
      break;
    case GST_STT_PROP_MODEL:
      g_value_set_string (value, p->model);
      break;
    case GST_STT_PROP_DIARIZE:
      g_value_set_boolean (value, p->diarize);
      break;
    case GST_STT_PROP_INTERIM_RESULTS:
      g_value_set_boolean (value, p->interim_results);
      break;
    case GST_STT_PROP_CHUNK_MS:
      g_value_set_uint (value, p->chunk_ms);
      break;
    case GST_STT_PROP_EXTRA:
      g_value_set_string (value, p->extra);
      break;
    case GST_STT_PROP_VOCABULARY:
      g_value_set_string (value, p->vocabulary);
      break;
    case GST_STT_PROP_END_OF_TURN_SILENCE_MS:
      g_value_set_uint (value, p->end_of_turn_silence_ms);
      break;
    case GST_STT_PROP_MAX_DELAY_MS:
      g_value_set_uint (value, p->max_delay_ms);
      break;
    case GST_STT_PROP_FINISH_TIMEOUT_MS:
      g_value_set_uint (value, p->finish_timeout_ms);
      break;
    case GST_STT_PROP_KEEPALIVE_INTERVAL_MS:
      g_value_set_uint (value, p->keepalive_interval_ms);
      break;
    case GST_STT_PROP_SEND_TIMEOUT_MS:
      g_value_set_uint (value, p->send_timeout_ms);
      break;
    case GST_STT_PROP_QUEUE_MS:
      g_value_set_uint (value, p->queue_ms);
      break;
    case GST_STT_PROP_MAX_SPEED:
      g_value_set_double (value, p->max_speed);
      break;
    case GST_STT_PROP_MAX_RECONNECT_ATTEMPTS:
      g_value_set_int (value, p->max_reconnect_attempts);
      break;
    case GST_STT_PROP_RECONNECT_MIN_MS:
      g_value_set_uint (value, p->reconnect_min_ms);
      break;
    case GST_STT_PROP_RECONNECT_MAX_MS:
      g_value_set_uint (value, p->reconnect_max_ms);
      break;
    case GST_STT_PROP_LAG_WARNING_MS:
      g_value_set_uint (value, p->lag_warning_ms);
      break;
    case GST_STT_PROP_CAPABILITIES:
      g_value_take_boxed (value, gst_stt_backend_capabilities
          (gst_stt_backend_get_info (p->backend)));
      break;
    case GST_STT_PROP_API_KEY:
    case GST_STT_N_PROPS:
      g_assert_not_reached ();
      break;
  }
}

/**
 * gst_stt_properties_copy:
 *
 * A deep copy of @src into @dest (cleared first by the caller), with the
 * backend's environment variable standing in for an unset api-key.
 */
void
gst_stt_properties_copy (GstSttProperties * dest,
    const GstSttProperties * src)
{
  const GstSttBackendInfo *info = gst_stt_backend_get_info (src->backend);

  *dest = *src;
  dest->url = g_strdup (src->url);
  dest->api_key = g_strdup (src->api_key);
  dest->language = g_strdup (src->language);
  dest->model = g_strdup (src->model);
  dest->extra = g_strdup (src->extra);
  dest->vocabulary = g_strdup (src->vocabulary);
  if ((dest->api_key == NULL || dest->api_key[0] == '\0') && info->key_env) {
    gst_stt_free_secret (dest->api_key);
    dest->api_key = g_strdup (g_getenv (info->key_env));
  }
}

/* The session config: borrowed pointers into @p. */
void
gst_stt_properties_to_config (const GstSttProperties * p,
    GstSttSessionConfig * config)
{
  *config = (GstSttSessionConfig) {
    .backend = p->backend,
    .url = p->url,
    .api_key = p->api_key,
    .language = p->language,
    .model = p->model,
    .diarize = p->diarize,
    .interim_results = p->interim_results,
    .extra = p->extra,
    .finish_timeout_ms = p->finish_timeout_ms,
    .keepalive_interval_ms = p->keepalive_interval_ms,
    .send_timeout_ms = p->send_timeout_ms,
    .max_speed = p->max_speed,
    .vocabulary = p->vocabulary,
    .end_of_turn_silence_ms = p->end_of_turn_silence_ms,
    .max_delay_ms = p->max_delay_ms,
    .reconnect_min_ms = p->reconnect_min_ms,
    .reconnect_max_ms = MAX (p->reconnect_max_ms, p->reconnect_min_ms),
    .max_reconnect_attempts = p->max_reconnect_attempts,
    .lag_warning_ms = p->lag_warning_ms,
  };
}

/**
 * gst_stt_properties_check:
 *
 * Whether a session can start with @config; if not, posts the ERROR that
 * says what to change. Settings a backend ignores are WARNINGs.
 */
gboolean
gst_stt_properties_check (GstElement * element, const GstSttProperties * p,
    const GstSttSessionConfig * config)
{
  const GstSttBackendInfo *info = gst_stt_backend_get_info (p->backend);
  GError *err = NULL;

  if (!gst_stt_session_check_config (config, &err))
    goto bad_settings;
  if (p->diarize && !info->diarization)
    GST_ELEMENT_WARNING (element, RESOURCE, SETTINGS,
        ("%s does not label speakers: diarize is ignored.", info->title),
        (NULL));
  if (p->max_delay_ms > 0 && p->backend != GST_STT_BACKEND_SPEECHMATICS)
    GST_ELEMENT_WARNING (element, RESOURCE, SETTINGS,
        ("%s has no maximum delay setting: max-delay-ms is ignored "
            "(Speechmatics only).", info->title), (NULL));
  if (p->backend == GST_STT_BACKEND_VOSK && p->vocabulary != NULL &&
      p->vocabulary[0] != '\0')
    GST_ELEMENT_WARNING (element, RESOURCE, SETTINGS,
        ("%s takes no vocabulary hints: vocabulary is ignored (extra's "
            "phrase_list restricts what it recognises instead).",
            info->title), (NULL));
  if (p->backend == GST_STT_BACKEND_VOSK && p->end_of_turn_silence_ms > 0)
    GST_ELEMENT_WARNING (element, RESOURCE, SETTINGS,
        ("%s has no end-of-turn setting: end-of-turn-silence-ms is "
            "ignored.", info->title), (NULL));
  return TRUE;

bad_settings:
  if (g_error_matches (err, GST_STT_ERROR, GST_STT_ERROR_NOT_SUPPORTED))
    GST_ELEMENT_ERROR (element, RESOURCE, SETTINGS,
        ("The %s backend is not supported in this build.", info->name),
        ("%s", err->message));
  else if (g_error_matches (err, GST_STT_ERROR, GST_STT_ERROR_NO_KEY))
    GST_ELEMENT_ERROR (element, RESOURCE, NOT_AUTHORIZED,
        ("No API key for %s: set the api-key property or %s.", info->title,
            info->key_env), ("%s", err->message));
  else if (g_error_matches (err, GST_STT_ERROR, GST_STT_ERROR_CLEARTEXT_KEY))
    GST_ELEMENT_ERROR (element, RESOURCE, SETTINGS,
        ("Refusing to send the %s API key in clear text over ws:// to "
            "another machine: use a wss:// url; if this server needs no "
            "key, unset api-key and %s.", info->title, info->key_env),
        ("%s", err->message));
  else
    GST_ELEMENT_ERROR (element, RESOURCE, SETTINGS,
        ("Invalid settings for %s: %s.", info->title, err->message), (NULL));
  g_error_free (err);
  return FALSE;
}

/**
 * gst_stt_properties_set_property:
 * @first_id: the id the element installed the shared properties from
 *
 * An element's set_property() for the shared properties: sets @prop_id
 * under @object's lock when it is one of them. Returns whether it was.
 */
gboolean
gst_stt_properties_set_property (GstSttProperties * p, GObject * object,
    guint first_id, guint prop_id, const GValue * value)
{
  if (prop_id < first_id || prop_id >= first_id + GST_STT_N_PROPS)
    return FALSE;
  GST_OBJECT_LOCK (object);
  gst_stt_properties_set (p, prop_id - first_id, value);
  GST_OBJECT_UNLOCK (object);
  return TRUE;
}

/* The same for get_property(). api-key is write-only: GObject never asks
 * for it. */
gboolean
gst_stt_properties_get_property (const GstSttProperties * p,
    GObject * object, guint first_id, guint prop_id, GValue * value)
{
  if (prop_id < first_id || prop_id >= first_id + GST_STT_N_PROPS)
    return FALSE;
  GST_OBJECT_LOCK (object);
  gst_stt_properties_get (p, prop_id - first_id, value);
  GST_OBJECT_UNLOCK (object);
  return TRUE;
}
