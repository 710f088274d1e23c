/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Registry server and importer benchmark.
 *
 *   bench-registry-server [N_RECORDS]
 *
 * Serves N_RECORDS synthetic CLS records (default 2000, about twice CSA's
 * list in 2026) and times lookups, brand/model searches and the snapshot
 * over loopback HTTP with one keep-alive client. Baseline: a bare libsoup
 * server on the same machine answering a constant record, which is the
 * floor set by HTTP and loopback. Then imports the same records from CSV;
 * baseline: parsing them back from the registry data JSON. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libsoup/soup.h>

#include "merkki-core.h"
#include "merkki-registry-server.h"

#define N_REQUESTS 400

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* Requests @path_prefix followed by a record number N_REQUESTS times and
 * prints the median and 95th percentile. */
static void
time_requests (SoupSession *session,
               const char  *label,
               const char  *base,
               const char  *path_prefix,
               guint        modulo)
{
  g_autoptr(GArray) ms = g_array_new (FALSE, FALSE, sizeof (double));
  gsize bytes = 0;

  for (guint i = 0; i < N_REQUESTS; i++)
    {
      g_autofree char *path = g_strdup_printf ("%s%u", path_prefix, (i * 7919) % modulo + 1);
      g_autofree char *url = g_strconcat (base, path, NULL);
      g_autoptr(SoupMessage) message = soup_message_new ("GET", url);
      g_autoptr(GBytes) body = NULL;
      g_autoptr(GError) error = NULL;
      gint64 start = g_get_monotonic_time ();
      double elapsed;

      body = soup_session_send_and_read (session, message, NULL, &error);
      elapsed = (g_get_monotonic_time () - start) / 1000.0;
      if (error != NULL || soup_message_get_status (message) != 200)
        g_error ("%s: %s", url, error != NULL ? error->message : soup_message_get_reason_phrase (message));
      bytes = g_bytes_get_size (body);
      g_array_append_val (ms, elapsed);
    }

  g_array_sort (ms, compare_doubles);
  printf ("  %-34s median %7.3f ms   p95 %7.3f ms   (%zu bytes)\n", label,
          g_array_index (ms, double, N_REQUESTS / 2),
          g_array_index (ms, double, N_REQUESTS * 95 / 100), bytes);
}

static void
constant_handler (SoupServer        *server,
                  SoupServerMessage *msg,
                  const char        *path,
                  GHashTable        *query,
                  gpointer           user_data)
{
  const char *body = user_data;

  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, body, strlen (body));
}

typedef struct {
  GMainContext *context;
  GMainLoop    *loop;
  char         *url;
  char         *body;
  GMutex        lock;
  GCond         ready;
} Baseline;

static gpointer
baseline_thread (gpointer user_data)
{
  Baseline *baseline = user_data;
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (baseline->context);
  server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server, NULL, constant_handler, baseline->body, NULL);
  if (!soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    g_error ("%s", error->message);
  uris = soup_server_get_uris (server);

  g_mutex_lock (&baseline->lock);
  baseline->url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_cond_signal (&baseline->ready);
  g_mutex_unlock (&baseline->lock);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_main_loop_run (baseline->loop);
  soup_server_disconnect (server);
  g_main_context_pop_thread_default (baseline->context);
  return NULL;
}

static MerkkiRegistryData *
synthetic_data (guint n_records)
{
  MerkkiRegistryData *data = g_new0 (MerkkiRegistryData, 1);

  data->registry = g_strdup ("sg-csa");
  data->generated = g_strdup ("2026-11-27T00:00:00Z");
  data->records = g_ptr_array_new_with_free_func ((GDestroyNotify) merkki_record_free);

  for (guint i = 1; i <= n_records; i++)
    {
      MerkkiRecord *record = merkki_record_new ();

      record->scheme = g_strdup ("sg-cls");
      record->id = g_strdup_printf ("CSA/311229/%u", i);
      record->level = 1 + i % 4;
      record->status = MERKKI_RECORD_STATUS_ACTIVE;
      record->brand = g_strdup_printf ("Bench Brand %u", i % 97);
      record->model = g_strdup_printf ("Model %u", i);
      record->category = g_strdup ("Smart home hub");
      record->manufacturer = g_strdup_printf ("Bench Maker %u Pte Ltd", i % 97);
      record->issued = g_date_new_dmy (31, G_DATE_DECEMBER, 2026);
      record->expires = g_date_new_dmy (31, G_DATE_DECEMBER, 2029);
      g_ptr_array_add (data->records, record);
    }

  return data;
}

