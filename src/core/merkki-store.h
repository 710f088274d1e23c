/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <jansson.h>

#include "merkki-check-result.h"
#include "merkki-record.h"

G_BEGIN_DECLS

/* The local store: one SQLite file in WAL mode holding the records fetched
 * from registries (with the time they were fetched), each registry's offline
 * snapshot, and the scan history. A crash or a kill at any moment loses no
 * committed row and never corrupts the file. Thread-safe. */
#define MERKKI_TYPE_STORE (merkki_store_get_type ())
G_DECLARE_FINAL_TYPE (MerkkiStore, merkki_store, MERKKI, STORE, GObject)

/* $XDG_DATA_HOME/merkki/merkki.db */
char        *merkki_store_get_default_path (void);
/* Opens or creates the store. When a registry has no snapshot yet, the
 * bundled demo snapshot is installed for it (marked demo). A file that is
 * not a Merkki store or is corrupt is a MERKKI_ERROR_STORE naming the file;
 * it is never overwritten. */
MerkkiStore *merkki_store_open             (const char    *path,
                                            GError       **error);
const char  *merkki_store_get_path         (MerkkiStore   *self);

/* A record as found online (source cache when read back). The cache
 * writes (this and merkki_store_put_product_miss()) wait at most 2 s for
 * another process's write, the store's other writes 30 s: a lookup is not
 * held up for its cache. */
gboolean     merkki_store_put_record       (MerkkiStore        *self,
                                            const char         *registry_id,
                                            const MerkkiRecord *record,
                                            GDateTime          *fetched_at,
                                            GError            **error);

/* Removes @scheme/@id from the cache (not from any snapshot), when the
 * registry itself has said it has no such label. */
gboolean     merkki_store_forget_record    (MerkkiStore        *self,
                                            const char         *scheme,
                                            const char         *id,
                                            GError            **error);

/* Finds @scheme/@id: first in the cache, then in the snapshot. Returns the
 * record or NULL; @source, @fetched_at (new ref) and @demo tell where from.
 * @max_cache_age_s: cache entries older than this are ignored (-1: any). */
MerkkiRecord *merkki_store_find_record     (MerkkiStore        *self,
                                            const char         *scheme,
                                            const char         *id,
                                            gint64              max_cache_age_s,
                                            MerkkiSource       *source,
                                            GDateTime         **fetched_at,
                                            gboolean           *demo);
/* Records of @registry_id whose brand and model match case-insensitively,
 * from the cache and the snapshot; MerkkiRecord*, owned. */
GPtrArray   *merkki_store_find_by_product  (MerkkiStore        *self,
                                            const char         *registry_id,
                                            const char         *brand,
                                            const char         *model,
                                            MerkkiSource       *source,
                                            GDateTime         **fetched_at,
                                            gboolean           *demo);

/* Remembers that @registry_id answered online that it has no label for
 * this brand and model, so that a repeated check need not ask again while
 * the answer is fresh. Forgotten when a record of the product is stored. */
gboolean     merkki_store_put_product_miss (MerkkiStore        *self,
                                            const char         *registry_id,
                                            const char         *brand,
                                            const char         *model,
                                            GDateTime          *fetched_at,
                                            GError            **error);
/* TRUE when such an answer is younger than @max_age_s; @fetched_at (new
 * ref, may be NULL) tells when it was given. */
gboolean     merkki_store_find_product_miss (MerkkiStore       *self,
                                             const char        *registry_id,
                                             const char        *brand,
                                             const char        *model,
                                             gint64             max_age_s,
                                             GDateTime        **fetched_at);

/* Replaces @registry_id's snapshot atomically (one transaction): readers
 * see the old one or the new one, whole. */
gboolean     merkki_store_replace_snapshot (MerkkiStore   *self,
                                            const char    *registry_id,
                                            const char    *generated,
                                            const char    *etag,
                                            GPtrArray     *records,
                                            gboolean       demo,
                                            GError       **error);
/* Snapshot metadata; FALSE when the registry has none. */
gboolean     merkki_store_get_snapshot_info (MerkkiStore  *self,
                                             const char   *registry_id,
                                             char        **generated,
                                             char        **etag,
                                             GDateTime   **fetched_at,
                                             guint        *n_records,
                                             gboolean     *demo);

/* Appends a completed check to the history (committed when it returns).
 * @session may be NULL. Returns the row id, or 0 with @error set. */
gint64       merkki_store_add_history      (MerkkiStore        *self,
                                            MerkkiCheckResult  *result,
                                            const char         *session,
                                            GError            **error);
