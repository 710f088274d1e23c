/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "merkki-core.h"

G_BEGIN_DECLS

#define MERKKI_TYPE_APPLICATION (merkki_application_get_type ())
G_DECLARE_FINAL_TYPE (MerkkiApplication, merkki_application, MERKKI, APPLICATION, AdwApplication)

MerkkiApplication *merkki_application_new                  (void);
GSettings         *merkki_application_get_settings         (MerkkiApplication *self);
/* NULL until startup, or when the store could not be opened (see
 * merkki_application_get_store_error()). */
MerkkiChecker     *merkki_application_get_checker          (MerkkiApplication *self);
const GError      *merkki_application_get_store_error      (MerkkiApplication *self);
/* The --camera-pipeline description, or NULL. */
const char        *merkki_application_get_camera_pipeline  (MerkkiApplication *self);

/* Opens the app's GSettings, using the build directory's compiled schema
 * when the app runs uninstalled. */
GSettings         *merkki_settings_new                     (void);

/* With MERKKI_TRACE set, prints "merkki-trace: EVENT MICROSECONDS" (the
 * monotonic clock) on stdout, for the benchmark and the GUI tests. */
void               merkki_trace                            (const char *event);

G_END_DECLS
