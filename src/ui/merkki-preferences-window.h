/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "merkki-application.h"

G_BEGIN_DECLS

#define MERKKI_TYPE_PREFERENCES_WINDOW (merkki_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (MerkkiPreferencesWindow, merkki_preferences_window, MERKKI, PREFERENCES_WINDOW, AdwPreferencesWindow)

MerkkiPreferencesWindow *merkki_preferences_window_new (MerkkiApplication *application,
                                                        GtkWindow         *parent);

G_END_DECLS
