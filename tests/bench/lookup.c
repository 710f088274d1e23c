/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "merkki-core.h"
#include "merkki-registry-server.h"

/* bench-lookup: the wall time of whole checks against two registry servers
 * on 127.0.0.1 that each take REGISTRY_DELAY_MS to answer, as a slow
 * network would. Shows that the partner is asked at the same time as the
 * issuer when the product is already known (about one delay instead of
 * two), that it is asked right after the issuer otherwise (two delays),
 * and what a cached answer costs. */

#define REGISTRY_DELAY_MS 300
#define N_RUNS 20

static MerkkiRegistryServer *
start_server (const char *data_file,
              guint       delay_ms)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (MERKKI_SOURCE_ROOT, "tests", "data", data_file, NULL);
  MerkkiRegistryServer *server = merkki_registry_server_new ();

  if (!merkki_registry_server_load_file (server, path, &error)
      || !merkki_registry_server_start_thread (server, "127.0.0.1", 0, &error))
    g_error ("Could not start a registry server for %s: %s", data_file, error->message);
  merkki_registry_server_set_delay (server, delay_ms);
  return server;
}

static MerkkiStore *
open_store (const char *dir,
            const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (dir, name, "merkki.db", NULL);
  MerkkiStore *store = merkki_store_open (path, &error);

  if (store == NULL)
    g_error ("%s", error->message);
  return store;
}

/* The fixtures as the offline snapshot, so their products are known. */
static void
install_snapshot (MerkkiStore *store,
                  const char  *registry_id,
                  const char  *data_file)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (MERKKI_SOURCE_ROOT, "tests", "data", data_file, NULL);
  g_autoptr(MerkkiRegistryData) data = merkki_registry_data_load (path, &error);

  if (data == NULL
      || !merkki_store_replace_snapshot (store, registry_id, data->generated, NULL, data->records, FALSE, &error))
    g_error ("%s", error->message);
}

