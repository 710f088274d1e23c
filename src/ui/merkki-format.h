/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "merkki-core.h"

G_BEGIN_DECLS

/* Words the app shows for the core's results. Pure functions of their
 * arguments (the clock is passed in), so tests need no display. */

/* "just now", "5 min ago", "3 h ago", or "on 3 Nov 2026". */
char       *merkki_format_age             (GDateTime                  *when,
                                           GDateTime                  *now);
/* "3 Nov 2026" in the current locale. */
char       *merkki_format_date            (GDateTime                  *when);
/* Where a registry answer came from: "CSA registry, just now",
 * "CSA registry, offline copy from 3 Nov 2026", "Traficom registry
 * unreachable", "CSA registry, demo data". */
char       *merkki_format_provenance      (const MerkkiRegistryAnswer *answer,
                                           GDateTime                  *now);
/* What the registry said: "Label found", "No such label", the error... */
char       *merkki_format_answer_detail   (const MerkkiRegistryAnswer *answer);
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
