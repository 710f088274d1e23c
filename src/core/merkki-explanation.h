/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "merkki-record.h"
#include "merkki-verdict.h"

G_BEGIN_DECLS

/* What a level means, written for a shopper, from DOMAIN.md, translated
 * into the current locale's language. @level is ignored for levelless
 * schemes. Returns NULL for an unknown scheme or level. */
const char *merkki_explanation_for_level   (const char *scheme,
                                            int         level);

/* A paragraph for the whole result: the verdict in words, what the level
 * means and where it is recognised. Newly allocated, translated. */
char       *merkki_explanation_for_verdict (MerkkiVerdict       verdict,
                                            const MerkkiRecord *record);

/* merkki_explanation_for_verdict() with translations switched to @language
 * ("fi", "zh_CN", ...) for the duration of the call, then back; lets the
 * result page show one explanation in a tourist's language without
 * restarting. Texts without a translation stay in English. The switch is
 * process-wide for its duration (LANGUAGE and LC_MESSAGES): call it from
 * the thread that shows the text, not while other threads translate. */
char       *merkki_explanation_for_verdict_in (const char         *language,
                                               MerkkiVerdict       verdict,
                                               const MerkkiRecord *record);

G_END_DECLS