static char *
data_to_csv (MerkkiRegistryData *data)
{
  GString *csv = g_string_new ("id,brand,model,category,level,status,issued,expires,url,manufacturer\r\n");

  for (guint i = 0; i < data->records->len; i++)
    {
      MerkkiRecord *record = g_ptr_array_index (data->records, i);

      g_string_append_printf (csv, "%s,%s,\"%s\",%s,%d,active,2026-12-31,2029-12-31,,\"%s\"\r\n",
                              record->id, record->brand, record->model, record->category,
                              record->level, record->manufacturer);
    }

  return g_string_free (csv, FALSE);
}

int
main (int    argc,
      char **argv)
{
  guint n_records = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 2000;
  g_autoptr(MerkkiRegistryData) data = NULL;
  g_autoptr(MerkkiRegistryServer) server = NULL;
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *csv = NULL;
  g_autofree char *json_text = NULL;
  Baseline baseline = { 0, };
  GThread *thread;
  json_t *json;
  gint64 start;
  double import_ms, parse_ms;

  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  merkki_core_init ();
  if (n_records == 0)
    n_records = 2000;

  data = synthetic_data (n_records);
  server = merkki_registry_server_new ();
  merkki_registry_server_add_data (server, data);
  if (!merkki_registry_server_start_thread (server, "127.0.0.1", 0, &error))
    g_error ("%s", error->message);

  json = merkki_record_to_json (g_ptr_array_index (data->records, 0));
  baseline.body = json_dumps (json, JSON_COMPACT);
  json_decref (json);
  baseline.context = g_main_context_new ();
  baseline.loop = g_main_loop_new (baseline.context, FALSE);
  g_mutex_init (&baseline.lock);
  g_cond_init (&baseline.ready);
  thread = g_thread_new ("baseline", baseline_thread, &baseline);
  g_mutex_lock (&baseline.lock);
  while (baseline.url == NULL)
    g_cond_wait (&baseline.ready, &baseline.lock);
  g_mutex_unlock (&baseline.lock);

  session = soup_session_new ();
  printf ("registry server, %u records, %u requests each, one keep-alive client:\n",
          n_records, N_REQUESTS);
  time_requests (session, "baseline: bare libsoup, constant", baseline.url, "/x/", n_records);
  time_requests (session, "lookup /v1/labels/sg-cls/ID", merkki_registry_server_get_url (server),
                 "/v1/labels/sg-cls/CSA%2F311229%2F", n_records);
  time_requests (session, "search ?brand=B&model=M", merkki_registry_server_get_url (server),
                 "/v1/labels/sg-cls?brand=bench+brand+0&model=model+", n_records);
  time_requests (session, "snapshot (cached serialization)", merkki_registry_server_get_url (server),
                 "/v1/snapshot?", n_records);

  /* The importer, on the same records as CSV. */
  csv = data_to_csv (data);
  start = g_get_monotonic_time ();
  {
    g_autoptr(MerkkiRegistryData) imported = merkki_import_csv ("sg-cls", "sg-csa", csv, strlen (csv), &error);

    if (imported == NULL)
      g_error ("%s", error->message);
    g_assert (imported->records->len == n_records);
  }
  import_ms = (g_get_monotonic_time () - start) / 1000.0;

  json = merkki_registry_data_to_json (data);
  json_text = json_dumps (json, JSON_COMPACT);
  json_decref (json);
  start = g_get_monotonic_time ();
  {
    g_autoptr(MerkkiRegistryData) parsed = merkki_registry_data_parse (json_text, strlen (json_text), &error);

    if (parsed == NULL)
      g_error ("%s", error->message);
  }
  parse_ms = (g_get_monotonic_time () - start) / 1000.0;

  printf ("importer, %u rows (%zu bytes of CSV):\n", n_records, strlen (csv));
  printf ("  %-34s %8.1f ms\n", "baseline: parse the same as JSON", parse_ms);
  printf ("  %-34s %8.1f ms\n", "merkki_import_csv", import_ms);

  g_main_loop_quit (baseline.loop);
  g_thread_join (thread);
  g_main_loop_unref (baseline.loop);
  g_main_context_unref (baseline.context);
  g_free (baseline.url);
  free (baseline.body);

  return 0;
}
