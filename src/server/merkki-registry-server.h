/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "merkki-registry-data.h"

G_BEGIN_DECLS

/* The registry interface v1 of DESIGN.md over HTTP (libsoup 3), serving the
 * records of one or more registry data files. Used by `merkki-cli serve`
 * and by the tests. */
#define MERKKI_TYPE_REGISTRY_SERVER (merkki_registry_server_get_type ())
G_DECLARE_FINAL_TYPE (MerkkiRegistryServer, merkki_registry_server, MERKKI, REGISTRY_SERVER, GObject)

MerkkiRegistryServer *merkki_registry_server_new        (void);
/* Adds the records of a data file (MerkkiRegistryData JSON). The snapshot
 * is served with the "registry" and "generated" of the first file, and is
 * demo data if any file is. A record whose scheme and id an earlier file
 * already had replaces it. Data may be added while serving. */
gboolean              merkki_registry_server_load_file  (MerkkiRegistryServer *self,
                                                         const char           *path,
                                                         GError              **error);
/* The same with parsed data; @data is copied. */
void                  merkki_registry_server_add_data   (MerkkiRegistryServer *self,
                                                         MerkkiRegistryData   *data);
/* Delays every answer by @delay_ms (benchmarks, slow-registry tests). */
void                  merkki_registry_server_set_delay  (MerkkiRegistryServer *self,
                                                         guint                 delay_ms);
/* Number of requests received so far, counted as they arrive (before any
 * delay), whatever their answer (thread-safe). */
guint                 merkki_registry_server_get_n_requests (MerkkiRegistryServer *self);

/* Listens on @address (e.g. "127.0.0.1"; NULL for 127.0.0.1) and @port
 * (0: a random free port) in the thread-default main context. A bad
 * address or port is MERKKI_ERROR_INVALID_INPUT; a port in use a GIOError. */
gboolean              merkki_registry_server_listen     (MerkkiRegistryServer *self,
                                                         const char           *address,
                                                         guint                 port,
                                                         GError              **error);
/* Listens in a thread of its own with its own main context, so blocking
 * callers (tests, benchmarks) can talk to it; stopped on finalize. */
gboolean              merkki_registry_server_start_thread (MerkkiRegistryServer *self,
                                                           const char           *address,
                                                           guint                 port,
                                                           GError              **error);
/* Serves https with @certificate (which must hold its private key) instead
 * of plain http; NULL for plain http again. Only before listening. */
void                  merkki_registry_server_set_tls_certificate (MerkkiRegistryServer *self,
                                                                  GTlsCertificate      *certificate);
/* "http://127.0.0.1:PORT" ("https://..." with a certificate), valid once
 * listening. */
const char           *merkki_registry_server_get_url    (MerkkiRegistryServer *self);

G_END_DECLS
