/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "merkki-core.h"

G_BEGIN_DECLS

/* Past checks, newest first, with a search entry, a choice of inspection
 * session (or the whole history), and export to CSV, JSON or PDF of what
 * is shown. */
#define MERKKI_TYPE_HISTORY_PAGE (merkki_history_page_get_type ())
G_DECLARE_FINAL_TYPE (MerkkiHistoryPage, merkki_history_page, MERKKI, HISTORY_PAGE, AdwBin)

void merkki_history_page_set_store (MerkkiHistoryPage *self,
                                    MerkkiStore       *store);
/* Reads the history again (in a thread). */
void merkki_history_page_reload    (MerkkiHistoryPage *self);
/* Shows (and exports) only the checks of inspection session @session;
 * NULL: the whole history. The user can choose another in the page. */
void merkki_history_page_set_session (MerkkiHistoryPage *self,
                                      const char        *session);

G_END_DECLS
