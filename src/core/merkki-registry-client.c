/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <curl/curl.h>
#include <glib/gi18n-lib.h>

#include "merkki-error.h"
#include "merkki-label-ref.h"
#include "merkki-registry-client.h"
#include "merkki-registry-config.h"
#include "merkki-registry-data.h"

/* The limits of DESIGN.md's registry interface. */
#define DEFAULT_CONNECT_MS    3000
#define DEFAULT_TOTAL_MS      8000
#define DEFAULT_LOOKUP_CAP    (1 * 1024 * 1024)
#define DEFAULT_SNAPSHOT_CAP  (64 * 1024 * 1024)

/* A registry that moves may redirect, but a chain longer than this is a
 * loop or a trick. */
#define MAX_REDIRECTS         3

/* No product has more labels than this; a longer search answer is a
 * broken or hostile registry. */
#define MAX_SEARCH_RECORDS    1000

/* How long one wait for network activity lasts. Cancelling also wakes the
 * wait at once (curl_multi_wakeup()); the short timeout is the fallback
 * that bounds how late a cancellation is noticed. */
#define POLL_MS               50

/* An ETag is an opaque token; anything longer or with control characters
 * is not stored (and so never sent back in If-None-Match). */
#define MAX_ETAG_BYTES        256

struct _MerkkiRegistryClient
{
  GObject  parent_instance;

  GMutex   mutex;          /* guards the settings below */
  guint    connect_ms;
  guint    total_ms;
  gsize    lookup_cap;
  gsize    snapshot_cap;
  char    *ca_file;
};

G_DEFINE_FINAL_TYPE (MerkkiRegistryClient, merkki_registry_client, G_TYPE_OBJECT)

/* The settings of one run(), copied so that a concurrent setter cannot
 * change them under running transfers. */
typedef struct {
  guint  connect_ms;
  guint  total_ms;
  gsize  lookup_cap;
  gsize  snapshot_cap;
  char  *ca_file;
} RunSettings;

/* One request in flight: its own easy handle, never shared. */
typedef struct {
  MerkkiRegistryRequest *request;
  const RunSettings     *settings;
  CURL                  *easy;
  struct curl_slist     *headers;
  char                  *registry_name;  /* for messages */
  char                  *origin_scheme;  /* of the first URL; redirects must keep all three */
  char                  *origin_host;
  char                  *origin_port;
  guint                  hops;
  GByteArray            *body;
  gsize                  cap;
  gboolean               too_large;
  char                  *etag;
  gboolean               encoded;        /* a Content-Encoding other than identity */
  gint64                 started_us;
  gboolean               finished;
  char                   error_buffer[CURL_ERROR_SIZE];
} Transfer;

/* ---- Requests ---------------------------------------------------------- */

static MerkkiRegistryRequest *
request_new (MerkkiRegistryRequestKind  kind,
             const char                *registry_id,
             const char                *base_url)
{
  MerkkiRegistryRequest *self = g_new0 (MerkkiRegistryRequest, 1);

  self->kind = kind;
  self->registry_id = g_strdup (registry_id);
  self->base_url = g_strdup (base_url);
  /* Until run() answers it, nobody has been asked. */
  self->outcome = MERKKI_OUTCOME_SKIPPED;

  return self;
}

MerkkiRegistryRequest *
merkki_registry_request_new_label (const char *registry_id,
                                   const char *base_url,
                                   const char *scheme,
                                   const char *id)
{
  MerkkiRegistryRequest *self;

  g_return_val_if_fail (registry_id != NULL, NULL);
  g_return_val_if_fail (scheme != NULL, NULL);
  g_return_val_if_fail (id != NULL, NULL);

  self = request_new (MERKKI_REGISTRY_REQUEST_LABEL, registry_id, base_url);
  self->scheme = g_strdup (scheme);
  self->id = g_strdup (id);

  return self;
}

MerkkiRegistryRequest *
merkki_registry_request_new_search (const char *registry_id,
                                    const char *base_url,
                                    const char *scheme,
                                    const char *brand,
                                    const char *model)
{
  MerkkiRegistryRequest *self;

  g_return_val_if_fail (registry_id != NULL, NULL);
  g_return_val_if_fail (scheme != NULL, NULL);
  g_return_val_if_fail (brand != NULL, NULL);
  g_return_val_if_fail (model != NULL, NULL);

  self = request_new (MERKKI_REGISTRY_REQUEST_SEARCH, registry_id, base_url);
  self->scheme = g_strdup (scheme);
  self->brand = g_strdup (brand);
  self->model = g_strdup (model);

  return self;
}

MerkkiRegistryRequest *
merkki_registry_request_new_snapshot (const char *registry_id,
                                      const char *base_url,
                                      const char *etag)
{
  MerkkiRegistryRequest *self;

  g_return_val_if_fail (registry_id != NULL, NULL);

  self = request_new (MERKKI_REGISTRY_REQUEST_SNAPSHOT, registry_id, base_url);
  self->etag = g_strdup (etag);

  return self;
}

static void
request_clear_answer (MerkkiRegistryRequest *self)
{
  self->outcome = MERKKI_OUTCOME_SKIPPED;
  g_clear_pointer (&self->record, merkki_record_free);
  g_clear_pointer (&self->records, g_ptr_array_unref);
  g_clear_pointer (&self->snapshot_generated, g_free);
  g_clear_pointer (&self->new_etag, g_free);
  self->not_modified = FALSE;
  g_clear_error (&self->error);
  g_clear_pointer (&self->fetched_at, g_date_time_unref);
  self->seconds = 0;
}

