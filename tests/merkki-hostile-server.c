/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <gio/gio.h>
#include <jansson.h>
#include <libsoup/soup.h>

#include "merkki-hostile-server.h"

#define SNAPSHOT_ETAG       "\"hostile-1\""
#define HUGE_BODY_BYTES     (50 * 1024 * 1024)
#define MANY_RECORDS        10000
#define NESTING_DEPTH       100000
#define DRIP_INTERVAL_MS    500

struct _MerkkiHostileServer
{
  GMutex             mutex;        /* guards the settings */
  MerkkiHostileMode  mode;
  GHashTable        *path_modes;   /* prefix → GINT_TO_POINTER (mode) */
  guint              delay_ms;
  char              *registry_id;
  guint              n_requests;   /* atomic */
  char              *last_request; /* guarded by mutex */

  char              *url;
  guint              port;
  const char        *scheme;       /* "http" or "https" */
  GTlsCertificate   *certificate;  /* NULL for plain http */

  GThread           *thread;
  GMainContext      *context;
  GMainLoop         *loop;
  SoupServer        *soup;
  GCond              ready_cond;
  gboolean           ready;

  /* Server thread only: what a misbehaving mode keeps open until the
   * server stops. */
  GPtrArray         *held;         /* GObject*: paused messages, stolen streams */
};

/* One answer, worked out when the request arrives and delivered later
 * (after the delay, and always from a main-loop source, so that the
 * message is paused when a raw mode steals its connection). */
typedef struct {
  MerkkiHostileServer *server;
  SoupServerMessage   *msg;
  MerkkiHostileMode    mode;
  guint                status;
  char                *body;       /* the answer's JSON (or other) text */
  gsize                body_len;
  char                *location;   /* redirects */
  char                *etag;
} Answer;

static void
answer_free (Answer *answer)
{
  g_clear_object (&answer->msg);
  g_free (answer->body);
  g_free (answer->location);
  g_free (answer->etag);
  g_free (answer);
}

/* ---- Valid answers ----------------------------------------------------- */

static json_t *
make_record (const char *scheme,
             const char *id,
             const char *brand,
             const char *model)
{
  json_t *record = json_object ();
  int day, month, year;
  char expires[16] = "2027-06-30";
  gboolean cls = g_str_has_prefix (scheme, "sg-cls");

  /* CLS IDs carry the expiry date: keep the record consistent with it, so
   * the answer is a valid one in every respect. */
  if (cls && sscanf (id, "CSA/%2d%2d%2d/", &day, &month, &year) == 3)
    g_snprintf (expires, sizeof expires, "20%02d-%02d-%02d", year, month, day);

  json_object_set_new (record, "scheme", json_string (scheme));
  json_object_set_new (record, "id", json_string (id));
  json_object_set_new (record, "level", json_integer (cls ? 3 : 0));
  json_object_set_new (record, "status", json_string ("active"));
  json_object_set_new (record, "product",
                       json_pack ("{s:s, s:s, s:s}", "brand", brand, "model", model,
                                  "category", "camera"));
  json_object_set_new (record, "manufacturer", json_string ("Hostile Test Ltd"));
  json_object_set_new (record, "issued", json_string ("2024-01-15"));
  json_object_set_new (record, "expires", json_string (expires));

  return record;
}

static char *
other_scheme (const char *scheme)
{
  return g_strdup (g_str_has_prefix (scheme, "sg-cls") ? "fi-ttm" : "sg-cls");
}

static char *
other_id (const char *scheme,
          const char *id)
{
  if (g_str_has_prefix (scheme, "sg-cls"))
    return g_strdup (g_str_equal (id, "CSA/311229/9999") ? "CSA/311229/9998" : "CSA/311229/9999");

  return g_strconcat (id, "-other", NULL);
}

static char *
dump (json_t *root)
{
  char *text = json_dumps (root, JSON_COMPACT | JSON_ENCODE_ANY);
  char *copy = g_strdup (text);

  free (text);
  json_decref (root);
  return copy;
}

static char *
replace_all (const char *text,
             const char *from,
             const char *to)
{
  g_auto(GStrv) parts = g_strsplit (text, from, -1);

  return g_strjoinv (to, parts);
}

