/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>

#include <glib/gi18n.h>

#include "merkki-core.h"
#include "merkki-cli.h"

int
merkki_cli_sync (int    argc,
                 char **argv)
{
  g_auto(GStrv) registry_args = NULL;
  GOptionEntry entries[] = {
    { "registry", 0, 0, G_OPTION_ARG_STRING_ARRAY, &registry_args,
      N_("Use URL as the address of registry ID"), N_("ID=URL") },
    { NULL }
  };
  g_autoptr(MerkkiRegistryConfig) config = NULL;
  g_autoptr(MerkkiRegistryClient) client = NULL;
  g_autoptr(MerkkiStore) store = NULL;
  g_autoptr(MerkkiChecker) checker = NULL;
  g_autoptr(GString) report = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (!merkki_cli_parse_options ("sync", "",
                                 _("Fetch the offline copy of every registry that has an address, "
                                   "one line per registry: updated, not modified, skipped (no "
                                   "address) or failed.\n\nExit status: 0 when no registry failed "
                                   "(skipped ones included), 3 when any failed (its previous copy is "
                                   "kept), 2 usage or store error."),
                                 entries, &argc, &argv))
    return MERKKI_CLI_EXIT_USAGE;

  if (argc != 1)
    return merkki_cli_usage_error ("sync", "%s", _("This command takes no arguments"));

  config = merkki_cli_load_registry_config ("sync", registry_args);
  if (config == NULL)
    return MERKKI_CLI_EXIT_USAGE;

  store = merkki_cli_open_store ("sync");
  if (store == NULL)
    return MERKKI_CLI_EXIT_USAGE;

  client = merkki_registry_client_new ();
  checker = merkki_checker_new (config, client, store, NULL);
  ok = merkki_checker_sync (checker, report, NULL, &error);

  fputs (report->str, stdout);
  fflush (stdout);
  if (!ok)
    {
      fprintf (stderr, "merkki-cli sync: %s\n", error->message);
      return MERKKI_CLI_EXIT_UNVERIFIED;
    }

  return 0;
}
