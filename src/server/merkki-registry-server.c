/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>

#include "merkki-error.h"
#include "merkki-record.h"
#include "merkki-registry-server.h"

#define JSON_CONTENT_TYPE "application/json; charset=utf-8"
#define LABELS_PREFIX     "/v1/labels/"
#define SNAPSHOT_PATH     "/v1/snapshot"
#define DEFAULT_ADDRESS   "127.0.0.1"

struct _MerkkiRegistryServer
{
  GObject       parent_instance;

  /* The data, guarded by @lock: requests are answered in the server's
   * thread while the owner may still add data. */
  GMutex        lock;
  char         *registry_id;
  char         *generated;
  gboolean      demo;
  GPtrArray    *records;        /* MerkkiRecord*, owned, in load order */
  GPtrArray    *brand_keys;     /* fold_for_search() of each record's brand */
  GPtrArray    *model_keys;     /* ... and model, at the same index */
  GHashTable   *by_key;         /* "scheme\nid" -> index into @records */
  GBytes       *snapshot;       /* the serialized snapshot, NULL when stale */
  char         *snapshot_etag;

  GTlsCertificate *tls_certificate;  /* https when set; read when listening starts */

  guint         delay_ms;       /* atomic */
  guint         n_requests;     /* atomic */

  /* Owned by the thread the server runs in. */
  SoupServer   *server;
  GMainContext *context;        /* where @server's sources live */
  GList        *delayed;        /* GSource* of answers held back by the delay */
  char         *url;

  /* start_thread() only. */
  GThread      *thread;
  GMainLoop    *loop;
  GMutex        start_lock;
  GCond         start_cond;
  gboolean      start_done;
  GError       *start_error;
  char         *start_address;
  guint         start_port;
};

G_DEFINE_FINAL_TYPE (MerkkiRegistryServer, merkki_registry_server, G_TYPE_OBJECT)

static char *
record_key (const char *scheme,
            const char *id)
{
  return g_strconcat (scheme, "\n", id, NULL);
}

/* Brands and models are compared as people read them: without regard to
 * case, to how an accented letter happens to be encoded, or to how many
 * blanks separate the words. NULL for text that is not UTF-8. */
static char *
fold_for_search (const char *text)
{
  g_autofree char *normalized = g_utf8_normalize (text, -1, G_NORMALIZE_ALL);
  g_autofree char *folded = NULL;
  GString *words;

  if (normalized == NULL)
    return NULL;

  folded = g_utf8_casefold (normalized, -1);
  words = g_string_new (NULL);
  for (const char *p = folded; *p != '\0'; p++)
    {
      if (g_ascii_isspace (*p))
        {
          if (words->len > 0 && words->str[words->len - 1] != ' ')
            g_string_append_c (words, ' ');
        }
      else
        {
          g_string_append_c (words, *p);
        }
    }
  if (words->len > 0 && words->str[words->len - 1] == ' ')
    g_string_truncate (words, words->len - 1);

  return g_string_free (words, FALSE);
}

static void
stop_serving (MerkkiRegistryServer *self)
{
  GList *delayed = g_steal_pointer (&self->delayed);

  for (GList *l = delayed; l != NULL; l = l->next)
    {
      g_source_destroy (l->data);
      g_source_unref (l->data);
    }
  g_list_free (delayed);

  if (self->server != NULL)
    soup_server_disconnect (self->server);
  g_clear_object (&self->server);
}

static gboolean
quit_thread_cb (gpointer user_data)
{
  MerkkiRegistryServer *self = user_data;

  stop_serving (self);
  g_main_loop_quit (self->loop);
  return G_SOURCE_REMOVE;
}

static void
merkki_registry_server_finalize (GObject *object)
{
  MerkkiRegistryServer *self = MERKKI_REGISTRY_SERVER (object);

  if (self->thread != NULL)
    {
      /* The server's objects belong to its thread: stop them there. */
      g_main_context_invoke (self->context, quit_thread_cb, self);
      g_thread_join (g_steal_pointer (&self->thread));
      g_clear_pointer (&self->loop, g_main_loop_unref);
    }
  else
    {
      stop_serving (self);
    }

  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_object (&self->tls_certificate);
  g_clear_pointer (&self->url, g_free);
  g_clear_pointer (&self->start_address, g_free);
  g_clear_error (&self->start_error);
  g_mutex_clear (&self->start_lock);
  g_cond_clear (&self->start_cond);

  g_clear_pointer (&self->registry_id, g_free);
  g_clear_pointer (&self->generated, g_free);
  g_clear_pointer (&self->records, g_ptr_array_unref);
  g_clear_pointer (&self->brand_keys, g_ptr_array_unref);
  g_clear_pointer (&self->model_keys, g_ptr_array_unref);
  g_clear_pointer (&self->by_key, g_hash_table_unref);
  g_clear_pointer (&self->snapshot, g_bytes_unref);
  g_clear_pointer (&self->snapshot_etag, g_free);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (merkki_registry_server_parent_class)->finalize (object);
}