/* @text with every "level" (3 or 0 in a valid answer) set to @level. */
static char *
replace_levels (const char *text,
                const char *level)
{
  g_autofree char *to = g_strconcat ("\"level\":", level, NULL);
  g_autofree char *step = replace_all (text, "\"level\":3", to);

  return replace_all (step, "\"level\":0", to);
}

/* The valid answer to @path, then changed as @mode says. Sets status,
 * body and etag. */
static void
build_answer (MerkkiHostileServer *self,
              Answer              *answer,
              const char          *path,
              GHashTable          *query,
              const char          *if_none_match)
{
  g_auto(GStrv) segments = g_strsplit (path, "/", -1);
  guint n = g_strv_length (segments);
  MerkkiHostileMode mode = answer->mode;
  json_t *root = NULL;
  g_autofree char *text = NULL;
  enum { NONE, LABEL, SEARCH, SNAPSHOT } kind = NONE;

  answer->status = SOUP_STATUS_OK;

  /* segments: "", "v1", "labels", scheme[, id]. libsoup hands over the
   * path decoded, so an ID's encoded slashes ("CSA%2F311227%2F0001") are
   * slashes again here: the ID is everything after the scheme. */
  if (n >= 5 && g_str_equal (segments[1], "v1") && g_str_equal (segments[2], "labels"))
    {
      g_autofree char *scheme = g_strdup (segments[3]);
      g_autofree char *id = g_strjoinv ("/", segments + 4);

      kind = LABEL;
      if (scheme == NULL || id == NULL || g_str_equal (id, "unknown"))
        {
          answer->status = SOUP_STATUS_NOT_FOUND;
          root = json_pack ("{s:s}", "error", "not-found");
        }
      else if (mode == MERKKI_HOSTILE_OTHER_ID)
        {
          g_autofree char *other = other_id (scheme, id);

          root = make_record (scheme, other, "Hostile Test", "Model 1");
        }
      else if (mode == MERKKI_HOSTILE_OTHER_SCHEME)
        {
          g_autofree char *other = other_scheme (scheme);

          root = make_record (other, id, "Hostile Test", "Model 1");
        }
      else
        root = make_record (scheme, id, "Hostile Test", "Model 1");
    }
  else if (n == 4 && g_str_equal (segments[1], "v1") && g_str_equal (segments[2], "labels"))
    {
      g_autofree char *scheme = g_strdup (segments[3]);
      const char *brand = query != NULL ? g_hash_table_lookup (query, "brand") : NULL;
      const char *model = query != NULL ? g_hash_table_lookup (query, "model") : NULL;
      json_t *records = json_array ();

      kind = SEARCH;
      if (scheme == NULL || brand == NULL || model == NULL)
        {
          answer->status = SOUP_STATUS_BAD_REQUEST;
          json_decref (records);
          root = json_pack ("{s:s}", "error", "bad-request");
        }
      else
        {
          g_autofree char *answered_scheme = mode == MERKKI_HOSTILE_OTHER_ID ? other_scheme (scheme)
                                                                            : g_strdup (scheme);
          guint n_records = mode == MERKKI_HOSTILE_MANY_RECORDS ? MANY_RECORDS : 2;
          gboolean cls = g_str_has_prefix (scheme, "sg-cls");

          if (g_str_equal (model, "unknown"))
            n_records = 0;

          for (guint i = 0; i < n_records; i++)
            {
              g_autofree char *id = cls ? g_strdup_printf ("CSA/311229/%u", i + 1)
                                        : g_strdup_printf ("hostile-%u", i + 1);
              gboolean other = mode == MERKKI_HOSTILE_OTHER_PRODUCT && i == 1;

              json_array_append_new (records,
                                     make_record (answered_scheme, id,
                                                  other ? "Other Brand" : brand,
                                                  other ? "Other Model" : model));
            }
          root = json_pack ("{s:o}", "records", records);
        }
    }
  else if (n == 3 && g_str_equal (segments[1], "v1") && g_str_equal (segments[2], "snapshot"))
    {
      g_autofree char *registry_id = NULL;
      json_t *records;

      kind = SNAPSHOT;
      g_mutex_lock (&self->mutex);
      registry_id = g_strdup (self->registry_id);
      g_mutex_unlock (&self->mutex);

      if (g_strcmp0 (if_none_match, SNAPSHOT_ETAG) == 0 && mode == MERKKI_HOSTILE_VALID)
        {
          answer->status = SOUP_STATUS_NOT_MODIFIED;
          answer->etag = g_strdup (SNAPSHOT_ETAG);
          return;
        }

      if (mode == MERKKI_HOSTILE_OTHER_SCHEME)
        {
          g_autofree char *asked = g_steal_pointer (&registry_id);

          registry_id = g_strdup (g_str_equal (asked, "sg-csa") ? "fi-traficom" : "sg-csa");
        }

      records = json_array ();
      json_array_append_new (records, make_record ("sg-cls", "CSA/311227/0001", "Hostile Test", "Model 1"));
      if (mode == MERKKI_HOSTILE_OTHER_ID)
        json_array_append_new (records, make_record ("fi-ttm", "hostile-2", "Hostile Test", "Model 2"));
      else
        json_array_append_new (records, make_record ("sg-cls", "CSA/311227/0002", "Hostile Test", "Model 2"));
      root = json_pack ("{s:s, s:s, s:o}", "registry", registry_id,
                        "generated", "2026-11-01T00:00:00Z", "records", records);
      answer->etag = g_strdup (SNAPSHOT_ETAG);
    }
  else
    {
      answer->status = SOUP_STATUS_NOT_FOUND;
      root = json_pack ("{s:s}", "error", "not-found");
    }

  text = dump (root);

  /* The modes that break the text itself. (Switches on modes are on int:
   * each handles a few modes and leaves the rest to "default".) */
  switch ((int) mode)
    {
    case MERKKI_HOSTILE_NOT_FOUND_PLAIN:
      answer->status = SOUP_STATUS_NOT_FOUND;
      g_free (text);
      text = g_strdup ("Not Found\n");
      break;

    case MERKKI_HOSTILE_NOT_FOUND_JSON:
      answer->status = SOUP_STATUS_NOT_FOUND;
      g_free (text);
      text = g_strdup ("{\"error\":\"not-found\"}");
      break;

    case MERKKI_HOSTILE_SERVER_ERROR:
      answer->status = SOUP_STATUS_INTERNAL_SERVER_ERROR;
      g_free (text);
      text = g_strdup ("{\"error\":\"internal\"}");
      break;

    case MERKKI_HOSTILE_TRUNCATED_JSON:
      text[strlen (text) / 2] = '\0';
      break;

    case MERKKI_HOSTILE_MALFORMED_JSON:
      g_free (text);
      text = g_strdup ("{\"scheme\": sg-cls, \"id\": CSA/311227/0001,, ]");
      break;

    case MERKKI_HOSTILE_WRONG_TYPES:
      {
        g_autofree char *step1 = replace_all (text, "\"level\":3", "\"level\":\"3\"");
        g_autofree char *step2 = replace_all (step1, "\"level\":0", "\"level\":\"0\"");

        g_free (text);
        text = replace_all (step2, "\"brand\":\"Hostile Test\"", "\"brand\":12345");
      }
      break;

    case MERKKI_HOSTILE_DUPLICATE_KEYS:
      {
        /* The first "id" is another label; a parser that keeps the last
         * value would see the asked one, another reader the first. */
        const char *prefix = kind == LABEL ? "{\"id\":\"CSA/311229/9999\"," : "{\"records\":[],";
        g_autofree char *old = text;

        text = g_strconcat (prefix, old + 1, NULL);
      }
      break;

    case MERKKI_HOSTILE_DEEP_NESTING:
      {
        GString *nested = g_string_sized_new (2 * NESTING_DEPTH + 16);

        for (guint i = 0; i < NESTING_DEPTH; i++)
          g_string_append_c (nested, '[');
        for (guint i = 0; i < NESTING_DEPTH; i++)
          g_string_append_c (nested, ']');
        g_free (text);
        text = g_strdup_printf ("{\"records\":%s,\"id\":%s}", nested->str, nested->str);
        g_string_free (nested, TRUE);
      }
      break;

    case MERKKI_HOSTILE_BAD_UTF8:
      {
        g_autofree char *old = text;

        /* In a field of its own, so that every kind of answer has it. */
        text = g_strconcat ("{\"note\":\"Hostile \xff\xfe\xc3 Test\",", old + 1, NULL);
      }
      break;

    case MERKKI_HOSTILE_HUGE_NUMBER:
      {
        g_autofree char *old = text;
        g_autofree char *huge = g_strnfill (400, '0');
        g_autofree char *level = g_strconcat ("1", huge, NULL);

        text = replace_levels (old, level);
      }
      break;

    case MERKKI_HOSTILE_LEVEL_FLOAT_MAX:
    case MERKKI_HOSTILE_LEVEL_2_POW_63:
    case MERKKI_HOSTILE_LEVEL_INT64_MIN:
      {
        g_autofree char *old = text;

        text = replace_levels (old, mode == MERKKI_HOSTILE_LEVEL_FLOAT_MAX ? "1e308"
                                    : mode == MERKKI_HOSTILE_LEVEL_2_POW_63 ? "9223372036854775808"
                                    : "-9223372036854775808");
      }
      break;

    case MERKKI_HOSTILE_DUPLICATE_STATUS:
    case MERKKI_HOSTILE_DUPLICATE_STATUS_REVOKED_FIRST:
      {
        g_autofree char *old = text;

        /* A reader that keeps the first value sees one status, a reader
         * that keeps the last the other. */
        text = replace_all (old, "\"status\":\"active\"",
                            mode == MERKKI_HOSTILE_DUPLICATE_STATUS
                            ? "\"status\":\"active\",\"status\":\"revoked\""
                            : "\"status\":\"revoked\",\"status\":\"active\"");
      }
      break;

    default:
      break;
    }

  answer->body_len = strlen (text);
  answer->body = g_steal_pointer (&text);
}

