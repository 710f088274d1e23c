/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "merkki-check-result.h"
#include "merkki-recognition.h"
#include "merkki-registry-client.h"
#include "merkki-registry-config.h"
#include "merkki-store.h"

G_BEGIN_DECLS

typedef enum {
  MERKKI_CHECK_FLAGS_NONE     = 0,
  MERKKI_CHECK_FLAGS_OFFLINE  = 1 << 0,  /* ask no registry: cache and snapshot only */
  MERKKI_CHECK_FLAGS_NO_CACHE = 1 << 1,  /* ignore fresh cache entries: always ask online */
  MERKKI_CHECK_FLAGS_NO_HISTORY = 1 << 2,/* do not record the check in the history */
} MerkkiCheckFlags;

/* The whole check of DESIGN.md's flow: parse, ask both registries (at once
 * when the product is already known, else the partner as soon as the issuer
 * answers), fall back to cache and snapshot, compute the verdict and the
 * recognition, explain, and record the check in the history. */
#define MERKKI_TYPE_CHECKER (merkki_checker_get_type ())
G_DECLARE_FINAL_TYPE (MerkkiChecker, merkki_checker, MERKKI, CHECKER, GObject)

MerkkiChecker     *merkki_checker_new          (MerkkiRegistryConfig   *config,
                                                MerkkiRegistryClient   *client,
                                                MerkkiStore            *store,
                                                MerkkiRecognitionTable *table);
MerkkiStore       *merkki_checker_get_store    (MerkkiChecker *self);
MerkkiRegistryConfig *merkki_checker_get_config (MerkkiChecker *self);
/* Cache entries younger than this answer without asking online (default 300 s). */
void               merkki_checker_set_cache_max_age (MerkkiChecker *self,
                                                     gint64         seconds);
/* An answer from an offline copy (snapshot) older than this many days is
 * marked stale (MerkkiRegistryAnswer.stale): the verdict stands but must
 * say so. Default 30; 0 marks every offline copy older than a day. */
#define MERKKI_CHECKER_DEFAULT_MAX_OFFLINE_AGE_DAYS 30
void               merkki_checker_set_max_offline_age (MerkkiChecker *self,
                                                       guint          days);
/* The session new checks are recorded in, or NULL. */
void               merkki_checker_set_session  (MerkkiChecker *self,
                                                const char    *session);

/* Blocking; for worker threads and the CLI. Always returns a result (a
 * registry failure is part of the result, not an error); NULL only when
 * cancelled, with @error set. */
MerkkiCheckResult *merkki_checker_check        (MerkkiChecker    *self,
                                                GBytes           *payload,
                                                MerkkiCheckFlags  flags,
                                                GCancellable     *cancellable,
                                                GError          **error);
void               merkki_checker_check_async  (MerkkiChecker      *self,
                                                GBytes             *payload,
                                                MerkkiCheckFlags    flags,
                                                GCancellable       *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer            user_data);
MerkkiCheckResult *merkki_checker_check_finish (MerkkiChecker  *self,
                                                GAsyncResult   *result,
                                                GError        **error);

/* Fetches every configured registry's snapshot (ETag-aware) into the store.
 * Blocking. Returns FALSE if any registry failed; the others still update. */
gboolean           merkki_checker_sync         (MerkkiChecker  *self,
                                                GString        *report,
                                                GCancellable   *cancellable,
                                                GError        **error);

G_END_DECLS
