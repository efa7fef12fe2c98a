/* gst-audiostream
 * Copyright (C) 2026 gst-audiostream developers
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "tls.h"
#include "transport.h"

#include <netinet/in.h>
#include <linux/tcp.h>
#include <string.h>

struct _GstAsTlsClient
{
  gint refcount;
  GTlsDatabase *database;       /* NULL: the system's */
  GTlsCertificate *certificate; /* NULL: none presented */
  gchar *server_name;           /* NULL: the host connected to */
  GTlsCertificateFlags flags;
};

struct _GstAsTlsServer
{
  gint refcount;
  GTlsCertificate *certificate;
  GTlsDatabase *client_database;        /* NULL: no client certificate */
};

/* Tells whether a server asked for a client certificate that the client
 * does not have: GIO asks the connection's interaction for one then. */
#define GST_AS_TYPE_CERT_ASK (gst_as_cert_ask_get_type ())
G_DECLARE_FINAL_TYPE (GstAsCertAsk, gst_as_cert_ask, GST_AS, CERT_ASK,
    GTlsInteraction);

struct _GstAsCertAsk
{
  GTlsInteraction parent;
  gint asked;
};

G_DEFINE_TYPE (GstAsCertAsk, gst_as_cert_ask, G_TYPE_TLS_INTERACTION);

static GTlsInteractionResult
gst_as_cert_ask_request_certificate (GTlsInteraction * interaction,
    GTlsConnection * connection, GTlsCertificateRequestFlags flags,
    GCancellable * cancellable, GError ** error)
{
  g_atomic_int_set (&GST_AS_CERT_ASK (interaction)->asked, TRUE);
  return G_TLS_INTERACTION_UNHANDLED;
}

static void
gst_as_cert_ask_class_init (GstAsCertAskClass * klass)
{
  G_TLS_INTERACTION_CLASS (klass)->request_certificate =
      gst_as_cert_ask_request_certificate;
}

static void
gst_as_cert_ask_init (GstAsCertAsk * self)
{
}

/* ------------------------------------------------------------------------ */
/* Loading                                                                   */

static gboolean
backend_available (GError ** error)
{
  if (g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    return TRUE;
  g_set_error_literal (error, G_TLS_ERROR, G_TLS_ERROR_UNAVAILABLE,
      "TLS is not available: GIO has no TLS backend (install "
      "glib-networking)");
  return FALSE;
}

/* GIO's messages end with a period; the texts that quote them leave the
 * end of the sentence to their caller, which adds one. */
static const gchar *
without_period (GError * err)
{
  gsize len = strlen (err->message);

  if (len > 0 && err->message[len - 1] == '.')
    err->message[len - 1] = '\0';
  return err->message;
}

static GTlsCertificate *
load_certificate (const gchar * what, const gchar * certificate_file,
    const gchar * key_file, GError ** error)
{
  GTlsCertificate *cert;
  GError *err = NULL;

  /* without a key file, the key is in the certificate file */
  if (key_file != NULL)
    cert = g_tls_certificate_new_from_files (certificate_file, key_file,
        &err);
  else
    cert = g_tls_certificate_new_from_file (certificate_file, &err);
  if (cert != NULL)
    return cert;
  g_set_error (error, err->domain, err->code, "Could not load %s %s%s%s: %s",
      what, certificate_file, key_file ? " with the key " : "",
      key_file ? key_file : "", without_period (err));
  g_error_free (err);
  return NULL;
}

static GTlsDatabase *
load_database (const gchar * what, const gchar * ca_file, GError ** error)
{
  GTlsDatabase *db;
  GError *err = NULL;
  /* GIO takes an absolute path only, and trusts nothing for another */
  gchar *path = g_canonicalize_filename (ca_file, NULL);

  db = g_tls_file_database_new (path, &err);
  g_free (path);
  if (db != NULL)
    return db;
  g_set_error (error, err->domain, err->code, "Could not load %s %s: %s",
      what, ca_file, without_period (err));
  g_error_free (err);
  return NULL;
}

GstAsTlsClient *
gst_as_tls_client_new (const gchar * ca_file, const gchar * certificate_file,
    const gchar * key_file, const gchar * server_name,
    GTlsCertificateFlags flags, GError ** error)
{
  GstAsTlsClient *client;

  if (!backend_available (error))
    return NULL;
  if (key_file != NULL && certificate_file == NULL) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "tls-key-file is set without tls-certificate-file");
    return NULL;
  }

  client = g_new0 (GstAsTlsClient, 1);
  client->refcount = 1;
  client->flags = flags;
  client->server_name = g_strdup (server_name && *server_name ?
      server_name : NULL);
  if (ca_file != NULL && *ca_file != '\0') {
    client->database = load_database ("tls-ca-file", ca_file, error);
    if (client->database == NULL)
      goto failed;
  }
  if (certificate_file != NULL && *certificate_file != '\0') {
    client->certificate = load_certificate ("tls-certificate-file",
        certificate_file, key_file, error);
    if (client->certificate == NULL)
      goto failed;
  }
  return client;