/* ---- Delivery ---------------------------------------------------------- */

static void
hold (MerkkiHostileServer *self,
      gpointer             object)
{
  g_ptr_array_add (self->held, g_object_ref (object));
}

static gboolean
write_all (GIOStream  *stream,
           const void *data,
           gsize       len)
{
  GOutputStream *out = g_io_stream_get_output_stream (stream);

  return g_output_stream_write_all (out, data, len, NULL, NULL, NULL);
}

static void
write_head (GIOStream *stream,
            gint64     content_length)
{
  g_autoptr(GString) head = g_string_new ("HTTP/1.1 200 OK\r\n"
                                          "Content-Type: application/json\r\n"
                                          "Connection: close\r\n");

  if (content_length >= 0)
    g_string_append_printf (head, "Content-Length: %" G_GINT64_FORMAT "\r\n", content_length);
  g_string_append (head, "\r\n");

  write_all (stream, head->str, head->len);
}

typedef struct {
  GIOStream *stream;
  char      *body;
  gsize      len;
  gsize      sent;
} Drip;

static void
drip_free (Drip *drip)
{
  g_io_stream_close (drip->stream, NULL, NULL);
  g_object_unref (drip->stream);
  g_free (drip->body);
  g_free (drip);
}

static gboolean
on_drip_cb (gpointer user_data)
{
  Drip *drip = user_data;

  if (drip->sent >= drip->len || !write_all (drip->stream, drip->body + drip->sent, 1))
    return G_SOURCE_REMOVE;

  drip->sent++;
  return G_SOURCE_CONTINUE;
}

