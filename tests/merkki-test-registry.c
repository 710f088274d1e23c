/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "merkki-test-registry.h"
#include "merkki-test-utils.h"

MerkkiRegistryServer *
merkki_test_registry_server_start (const char *data_file)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = merkki_test_data_path (data_file);
  MerkkiRegistryServer *server = merkki_registry_server_new ();

  merkki_registry_server_load_file (server, path, &error);
  g_assert_no_error (error);
  merkki_registry_server_start_thread (server, "127.0.0.1", 0, &error);
  g_assert_no_error (error);
  return server;
}

int
merkki_test_run_with_registries (MerkkiRegistryServer **csa,
                                 MerkkiRegistryServer **traficom)
{
  int status;

  *csa = merkki_test_registry_server_start ("csa.json");
  *traficom = merkki_test_registry_server_start ("traficom.json");
  status = g_test_run ();
  g_clear_object (csa);
  g_clear_object (traficom);
  return status;
}
