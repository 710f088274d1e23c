/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "merkki-registry-server.h"

G_BEGIN_DECLS

/* A registry server on 127.0.0.1 (a random port, its own thread) serving
 * tests/data/@data_file, e.g. "csa.json". Fails the test if it cannot. */
MerkkiRegistryServer *merkki_test_registry_server_start (const char *data_file);

/* g_test_run() with the fixture registries of CSA (tests/data/csa.json)
 * and Traficom (traficom.json) running; *@csa and *@traficom point at them
 * while the tests run. Returns g_test_run()'s status. */
int                   merkki_test_run_with_registries   (MerkkiRegistryServer **csa,
                                                         MerkkiRegistryServer **traficom);

G_END_DECLS
