/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "merkki-registry-server.h"

G_BEGIN_DECLS

/* A registry server on 127.0.0.1 (a random port, its own thread) serving
 * tests/data/@data_file, e.g. "csa.json". Fails the test if it cannot. */
MerkkiRegistryServer *merkki_test_registry_server_start (const char *data_file);

G_END_DECLS