failed:
  gst_as_tls_client_unref (client);
  return NULL;
}

GstAsTlsClient *
gst_as_tls_client_ref (GstAsTlsClient * client)
{
  g_atomic_int_inc (&client->refcount);
  return client;
}

void
gst_as_tls_client_unref (GstAsTlsClient * client)
{
  if (client == NULL || !g_atomic_int_dec_and_test (&client->refcount))
    return;
  g_clear_object (&client->database);
  g_clear_object (&client->certificate);
  g_free (client->server_name);
  g_free (client);
}

/* the name the certificate must carry; NULL: the host */
const gchar *
gst_as_tls_client_server_name (GstAsTlsClient * client)
{
  return client->server_name;
}

GstAsTlsServer *
gst_as_tls_server_new (const gchar * certificate_file,
    const gchar * key_file, const gchar * client_ca_file, GError ** error)
{
  GstAsTlsServer *server;

  if (!backend_available (error))
    return NULL;
  if (certificate_file == NULL || *certificate_file == '\0') {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "TLS needs tls-certificate-file (and tls-key-file unless the key "
        "is in the same file)");
    return NULL;
  }

  server = g_new0 (GstAsTlsServer, 1);
  server->refcount = 1;
  server->certificate = load_certificate ("tls-certificate-file",
      certificate_file, key_file, error);
  if (server->certificate == NULL)
    goto failed;
  if (client_ca_file != NULL && *client_ca_file != '\0') {
    server->client_database = load_database ("tls-client-ca-file",
        client_ca_file, error);
    if (server->client_database == NULL)
      goto failed;
  }
  return server;

failed:
  gst_as_tls_server_unref (server);
  return NULL;
}

GstAsTlsServer *
gst_as_tls_server_ref (GstAsTlsServer * server)
{
  g_atomic_int_inc (&server->refcount);
  return server;
}

void
gst_as_tls_server_unref (GstAsTlsServer * server)
{
  if (server == NULL || !g_atomic_int_dec_and_test (&server->refcount))
    return;
  g_clear_object (&server->certificate);
  g_clear_object (&server->client_database);
  g_free (server);
}

/* ------------------------------------------------------------------------ */
/* Verdicts                                                                  */

static const struct
{
  GTlsCertificateFlags flag;
  const gchar *text;
} flag_texts[] = {
  {G_TLS_CERTIFICATE_UNKNOWN_CA, "it is not signed by a trusted CA (unknown "
        "CA)"},
  {G_TLS_CERTIFICATE_BAD_IDENTITY, "it is not for that name (name "
        "mismatch)"},
  {G_TLS_CERTIFICATE_NOT_ACTIVATED, "it is not valid yet"},
  {G_TLS_CERTIFICATE_EXPIRED, "it has expired"},
  {G_TLS_CERTIFICATE_REVOKED, "it has been revoked"},
  {G_TLS_CERTIFICATE_INSECURE, "its algorithm is insecure"},
  {G_TLS_CERTIFICATE_GENERIC_ERROR, "it could not be validated"},
};