void
merkki_registry_request_free (MerkkiRegistryRequest *self)
{
  if (self == NULL)
    return;

  request_clear_answer (self);
  g_free (self->registry_id);
  g_free (self->base_url);
  g_free (self->scheme);
  g_free (self->id);
  g_free (self->brand);
  g_free (self->model);
  g_free (self->etag);
  g_free (self);
}

/* ---- The client object ------------------------------------------------- */

static void
merkki_registry_client_finalize (GObject *object)
{
  MerkkiRegistryClient *self = MERKKI_REGISTRY_CLIENT (object);

  g_mutex_clear (&self->mutex);
  g_free (self->ca_file);

  G_OBJECT_CLASS (merkki_registry_client_parent_class)->finalize (object);
}

static void
merkki_registry_client_class_init (MerkkiRegistryClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = merkki_registry_client_finalize;
}

static void
merkki_registry_client_init (MerkkiRegistryClient *self)
{
  static gsize curl_initialized = 0;

  /* curl_global_init() is not thread-safe itself; g_once makes it safe
   * for clients created from any thread. */
  if (g_once_init_enter (&curl_initialized))
    {
      if (curl_global_init (CURL_GLOBAL_DEFAULT) != CURLE_OK)
        g_error ("libcurl could not be initialised");
      g_once_init_leave (&curl_initialized, 1);
    }

  g_mutex_init (&self->mutex);
  self->connect_ms = DEFAULT_CONNECT_MS;
  self->total_ms = DEFAULT_TOTAL_MS;
  self->lookup_cap = DEFAULT_LOOKUP_CAP;
  self->snapshot_cap = DEFAULT_SNAPSHOT_CAP;
}

MerkkiRegistryClient *
merkki_registry_client_new (void)
{
  return g_object_new (MERKKI_TYPE_REGISTRY_CLIENT, NULL);
}

void
merkki_registry_client_set_timeouts (MerkkiRegistryClient *self,
                                     guint                 connect_ms,
                                     guint                 total_ms)
{
  g_return_if_fail (MERKKI_IS_REGISTRY_CLIENT (self));
  g_return_if_fail (connect_ms > 0 && total_ms > 0);

  g_mutex_lock (&self->mutex);
  self->connect_ms = connect_ms;
  self->total_ms = total_ms;
  g_mutex_unlock (&self->mutex);
}

void
merkki_registry_client_set_body_caps (MerkkiRegistryClient *self,
                                      gsize                 lookup_cap,
                                      gsize                 snapshot_cap)
{
  g_return_if_fail (MERKKI_IS_REGISTRY_CLIENT (self));
  g_return_if_fail (lookup_cap > 0 && snapshot_cap > 0);

  g_mutex_lock (&self->mutex);
  self->lookup_cap = lookup_cap;
  self->snapshot_cap = snapshot_cap;
  g_mutex_unlock (&self->mutex);
}

void
merkki_registry_client_set_ca_file (MerkkiRegistryClient *self,
                                    const char           *ca_file)
{
  g_return_if_fail (MERKKI_IS_REGISTRY_CLIENT (self));

  g_mutex_lock (&self->mutex);
  g_free (self->ca_file);
  self->ca_file = g_strdup (ca_file);
  g_mutex_unlock (&self->mutex);
}

/* ---- Policy ------------------------------------------------------------ */

/* Plain http is allowed only where nobody on a network can read or change
 * it: the loopback addresses. @host is as libcurl's URL parser returns it
 * (IPv6 literals in brackets), so the check and the connection agree on
 * what the host is. Any other spelling of a loopback address (127.1,
 * 2130706433, ::ffff:127.0.0.1) is treated as not loopback: refused, which
 * is the safe side. */