/* Modes that need the raw connection: libsoup would (rightly) not send
 * such answers. */
static void
deliver_raw (MerkkiHostileServer *self,
             Answer              *answer)
{
  g_autoptr(GIOStream) stream = NULL;
  GSocket *socket = soup_server_message_get_socket (answer->msg);

  if (socket != NULL)
    g_object_ref (socket);
  stream = soup_server_message_steal_connection (answer->msg);
  g_assert_nonnull (stream);

  switch ((int) answer->mode)
    {
    case MERKKI_HOSTILE_SLOW_DRIP:
      {
        Drip *drip = g_new0 (Drip, 1);
        GSource *source = g_timeout_source_new (DRIP_INTERVAL_MS);

        write_head (stream, answer->body_len);
        drip->stream = g_object_ref (stream);
        drip->body = g_memdup2 (answer->body, answer->body_len);
        drip->len = answer->body_len;
        g_source_set_callback (source, on_drip_cb, drip, (GDestroyNotify) drip_free);
        g_source_attach (source, self->context);
        g_source_unref (source);
      }
      break;

    case MERKKI_HOSTILE_HUGE_BODY:
      {
        /* A JSON string that never ends, sent until 50 MB or until the
         * client hangs up, whichever comes first. */
        g_autofree char *chunk = g_strnfill (64 * 1024, 'x');
        gsize sent = 0;

        write_head (stream, -1);
        if (write_all (stream, "{\"records\":\"", 12))
          {
            while (sent < HUGE_BODY_BYTES && write_all (stream, chunk, 64 * 1024))
              sent += 64 * 1024;
          }
      }
      break;

    case MERKKI_HOSTILE_NOT_HTTP:
      write_all (stream, answer->body, answer->body_len);
      break;

    case MERKKI_HOSTILE_BAD_STATUS_LINE:
      {
        g_autofree char *head = g_strdup_printf ("HTTP/1.1 2000 OK\r\nContent-Length: %" G_GSIZE_FORMAT
                                                 "\r\nConnection: close\r\n\r\n", answer->body_len);

        write_all (stream, head, strlen (head));
        write_all (stream, answer->body, answer->body_len);
      }
      break;

    case MERKKI_HOSTILE_LYING_LENGTH_LONG:
      write_head (stream, answer->body_len + 1000);
      write_all (stream, answer->body, answer->body_len);
      break;

    case MERKKI_HOSTILE_LYING_LENGTH_HUGE:
      write_head (stream, G_GINT64_CONSTANT (5) * 1024 * 1024 * 1024);
      write_all (stream, answer->body, answer->body_len);
      break;

    case MERKKI_HOSTILE_LYING_LENGTH_SHORT:
      write_head (stream, answer->body_len / 2);
      write_all (stream, answer->body, answer->body_len);
      break;

    case MERKKI_HOSTILE_RESET_MID_BODY:
      write_head (stream, answer->body_len);
      write_all (stream, answer->body, answer->body_len / 2);
      if (socket != NULL)
        {
          struct linger linger = { .l_onoff = 1, .l_linger = 0 };

          /* SO_LINGER with a zero time makes close() send a reset
           * instead of an orderly end. */
          setsockopt (g_socket_get_fd (socket), SOL_SOCKET, SO_LINGER, &linger, sizeof linger);
        }
      break;

    default:
      g_assert_not_reached ();
    }

  if (answer->mode != MERKKI_HOSTILE_SLOW_DRIP)
    g_io_stream_close (stream, NULL, NULL);
  g_clear_object (&socket);
}