/* "it has expired; it is not signed by a trusted CA (unknown CA)" */
gchar *
gst_as_tls_describe_flags (GTlsCertificateFlags errors)
{
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (flag_texts); i++) {
    if (!(errors & flag_texts[i].flag))
      continue;
    if (s->len > 0)
      g_string_append (s, "; ");
    g_string_append (s, flag_texts[i].text);
  }
  if (s->len == 0)
    g_string_append (s, "it could not be validated");
  return g_string_free (s, FALSE);
}

/**
 * gst_as_tls_error_is_fatal:
 *
 * Whether a handshake error is about who the peers are or what they speak
 * (a certificate, a protocol), which trying again cannot change, rather
 * than about the network.
 */
gboolean
gst_as_tls_error_is_fatal (const GError * error)
{
  if (error->domain != G_TLS_ERROR)
    return FALSE;
  /* a peer gone mid-handshake is the network's doing */
  return error->code != G_TLS_ERROR_EOF;
}

typedef struct
{
  GTlsCertificateFlags accepted;        /* the errors the user allows */
  GTlsCertificateFlags errors;          /* what validation found */
  gboolean asked;
} Verdict;

static gboolean
on_accept_certificate (GTlsConnection * conn, GTlsCertificate * peer_cert,
    GTlsCertificateFlags errors, gpointer user_data)
{
  Verdict *v = user_data;

  v->asked = TRUE;
  v->errors = errors;
  return (errors & ~v->accepted) == 0;
}

/* ------------------------------------------------------------------------ */
/* Handshakes                                                                */

/* after a handshake in which the server asked for a client certificate,
 * how long the client waits for the server's verdict on it */
#define VERDICT_WAIT_US (300 * G_TIME_SPAN_MILLISECOND)
/* after a failed handshake, how long the peer may read the alert that says
 * why before the connection is closed */
#define REFUSAL_LINGER_US (500 * G_TIME_SPAN_MILLISECOND)

typedef struct
{
  GMainContext *context;
  GCancellable *cancellable;    /* ours: the caller's, or the timeout */
  gboolean done;
  gboolean ok;
  gboolean timed_out;
  GError *error;
} Handshake;

static void
on_handshake_done (GObject * source, GAsyncResult * result,
    gpointer user_data)
{
  Handshake *h = user_data;

  h->ok = g_tls_connection_handshake_finish (G_TLS_CONNECTION (source),
      result, &h->error);
  h->done = TRUE;
  g_main_context_wakeup (h->context);
}

static gboolean
on_handshake_timeout (gpointer user_data)
{
  Handshake *h = user_data;

  h->timed_out = TRUE;
  g_cancellable_cancel (h->cancellable);
  return G_SOURCE_REMOVE;
}