static void
merkki_registry_server_class_init (MerkkiRegistryServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = merkki_registry_server_finalize;
}

static void
merkki_registry_server_init (MerkkiRegistryServer *self)
{
  g_mutex_init (&self->lock);
  g_mutex_init (&self->start_lock);
  g_cond_init (&self->start_cond);
  self->records = g_ptr_array_new_with_free_func ((GDestroyNotify) merkki_record_free);
  self->brand_keys = g_ptr_array_new_with_free_func (g_free);
  self->model_keys = g_ptr_array_new_with_free_func (g_free);
  self->by_key = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

MerkkiRegistryServer *
merkki_registry_server_new (void)
{
  return g_object_new (MERKKI_TYPE_REGISTRY_SERVER, NULL);
}

void
merkki_registry_server_add_data (MerkkiRegistryServer *self,
                                 MerkkiRegistryData   *data)
{
  g_return_if_fail (MERKKI_IS_REGISTRY_SERVER (self));
  g_return_if_fail (data != NULL);

  g_mutex_lock (&self->lock);

  if (self->registry_id == NULL)
    {
      self->registry_id = g_strdup (data->registry);
      self->generated = g_strdup (data->generated);
    }
  /* One demo file makes the whole snapshot demo data. */
  self->demo = self->demo || data->demo;

  for (guint i = 0; data->records != NULL && i < data->records->len; i++)
    {
      const MerkkiRecord *record = g_ptr_array_index (data->records, i);
      char *key = record_key (record->scheme, record->id);
      gpointer index;

      /* A later file updates a record an earlier one had. */
      if (g_hash_table_lookup_extended (self->by_key, key, NULL, &index))
        {
          guint position = GPOINTER_TO_UINT (index);

          merkki_record_free (g_ptr_array_index (self->records, position));
          g_ptr_array_index (self->records, position) = merkki_record_copy (record);
          g_free (g_ptr_array_index (self->brand_keys, position));
          g_ptr_array_index (self->brand_keys, position) = fold_for_search (record->brand);
          g_free (g_ptr_array_index (self->model_keys, position));
          g_ptr_array_index (self->model_keys, position) = fold_for_search (record->model);
          g_free (key);
        }
      else
        {
          g_hash_table_insert (self->by_key, key, GUINT_TO_POINTER (self->records->len));
          g_ptr_array_add (self->records, merkki_record_copy (record));
          g_ptr_array_add (self->brand_keys, fold_for_search (record->brand));
          g_ptr_array_add (self->model_keys, fold_for_search (record->model));
        }
    }

  g_clear_pointer (&self->snapshot, g_bytes_unref);
  g_clear_pointer (&self->snapshot_etag, g_free);

  g_mutex_unlock (&self->lock);
}

gboolean
merkki_registry_server_load_file (MerkkiRegistryServer *self,
                                  const char           *path,
                                  GError              **error)
{
  g_autoptr(MerkkiRegistryData) data = NULL;

  g_return_val_if_fail (MERKKI_IS_REGISTRY_SERVER (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  data = merkki_registry_data_load (path, error);
  if (data == NULL)
    return FALSE;

  merkki_registry_server_add_data (self, data);
  return TRUE;
}

void
merkki_registry_server_set_delay (MerkkiRegistryServer *self,
                                  guint                 delay_ms)
{
  g_return_if_fail (MERKKI_IS_REGISTRY_SERVER (self));

  g_atomic_int_set (&self->delay_ms, delay_ms);
}

guint
merkki_registry_server_get_n_requests (MerkkiRegistryServer *self)
{
  g_return_val_if_fail (MERKKI_IS_REGISTRY_SERVER (self), 0);

  return g_atomic_int_get (&self->n_requests);
}

void
merkki_registry_server_set_tls_certificate (MerkkiRegistryServer *self,
                                            GTlsCertificate      *certificate)
{
  g_return_if_fail (MERKKI_IS_REGISTRY_SERVER (self));
  g_return_if_fail (certificate == NULL || G_IS_TLS_CERTIFICATE (certificate));
  g_return_if_fail (self->server == NULL && self->thread == NULL);

  g_set_object (&self->tls_certificate, certificate);
}

const char *
merkki_registry_server_get_url (MerkkiRegistryServer *self)
{
  g_return_val_if_fail (MERKKI_IS_REGISTRY_SERVER (self), NULL);

  return self->url;
}

/* Answers */

static void
respond_json (SoupServerMessage *msg,
              guint              status,
              json_t            *body)
{
  g_autofree char *text = json_dumps (body, JSON_COMPACT | JSON_ENSURE_ASCII);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, JSON_CONTENT_TYPE, SOUP_MEMORY_COPY,
                                    text, strlen (text));
}

static void
respond_error (SoupServerMessage *msg,
               guint              status,
               const char        *error)
{
  json_t *body = json_pack ("{s:s}", "error", error);

  respond_json (msg, status, body);
  json_decref (body);
}

/* Call with the lock held. */
static void
ensure_snapshot (MerkkiRegistryServer *self)
{
  MerkkiRegistryData view = {
    .registry = self->registry_id,
    .generated = self->generated,
    .demo = self->demo,
    .records = self->records,
  };
  g_autofree char *text = NULL;
  g_autofree char *hash = NULL;
  json_t *root;
  gsize len;

  if (self->snapshot != NULL)
    return;

  root = merkki_registry_data_to_json (&view);
  text = json_dumps (root, JSON_COMPACT | JSON_ENSURE_ASCII);
  json_decref (root);

  /* A strong validator: the hash of the exact bytes served. */
  hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, text, -1);
  self->snapshot_etag = g_strdup_printf ("\"%.32s\"", hash);
  /* The length first: the order in which arguments are evaluated is the
   * compiler's choice, and clang steals the pointer before strlen() runs. */
  len = strlen (text);
  self->snapshot = g_bytes_new_take (g_steal_pointer (&text), len);
}

/* If-None-Match uses the weak comparison (RFC 9110, 13.1.2). */
static gboolean
if_none_match_matches (const char *header,
                       const char *etag)
{
  g_auto(GStrv) tags = NULL;

  if (header == NULL)
    return FALSE;

  tags = g_strsplit (header, ",", -1);
  for (guint i = 0; tags[i] != NULL; i++)
    {
      const char *tag = g_strstrip (tags[i]);

      if (g_str_equal (tag, "*"))
        return TRUE;
      if (g_str_has_prefix (tag, "W/"))
        tag += 2;
      if (g_str_equal (tag, etag))
        return TRUE;
    }

  return FALSE;
}

static void
answer_snapshot (MerkkiRegistryServer *self,
                 SoupServerMessage    *msg)
{
  SoupMessageHeaders *request_headers = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *response_headers = soup_server_message_get_response_headers (msg);
  g_autoptr(GBytes) snapshot = NULL;
  g_autofree char *etag = NULL;
  gsize len;
  const char *text;

  g_mutex_lock (&self->lock);
  ensure_snapshot (self);
  snapshot = g_bytes_ref (self->snapshot);
  etag = g_strdup (self->snapshot_etag);
  g_mutex_unlock (&self->lock);

  soup_message_headers_replace (response_headers, "ETag", etag);
  soup_message_headers_replace (response_headers, "Cache-Control", "no-cache");

  if (if_none_match_matches (soup_message_headers_get_list (request_headers, "If-None-Match"), etag))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_MODIFIED, NULL);
      return;
    }

  text = g_bytes_get_data (snapshot, &len);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, JSON_CONTENT_TYPE, SOUP_MEMORY_COPY, text, len);
}

