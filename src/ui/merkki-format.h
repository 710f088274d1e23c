/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "merkki-core.h"

G_BEGIN_DECLS

/* Words the app shows for the core's results. Pure functions of their
 * arguments (the clock is passed in), so tests need no display. */

/* "★★★☆" for level 3 of 4; empty for level 0. */
char       *merkki_format_stars           (int                         level);
/* "Level 3 of 4" (the stars' accessible name). */
char       *merkki_format_stars_label     (int                         level);
/* "CLS Level 3", or the scheme's name for levelless schemes. */
char       *merkki_format_level_name      (const char                 *scheme,
                                           int                         level);
/* "Recognised as Level 3", "Not recognised", "Simplified route to Level 1". */
char       *merkki_format_recognition     (const MerkkiCountryRecognition *recognition);

/* Presentation of a verdict: a symbolic icon name and a style class
 * ("success", "warning", "error"). The words come from
 * merkki_verdict_get_title(); colour is never the only signal. */
const char *merkki_format_verdict_icon    (MerkkiVerdict               verdict);
const char *merkki_format_verdict_style   (MerkkiVerdict               verdict);

G_END_DECLS