/* History entries, newest first, as the JSON objects of
 * merkki_check_result_to_json() plus "history_id" and "session", and
 * "evidence" (the photo's path relative to the store's folder) and "note"
 * when the check has them. @session
 * and @search (substring of input, reference, brand or model; case
 * insensitive) may be NULL. @limit <= 0: all. Returns a JSON array. */
json_t      *merkki_store_list_history     (MerkkiStore        *self,
                                            const char         *session,
                                            const char         *search,
                                            int                 limit,
                                            GError            **error);

/* Inspection sessions: a name, where, who, and when. */
typedef struct {
  char      *name;
  char      *place;       /* may be NULL */
  char      *inspector;   /* may be NULL */
  GDateTime *started_at;
  GDateTime *ended_at;    /* NULL while the session is open */
  guint      n_checks;    /* checks recorded in it */
} MerkkiSession;

void           merkki_session_free          (MerkkiSession *self);
/* "Itäkeskus, Helsinki · Aino Virtanen · 27 Nov 2026 · 12 checks": where,
 * who, the start date as merkki_format_date() writes it in the user's
 * language, and the number of checks, for a list of sessions. */
char          *merkki_session_describe      (const MerkkiSession *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MerkkiSession, merkki_session_free)

/* Starts session @name now, or resumes it (open again, start kept; a
 * non-NULL @place or @inspector replaces the stored one). An empty name is
 * MERKKI_ERROR_INVALID_INPUT. */
gboolean       merkki_store_create_session  (MerkkiStore   *self,
                                             const char    *name,
                                             const char    *place,
                                             const char    *inspector,
                                             GError       **error);
gboolean       merkki_store_end_session     (MerkkiStore   *self,
                                             const char    *name,
                                             GError       **error);
/* NULL without @error set when there is no such session. */
MerkkiSession *merkki_store_get_session     (MerkkiStore   *self,
                                             const char    *name,
                                             GError       **error);
/* MerkkiSession*, the most recently started first. */
GPtrArray     *merkki_store_list_sessions   (MerkkiStore   *self,
                                             GError       **error);

/* Saves the photo a code was read from beside the store, as
 * evidence/SHA256.@extension (written to a temporary file, synced and
 * renamed: whole or absent after a crash), and returns that relative
 * path; @sha256 (optional) receives the checksum. Call it before the check
 * is recorded. */
char          *merkki_store_save_evidence   (MerkkiStore   *self,
                                             GBytes        *image,
                                             const char    *extension,
                                             char         **sha256,
                                             GError       **error);
/* Keeps a camera frame as evidence: the GRAY8 pixels (@width by @height,
 * rows @stride bytes apart) encoded as PNG and saved as
 * merkki_store_save_evidence() does. Slow (encoding): not on a UI thread. */
char          *merkki_store_save_evidence_frame (MerkkiStore *self,
                                                 GBytes      *gray8,
                                                 int          width,
                                                 int          height,
                                                 int          stride,
                                                 char       **sha256,
                                                 GError     **error);
/* Links a saved photo to a recorded check. */
gboolean       merkki_store_add_evidence    (MerkkiStore   *self,
                                             gint64         history_id,
                                             const char    *relative_path,
                                             GError       **error);
/* merkki_store_add_history() with the photo (may be NULL) and a note (may
 * be NULL), in one transaction. */
gint64         merkki_store_add_history_with_evidence (MerkkiStore       *self,
                                                       MerkkiCheckResult *result,
                                                       const char        *session,
                                                       const char        *evidence_path,
                                                       const char        *note,
                                                       GError           **error);
/* Sets or (NULL, "") clears the note of check @history_id. */
gboolean       merkki_store_set_note        (MerkkiStore   *self,
                                             gint64         history_id,
                                             const char    *note,
                                             GError       **error);
/* The first check of @session (NULL: outside any session) recorded with
 * the photo of checksum @sha256, or 0: how a resumed batch skips photos
 * it has already done. */
gint64         merkki_store_find_evidence   (MerkkiStore   *self,
                                             const char    *session,
                                             const char    *sha256);

/* The checks of @session (NULL: outside any session) recorded with the
 * photo of checksum @sha256: a table from each check's payload (GBytes*) to
 * its row id (gint64*). A resumed batch checks only the codes of a photo
 * that are not in it, so a photo of several codes interrupted between two
 * of them is finished without checking any code twice. NULL with @error
 * set when the store cannot be read. */
GHashTable    *merkki_store_find_evidence_checks (MerkkiStore  *self,
                                                  const char   *session,
                                                  const char   *sha256,
                                                  GError      **error);

G_END_DECLS