static void
on_caller_cancelled (GCancellable * caller, gpointer user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

/* The handshake, blocking, for at most @timeout_ms or until @cancellable
 * fires (G_IO_ERROR_CANCELLED); a timeout is G_IO_ERROR_TIMED_OUT. GIO's
 * blocking handshake has no timeout of its own (the socket's is in whole
 * seconds and also applies to every later write), so the asynchronous one
 * runs on a private main context with a timer. */
static gboolean
run_handshake (GTlsConnection * conn, guint timeout_ms,
    GCancellable * cancellable, gboolean * cert_asked, GError ** error)
{
  Handshake h = { 0 };
  GSource *timer;
  gulong handler = 0;
  GstAsCertAsk *ask = NULL;

  h.context = g_main_context_new ();
  h.cancellable = g_cancellable_new ();
  if (cancellable)
    handler = g_cancellable_connect (cancellable,
        G_CALLBACK (on_caller_cancelled), g_object_ref (h.cancellable),
        g_object_unref);
  g_main_context_push_thread_default (h.context);
  /* made here: GIO calls it on the context it was made on, this one */
  if (cert_asked) {
    ask = g_object_new (GST_AS_TYPE_CERT_ASK, NULL);
    g_tls_connection_set_interaction (conn, G_TLS_INTERACTION (ask));
  }

  timer = g_timeout_source_new (timeout_ms);
  g_source_set_callback (timer, on_handshake_timeout, &h, NULL);
  g_source_attach (timer, h.context);
  g_tls_connection_handshake_async (conn, G_PRIORITY_DEFAULT, h.cancellable,
      on_handshake_done, &h);
  while (!h.done)
    g_main_context_iteration (h.context, TRUE);
  g_source_destroy (timer);
  g_source_unref (timer);
  if (ask) {
    *cert_asked = g_atomic_int_get (&ask->asked);
    g_tls_connection_set_interaction (conn, NULL);
    g_object_unref (ask);
  }

  g_main_context_pop_thread_default (h.context);
  if (cancellable)
    g_cancellable_disconnect (cancellable, handler);
  /* what the operation left on the context, before it goes */
  while (g_main_context_iteration (h.context, FALSE));
  g_main_context_unref (h.context);
  g_object_unref (h.cancellable);

  if (h.ok)
    return TRUE;
  if (h.timed_out && !g_cancellable_is_cancelled (cancellable) &&
      g_error_matches (h.error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    g_clear_error (&h.error);
    g_set_error (&h.error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
        "no TLS handshake within %u ms", timeout_ms);
  }
  g_propagate_error (error, h.error);
  return FALSE;
}

/* Whether the TCP peer sent anything: GIO calls a connection reset in the
 * middle of the first handshake "not TLS" too, but a server that went
 * away is the network's doing, and a plain-text server that answered is
 * not. A Unix socket says nothing: it counts as having answered. */
static guint64
bytes_received (GIOStream * base)
{
  struct tcp_info ti;
  socklen_t len = sizeof (ti);
  GSocket *socket;

  if (!G_IS_SOCKET_CONNECTION (base))
    return G_MAXUINT64;
  socket = g_socket_connection_get_socket (G_SOCKET_CONNECTION (base));
  if (g_socket_get_family (socket) == G_SOCKET_FAMILY_UNIX)
    return G_MAXUINT64;
  memset (&ti, 0, sizeof (ti));
  if (getsockopt (g_socket_get_fd (socket), IPPROTO_TCP, TCP_INFO, &ti,
          &len) != 0)
    return G_MAXUINT64;
  return ti.tcpi_bytes_received;
}

static gboolean
peer_answered (GIOStream * base)
{
  return bytes_received (base) > 0;
}

/* The reason a person reads, in the transport's fatal domain when trying
 * again cannot help. */
static void
set_client_error (GError ** error, GError * err, const Verdict * v,
    const gchar * name, guint timeout_ms, gboolean answered)
{
  if (v->asked && (v->errors & ~v->accepted) != 0) {
    gchar *why = gst_as_tls_describe_flags (v->errors & ~v->accepted);

    g_set_error (error, GST_AS_TRANSPORT_ERROR,
        GST_AS_TRANSPORT_ERROR_TLS, "the TLS certificate presented for %s "
        "is not acceptable: %s", name, why);
    g_free (why);
  } else if (g_error_matches (err, G_TLS_ERROR, G_TLS_ERROR_NOT_TLS) &&
      !answered) {
    g_propagate_error (error, err);
    return;
  } else if (g_error_matches (err, G_TLS_ERROR, G_TLS_ERROR_NOT_TLS)) {
    g_set_error (error, GST_AS_TRANSPORT_ERROR, GST_AS_TRANSPORT_ERROR_TLS,
        "%s does not speak TLS (a plain-text receiver? tls=false is for "
        "those): %s", name, err->message);
  } else if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)) {
    /* A TLS server answers the hello at once; a raw-PCM receiver reads it
     * as audio and says nothing. Trying again would only feed it more
     * handshakes. */
    g_set_error (error, GST_AS_TRANSPORT_ERROR, GST_AS_TRANSPORT_ERROR_TLS,
        "%s accepted the connection but did not answer the TLS handshake "
        "within %u ms (send-timeout-ms): it is probably not a TLS server",
        name, timeout_ms);
  } else if (gst_as_tls_error_is_fatal (err)) {
    g_set_error (error, GST_AS_TRANSPORT_ERROR, GST_AS_TRANSPORT_ERROR_TLS,
        "TLS handshake with %s failed: %s", name, without_period (err));
  } else {
    g_propagate_error (error, err);
    return;
  }
  g_error_free (err);
}