static GBytes *
gzip (const char *data,
      gsize       len)
{
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, -1);
  g_autoptr(GInputStream) plain = g_memory_input_stream_new_from_data (g_memdup2 (data, len), len, g_free);
  g_autoptr(GInputStream) compressed = g_converter_input_stream_new (plain, G_CONVERTER (compressor));
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();

  g_output_stream_splice (out, compressed, G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE |
                          G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, NULL);
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
}

#define BOMB_BYTES (100 * 1024 * 1024)

/* @body and then spaces up to BOMB_BYTES, gzip-compressed a chunk at a
 * time (about 100 kB in all). */
static GBytes *
gzip_bomb (const char *body,
           gsize       len)
{
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 9);
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) out = g_converter_output_stream_new (memory, G_CONVERTER (compressor));
  g_autofree char *spaces = g_strnfill (1024 * 1024, ' ');
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (out, body, len, NULL, NULL, &error);
  g_assert_no_error (error);
  for (gsize sent = len; sent < BOMB_BYTES; sent += 1024 * 1024)
    {
      g_output_stream_write_all (out, spaces, MIN (1024 * 1024, BOMB_BYTES - sent), NULL, NULL, &error);
      g_assert_no_error (error);
    }
  g_output_stream_close (out, NULL, &error);
  g_assert_no_error (error);
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory));
}

