/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <jansson.h>

G_BEGIN_DECLS

/* A registry data file, which is also the body of GET /v1/snapshot:
 * {"registry": ID, "generated": ISO8601, "records": [record, ...]}
 * (plus an optional "demo": true for the bundled demo data). */
typedef struct {
  char      *registry;
  char      *generated;
  gboolean   demo;
  GPtrArray *records;    /* MerkkiRecord*, owned */
} MerkkiRegistryData;

void                merkki_registry_data_free      (MerkkiRegistryData *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MerkkiRegistryData, merkki_registry_data_free)

/* Strict parsing: any malformed record rejects the whole document with
 * MERKKI_ERROR_INVALID_DATA naming the record's index. */
MerkkiRegistryData *merkki_registry_data_from_json (json_t       *root,
                                                    GError      **error);
MerkkiRegistryData *merkki_registry_data_load      (const char   *path,
                                                    GError      **error);
MerkkiRegistryData *merkki_registry_data_parse     (const char   *text,
                                                    gsize         len,
                                                    GError      **error);
json_t             *merkki_registry_data_to_json   (MerkkiRegistryData *self);

/* The bundled demo snapshot for @registry_id, or NULL if there is none. */
MerkkiRegistryData *merkki_registry_data_get_demo  (const char   *registry_id);

G_END_DECLS