/* In TLS 1.3 the client's handshake is over before the server has looked
 * at the client's certificate: a server that refuses it (or the lack of
 * one) closes the connection just after. When the server asked for one,
 * listen briefly for that verdict, so that a refusal is a clear, fatal
 * error rather than a lost connection retried for ever. */
static gboolean
await_verdict (GIOStream * tls, GIOStream * base, const gchar * name,
    gboolean have_certificate, GCancellable * cancellable, GError ** error)
{
  GPollableInputStream *in;
  GSocket *socket;
  GError *err = NULL;
  guint8 scratch[512];
  gssize n;

  if (!G_IS_SOCKET_CONNECTION (base))
    return TRUE;
  socket = g_socket_connection_get_socket (G_SOCKET_CONNECTION (base));
  if (!g_socket_condition_timed_wait (socket, G_IO_IN, VERDICT_WAIT_US,
          cancellable, &err)) {
    if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      g_propagate_error (error, err);
      return FALSE;
    }
    g_clear_error (&err);
    return TRUE;                /* quiet: accepted */
  }
  in = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (tls));
  n = g_pollable_input_stream_read_nonblocking (in, scratch,
      sizeof (scratch), cancellable, &err);
  if (n > 0 || g_error_matches (err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
    /* a session ticket, or something a raw-PCM receiver never sends */
    g_clear_error (&err);
    return TRUE;
  }
  if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    g_propagate_error (error, err);
    return FALSE;
  }
  g_set_error (error, GST_AS_TRANSPORT_ERROR, GST_AS_TRANSPORT_ERROR_TLS,
      "%s asked for a client certificate and ended the connection right "
      "after the handshake%s%s: it does not accept %s", name,
      err ? ": " : "", err ? err->message : "", have_certificate ?
      "the one in tls-certificate-file" : "a sender without one (set "
      "tls-certificate-file and tls-key-file)");
  g_clear_error (&err);
  return FALSE;
}

/**
 * gst_as_tls_client_handshake:
 * @base: the connected TCP or Unix connection; the result wraps it
 * @host: the host connected to: the name checked unless the client names
 *   another
 *
 * Returns: (transfer full): the TLS connection, once the handshake is
 * done and the server's certificate accepted; NULL with @error:
 * GST_AS_TRANSPORT_ERROR_TLS when the server cannot be trusted or does not
 * speak TLS, G_IO_ERROR_CANCELLED, or a network error.
 */
GIOStream *
gst_as_tls_client_handshake (GstAsTlsClient * client, GIOStream * base,
    const gchar * host, gint port, guint timeout_ms,
    GCancellable * cancellable, GError ** error)
{
  const gchar *name = client->server_name ? client->server_name : host;
  GSocketConnectable *identity;
  GIOStream *tls;
  Verdict v = { client->flags ^ G_TLS_CERTIFICATE_VALIDATE_ALL, 0, FALSE };
  gboolean cert_asked = FALSE;
  GError *err = NULL;

  identity = g_network_address_new (name ? name : "localhost", port);
  tls = g_tls_client_connection_new (base, identity, &err);
  g_object_unref (identity);
  if (tls == NULL) {
    g_propagate_error (error, err);
    return NULL;
  }
  if (client->database)
    g_tls_connection_set_database (G_TLS_CONNECTION (tls), client->database);
  if (client->certificate)
    g_tls_connection_set_certificate (G_TLS_CONNECTION (tls),
        client->certificate);
  /* the receiver sees a lost connection the same with or without it */
  g_tls_connection_set_require_close_notify (G_TLS_CONNECTION (tls), FALSE);
  g_signal_connect (tls, "accept-certificate",
      G_CALLBACK (on_accept_certificate), &v);

  if (!run_handshake (G_TLS_CONNECTION (tls), timeout_ms, cancellable,
          client->certificate ? NULL : &cert_asked, &err)) {
    g_signal_handlers_disconnect_by_data (tls, &v);
    g_object_unref (tls);
    set_client_error (error, err, &v, name, timeout_ms, peer_answered (base));
    return NULL;
  }
  g_signal_handlers_disconnect_by_data (tls, &v);
  /* the server asked for a certificate: it may refuse ours, or the lack of
   * one */
  if ((cert_asked || client->certificate) &&
      !await_verdict (tls, base, name, client->certificate != NULL,
          cancellable, error)) {
    g_object_unref (tls);
    return NULL;
  }
  /* A resumed session skips the server's certificate: far fewer bytes
   * (how the guide's resumption figure was measured). */
  g_debug ("TLS handshake with %s: %" G_GUINT64_FORMAT " bytes received",
      name, bytes_received (base));
  return tls;
}