static void
deliver (MerkkiHostileServer *self,
         Answer              *answer)
{
  SoupServerMessage *msg = answer->msg;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  switch ((int) answer->mode)
    {
    case MERKKI_HOSTILE_NEVER_ANSWER:
      /* Stays paused, connection open, until the server stops. */
      hold (self, msg);
      return;

    case MERKKI_HOSTILE_SLOW_DRIP:
    case MERKKI_HOSTILE_HUGE_BODY:
    case MERKKI_HOSTILE_LYING_LENGTH_LONG:
    case MERKKI_HOSTILE_LYING_LENGTH_HUGE:
    case MERKKI_HOSTILE_LYING_LENGTH_SHORT:
    case MERKKI_HOSTILE_RESET_MID_BODY:
    case MERKKI_HOSTILE_NOT_HTTP:
    case MERKKI_HOSTILE_BAD_STATUS_LINE:
      if (answer->status == SOUP_STATUS_OK)
        {
          deliver_raw (self, answer);
          return;
        }
      break;

    case MERKKI_HOSTILE_REDIRECT_OTHER_HOST:
    case MERKKI_HOSTILE_REDIRECT_LOCALHOST:
    case MERKKI_HOSTILE_REDIRECT_OTHER_PORT:
    case MERKKI_HOSTILE_REDIRECT_OTHER_SCHEME:
    case MERKKI_HOSTILE_REDIRECT_SAME_HOST:
    case MERKKI_HOSTILE_REDIRECT_LOOP:
      soup_server_message_set_status (msg, SOUP_STATUS_FOUND, NULL);
      soup_message_headers_replace (headers, "Location", answer->location);
      soup_server_message_unpause (msg);
      return;

    case MERKKI_HOSTILE_GZIP:
    case MERKKI_HOSTILE_GZIP_BOMB:
      {
        g_autoptr(GBytes) compressed = answer->mode == MERKKI_HOSTILE_GZIP
                                       ? gzip (answer->body, answer->body_len)
                                       : gzip_bomb (answer->body, answer->body_len);

        soup_server_message_set_status (msg, answer->status, NULL);
        soup_message_headers_replace (headers, "Content-Encoding", "gzip");
        soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY,
                                          g_bytes_get_data (compressed, NULL),
                                          g_bytes_get_size (compressed));
        soup_server_message_unpause (msg);
      }
      return;

    default:
      break;
    }

  soup_server_message_set_status (msg, answer->status, NULL);
  if (answer->etag != NULL)
    soup_message_headers_replace (headers, "ETag", answer->etag);
  if (answer->status == SOUP_STATUS_NOT_FOUND && answer->mode == MERKKI_HOSTILE_NOT_FOUND_PLAIN)
    soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_COPY, answer->body, answer->body_len);
  else if (answer->status != SOUP_STATUS_NOT_MODIFIED)
    soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, answer->body, answer->body_len);
  soup_server_message_unpause (msg);
}

static gboolean
on_deliver_cb (gpointer user_data)
{
  Answer *answer = user_data;

  deliver (answer->server, answer);
  return G_SOURCE_REMOVE;
}

/* ---- Requests ---------------------------------------------------------- */

static MerkkiHostileMode
mode_for_path (MerkkiHostileServer *self,
               const char          *path)
{
  MerkkiHostileMode mode;
  GHashTableIter iter;
  gpointer key, value;
  gsize best = 0;

  g_mutex_lock (&self->mutex);
  mode = self->mode;
  g_hash_table_iter_init (&iter, self->path_modes);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      if (g_str_has_prefix (path, key) && strlen (key) >= best)
        {
          best = strlen (key);
          mode = GPOINTER_TO_INT (value);
        }
    }
  g_mutex_unlock (&self->mutex);

  return mode;
}

static void
record_request (MerkkiHostileServer *self,
                SoupServerMessage   *msg)
{
  GUri *uri = soup_server_message_get_uri (msg);
  GString *text = g_string_new (NULL);
  SoupMessageHeadersIter iter;
  const char *name, *value;

  g_string_append_printf (text, "%s %s", soup_server_message_get_method (msg), g_uri_get_path (uri));
  if (g_uri_get_query (uri) != NULL)
    g_string_append_printf (text, "?%s", g_uri_get_query (uri));
  g_string_append_c (text, '\n');

  soup_message_headers_iter_init (&iter, soup_server_message_get_request_headers (msg));
  while (soup_message_headers_iter_next (&iter, &name, &value))
    g_string_append_printf (text, "%s: %s\n", name, value);

  g_mutex_lock (&self->mutex);
  g_free (self->last_request);
  self->last_request = g_string_free (text, FALSE);
  g_mutex_unlock (&self->mutex);
}

