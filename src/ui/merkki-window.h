/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "merkki-application.h"

G_BEGIN_DECLS

#define MERKKI_TYPE_WINDOW (merkki_window_get_type ())
G_DECLARE_FINAL_TYPE (MerkkiWindow, merkki_window, MERKKI, WINDOW, AdwApplicationWindow)

MerkkiWindow *merkki_window_new           (MerkkiApplication *application);
/* Checks a payload (a code, a typed reference) and shows the result. */
void          merkki_window_check_payload (MerkkiWindow      *self,
                                           GBytes            *payload);

G_END_DECLS
