/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "merkki-registry-data.h"

G_BEGIN_DECLS

/* Converts a CSV copy of an authority's product list into registry data.
 * The first row is a header naming the columns id, brand, model, category,
 * level, status, issued, expires, url (any order; RFC 4180 quoting). Rows
 * that are wrong are rejected with their line numbers: the error message
 * lists every bad line ("line 7: expires: not a date"), and nothing is
 * returned. */
MerkkiRegistryData *merkki_import_csv (const char  *scheme,
                                       const char  *registry_id,
                                       const char  *csv,
                                       gsize        len,
                                       GError     **error);

G_END_DECLS