static void
answer_lookup (MerkkiRegistryServer *self,
               SoupServerMessage    *msg,
               const char           *scheme,
               const char           *id)
{
  g_autofree char *key = record_key (scheme, id);
  json_t *body = NULL;
  gpointer index;

  g_mutex_lock (&self->lock);
  if (g_hash_table_lookup_extended (self->by_key, key, NULL, &index))
    body = merkki_record_to_json (g_ptr_array_index (self->records, GPOINTER_TO_UINT (index)));
  g_mutex_unlock (&self->lock);

  if (body == NULL)
    {
      respond_error (msg, SOUP_STATUS_NOT_FOUND, "not-found");
      return;
    }

  respond_json (msg, SOUP_STATUS_OK, body);
  json_decref (body);
}

static void
answer_search (MerkkiRegistryServer *self,
               SoupServerMessage    *msg,
               const char           *scheme,
               const char           *query)
{
  g_autoptr(GHashTable) params = NULL;
  g_autofree char *brand = NULL;
  g_autofree char *model = NULL;
  const char *brand_param;
  const char *model_param;
  json_t *records;
  json_t *body;

  if (query != NULL)
    params = g_uri_parse_params (query, -1, "&", G_URI_PARAMS_WWW_FORM, NULL);
  if (params == NULL && query != NULL)
    {
      respond_error (msg, SOUP_STATUS_BAD_REQUEST, "bad-request");
      return;
    }

  brand_param = params != NULL ? g_hash_table_lookup (params, "brand") : NULL;
  model_param = params != NULL ? g_hash_table_lookup (params, "model") : NULL;
  if ((brand_param == NULL && model_param == NULL) ||
      (brand_param != NULL && (brand = fold_for_search (brand_param)) == NULL) ||
      (model_param != NULL && (model = fold_for_search (model_param)) == NULL))
    {
      respond_error (msg, SOUP_STATUS_BAD_REQUEST, "bad-request");
      return;
    }

  records = json_array ();

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->records->len; i++)
    {
      const MerkkiRecord *record = g_ptr_array_index (self->records, i);

      if (!g_str_equal (record->scheme, scheme) ||
          (brand != NULL && g_strcmp0 (brand, g_ptr_array_index (self->brand_keys, i)) != 0) ||
          (model != NULL && g_strcmp0 (model, g_ptr_array_index (self->model_keys, i)) != 0))
        continue;

      json_array_append_new (records, merkki_record_to_json (record));
    }
  g_mutex_unlock (&self->lock);

  body = json_pack ("{s:o}", "records", records);
  respond_json (msg, SOUP_STATUS_OK, body);
  json_decref (body);
}