static void
on_request_cb (SoupServer        *soup,
               SoupServerMessage *msg,
               const char        *unused_path,
               GHashTable        *query,
               gpointer           user_data)
{
  MerkkiHostileServer *self = user_data;
  GUri *uri = soup_server_message_get_uri (msg);
  const char *path = g_uri_get_path (uri);
  const char *if_none_match;
  Answer *answer;
  GSource *source;
  guint delay_ms;

  g_atomic_int_inc (&self->n_requests);
  record_request (self, msg);

  answer = g_new0 (Answer, 1);
  answer->server = self;
  answer->msg = g_object_ref (msg);

  if (g_str_has_prefix (path, "/redirected/"))
    {
      path += strlen ("/redirected");
      answer->mode = MERKKI_HOSTILE_VALID;
    }
  else
    answer->mode = mode_for_path (self, path);

  if_none_match = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                "If-None-Match");
  build_answer (self, answer, path, query, if_none_match);

  {
    const char *query_string = g_uri_get_query (uri);
    g_autofree char *rest = query_string != NULL ? g_strconcat (path, "?", query_string, NULL)
                                                 : g_strdup (path);

    switch ((int) answer->mode)
      {
      case MERKKI_HOSTILE_REDIRECT_OTHER_HOST:
        answer->location = g_strdup_printf ("%s://127.0.0.2:%u%s", self->scheme, self->port, rest);
        break;
      case MERKKI_HOSTILE_REDIRECT_LOCALHOST:
        answer->location = g_strdup_printf ("%s://localhost:%u%s", self->scheme, self->port, rest);
        break;
      case MERKKI_HOSTILE_REDIRECT_OTHER_PORT:
        answer->location = g_strdup_printf ("%s://127.0.0.1:%u%s", self->scheme, self->port % 65535 + 1, rest);
        break;
      case MERKKI_HOSTILE_REDIRECT_OTHER_SCHEME:
        answer->location = g_strdup_printf ("%s://127.0.0.1:%u%s",
                                            g_str_equal (self->scheme, "https") ? "http" : "https",
                                            self->port, rest);
        break;
      case MERKKI_HOSTILE_REDIRECT_SAME_HOST:
        /* Relative, as servers often send it. */
        answer->location = g_strconcat ("/redirected", rest, NULL);
        break;
      case MERKKI_HOSTILE_REDIRECT_LOOP:
        answer->location = g_strdup_printf ("%s://127.0.0.1:%u%s", self->scheme, self->port, rest);
        break;
      default:
        break;
      }
  }

  g_mutex_lock (&self->mutex);
  delay_ms = self->delay_ms;
  g_mutex_unlock (&self->mutex);

  /* Always answered from a source: the message is paused then, which is
   * when its connection can be stolen. */
  soup_server_message_pause (msg);
  source = delay_ms > 0 ? g_timeout_source_new (delay_ms) : g_idle_source_new ();
  g_source_set_callback (source, on_deliver_cb, answer, (GDestroyNotify) answer_free);
  g_source_attach (source, self->context);
  g_source_unref (source);
}

/* ---- The thread -------------------------------------------------------- */

static gpointer
server_thread (gpointer user_data)
{
  MerkkiHostileServer *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GInetAddress) loopback = NULL;
  GSList *uris;

  g_main_context_push_thread_default (self->context);

  self->soup = soup_server_new ("server-header", "merkki-hostile/1",
                                "tls-certificate", self->certificate,
                                NULL);
  soup_server_add_handler (self->soup, NULL, on_request_cb, self, NULL);

  loopback = g_inet_address_new_from_string ("127.0.0.1");
  address = g_inet_socket_address_new (loopback, 0);
  soup_server_listen (self->soup, address,
                      self->certificate != NULL ? SOUP_SERVER_LISTEN_HTTPS : 0, &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (self->soup);
  g_assert_nonnull (uris);
  self->port = g_uri_get_port (uris->data);
  self->url = g_strdup_printf ("%s://127.0.0.1:%u", self->scheme, self->port);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_mutex_lock (&self->mutex);
  self->ready = TRUE;
  g_cond_signal (&self->ready_cond);
  g_mutex_unlock (&self->mutex);

  g_main_loop_run (self->loop);

  /* Connections held open by a mode end here. */
  g_ptr_array_set_size (self->held, 0);
  soup_server_disconnect (self->soup);
  g_clear_object (&self->soup);

  g_main_context_pop_thread_default (self->context);
  return NULL;
}

