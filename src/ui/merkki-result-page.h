/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "merkki-core.h"

G_BEGIN_DECLS

/* One check's result: the verdict in words with an icon, the product, the
 * level, one row per country, the explanation and where each answer came
 * from. Emits "scan-another" for its button, Enter and Escape. */
#define MERKKI_TYPE_RESULT_PAGE (merkki_result_page_get_type ())
G_DECLARE_FINAL_TYPE (MerkkiResultPage, merkki_result_page, MERKKI, RESULT_PAGE, AdwBin)

void               merkki_result_page_set_result    (MerkkiResultPage  *self,
                                                     MerkkiCheckResult *result);
MerkkiCheckResult *merkki_result_page_get_result    (MerkkiResultPage  *self);
/* Moves the keyboard focus to the verdict, so a screen reader reads it. */
void               merkki_result_page_focus_verdict (MerkkiResultPage  *self);
/* Large type and a large verdict icon, readable across a shop counter. */
void               merkki_result_page_set_large     (MerkkiResultPage  *self,
                                                     gboolean           large);
/* In an inspection session: an optional note for the check shown, emitted
 * as "note-applied" (a string) when applied or when the page is left. */
void               merkki_result_page_set_note_visible (MerkkiResultPage *self,
                                                        gboolean          visible);
/* Emits "note-applied" if the note changed since it was last emitted. */
void               merkki_result_page_apply_note    (MerkkiResultPage  *self);

G_END_DECLS