/* Routes a request. Paths come percent-encoded: an ID such as
 * "CSA/311228/1001" is either sent as one encoded segment
 * (CSA%2F311228%2F1001) or, by a less careful client, as several; both
 * name the same record. */
static void
answer_request (MerkkiRegistryServer *self,
                SoupServerMessage    *msg)
{
  GUri *uri = soup_server_message_get_uri (msg);
  const char *path = g_uri_get_path (uri);
  const char *rest;
  const char *slash;
  g_autofree char *scheme = NULL;
  g_autofree char *id = NULL;

  if (g_str_equal (path, SNAPSHOT_PATH))
    {
      answer_snapshot (self, msg);
      return;
    }

  if (!g_str_has_prefix (path, LABELS_PREFIX))
    {
      respond_error (msg, SOUP_STATUS_NOT_FOUND, "not-found");
      return;
    }

  rest = path + strlen (LABELS_PREFIX);
  slash = strchr (rest, '/');
  scheme = g_uri_unescape_segment (rest, slash, "/");
  if (slash != NULL && slash[1] != '\0')
    id = g_uri_unescape_string (slash + 1, NULL);

  if (scheme == NULL || !g_utf8_validate (scheme, -1, NULL) ||
      (slash != NULL && slash[1] != '\0' && (id == NULL || !g_utf8_validate (id, -1, NULL))))
    {
      respond_error (msg, SOUP_STATUS_BAD_REQUEST, "bad-request");
      return;
    }

  if (*scheme == '\0')
    respond_error (msg, SOUP_STATUS_NOT_FOUND, "not-found");
  else if (id != NULL)
    answer_lookup (self, msg, scheme, id);
  else
    answer_search (self, msg, scheme, g_uri_get_query (uri));
}

/* An answer held back by the delay. */
typedef struct {
  MerkkiRegistryServer *self;
  SoupServerMessage    *msg;
  GSource              *source;
} DelayedAnswer;

static void
delayed_answer_free (gpointer user_data)
{
  DelayedAnswer *delayed = user_data;

  g_object_unref (delayed->msg);
  g_free (delayed);
}

static gboolean
release_delayed_answer_cb (gpointer user_data)
{
  DelayedAnswer *delayed = user_data;
  MerkkiRegistryServer *self = delayed->self;

  soup_server_message_unpause (delayed->msg);

  self->delayed = g_list_remove (self->delayed, delayed->source);
  g_source_unref (delayed->source);
  return G_SOURCE_REMOVE;
}

static void
server_callback (SoupServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  MerkkiRegistryServer *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  guint delay_ms;

  g_atomic_int_inc (&self->n_requests);

  if (g_str_equal (method, SOUP_METHOD_GET) || g_str_equal (method, SOUP_METHOD_HEAD))
    {
      answer_request (self, msg);
    }
  else
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Allow", "GET, HEAD");
      respond_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method-not-allowed");
    }

  /* The answer is ready; hold it back without blocking the other
   * requests this server is answering. */
  delay_ms = g_atomic_int_get (&self->delay_ms);
  if (delay_ms > 0)
    {
      DelayedAnswer *delayed = g_new0 (DelayedAnswer, 1);

      delayed->self = self;
      delayed->msg = g_object_ref (msg);
      delayed->source = g_timeout_source_new (delay_ms);
      soup_server_message_pause (msg);
      g_source_set_callback (delayed->source, release_delayed_answer_cb, delayed, delayed_answer_free);
      g_source_set_static_name (delayed->source, "[merkki] delayed registry answer");
      g_source_attach (delayed->source, self->context);
      self->delayed = g_list_prepend (self->delayed, delayed->source);
    }
}