static MerkkiHostileServer *
start (GTlsCertificate *certificate)
{
  MerkkiHostileServer *self = g_new0 (MerkkiHostileServer, 1);

  self->certificate = certificate;
  self->scheme = certificate != NULL ? "https" : "http";

  g_mutex_init (&self->mutex);
  g_cond_init (&self->ready_cond);
  self->mode = MERKKI_HOSTILE_VALID;
  self->path_modes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->registry_id = g_strdup ("sg-csa");
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->held = g_ptr_array_new_with_free_func (g_object_unref);

  self->thread = g_thread_new ("hostile-server", server_thread, self);

  g_mutex_lock (&self->mutex);
  while (!self->ready)
    g_cond_wait (&self->ready_cond, &self->mutex);
  g_mutex_unlock (&self->mutex);

  return self;
}

MerkkiHostileServer *
merkki_hostile_server_new (void)
{
  return start (NULL);
}

MerkkiHostileServer *
merkki_hostile_server_new_tls (const char *cert_file,
                               const char *key_file)
{
  g_autoptr(GError) error = NULL;
  GTlsCertificate *certificate;

  certificate = g_tls_certificate_new_from_files (cert_file, key_file, &error);
  g_assert_no_error (error);

  return start (certificate);
}

static gboolean
on_quit_cb (gpointer user_data)
{
  MerkkiHostileServer *self = user_data;

  g_main_loop_quit (self->loop);
  return G_SOURCE_REMOVE;
}

void
merkki_hostile_server_free (MerkkiHostileServer *self)
{
  if (self == NULL)
    return;

  g_main_context_invoke (self->context, on_quit_cb, self);
  g_thread_join (self->thread);

  /* Pending delays and drips go with the context (their destroy
   * notifies free them). */
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_ptr_array_unref (self->held);
  g_hash_table_unref (self->path_modes);
  g_clear_object (&self->certificate);
  g_free (self->registry_id);
  g_free (self->last_request);
  g_free (self->url);
  g_cond_clear (&self->ready_cond);
  g_mutex_clear (&self->mutex);
  g_free (self);
}

void
merkki_hostile_server_set_mode (MerkkiHostileServer *self,
                                MerkkiHostileMode    mode)
{
  g_mutex_lock (&self->mutex);
  self->mode = mode;
  g_mutex_unlock (&self->mutex);
}

void
merkki_hostile_server_set_path_mode (MerkkiHostileServer *self,
                                     const char          *prefix,
                                     MerkkiHostileMode    mode)
{
  g_mutex_lock (&self->mutex);
  g_hash_table_replace (self->path_modes, g_strdup (prefix), GINT_TO_POINTER (mode));
  g_mutex_unlock (&self->mutex);
}

void
merkki_hostile_server_set_delay (MerkkiHostileServer *self,
                                 guint                delay_ms)
{
  g_mutex_lock (&self->mutex);
  self->delay_ms = delay_ms;
  g_mutex_unlock (&self->mutex);
}

void
merkki_hostile_server_set_registry_id (MerkkiHostileServer *self,
                                       const char          *registry_id)
{
  g_mutex_lock (&self->mutex);
  g_free (self->registry_id);
  self->registry_id = g_strdup (registry_id);
  g_mutex_unlock (&self->mutex);
}

const char *
merkki_hostile_server_get_url (MerkkiHostileServer *self)
{
  return self->url;
}

guint
merkki_hostile_server_get_port (MerkkiHostileServer *self)
{
  return self->port;
}

guint
merkki_hostile_server_get_n_requests (MerkkiHostileServer *self)
{
  return g_atomic_int_get (&self->n_requests);
}

char *
merkki_hostile_server_dup_last_request (MerkkiHostileServer *self)
{
  char *copy;

  g_mutex_lock (&self->mutex);
  copy = g_strdup (self->last_request);
  g_mutex_unlock (&self->mutex);

  return copy;
}

char *
merkki_hostile_closed_port_url (void)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_from_string ("127.0.0.1");
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  guint port;

  /* Bound but never listening: the kernel refuses connections to it for
   * as long as it stays bound, and the port is not given to anyone else
   * meanwhile. It is closed on return, so there is a small window; the
   * port is picked by the kernel at random, which keeps it small. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, address, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (socket, NULL);

  return g_strdup_printf ("http://127.0.0.1:%u", port);
}