static double
time_check (MerkkiChecker    *checker,
            const char       *payload,
            MerkkiCheckFlags  flags,
            MerkkiVerdict     expected)
{
  g_autoptr(GBytes) bytes = g_bytes_new (payload, strlen (payload));
  g_autoptr(GError) error = NULL;
  g_autoptr(MerkkiCheckResult) result = NULL;
  gint64 start = g_get_monotonic_time ();
  double ms;

  result = merkki_checker_check (checker, bytes, flags, NULL, &error);
  ms = (g_get_monotonic_time () - start) / 1000.0;
  if (result == NULL)
    g_error ("%s", error->message);
  /* A fast wrong answer is no result. */
  if (merkki_check_result_get_verdict (result) != expected)
    g_error ("%s: verdict %s, expected %s", payload,
             merkki_verdict_to_string (merkki_check_result_get_verdict (result)),
             merkki_verdict_to_string (expected));
  return ms;
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median (double *values,
        guint   n)
{
  qsort (values, n, sizeof (double), compare_doubles);
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

static MerkkiChecker *
new_checker (MerkkiRegistryConfig *config,
             MerkkiStore          *store)
{
  g_autoptr(MerkkiRegistryClient) client = merkki_registry_client_new ();

  return merkki_checker_new (config, client, store, NULL);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MerkkiRegistryServer) csa = NULL;
  g_autoptr(MerkkiRegistryServer) traficom = NULL;
  g_autoptr(MerkkiRegistryConfig) config = NULL;
  g_autoptr(MerkkiStore) known_store = NULL;
  g_autoptr(MerkkiChecker) known_checker = NULL;
  g_autofree char *tmpdir = NULL;
  double known[N_RUNS], unknown[N_RUNS], cached[N_RUNS];
  double known_median, unknown_median, cached_median;
  const double serial_sum = 2 * REGISTRY_DELAY_MS;

  merkki_core_init ();

  tmpdir = g_dir_make_tmp ("merkki-bench-lookup-XXXXXX", &error);
  if (tmpdir == NULL)
    g_error ("%s", error->message);

  csa = start_server ("csa.json", REGISTRY_DELAY_MS);
  traficom = start_server ("traficom.json", REGISTRY_DELAY_MS);

  config = merkki_registry_config_new_default ();
  if (!merkki_registry_config_set_url (config, "sg-csa", merkki_registry_server_get_url (csa), &error)
      || !merkki_registry_config_set_url (config, "fi-traficom", merkki_registry_server_get_url (traficom), &error))
    g_error ("%s", error->message);

  /* 1. Product known from the snapshot: issuer and partner at once. */
  known_store = open_store (tmpdir, "known");
  install_snapshot (known_store, "sg-csa", "csa.json");
  install_snapshot (known_store, "fi-traficom", "traficom.json");
  known_checker = new_checker (config, known_store);
  for (guint i = 0; i < N_RUNS; i++)
    known[i] = time_check (known_checker, "CSA/300929/2001", MERKKI_CHECK_FLAGS_NO_CACHE, MERKKI_VERDICT_VALID);

  /* 2. Product known to no snapshot or cache (a new store each time):
   * the partner can only be asked once the issuer has named the product. */
  for (guint i = 0; i < N_RUNS; i++)
    {
      g_autofree char *name = g_strdup_printf ("unknown-%u", i);
      g_autoptr(MerkkiStore) store = open_store (tmpdir, name);
      g_autoptr(MerkkiChecker) checker = new_checker (config, store);

      unknown[i] = time_check (checker, "CSA/300929/2001", MERKKI_CHECK_FLAGS_NONE, MERKKI_VERDICT_VALID);
    }

  /* 3. Cached: the first check above filled the cache of known_store. */
  for (guint i = 0; i < N_RUNS; i++)
    cached[i] = time_check (known_checker, "CSA/300929/2001", MERKKI_CHECK_FLAGS_NONE, MERKKI_VERDICT_VALID);

  known_median = median (known, N_RUNS);
  unknown_median = median (unknown, N_RUNS);
  cached_median = median (cached, N_RUNS);

  printf ("Lookup of CSA/300929/2001 (in both registries), %d runs each, "
          "each registry answering after %d ms; median wall time of the whole check.\n\n",
          N_RUNS, REGISTRY_DELAY_MS);
  printf ("%-44s %12s   %s\n", "case", "median", "baseline");
  printf ("%-44s %9.1f ms   %6.1f ms  (issuer then partner, serial sum)\n",
          "uncached, product known from snapshot", known_median, serial_sum);
  printf ("%-44s %9.1f ms   %6.1f ms  (issuer then partner, serial sum)\n",
          "uncached, product known to no snapshot", unknown_median, serial_sum);
  printf ("%-44s %9.1f ms   %6.1f ms  (the uncached figure above)\n",
          "cached (fresh cache entry, no request)", cached_median, known_median);
  printf ("\nRequests answered: CSA %u, Traficom %u\n",
          merkki_registry_server_get_n_requests (csa), merkki_registry_server_get_n_requests (traficom));

  g_clear_object (&known_checker);
  g_clear_object (&known_store);
  {
    g_autoptr(GFile) dir = g_file_new_for_path (tmpdir);
    g_autoptr(GFileEnumerator) children = g_file_enumerate_children (dir, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                                                     G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS,
                                                                     NULL, NULL);
    GFileInfo *info;

    /* Each child is a folder holding merkki.db and its -wal and -shm. */
    while (children != NULL && (info = g_file_enumerator_next_file (children, NULL, NULL)) != NULL)
      {
        g_autofree char *sub = g_build_filename (tmpdir, g_file_info_get_name (info), NULL);
        const char *suffixes[] = { "", "-wal", "-shm" };

        for (guint s = 0; s < G_N_ELEMENTS (suffixes); s++)
          {
            g_autofree char *file = g_strconcat (sub, "/merkki.db", suffixes[s], NULL);
            g_remove (file);
          }
        g_rmdir (sub);
        g_object_unref (info);
      }
    g_rmdir (tmpdir);
  }

  return 0;
}