/* Listening */

/* Creates the server in the thread-default main context of the caller. */
static gboolean
start_listening (MerkkiRegistryServer *self,
                 const char           *address,
                 guint                 port,
                 GError              **error)
{
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(SoupServer) server = NULL;
  g_autofree char *host = NULL;
  GSList *uris;
  guint bound_port;

  if (address == NULL)
    address = DEFAULT_ADDRESS;

  inet = g_inet_address_new_from_string (address);
  if (inet == NULL)
    {
      g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_INPUT,
                   /* Translators: the registry server's --bind option */
                   _("“%s” is not an IP address to listen on"), address);
      return FALSE;
    }
  if (port > G_MAXUINT16)
    {
      g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_INPUT,
                   _("Port %u is not between 0 and 65535"), port);
      return FALSE;
    }

  server = soup_server_new ("server-header", "merkki-registry/" PACKAGE_VERSION " ",
                           "tls-certificate", self->tls_certificate,
                           NULL);
  soup_server_add_handler (server, NULL, server_callback, self, NULL);

  socket_address = g_inet_socket_address_new (inet, port);
  if (!soup_server_listen (server, socket_address,
                           self->tls_certificate != NULL ? SOUP_SERVER_LISTEN_HTTPS : 0,
                           error))
    return FALSE;

  uris = soup_server_get_uris (server);
  g_assert (uris != NULL);
  bound_port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  host = g_inet_address_to_string (inet);
  if (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6)
    self->url = g_strdup_printf ("%s://[%s]:%u", self->tls_certificate != NULL ? "https" : "http", host, bound_port);
  else
    self->url = g_strdup_printf ("%s://%s:%u", self->tls_certificate != NULL ? "https" : "http", host, bound_port);

  self->server = g_steal_pointer (&server);
  return TRUE;
}

gboolean
merkki_registry_server_listen (MerkkiRegistryServer *self,
                               const char           *address,
                               guint                 port,
                               GError              **error)
{
  g_return_val_if_fail (MERKKI_IS_REGISTRY_SERVER (self), FALSE);
  g_return_val_if_fail (self->server == NULL && self->thread == NULL, FALSE);

  g_clear_pointer (&self->context, g_main_context_unref);
  self->context = g_main_context_ref_thread_default ();

  return start_listening (self, address, port, error);
}

static gpointer
server_thread (gpointer user_data)
{
  MerkkiRegistryServer *self = user_data;
  GError *error = NULL;
  gboolean listening;

  g_main_context_push_thread_default (self->context);

  listening = start_listening (self, self->start_address, self->start_port, &error);

  g_mutex_lock (&self->start_lock);
  self->start_error = error;
  self->start_done = TRUE;
  g_cond_signal (&self->start_cond);
  g_mutex_unlock (&self->start_lock);

  if (listening)
    {
      g_main_loop_run (self->loop);

      /* Let the closed connections finish in the thread that owns them. */
      while (g_main_context_iteration (self->context, FALSE))
        ;
    }

  g_main_context_pop_thread_default (self->context);
  return NULL;
}

gboolean
merkki_registry_server_start_thread (MerkkiRegistryServer *self,
                                     const char           *address,
                                     guint                 port,
                                     GError              **error)
{
  g_return_val_if_fail (MERKKI_IS_REGISTRY_SERVER (self), FALSE);
  g_return_val_if_fail (self->server == NULL && self->thread == NULL, FALSE);

  g_clear_pointer (&self->context, g_main_context_unref);
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->start_address = g_strdup (address);
  self->start_port = port;
  self->start_done = FALSE;

  self->thread = g_thread_new ("merkki-registry-server", server_thread, self);

  g_mutex_lock (&self->start_lock);
  while (!self->start_done)
    g_cond_wait (&self->start_cond, &self->start_lock);
  g_mutex_unlock (&self->start_lock);

  if (self->start_error != NULL)
    {
      g_thread_join (g_steal_pointer (&self->thread));
      g_clear_pointer (&self->loop, g_main_loop_unref);
      g_propagate_error (error, g_steal_pointer (&self->start_error));
      return FALSE;
    }

  return TRUE;
}