/* Closing at once, with the sender's audio unread, would reset the
 * connection, and a reset makes the sender drop the TLS alert that tells it
 * why it was refused: it would take the refusal for a network failure and
 * retry for ever. So the alert goes out first, then what the sender sends
 * is read and dropped for a moment. */
static void
close_after_alert (GIOStream * base, GCancellable * cancellable)
{
  GSocket *socket;
  gint64 until = g_get_monotonic_time () + REFUSAL_LINGER_US;
  gchar scratch[4096];

  if (!G_IS_SOCKET_CONNECTION (base))
    return;
  socket = g_socket_connection_get_socket (G_SOCKET_CONNECTION (base));
  g_socket_shutdown (socket, FALSE, TRUE, NULL);
  for (;;) {
    gint64 left = until - g_get_monotonic_time ();

    if (left <= 0 || !g_socket_condition_timed_wait (socket, G_IO_IN, left,
            cancellable, NULL) ||
        g_socket_receive_with_blocking (socket, scratch, sizeof (scratch),
            FALSE, NULL, NULL) <= 0)
      break;
  }
  g_socket_close (socket, NULL);
}

/**
 * gst_as_tls_server_handshake:
 *
 * Returns: (transfer full): the TLS connection once the sender completed
 * the handshake (with an acceptable client certificate if required), or
 * NULL with @error, whose message names the reason.
 */
GIOStream *
gst_as_tls_server_handshake (GstAsTlsServer * server, GIOStream * base,
    guint timeout_ms, GCancellable * cancellable, GError ** error)
{
  GIOStream *tls;
  Verdict v = { 0, 0, FALSE };
  GError *err = NULL;

  tls = g_tls_server_connection_new (base, server->certificate, error);
  if (tls == NULL)
    return NULL;
  if (server->client_database) {
    g_tls_connection_set_database (G_TLS_CONNECTION (tls),
        server->client_database);
    g_object_set (tls, "authentication-mode", G_TLS_AUTHENTICATION_REQUIRED,
        NULL);
  }
  g_tls_connection_set_require_close_notify (G_TLS_CONNECTION (tls), FALSE);
  g_signal_connect (tls, "accept-certificate",
      G_CALLBACK (on_accept_certificate), &v);

  if (run_handshake (G_TLS_CONNECTION (tls), timeout_ms, cancellable, NULL,
          &err)) {
    g_signal_handlers_disconnect_by_data (tls, &v);
    return tls;
  }
  g_signal_handlers_disconnect_by_data (tls, &v);
  /* before the TLS connection goes: that closes the socket */
  close_after_alert (base, cancellable);
  g_object_unref (tls);
  if (v.asked && v.errors != 0) {
    gchar *why = gst_as_tls_describe_flags (v.errors);

    g_set_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE,
        "client certificate refused: %s", why);
    g_free (why);
    g_error_free (err);
  } else if (g_error_matches (err, G_TLS_ERROR,
          G_TLS_ERROR_CERTIFICATE_REQUIRED)) {
    g_set_error (error, G_TLS_ERROR, G_TLS_ERROR_CERTIFICATE_REQUIRED,
        "the sender presented no client certificate, and "
        "tls-client-ca-file requires one: %s", err->message);
    g_error_free (err);
  } else {
    g_propagate_error (error, err);
  }
  return NULL;
}