static gboolean
host_is_loopback (const char *host)
{
  g_autofree char *bare = NULL;
  g_autoptr(GInetAddress) address = NULL;
  gsize len = strlen (host);

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;

  if (len > 2 && host[0] == '[' && host[len - 1] == ']')
    bare = g_strndup (host + 1, len - 2);
  else
    bare = g_strdup (host);

  address = g_inet_address_new_from_string (bare);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

typedef struct {
  char *scheme;
  char *host;
  char *port;
} UrlOrigin;

static void
url_origin_clear (UrlOrigin *origin)
{
  g_clear_pointer (&origin->scheme, curl_free);
  g_clear_pointer (&origin->host, curl_free);
  g_clear_pointer (&origin->port, curl_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (UrlOrigin, url_origin_clear)

/* Splits @url with libcurl's own parser, the one that decides where the
 * connection goes. FALSE for anything that is not an http(s) URL with a
 * host and without a user name or password. */
static gboolean
url_origin_parse (const char *url,
                  UrlOrigin  *origin)
{
  CURLU *parsed = curl_url ();
  char *user = NULL;
  char *password = NULL;
  gboolean ok = FALSE;

  if (curl_url_set (parsed, CURLUPART_URL, url, 0) != CURLUE_OK)
    goto out;

  if (curl_url_get (parsed, CURLUPART_SCHEME, &origin->scheme, 0) != CURLUE_OK ||
      curl_url_get (parsed, CURLUPART_HOST, &origin->host, 0) != CURLUE_OK ||
      curl_url_get (parsed, CURLUPART_PORT, &origin->port, CURLU_DEFAULT_PORT) != CURLUE_OK)
    goto out;

  if (curl_url_get (parsed, CURLUPART_USER, &user, 0) == CURLUE_OK ||
      curl_url_get (parsed, CURLUPART_PASSWORD, &password, 0) == CURLUE_OK)
    goto out;

  ok = (g_ascii_strcasecmp (origin->scheme, "http") == 0 ||
        g_ascii_strcasecmp (origin->scheme, "https") == 0) &&
       origin->host[0] != '\0';

out:
  curl_free (user);
  curl_free (password);
  curl_url_cleanup (parsed);
  return ok;
}

/* ---- Messages ---------------------------------------------------------- */

static void G_GNUC_PRINTF (3, 4)
transfer_fail (Transfer   *t,
               MerkkiError code,
               const char *format,
               ...)
{
  va_list args;

  if (t->request->error != NULL)
    return;

  va_start (args, format);
  t->request->error = g_error_new_valist (MERKKI_ERROR, code, format, args);
  va_end (args);
  t->request->outcome = MERKKI_OUTCOME_ERROR;
}

static void
transfer_fail_malformed (Transfer   *t,
                         const char *detail)
{
  transfer_fail (t, MERKKI_ERROR_INVALID_DATA,
                 /* Translators: the first %s is a registry name ("CSA
                  * registry"), the second says what is wrong with its answer. */
                 _("The %s sent a malformed answer (%s)."),
                 t->registry_name, detail);
}

/* ---- Transfers --------------------------------------------------------- */

static size_t
on_body_cb (char   *data,
            size_t  size,
            size_t  n_items,
            void   *user_data)
{
  Transfer *t = user_data;
  gsize len = size * n_items;

  if (t->body->len == 0)
    {
      curl_off_t announced = -1;

      /* A Content-Length over the cap ends the transfer before the body
       * is read (CURLOPT_MAXFILESIZE_LARGE does the same when curl sees
       * the header first). */
      if (t->easy != NULL &&
          curl_easy_getinfo (t->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &announced) == CURLE_OK &&
          announced > 0 && (guint64) announced > t->cap)
        {
          t->too_large = TRUE;
          return 0;
        }
    }

  /* Returning less than @len makes libcurl abort with CURLE_WRITE_ERROR:
   * a body over its cap is never buffered, whatever the server announced. */
  if (len > t->cap - t->body->len)
    {
      t->too_large = TRUE;
      return 0;
    }

  g_byte_array_append (t->body, (const guint8 *) data, len);
  return len;
}

static gboolean
is_valid_etag (const char *value,
               gsize       len)
{
  if (len == 0 || len > MAX_ETAG_BYTES)
    return FALSE;

  for (gsize i = 0; i < len; i++)
    {
      if ((guchar) value[i] < 0x21 || (guchar) value[i] > 0x7e)
        return FALSE;
    }

  return TRUE;
}

static size_t
on_header_cb (char   *data,
              size_t  size,
              size_t  n_items,
              void   *user_data)
{
  Transfer *t = user_data;
  gsize len = size * n_items;
  static const char etag_name[] = "etag:";

  static const char encoding_name[] = "content-encoding:";

  /* A new status line starts a new response (after 100 Continue, say):
   * only the final response's headers count. */
  if (len >= 5 && g_ascii_strncasecmp (data, "HTTP/", 5) == 0)
    {
      g_clear_pointer (&t->etag, g_free);
      t->encoded = FALSE;
    }

  /* Merkki sends no Accept-Encoding: an encoded body was not asked for. */
  if (len > strlen (encoding_name) &&
      g_ascii_strncasecmp (data, encoding_name, strlen (encoding_name)) == 0)
    {
      g_autofree char *value = g_strndup (data + strlen (encoding_name), len - strlen (encoding_name));

      g_strstrip (value);
      if (value[0] != '\0' && g_ascii_strcasecmp (value, "identity") != 0)
        t->encoded = TRUE;
    }

  if (len > strlen (etag_name) && g_ascii_strncasecmp (data, etag_name, strlen (etag_name)) == 0)
    {
      const char *value = data + strlen (etag_name);
      gsize value_len = len - strlen (etag_name);

      while (value_len > 0 && (*value == ' ' || *value == '\t'))
        value++, value_len--;
      while (value_len > 0 && g_ascii_isspace (value[value_len - 1]))
        value_len--;

      g_clear_pointer (&t->etag, g_free);
      if (is_valid_etag (value, value_len))
        t->etag = g_strndup (value, value_len);
    }

  return len;
}

static void
transfer_free (Transfer *t)
{
  if (t->easy != NULL)
    curl_easy_cleanup (t->easy);
  curl_slist_free_all (t->headers);
  g_free (t->registry_name);
  g_free (t->origin_scheme);
  g_free (t->origin_host);
  g_free (t->origin_port);
  g_clear_pointer (&t->body, g_byte_array_unref);
  g_free (t->etag);
  g_free (t);
}

static void
transfer_finish (Transfer *t)
{
  MerkkiRegistryRequest *request = t->request;

  g_assert (request->outcome != MERKKI_OUTCOME_SKIPPED);

  t->finished = TRUE;
  request->fetched_at = g_date_time_new_now_utc ();
  request->seconds = (g_get_monotonic_time () - t->started_us) / (double) G_USEC_PER_SEC;
}

static char *
build_url (MerkkiRegistryRequest *request,
           const char            *base_url)
{
  g_autofree char *scheme = g_uri_escape_string (request->scheme != NULL ? request->scheme : "", NULL, FALSE);

  switch (request->kind)
    {
    case MERKKI_REGISTRY_REQUEST_LABEL:
      {
        /* The ID is one path segment: "CSA/311226/1234" is sent as
         * "CSA%2F311226%2F1234". */
        g_autofree char *id = g_uri_escape_string (request->id, NULL, FALSE);

        return g_strdup_printf ("%s/v1/labels/%s/%s", base_url, scheme, id);
      }

    case MERKKI_REGISTRY_REQUEST_SEARCH:
      {
        g_autofree char *brand = g_uri_escape_string (request->brand, NULL, FALSE);
        g_autofree char *model = g_uri_escape_string (request->model, NULL, FALSE);

        return g_strdup_printf ("%s/v1/labels/%s?brand=%s&model=%s", base_url, scheme, brand, model);
      }

    case MERKKI_REGISTRY_REQUEST_SNAPSHOT:
      return g_strdup_printf ("%s/v1/snapshot", base_url);

    default:
      g_assert_not_reached ();
    }
}

/* Sets up the easy handle for @url, the first URL or a redirect's. */
static gboolean
transfer_prepare_hop (Transfer   *t,
                      const char *url)
{
  gint64 elapsed_ms = (g_get_monotonic_time () - t->started_us) / 1000;
  gint64 remaining_ms = (gint64) t->settings->total_ms - elapsed_ms;

  if (remaining_ms <= 0)
    {
      transfer_fail (t, MERKKI_ERROR_TIMEOUT,
                     /* Translators: %s is a registry name ("CSA registry"). */
                     _("The %s did not answer in time."), t->registry_name);
      return FALSE;
    }

  g_byte_array_set_size (t->body, 0);
  g_clear_pointer (&t->etag, g_free);
  t->encoded = FALSE;
  t->too_large = FALSE;
  t->error_buffer[0] = '\0';

  curl_easy_setopt (t->easy, CURLOPT_URL, url);
  curl_easy_setopt (t->easy, CURLOPT_TIMEOUT_MS, (long) remaining_ms);
  curl_easy_setopt (t->easy, CURLOPT_CONNECTTIMEOUT_MS,
                    (long) MIN ((gint64) t->settings->connect_ms, remaining_ms));
  return TRUE;
}

/* Creates the transfer of @request, or answers it at once (ERROR) when the
 * policy forbids it: then no connection is ever made. */
static Transfer *
transfer_new (MerkkiRegistryRequest *request,
              const RunSettings     *settings)
{
  Transfer *t = g_new0 (Transfer, 1);
  g_autoptr(GError) config_error = NULL;
  g_autofree char *base_url = NULL;
  g_autofree char *url = NULL;
  g_auto(UrlOrigin) origin = { NULL, };
  const char *name = merkki_registry_display_name (request->registry_id);
  gboolean loopback;

  t->request = request;
  t->settings = settings;
  t->started_us = g_get_monotonic_time ();
  t->registry_name = g_strdup (name != NULL ? name : request->registry_id);
  t->body = g_byte_array_new ();
  t->cap = request->kind == MERKKI_REGISTRY_REQUEST_SNAPSHOT ? settings->snapshot_cap
                                                             : settings->lookup_cap;

  if (request->base_url == NULL || request->base_url[0] == '\0')
    {
      transfer_fail (t, MERKKI_ERROR_CONFIG,
                     /* Translators: %s is a registry name ("CSA registry"). */
                     _("No network address is set for the %s."), t->registry_name);
      return t;
    }

  /* The same checks as for a configured URL: the request may have been
   * built from anywhere. */
  base_url = merkki_registry_normalize_base_url (request->base_url, &config_error);
  if (base_url == NULL)
    {
      transfer_fail (t, MERKKI_ERROR_CONFIG, "%s", config_error->message);
      return t;
    }

  url = build_url (request, base_url);
  if (!url_origin_parse (url, &origin))
    {
      transfer_fail (t, MERKKI_ERROR_CONFIG,
                     /* Translators: %s is a registry name ("CSA registry"). */
                     _("The address of the %s is not a valid http or https address."),
                     t->registry_name);
      return t;
    }

  loopback = host_is_loopback (origin.host);
  if (g_ascii_strcasecmp (origin.scheme, "https") != 0 && !loopback)
    {
      transfer_fail (t, MERKKI_ERROR_REFUSED,
                     /* Translators: %s is a registry name ("CSA registry"). */
                     _("Merkki asks the %s only over a secure connection (https://); plain http:// is allowed only to this computer."),
                     t->registry_name);
      return t;
    }

  t->origin_scheme = g_ascii_strdown (origin.scheme, -1);
  t->origin_host = g_ascii_strdown (origin.host, -1);
  t->origin_port = g_strdup (origin.port);

  t->easy = curl_easy_init ();
  if (t->easy == NULL)
    g_error ("libcurl could not create a transfer (out of memory)");

  curl_easy_setopt (t->easy, CURLOPT_PRIVATE, t);
  curl_easy_setopt (t->easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (t->easy, CURLOPT_ERRORBUFFER, t->error_buffer);
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt (t->easy, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt (t->easy, CURLOPT_PROTOCOLS, (long) (CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  /* Redirects are followed by hand (transfer_follow_redirect()), so each
   * hop's host is checked before anything is sent to it. */
  curl_easy_setopt (t->easy, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt (t->easy, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt (t->easy, CURLOPT_SSL_VERIFYHOST, 2L);
  if (settings->ca_file != NULL)
    {
      /* On Debian and most systems libcurl's CA directory stays in use, so
       * this adds a CA to the system's rather than replacing them. */
      curl_easy_setopt (t->easy, CURLOPT_CAINFO, settings->ca_file);
    }

  /* Privacy: the request carries the reference or the brand and model
   * and nothing else: no cookies, no referrer, a User-Agent that names
   * only the program and its version. */
  curl_easy_setopt (t->easy, CURLOPT_USERAGENT, "Merkki/" PACKAGE_VERSION);
  /* No Accept-Encoding and no decoding: compressed answers are not asked
   * for, so a small gzip body cannot inflate into gigabytes past the cap
   * (a "gzip bomb"); a compressed answer sent anyway fails as malformed. */
  curl_easy_setopt (t->easy, CURLOPT_HTTP_CONTENT_DECODING, 0L);
  t->headers = curl_slist_append (t->headers, "Accept: application/json");
  if (request->kind == MERKKI_REGISTRY_REQUEST_SNAPSHOT && request->etag != NULL &&
      is_valid_etag (request->etag, strlen (request->etag)))
    {
      g_autofree char *header = g_strconcat ("If-None-Match: ", request->etag, NULL);

      t->headers = curl_slist_append (t->headers, header);
    }
  curl_easy_setopt (t->easy, CURLOPT_HTTPHEADER, t->headers);

  if (loopback)
    {
      /* A proxy from the environment must not see (or reroute) requests
       * meant for this computer. */
      curl_easy_setopt (t->easy, CURLOPT_PROXY, "");
    }

  curl_easy_setopt (t->easy, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t) t->cap);
  curl_easy_setopt (t->easy, CURLOPT_WRITEFUNCTION, on_body_cb);
  curl_easy_setopt (t->easy, CURLOPT_WRITEDATA, t);
  curl_easy_setopt (t->easy, CURLOPT_HEADERFUNCTION, on_header_cb);
  curl_easy_setopt (t->easy, CURLOPT_HEADERDATA, t);

  transfer_prepare_hop (t, url);
  return t;
}

/* TRUE when the transfer goes on at the redirect's target; FALSE when it
 * failed (refused, too many hops). */
static gboolean
transfer_follow_redirect (Transfer *t,
                          long      status)
{
  const char *redirect_url = NULL;
  g_autofree char *location = NULL;
  g_auto(UrlOrigin) target = { NULL, };

  /* libcurl resolves a relative Location against the current URL. The
   * copy is needed because setting the next URL may free libcurl's. */
  if (curl_easy_getinfo (t->easy, CURLINFO_REDIRECT_URL, &redirect_url) == CURLE_OK)
    location = g_strdup (redirect_url);
  if (location == NULL)
    {
      transfer_fail (t, MERKKI_ERROR_HTTP,
                     /* Translators: %s is a registry name, %ld an HTTP status code. */
                     _("The %s sent a redirect without a target (HTTP %ld)."),
                     t->registry_name, status);
      return FALSE;
    }

  /* Only the origin of the first request is trusted: a registry must not
   * send Merkki to another host (where a look-alike could answer), to
   * another port, or from https down to http. */
  if (!url_origin_parse (location, &target) ||
      g_ascii_strcasecmp (target.scheme, t->origin_scheme) != 0 ||
      g_ascii_strcasecmp (target.host, t->origin_host) != 0 ||
      g_strcmp0 (target.port, t->origin_port) != 0)
    {
      g_autofree char *shown = g_uri_escape_string (location, ":/?#[]@!$&'()*+,;=%", FALSE);

      transfer_fail (t, MERKKI_ERROR_REFUSED,
                     /* Translators: the first %s is a registry name, the second a URL. */
                     _("The %s tried to send Merkki to another address (%s); Merkki only follows redirects within the same registry."),
                     t->registry_name, shown);
      return FALSE;
    }

  if (t->hops >= MAX_REDIRECTS)
    {
      transfer_fail (t, MERKKI_ERROR_HTTP,
                     /* Translators: %s is a registry name, %u a number. */
                     _("The %s redirected more than %u times."),
                     t->registry_name, (guint) MAX_REDIRECTS);
      return FALSE;
    }

  t->hops++;
  return transfer_prepare_hop (t, location);
}

static json_t *
parse_body (Transfer *t)
{
  json_error_t json_error;
  json_t *root;

  if (t->body->len == 0)
    {
      transfer_fail_malformed (t, _("the answer is empty"));
      return NULL;
    }

  /* jansson checks UTF-8, refuses "\u0000" in strings, numbers that do
   * not fit, and nesting deeper than 2048; duplicate keys are refused so
   * that two readers of one answer cannot see two different records. */
  root = json_loadb ((const char *) t->body->data, t->body->len,
                     JSON_REJECT_DUPLICATES, &json_error);
  if (root == NULL)
    {
      /* jansson quotes the bytes near the fault: they may be anything. */
      g_autofree char *shown = merkki_escape_bytes ((const guint8 *) json_error.text, strlen (json_error.text));
      g_autofree char *detail = g_strdup_printf (_("not valid JSON: %s"), shown);

      transfer_fail_malformed (t, detail);
      return NULL;
    }

  if (!json_is_object (root))
    {
      transfer_fail_malformed (t, _("not a JSON object"));
      json_decref (root);
      return NULL;
    }

  return root;
}

/* The interface's "no such label": 404 with {"error": "not-found"}. A 404
 * without it is a web server that is not a registry (a wrong address). */
static gboolean
is_not_found_answer (Transfer *t)
{
  json_t *root;
  json_t *error_value;
  gboolean not_found;

  if (t->body->len == 0)
    return FALSE;

  root = json_loadb ((const char *) t->body->data, t->body->len, JSON_REJECT_DUPLICATES, NULL);
  error_value = json_is_object (root) ? json_object_get (root, "error") : NULL;
  not_found = json_is_string (error_value) && g_str_equal (json_string_value (error_value), "not-found");
  json_decref (root);

  return not_found;
}

/* Case-insensitive as the interface says, in Unicode's sense, and blind to
 * surrounding spaces and to compatibility forms (full-width letters). */
static char *
product_key (const char *str)
{
  g_autofree char *stripped = g_strstrip (g_strdup (str));
  g_autofree char *normalized = g_utf8_normalize (stripped, -1, G_NORMALIZE_ALL);

  if (normalized == NULL)
    return NULL;

  return g_utf8_casefold (normalized, -1);
}

static gboolean
same_product_text (const char *a,
                   const char *b)
{
  g_autofree char *key_a = product_key (a);
  g_autofree char *key_b = product_key (b);

  return key_a != NULL && key_b != NULL && g_str_equal (key_a, key_b);
}

static void
answer_label (Transfer *t,
              json_t   *root)
{
  MerkkiRegistryRequest *request = t->request;
  g_autoptr(GError) error = NULL;
  g_autoptr(MerkkiRecord) record = NULL;

  record = merkki_record_from_json (root, &error);
  if (record == NULL)
    {
      transfer_fail_malformed (t, error->message);
      return;
    }

  /* A record about another label must never stand in for the one asked
   * about: that is how a wrong "valid" would be shown. */
  if (!g_str_equal (record->scheme, request->scheme) || !g_str_equal (record->id, request->id))
    {
      g_autofree char *asked = g_strdup_printf ("%s %s", request->scheme, request->id);
      g_autofree char *answered = g_strdup_printf ("%s %s", record->scheme, record->id);
      g_autofree char *asked_escaped = g_strescape (asked, NULL);
      g_autofree char *answered_escaped = g_strescape (answered, NULL);

      transfer_fail (t, MERKKI_ERROR_INVALID_DATA,
                     /* Translators: the first %s is a registry name, then
                      * two label references ("sg-cls CSA/311227/1234"):
                      * what was asked, what came back. */
                     _("The %s answered about another label than the one asked about (asked for %s, got %s)."),
                     t->registry_name, asked_escaped, answered_escaped);
      return;
    }

  request->record = g_steal_pointer (&record);
  request->outcome = MERKKI_OUTCOME_FOUND;
}

/* Policy for search answers: every record is checked, and one that is
 * malformed, of another scheme, or about another product makes the whole
 * answer an ERROR rather than being dropped. A registry that answers a
 * precise question with other products is broken or hostile, and its
 * other records are not to be trusted either. */
static void
answer_search (Transfer *t,
               json_t   *root)
{
  MerkkiRegistryRequest *request = t->request;
  g_autoptr(GPtrArray) records = NULL;
  json_t *array = json_object_get (root, "records");
  json_t *value;
  size_t index;

  if (!json_is_array (array))
    {
      transfer_fail_malformed (t, _("it has no list of records"));
      return;
    }

  if (json_array_size (array) > MAX_SEARCH_RECORDS)
    {
      transfer_fail (t, MERKKI_ERROR_TOO_LARGE,
                     /* Translators: %s is a registry name, %u a number. */
                     _("The %s sent more than %u records for one product."),
                     t->registry_name, (guint) MAX_SEARCH_RECORDS);
      return;
    }

  records = g_ptr_array_new_with_free_func ((GDestroyNotify) merkki_record_free);
  json_array_foreach (array, index, value)
    {
      g_autoptr(GError) error = NULL;
      MerkkiRecord *record = merkki_record_from_json (value, &error);

      if (record == NULL)
        {
          /* Translators: %u is the position of a record in a list, the
           * second %s says what is wrong with it. */
          g_autofree char *detail = g_strdup_printf (_("record %u: %s"), (guint) index + 1, error->message);

          transfer_fail_malformed (t, detail);
          return;
        }
      g_ptr_array_add (records, record);

      if (!g_str_equal (record->scheme, request->scheme) ||
          !same_product_text (record->brand, request->brand) ||
          !same_product_text (record->model, request->model))
        {
          transfer_fail (t, MERKKI_ERROR_INVALID_DATA,
                         /* Translators: %s is a registry name. */
                         _("The %s answered with another product than the one asked about."),
                         t->registry_name);
          return;
        }
    }

  if (records->len == 0)
    {
      request->outcome = MERKKI_OUTCOME_NOT_FOUND;
      return;
    }

  request->records = g_steal_pointer (&records);
  request->outcome = MERKKI_OUTCOME_FOUND;
}

/* The schemes @registry_id issues, from the bundled registries.json (read
 * once; the schemes do not depend on configuration), or NULL for a
 * registry Merkki does not know. */
static const char * const *
schemes_of_registry (const char *registry_id)
{
  static gsize initialized = 0;
  static MerkkiRegistryConfig *bundled = NULL;
  const MerkkiRegistryInfo *info;

  if (g_once_init_enter (&initialized))
    {
      bundled = merkki_registry_config_new_bundled ();
      g_once_init_leave (&initialized, 1);
    }

  info = merkki_registry_config_lookup (bundled, registry_id);
  return info != NULL ? (const char * const *) info->schemes : NULL;
}

static void
answer_snapshot (Transfer *t,
                 json_t   *root)
{
  MerkkiRegistryRequest *request = t->request;
  g_autoptr(GError) error = NULL;
  g_autoptr(MerkkiRegistryData) data = NULL;
  const char * const *schemes;

  data = merkki_registry_data_from_json (root, &error);
  if (data == NULL)
    {
      transfer_fail_malformed (t, error->message);
      return;
    }

  if (!g_str_equal (data->registry, request->registry_id))
    {
      g_autofree char *answered = g_strescape (data->registry, NULL);

      transfer_fail (t, MERKKI_ERROR_INVALID_DATA,
                     /* Translators: the first %s is a registry name, the
                      * second the ID of another registry. */
                     _("The %s sent the data of another registry (%s)."),
                     t->registry_name, answered);
      return;
    }

  /* A registry's copy holds its own labels only: a record of another
   * scheme (a CSA snapshot "vouching" for a Finnish label) is refused. */
  schemes = schemes_of_registry (request->registry_id);
  for (guint i = 0; schemes != NULL && i < data->records->len; i++)
    {
      MerkkiRecord *record = g_ptr_array_index (data->records, i);

      if (!g_strv_contains (schemes, record->scheme))
        {
          g_autofree char *scheme = g_strescape (record->scheme, NULL);

          transfer_fail (t, MERKKI_ERROR_INVALID_DATA,
                         /* Translators: the first %s is a registry name, %u the
                          * position of a record, the last %s a scheme ID ("fi-ttm"). */
                         _("The %s sent a copy of its data with a label it does not issue (record %u, scheme %s)."),
                         t->registry_name, i + 1, scheme);
          return;
        }
    }

  request->records = g_steal_pointer (&data->records);
  request->snapshot_generated = g_steal_pointer (&data->generated);
  request->new_etag = g_steal_pointer (&t->etag);
  request->outcome = MERKKI_OUTCOME_FOUND;
}

static void
transfer_fail_curl (Transfer *t,
                    CURLcode  code)
{
  const char *detail = t->error_buffer[0] != '\0' ? t->error_buffer : curl_easy_strerror (code);

  if (t->too_large || code == CURLE_FILESIZE_EXCEEDED)
    {
      g_autofree char *cap = g_format_size_full (t->cap, G_FORMAT_SIZE_IEC_UNITS);

      transfer_fail (t, MERKKI_ERROR_TOO_LARGE,
                     /* Translators: the first %s is a registry name, the second a size ("1.0 MB"). */
                     _("The %s sent an answer larger than %s; it was not read."),
                     t->registry_name, cap);
      return;
    }

  /* An int switch: CURLcode has a hundred values, most of them grouped
   * under "default" on purpose. */
  switch ((int) code)
    {
    case CURLE_OPERATION_TIMEDOUT:
      transfer_fail (t, MERKKI_ERROR_TIMEOUT,
                     /* Translators: %s is a registry name ("CSA registry"). */
                     _("The %s did not answer in time."), t->registry_name);
      break;

    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      transfer_fail (t, MERKKI_ERROR_NETWORK,
                     /* Translators: the first %s is a registry name, the second a host name. */
                     _("Could not find the %s at %s. Check the network connection and the registry address."),
                     t->registry_name, t->origin_host);
      break;

    case CURLE_COULDNT_CONNECT:
      transfer_fail (t, MERKKI_ERROR_NETWORK,
                     /* Translators: the first %s is a registry name, the second a host name. */
                     _("Could not connect to the %s at %s. Check the network connection and the registry address."),
                     t->registry_name, t->origin_host);
      break;

    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_USE_SSL_FAILED:
      transfer_fail (t, MERKKI_ERROR_NETWORK,
                     /* Translators: the first %s is a registry name, the
                      * second the technical reason (in English). */
                     _("Could not make a secure connection to the %s: %s."),
                     t->registry_name, detail);
      break;

    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      transfer_fail (t, MERKKI_ERROR_NETWORK,
                     /* Translators: %s is a registry name ("CSA registry"). */
                     _("The connection to the %s broke off before the answer was complete."),
                     t->registry_name);
      break;

    /* URLs are checked before any transfer, so an unsupported protocol
     * here is the server's answer: HTTP/0.9 (no status line at all). */
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_TOO_MANY_REDIRECTS:
      transfer_fail_malformed (t, detail);
      break;

    default:
      transfer_fail (t, MERKKI_ERROR_NETWORK,
                     /* Translators: the first %s is a registry name, the
                      * second the technical reason (in English). */
                     _("Could not ask the %s: %s."),
                     t->registry_name, detail);
      break;
    }
}

/* Answers the request from a final response whose headers and body are
 * in @t: everything after the network, so that it can also run without
 * one (merkki_registry_request_answer_response()). */
static void
transfer_answer (Transfer *t,
                 long      status)
{
  MerkkiRegistryRequest *request = t->request;
  json_t *root;

  if (status == 304 && request->kind == MERKKI_REGISTRY_REQUEST_SNAPSHOT && request->etag != NULL)
    {
      request->not_modified = TRUE;
      request->new_etag = g_strdup (request->etag);
      request->outcome = MERKKI_OUTCOME_FOUND;
      return;
    }

  if (status == 404 && request->kind != MERKKI_REGISTRY_REQUEST_SNAPSHOT)
    {
      if (is_not_found_answer (t))
        {
          request->outcome = MERKKI_OUTCOME_NOT_FOUND;
          return;
        }

      transfer_fail (t, MERKKI_ERROR_HTTP,
                     /* Translators: %s is a registry name ("CSA registry"). */
                     _("The %s does not answer like a Merkki registry (HTTP 404 without an answer). Check the registry address."),
                     t->registry_name);
      return;
    }

  if (status != 200)
    {
      transfer_fail (t, MERKKI_ERROR_HTTP,
                     /* Translators: %s is a registry name, %ld an HTTP status code. */
                     _("The %s answered with an error (HTTP %ld)."),
                     t->registry_name, status);
      return;
    }

  if (t->encoded)
    {
      transfer_fail_malformed (t, _("it is compressed, which Merkki did not ask for"));
      return;
    }

  root = parse_body (t);
  if (root == NULL)
    return;

  switch (request->kind)
    {
    case MERKKI_REGISTRY_REQUEST_LABEL:
      answer_label (t, root);
      break;

    case MERKKI_REGISTRY_REQUEST_SEARCH:
      answer_search (t, root);
      break;

    case MERKKI_REGISTRY_REQUEST_SNAPSHOT:
      answer_snapshot (t, root);
      break;

    default:
      g_assert_not_reached ();
    }

  json_decref (root);
}

/* Handles the end of one hop. TRUE when the transfer goes on (a redirect
 * within the registry); otherwise the request has its answer. */
static gboolean
transfer_done (Transfer *t,
               CURLcode  code)
{
  long status = 0;

  if (code != CURLE_OK || t->too_large)
    {
      transfer_fail_curl (t, code);
      return FALSE;
    }

  curl_easy_getinfo (t->easy, CURLINFO_RESPONSE_CODE, &status);

  if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308)
    return transfer_follow_redirect (t, status);

  transfer_answer (t, status);
  return FALSE;
}

/* ---- Running ----------------------------------------------------------- */

static void
on_cancelled_cb (GCancellable *cancellable,
                 CURLM        *multi)
{
  /* Called in whichever thread cancels; curl_multi_wakeup() is the one
   * multi call that is safe from another thread. */
  curl_multi_wakeup (multi);
}

void
merkki_registry_client_run (MerkkiRegistryClient *self,
                            GPtrArray            *requests,
                            GCancellable         *cancellable)
{
  g_autoptr(GPtrArray) transfers = NULL;
  RunSettings settings;
  CURLM *multi;
  gulong cancelled_id = 0;
  guint n_active = 0;

  g_return_if_fail (MERKKI_IS_REGISTRY_CLIENT (self));
  g_return_if_fail (requests != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  g_mutex_lock (&self->mutex);
  settings.connect_ms = self->connect_ms;
  settings.total_ms = self->total_ms;
  settings.lookup_cap = self->lookup_cap;
  settings.snapshot_cap = self->snapshot_cap;
  settings.ca_file = g_strdup (self->ca_file);
  g_mutex_unlock (&self->mutex);

  multi = curl_multi_init ();
  if (multi == NULL)
    g_error ("libcurl could not create a transfer (out of memory)");

  transfers = g_ptr_array_new_with_free_func ((GDestroyNotify) transfer_free);
  for (guint i = 0; i < requests->len; i++)
    {
      MerkkiRegistryRequest *request = g_ptr_array_index (requests, i);
      Transfer *t;

      request_clear_answer (request);
      t = transfer_new (request, &settings);
      g_ptr_array_add (transfers, t);

      if (request->outcome == MERKKI_OUTCOME_ERROR)
        transfer_finish (t);
      else
        {
          curl_multi_add_handle (multi, t->easy);
          n_active++;
        }
    }

  if (cancellable != NULL)
    cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled_cb), multi, NULL);

  while (n_active > 0 && !g_cancellable_is_cancelled (cancellable))
    {
      CURLMsg *message;
      int running = 0;
      int n_left = 0;

      curl_multi_perform (multi, &running);

      while ((message = curl_multi_info_read (multi, &n_left)) != NULL)
        {
          char *private = NULL;
          Transfer *t;

          if (message->msg != CURLMSG_DONE)
            continue;

          curl_easy_getinfo (message->easy_handle, CURLINFO_PRIVATE, &private);
          t = (Transfer *) private;
          g_assert (t != NULL);

          curl_multi_remove_handle (multi, t->easy);
          n_active--;

          if (transfer_done (t, message->data.result))
            {
              curl_multi_add_handle (multi, t->easy);
              n_active++;
            }
          else
            transfer_finish (t);
        }

      if (n_active > 0)
        curl_multi_poll (multi, NULL, 0, POLL_MS, NULL);
    }

  /* Whatever is unfinished now was cancelled. */
  for (guint i = 0; i < transfers->len; i++)
    {
      Transfer *t = g_ptr_array_index (transfers, i);

      if (t->finished)
        continue;

      curl_multi_remove_handle (multi, t->easy);
      transfer_fail (t, MERKKI_ERROR_CANCELLED, _("The lookup was cancelled."));
      transfer_finish (t);
    }

  g_cancellable_disconnect (cancellable, cancelled_id);
  /* Easy handles must go before the multi handle they were part of. */
  g_clear_pointer (&transfers, g_ptr_array_unref);
  curl_multi_cleanup (multi);
  g_free (settings.ca_file);
}

void
merkki_registry_request_answer_response (MerkkiRegistryRequest *request,
                                         guint                  status,
                                         const char            *headers,
                                         gsize                  headers_len,
                                         const guint8          *body,
                                         gsize                  body_len)
{
  RunSettings settings = { DEFAULT_CONNECT_MS, DEFAULT_TOTAL_MS, DEFAULT_LOOKUP_CAP, DEFAULT_SNAPSHOT_CAP, NULL };
  const char *name;
  const char *line = headers;
  const char *headers_end = headers != NULL ? headers + headers_len : NULL;
  Transfer *t;

  g_return_if_fail (request != NULL);
  g_return_if_fail (request->registry_id != NULL);
  g_return_if_fail (headers != NULL || headers_len == 0);
  g_return_if_fail (body != NULL || body_len == 0);

  request_clear_answer (request);

  name = merkki_registry_display_name (request->registry_id);
  t = g_new0 (Transfer, 1);
  t->request = request;
  t->settings = &settings;
  t->started_us = g_get_monotonic_time ();
  t->registry_name = g_strdup (name != NULL ? name : request->registry_id);
  t->body = g_byte_array_new ();
  t->cap = request->kind == MERKKI_REGISTRY_REQUEST_SNAPSHOT ? settings.snapshot_cap
                                                             : settings.lookup_cap;

  /* libcurl hands over one header line at a time, with its line end. */
  while (line < headers_end)
    {
      const char *newline = memchr (line, '\n', headers_end - line);
      gsize len = newline != NULL ? (gsize) (newline - line) + 1 : (gsize) (headers_end - line);

      on_header_cb ((char *) line, 1, len, t);
      line += len;
    }

  /* And the body in pieces of at most CURL_MAX_WRITE_SIZE. */
  for (gsize offset = 0; offset < body_len;)
    {
      gsize len = MIN ((gsize) CURL_MAX_WRITE_SIZE, body_len - offset);

      if (on_body_cb ((char *) body + offset, 1, len, t) != len)
        break;
      offset += len;
    }

  if (t->too_large)
    transfer_fail_curl (t, CURLE_WRITE_ERROR);
  else
    transfer_answer (t, status);

  transfer_finish (t);
  transfer_free (t);
}
