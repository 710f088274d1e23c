/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "merkki-error.h"
#include "merkki-registry-config.h"
#include "merkki-registry-data.h"
#include "merkki-store.h"

/* "MRKK": marks the file as a Merkki store, so that a foreign SQLite file
 * is recognised and left alone rather than migrated. */
#define STORE_APPLICATION_ID 0x4d524b4b
#define STORE_SCHEMA_VERSION 3
/* The app, merkki-cli and a batch scan may share the store. Each write is
 * short, but with synchronous=FULL every commit waits for the disk, and on
 * a busy machine several processes queueing behind one another took longer
 * than 5 s (a lookup then failed with "database is locked"). Waiting is
 * better than losing a check. */
#define STORE_BUSY_TIMEOUT_MS 30000
/* The lookup cache is not worth that wait: a check waited for each of its
 * cache writes while another process held the store, a minute before its
 * verdict showed. A cache write gives up after this instead (the next
 * check asks the registry again). */
#define CACHE_BUSY_TIMEOUT_MS 2000

struct _MerkkiStore
{
  GObject  parent_instance;

  char    *path;
  /* One connection shared by every thread; the mutex also keeps the
   * multi-statement operations (transactions) whole. */
  sqlite3 *db;
  GMutex   mutex;
};

G_DEFINE_FINAL_TYPE (MerkkiStore, merkki_store, G_TYPE_OBJECT)

/* Each entry moves the schema from version (index) to (index + 1). */
static const char * const migrations[] = {
  /* 0 → 1 */
  "CREATE TABLE records ("
  "  registry   TEXT NOT NULL,"
  "  scheme     TEXT NOT NULL,"
  "  id         TEXT NOT NULL,"
  "  brand_key  TEXT NOT NULL,"   /* casefolded, for case-insensitive search */
  "  model_key  TEXT NOT NULL,"
  "  json       TEXT NOT NULL,"
  "  fetched_at INTEGER NOT NULL," /* Unix time, seconds */
  "  PRIMARY KEY (scheme, id)"
  ");"
  "CREATE INDEX records_product ON records (registry, brand_key, model_key);"
  "CREATE TABLE snapshots ("
  "  registry   TEXT PRIMARY KEY,"
  "  generated  TEXT,"
  "  etag       TEXT,"
  "  fetched_at INTEGER NOT NULL,"
  "  demo       INTEGER NOT NULL DEFAULT 0"
  ");"
  "CREATE TABLE snapshot_records ("
  "  registry   TEXT NOT NULL REFERENCES snapshots (registry) ON DELETE CASCADE,"
  "  scheme     TEXT NOT NULL,"
  "  id         TEXT NOT NULL,"
  "  brand_key  TEXT NOT NULL,"
  "  model_key  TEXT NOT NULL,"
  "  json       TEXT NOT NULL,"
  "  PRIMARY KEY (registry, scheme, id)"
  ");"
  "CREATE INDEX snapshot_records_id ON snapshot_records (scheme, id);"
  "CREATE INDEX snapshot_records_product ON snapshot_records (registry, brand_key, model_key);"
  "CREATE TABLE history ("
  "  id          INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  checked_at  TEXT NOT NULL,"   /* ISO 8601 */
  "  session     TEXT,"
  "  input_hex   TEXT NOT NULL,"
  "  scheme      TEXT,"
  "  ref_id      TEXT,"
  "  verdict     TEXT NOT NULL,"
  "  brand       TEXT,"
  "  model       TEXT,"
  "  search_key  TEXT NOT NULL,"   /* casefolded input, reference, brand and model */
  "  result_json TEXT NOT NULL"
  ");"
  "CREATE INDEX history_session ON history (session, id);",

  /* 1 → 2: a partner's "no label for this product", cached like a record. */
  "CREATE TABLE product_misses ("
  "  registry   TEXT NOT NULL,"
  "  brand_key  TEXT NOT NULL,"
  "  model_key  TEXT NOT NULL,"
  "  fetched_at INTEGER NOT NULL,"
  "  PRIMARY KEY (registry, brand_key, model_key)"
  ");",

  /* 2 → 3: inspection sessions, the photo each check was read from, and
   * an inspector's note per check. */
  "CREATE TABLE sessions ("
  "  name       TEXT PRIMARY KEY,"
  "  place      TEXT,"
  "  inspector  TEXT,"
  "  started_at TEXT NOT NULL,"   /* ISO 8601 */
  "  ended_at   TEXT"
  ");"
  "CREATE TABLE evidence ("
  "  history_id INTEGER PRIMARY KEY REFERENCES history (id) ON DELETE CASCADE,"
  "  path       TEXT NOT NULL,"   /* relative to the store's folder */
  "  sha256     TEXT NOT NULL"
  ");"
  "CREATE INDEX evidence_sha256 ON evidence (sha256);"
  "ALTER TABLE history ADD COLUMN note TEXT;",
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == STORE_SCHEMA_VERSION);

static void
merkki_store_finalize (GObject *object)
{
  MerkkiStore *self = MERKKI_STORE (object);

  if (self->db != NULL)
    sqlite3_close_v2 (self->db);
  g_mutex_clear (&self->mutex);
  g_free (self->path);

  G_OBJECT_CLASS (merkki_store_parent_class)->finalize (object);
}

static void
merkki_store_class_init (MerkkiStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = merkki_store_finalize;
}

static void
merkki_store_init (MerkkiStore *self)
{
  g_mutex_init (&self->mutex);
}

char *
merkki_store_get_default_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "merkki", "merkki.db", NULL);
}

const char *
merkki_store_get_path (MerkkiStore *self)
{
  g_return_val_if_fail (MERKKI_IS_STORE (self), NULL);
  return self->path;
}

/* The error of the last SQLite call, naming the file; FALSE, so that a
 * failing step can return it. */
static gboolean
set_sqlite_error (MerkkiStore *self,
                  gboolean     writing,
                  GError     **error)
{
  const char *reason = sqlite3_errmsg (self->db);

  if (writing)
    /* Translators: %s are the file name and SQLite's reason. */
    g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_STORE, _("Could not write to the store “%s”: %s"),
                 self->path, reason);
  else
    /* Translators: %s are the file name and SQLite's reason. */
    g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_STORE, _("Could not read the store “%s”: %s"),
                 self->path, reason);
  return FALSE;
}

static gboolean
set_read_error (MerkkiStore *self,
                GError     **error)
{
  return set_sqlite_error (self, FALSE, error);
}

static gboolean
set_write_error (MerkkiStore *self,
                 GError     **error)
{
  return set_sqlite_error (self, TRUE, error);
}

static gboolean
exec_sql (MerkkiStore *self,
          const char  *sql,
          GError     **error)
{
  if (sqlite3_exec (self->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return set_write_error (self, error);
  return TRUE;
}

static void
rollback (MerkkiStore *self)
{
  if (!sqlite3_get_autocommit (self->db))
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Ends the transaction begun with BEGIN IMMEDIATE: commits it when @ok,
 * and rolls it back when not or when the commit fails. */
static gboolean
end_transaction (MerkkiStore *self,
                 gboolean     ok,
                 GError     **error)
{
  if (ok && exec_sql (self, "COMMIT", error))
    return TRUE;
  rollback (self);
  return FALSE;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

/* A local name, so that a later g_autoptr(json_t) in a shared header cannot clash. */
typedef json_t StoreJson;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (StoreJson, json_decref)

/* Binds the parameters of @stmt, from the first, to @args: one argument
 * per character of @types, 's' a string (NULL binds NULL) and 'i' a
 * gint64. */
static void
bind_values (sqlite3_stmt *stmt,
             const char   *types,
             va_list       args)
{
  for (int i = 0; types[i] != '\0'; i++)
    {
      if (types[i] == 's')
        {
          const char *text = va_arg (args, const char *);

          if (text != NULL)
            sqlite3_bind_text (stmt, i + 1, text, -1, SQLITE_TRANSIENT);
          else
            sqlite3_bind_null (stmt, i + 1);
        }
      else
        {
          g_assert (types[i] == 'i');
          sqlite3_bind_int64 (stmt, i + 1, va_arg (args, gint64));
        }
    }
}

/* @sql prepared, with its parameters bound as bind_values() says, or NULL
 * with @error set. */
static sqlite3_stmt *
prepare_bound (MerkkiStore *self,
               GError     **error,
               const char  *sql,
               const char  *types,
               va_list      args)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      set_read_error (self, error);
      return NULL;
    }
  bind_values (stmt, types, args);
  return stmt;
}

/* A read: the statement, to step through its rows. */
static sqlite3_stmt *
query (MerkkiStore *self,
       GError     **error,
       const char  *sql,
       const char  *types,
       ...)
{
  sqlite3_stmt *stmt;
  va_list args;

  va_start (args, types);
  stmt = prepare_bound (self, error, sql, types, args);
  va_end (args);
  return stmt;
}

/* Runs @stmt to its end: a write. */
static gboolean
step_done (MerkkiStore  *self,
           sqlite3_stmt *stmt,
           GError      **error)
{
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return set_write_error (self, error);
  return TRUE;
}

/* Runs @stmt again with other parameters (see bind_values()). */
static gboolean
step_again (MerkkiStore  *self,
            sqlite3_stmt *stmt,
            GError      **error,
            const char   *types,
            ...)
{
  va_list args;

  sqlite3_reset (stmt);
  va_start (args, types);
  bind_values (stmt, types, args);
  va_end (args);
  return step_done (self, stmt, error);
}

/* Prepares @sql, binds its parameters (see bind_values()) and runs it to
 * its end: one write in one call. */
static gboolean
execute (MerkkiStore *self,
         GError     **error,
         const char  *sql,
         const char  *types,
         ...)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  va_list args;

  va_start (args, types);
  stmt = prepare_bound (self, error, sql, types, args);
  va_end (args);
  return stmt != NULL && step_done (self, stmt, error);
}

/* Reads one row of a result into @user_data; FALSE (with @error set) stops. */
typedef gboolean (*RowReader) (MerkkiStore   *self,
                               sqlite3_stmt  *stmt,
                               gpointer       user_data,
                               GError       **error);

/* Gives every row of @stmt to @read_row. */
static gboolean
read_rows (MerkkiStore   *self,
           sqlite3_stmt  *stmt,
           RowReader      read_row,
           gpointer       user_data,
           GError       **error)
{
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      if (!read_row (self, stmt, user_data, error))
        return FALSE;
    }
  if (rc != SQLITE_DONE)
    return set_read_error (self, error);
  return TRUE;
}

/* Seconds since 1970 of @time, or of now when it is NULL. */
static gint64
unix_time_or_now (GDateTime *time)
{
  return time != NULL ? g_date_time_to_unix (time) : g_get_real_time () / G_USEC_PER_SEC;
}

/* Brand and model match whatever their case and Unicode normalisation. */
static char *
fold_key (const char *str)
{
  g_autofree char *normalized = NULL;

  if (str == NULL)
    return g_strdup ("");
  normalized = g_utf8_normalize (str, -1, G_NORMALIZE_NFKC);
  if (normalized == NULL)
    return g_strdup ("");
  return g_utf8_casefold (normalized, -1);
}

static gint64
query_int (MerkkiStore *self,
           const char  *sql,
           gboolean    *ok)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gint64 value = 0;

  *ok = FALSE;
  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    return 0;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return 0;
  value = sqlite3_column_int64 (stmt, 0);
  *ok = TRUE;
  return value;
}

static gboolean
set_unusable_error (MerkkiStore *self,
                    GError     **error)
{
  g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_STORE,
               /* Translators: %s is a file name. */
               _("“%s” is not a Merkki store or is damaged. It was left as it is; "
                 "move it away to start a new store."),
               self->path);
  return FALSE;
}

/* Looks at the file before anything is written to it: a file that is not
 * SQLite, a damaged one, another program's database, or a store from a
 * newer Merkki is refused and stays exactly as it was. */
static gboolean
check_file (MerkkiStore *self,
            GError     **error)
{
  g_autoptr(sqlite3_stmt) header = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gint64 application_id;
  gint64 user_version;
  gint64 n_objects;
  const char *check;

  /* One statement, so one read transaction: another process creating the
   * store at this moment is seen either before or after, never halfway. */
  if (sqlite3_prepare_v2 (self->db,
                          "SELECT (SELECT application_id FROM pragma_application_id), "
                          "       (SELECT user_version FROM pragma_user_version), "
                          "       (SELECT count(*) FROM sqlite_master)",
                          -1, &header, NULL) != SQLITE_OK
      || sqlite3_step (header) != SQLITE_ROW)
    return set_unusable_error (self, error);
  application_id = sqlite3_column_int64 (header, 0);
  user_version = sqlite3_column_int64 (header, 1);
  n_objects = sqlite3_column_int64 (header, 2);
  g_clear_pointer (&header, sqlite3_finalize);

  if (application_id != STORE_APPLICATION_ID && n_objects > 0)
    return set_unusable_error (self, error);

  if (user_version > STORE_SCHEMA_VERSION)
    {
      g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_STORE,
                   /* Translators: %s is a file name. */
                   _("The store “%s” was written by a newer version of Merkki; "
                     "update Merkki to use it."),
                   self->path);
      return FALSE;
    }

  if (sqlite3_prepare_v2 (self->db, "PRAGMA quick_check", -1, &stmt, NULL) != SQLITE_OK
      || sqlite3_step (stmt) != SQLITE_ROW)
    return set_unusable_error (self, error);
  check = (const char *) sqlite3_column_text (stmt, 0);
  if (g_strcmp0 (check, "ok") != 0)
    return set_unusable_error (self, error);

  return TRUE;
}

static gboolean
migrate (MerkkiStore *self,
         GError     **error)
{
  gboolean ok;
  gint64 version;

  /* The usual case: up to date, and no write lock is needed to know it. */
  version = query_int (self, "PRAGMA user_version", &ok);
  if (ok && version == STORE_SCHEMA_VERSION)
    return TRUE;

  if (!exec_sql (self, "BEGIN IMMEDIATE", error))
    return FALSE;

  /* Read again inside the transaction: another process may have migrated
   * the file in the meantime. */
  version = query_int (self, "PRAGMA user_version", &ok);
  if (!ok)
    return end_transaction (self, set_read_error (self, error), error);

  for (gint64 v = version; ok && v < STORE_SCHEMA_VERSION; v++)
    ok = exec_sql (self, migrations[v], error);

  if (ok && version < STORE_SCHEMA_VERSION)
    {
      g_autofree char *pragmas = g_strdup_printf ("PRAGMA application_id = %d; PRAGMA user_version = %d;",
                                                  STORE_APPLICATION_ID, STORE_SCHEMA_VERSION);
      ok = exec_sql (self, pragmas, error);
    }

  return end_transaction (self, ok, error);
}

static gboolean
has_snapshot_locked (MerkkiStore *self,
                     const char  *registry_id)
{
  g_autoptr(sqlite3_stmt) stmt = query (self, NULL, "SELECT 1 FROM snapshots WHERE registry = ?", "s", registry_id);

  return stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW;
}

static gboolean
insert_snapshot_locked (MerkkiStore *self,
                        const char  *registry_id,
                        const char  *generated,
                        const char  *etag,
                        GPtrArray   *records,
                        gboolean     demo,
                        GError     **error)
{
  g_autoptr(sqlite3_stmt) insert = NULL;

  if (!execute (self, error, "DELETE FROM snapshot_records WHERE registry = ?", "s", registry_id)
      || !execute (self, error,
                   "INSERT OR REPLACE INTO snapshots (registry, generated, etag, fetched_at, demo) "
                   "VALUES (?, ?, ?, ?, ?)",
                   "sssii", registry_id, generated, etag, unix_time_or_now (NULL), (gint64) (demo ? 1 : 0)))
    return FALSE;

  insert = query (self, error,
                  "INSERT OR REPLACE INTO snapshot_records "
                  "(registry, scheme, id, brand_key, model_key, json) VALUES (?, ?, ?, ?, ?, ?)",
                  "");
  if (insert == NULL)
    return FALSE;

  for (guint i = 0; records != NULL && i < records->len; i++)
    {
      const MerkkiRecord *record = g_ptr_array_index (records, i);
      g_autoptr(StoreJson) json = merkki_record_to_json (record);
      g_autofree char *text = json_dumps (json, JSON_COMPACT);
      g_autofree char *brand_key = fold_key (record->brand);
      g_autofree char *model_key = fold_key (record->model);

      if (!step_again (self, insert, error, "ssssss",
                       registry_id, record->scheme, record->id, brand_key, model_key, text))
        return FALSE;
    }

  return TRUE;
}

/* Puts the bundled demo data in place for every known registry that has no
 * snapshot yet, so that the app works with no network and no set-up. */
static gboolean
install_demo_snapshots (MerkkiStore *self,
                        GError     **error)
{
  g_autoptr(MerkkiRegistryConfig) config = merkki_registry_config_new_bundled ();
  GPtrArray *registries = merkki_registry_config_get_registries (config);

  for (guint i = 0; registries != NULL && i < registries->len; i++)
    {
      const MerkkiRegistryInfo *info = g_ptr_array_index (registries, i);
      g_autoptr(MerkkiRegistryData) demo = NULL;

      if (has_snapshot_locked (self, info->id))
        continue;

      demo = merkki_registry_data_get_demo (info->id);
      if (demo == NULL)
        continue;

      if (!exec_sql (self, "BEGIN IMMEDIATE", error))
        return FALSE;
      /* Another process may have installed one since the check above. */
      if (!end_transaction (self,
                            has_snapshot_locked (self, info->id)
                            || insert_snapshot_locked (self, info->id, demo->generated, NULL,
                                                       demo->records, TRUE, error),
                            error))
        return FALSE;
    }

  return TRUE;
}

/* Puts the store in WAL mode (which the file then keeps). Switching a new
 * file to WAL needs it to itself for a moment, and while another process
 * has it open SQLite answers SQLITE_BUSY at once, without calling the busy
 * handler: several merkki-cli started together on a new store then failed
 * with "database is locked". So this waits here as the busy timeout would. */
static gboolean
enable_wal (MerkkiStore *self,
            GError     **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) STORE_BUSY_TIMEOUT_MS * 1000;
  gulong pause_us = 1000;

  for (;;)
    {
      g_autoptr(sqlite3_stmt) stmt = NULL;
      int rc;

      if (sqlite3_prepare_v2 (self->db, "PRAGMA journal_mode = WAL", -1, &stmt, NULL) != SQLITE_OK)
        return set_write_error (self, error);
      rc = sqlite3_step (stmt);
      /* The mode now in force; on a file system where WAL cannot work it
       * stays what it was, and the store works without. */
      if (rc == SQLITE_ROW)
        return TRUE;
      if ((rc & 0xff) != SQLITE_BUSY || g_get_monotonic_time () >= deadline)
        return set_write_error (self, error);

      g_clear_pointer (&stmt, sqlite3_finalize);
      g_usleep (pause_us);
      pause_us = MIN (pause_us * 2, 50 * 1000);
    }
}

MerkkiStore *
merkki_store_open (const char  *path,
                   GError     **error)
{
  g_autoptr(MerkkiStore) self = NULL;
  g_autofree char *dir = NULL;
  int rc;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (MERKKI_TYPE_STORE, NULL);
  self->path = g_strdup (path);

  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_STORE,
                   /* Translators: %s are a folder name and the system's reason. */
                   _("Could not create the folder “%s” for the store: %s"),
                   dir, g_strerror (saved_errno));
      return NULL;
    }

  rc = sqlite3_open_v2 (path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_STORE,
                   /* Translators: %s are the file name and SQLite's reason. */
                   _("Could not open the store “%s”: %s"),
                   path, self->db != NULL ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
      return NULL;
    }

  sqlite3_extended_result_codes (self->db, 1);
  sqlite3_busy_timeout (self->db, STORE_BUSY_TIMEOUT_MS);

  if (!check_file (self, error))
    return NULL;

  /* WAL keeps readers and the writer out of each other's way, and with
   * synchronous=FULL a check is on disk when add_history() returns. */
  if (!enable_wal (self, error) ||
      !exec_sql (self,
                 "PRAGMA synchronous = FULL;"
                 "PRAGMA foreign_keys = ON;",
                 error))
    return NULL;

  if (!migrate (self, error))
    return NULL;

  if (!install_demo_snapshots (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

gboolean
merkki_store_put_record (MerkkiStore        *self,
                         const char         *registry_id,
                         const MerkkiRecord *record,
                         GDateTime          *fetched_at,
                         GError            **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(StoreJson) json = NULL;
  g_autofree char *text = NULL;
  g_autofree char *brand_key = NULL;
  g_autofree char *model_key = NULL;
  gboolean done;

  g_return_val_if_fail (MERKKI_IS_STORE (self), FALSE);
  g_return_val_if_fail (registry_id != NULL, FALSE);
  g_return_val_if_fail (record != NULL, FALSE);

  json = merkki_record_to_json (record);
  text = json_dumps (json, JSON_COMPACT);
  brand_key = fold_key (record->brand);
  model_key = fold_key (record->model);

  locker = g_mutex_locker_new (&self->mutex);
  sqlite3_busy_timeout (self->db, CACHE_BUSY_TIMEOUT_MS);
  done = execute (self, error,
                  "INSERT OR REPLACE INTO records "
                  "(registry, scheme, id, brand_key, model_key, json, fetched_at) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?)",
                  "ssssssi", registry_id, record->scheme, record->id, brand_key, model_key, text,
                  unix_time_or_now (fetched_at))
         /* The registry has a label for the product now. */
         && execute (self, error,
                     "DELETE FROM product_misses WHERE registry = ? AND brand_key = ? AND model_key = ?",
                     "sss", registry_id, brand_key, model_key);
  sqlite3_busy_timeout (self->db, STORE_BUSY_TIMEOUT_MS);
  return done;
}

gboolean
merkki_store_put_product_miss (MerkkiStore  *self,
                               const char   *registry_id,
                               const char   *brand,
                               const char   *model,
                               GDateTime    *fetched_at,
                               GError      **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autofree char *brand_key = NULL;
  g_autofree char *model_key = NULL;
  gboolean done;

  g_return_val_if_fail (MERKKI_IS_STORE (self), FALSE);
  g_return_val_if_fail (registry_id != NULL && brand != NULL && model != NULL, FALSE);

  brand_key = fold_key (brand);
  model_key = fold_key (model);
  locker = g_mutex_locker_new (&self->mutex);
  sqlite3_busy_timeout (self->db, CACHE_BUSY_TIMEOUT_MS);
  done = execute (self, error,
                  "INSERT OR REPLACE INTO product_misses (registry, brand_key, model_key, fetched_at) "
                  "VALUES (?, ?, ?, ?)",
                  "sssi", registry_id, brand_key, model_key, unix_time_or_now (fetched_at));
  sqlite3_busy_timeout (self->db, STORE_BUSY_TIMEOUT_MS);
  return done;
}

gboolean
merkki_store_find_product_miss (MerkkiStore  *self,
                                const char   *registry_id,
                                const char   *brand,
                                const char   *model,
                                gint64        max_age_s,
                                GDateTime   **fetched_at)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *brand_key = NULL;
  g_autofree char *model_key = NULL;

  g_return_val_if_fail (MERKKI_IS_STORE (self), FALSE);
  g_return_val_if_fail (registry_id != NULL, FALSE);

  if (brand == NULL || model == NULL)
    return FALSE;

  brand_key = fold_key (brand);
  model_key = fold_key (model);
  locker = g_mutex_locker_new (&self->mutex);
  stmt = query (self, NULL,
                "SELECT fetched_at FROM product_misses "
                "WHERE registry = ? AND brand_key = ? AND model_key = ? AND fetched_at >= ?",
                "sssi", registry_id, brand_key, model_key,
                max_age_s >= 0 ? unix_time_or_now (NULL) - max_age_s : G_MININT64);
  if (stmt == NULL || sqlite3_step (stmt) != SQLITE_ROW)
    return FALSE;

  if (fetched_at != NULL)
    *fetched_at = g_date_time_new_from_unix_utc (sqlite3_column_int64 (stmt, 0));
  return TRUE;
}

gboolean
merkki_store_forget_record (MerkkiStore  *self,
                            const char   *scheme,
                            const char   *id,
                            GError      **error)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (MERKKI_IS_STORE (self), FALSE);
  g_return_val_if_fail (scheme != NULL && id != NULL, FALSE);

  locker = g_mutex_locker_new (&self->mutex);
  return execute (self, error, "DELETE FROM records WHERE scheme = ? AND id = ?", "ss", scheme, id);
}

static MerkkiRecord *
record_from_text (const char *text)
{
  g_autoptr(StoreJson) json = NULL;
  g_autoptr(GError) error = NULL;
  MerkkiRecord *record;

  if (text == NULL)
    return NULL;
  json = json_loads (text, 0, NULL);
  if (json == NULL)
    return NULL;
  record = merkki_record_from_json (json, &error);
  if (record == NULL)
    g_warning ("Skipping a stored record that no longer parses: %s", error->message);
  return record;
}

/* The time a record's data stands for, shown as its age ("offline copy
 * from 20 Nov"): for a snapshot, when the registry generated it; for a
 * cached record (no @generated), when it was fetched. */
static GDateTime *
snapshot_time (const char *generated,
               gint64      fetched_at)
{
  GDateTime *time = NULL;

  if (generated != NULL)
    time = g_date_time_new_from_iso8601 (generated, NULL);
  if (time == NULL)
    time = g_date_time_new_from_unix_utc (fetched_at);
  return time;
}

/* Reads the rows of @stmt, each (json, generated, fetched_at, demo), into
 * @records: every row, or only the first that parses when @first_only.
 * @source, @fetched_at and @demo tell where the first record came from. */
static void
collect_records (sqlite3_stmt  *stmt,
                 MerkkiSource   row_source,
                 gboolean       first_only,
                 GPtrArray     *records,
                 MerkkiSource  *source,
                 GDateTime    **fetched_at,
                 gboolean      *demo)
{
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      MerkkiRecord *record = record_from_text ((const char *) sqlite3_column_text (stmt, 0));

      if (record == NULL)
        continue;
      if (records->len == 0)
        {
          if (source != NULL)
            *source = row_source;
          if (fetched_at != NULL)
            *fetched_at = snapshot_time ((const char *) sqlite3_column_text (stmt, 1),
                                         sqlite3_column_int64 (stmt, 2));
          if (demo != NULL)
            *demo = sqlite3_column_int (stmt, 3) != 0;
        }
      g_ptr_array_add (records, record);
      if (first_only)
        return;
    }
}

/* The cache's rows carry no "generated" time and are never demo data:
 * they read as (json, NULL, fetched_at, 0), like the snapshot's. */
#define CACHE_COLUMNS "SELECT json, NULL, fetched_at, 0 FROM records "
#define SNAPSHOT_COLUMNS \
  "SELECT r.json, s.generated, s.fetched_at, s.demo " \
  "FROM snapshot_records r JOIN snapshots s ON r.registry = s.registry "

MerkkiRecord *
merkki_store_find_record (MerkkiStore   *self,
                          const char    *scheme,
                          const char    *id,
                          gint64         max_cache_age_s,
                          MerkkiSource  *source,
                          GDateTime    **fetched_at,
                          gboolean      *demo)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) records = NULL;
  gint64 oldest = G_MININT64;

  g_return_val_if_fail (MERKKI_IS_STORE (self), NULL);
  g_return_val_if_fail (scheme != NULL && id != NULL, NULL);

  if (max_cache_age_s >= 0)
    oldest = g_get_real_time () / G_USEC_PER_SEC - max_cache_age_s;

  records = g_ptr_array_new_with_free_func ((GDestroyNotify) merkki_record_free);
  locker = g_mutex_locker_new (&self->mutex);

  stmt = query (self, NULL, CACHE_COLUMNS "WHERE scheme = ? AND id = ? AND fetched_at >= ?",
                "ssi", scheme, id, oldest);
  if (stmt == NULL)
    return NULL;
  collect_records (stmt, MERKKI_SOURCE_CACHE, TRUE, records, source, fetched_at, demo);
  if (records->len == 0)
    {
      g_clear_pointer (&stmt, sqlite3_finalize);
      stmt = query (self, NULL,
                    SNAPSHOT_COLUMNS "WHERE r.scheme = ? AND r.id = ? ORDER BY s.demo, s.fetched_at DESC",
                    "ss", scheme, id);
      if (stmt == NULL)
        return NULL;
      collect_records (stmt, MERKKI_SOURCE_SNAPSHOT, TRUE, records, source, fetched_at, demo);
    }

  return records->len > 0 ? g_ptr_array_steal_index (records, 0) : NULL;
}

GPtrArray *
merkki_store_find_by_product (MerkkiStore   *self,
                              const char    *registry_id,
                              const char    *brand,
                              const char    *model,
                              MerkkiSource  *source,
                              GDateTime    **fetched_at,
                              gboolean      *demo)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) records = NULL;
  g_autofree char *brand_key = NULL;
  g_autofree char *model_key = NULL;

  g_return_val_if_fail (MERKKI_IS_STORE (self), NULL);
  g_return_val_if_fail (registry_id != NULL, NULL);

  records = g_ptr_array_new_with_free_func ((GDestroyNotify) merkki_record_free);
  if (brand == NULL || model == NULL)
    return g_steal_pointer (&records);

  brand_key = fold_key (brand);
  model_key = fold_key (model);
  locker = g_mutex_locker_new (&self->mutex);

  /* Records fetched online are newer than any snapshot: when the cache
   * knows the product, its records are the answer. */
  stmt = query (self, NULL,
                CACHE_COLUMNS "WHERE registry = ? AND brand_key = ? AND model_key = ? ORDER BY fetched_at DESC",
                "sss", registry_id, brand_key, model_key);
  if (stmt == NULL)
    return g_steal_pointer (&records);
  collect_records (stmt, MERKKI_SOURCE_CACHE, FALSE, records, source, fetched_at, demo);
  if (records->len > 0)
    return g_steal_pointer (&records);
  g_clear_pointer (&stmt, sqlite3_finalize);

  stmt = query (self, NULL,
                SNAPSHOT_COLUMNS "WHERE r.registry = ? AND r.brand_key = ? AND r.model_key = ? ORDER BY r.id",
                "sss", registry_id, brand_key, model_key);
  if (stmt == NULL)
    return g_steal_pointer (&records);
  collect_records (stmt, MERKKI_SOURCE_SNAPSHOT, FALSE, records, source, fetched_at, demo);

  return g_steal_pointer (&records);
}

gboolean
merkki_store_replace_snapshot (MerkkiStore  *self,
                               const char   *registry_id,
                               const char   *generated,
                               const char   *etag,
                               GPtrArray    *records,
                               gboolean      demo,
                               GError      **error)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (MERKKI_IS_STORE (self), FALSE);
  g_return_val_if_fail (registry_id != NULL, FALSE);

  locker = g_mutex_locker_new (&self->mutex);

  return exec_sql (self, "BEGIN IMMEDIATE", error)
         && end_transaction (self,
                             insert_snapshot_locked (self, registry_id, generated, etag, records, demo, error),
                             error);
}

gboolean
merkki_store_get_snapshot_info (MerkkiStore  *self,
                                const char   *registry_id,
                                char        **generated,
                                char        **etag,
                                GDateTime   **fetched_at,
                                guint        *n_records,
                                gboolean     *demo)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (MERKKI_IS_STORE (self), FALSE);
  g_return_val_if_fail (registry_id != NULL, FALSE);

  locker = g_mutex_locker_new (&self->mutex);
  stmt = query (self, NULL,
                "SELECT s.generated, s.etag, s.fetched_at, s.demo, "
                "  (SELECT count(*) FROM snapshot_records r WHERE r.registry = s.registry) "
                "FROM snapshots s WHERE s.registry = ?",
                "s", registry_id);
  if (stmt == NULL || sqlite3_step (stmt) != SQLITE_ROW)
    return FALSE;

  if (generated != NULL)
    *generated = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  if (etag != NULL)
    *etag = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  if (fetched_at != NULL)
    *fetched_at = g_date_time_new_from_unix_utc (sqlite3_column_int64 (stmt, 2));
  if (demo != NULL)
    *demo = sqlite3_column_int (stmt, 3) != 0;
  if (n_records != NULL)
    *n_records = (guint) sqlite3_column_int64 (stmt, 4);

  return TRUE;
}

/* Inserts the history row; the caller holds the mutex. */
static gint64
insert_history_locked (MerkkiStore        *self,
                       MerkkiCheckResult  *result,
                       const char         *session,
                       const char         *note,
                       GError            **error)
{
  g_autoptr(StoreJson) json = NULL;
  g_autofree char *text = NULL;
  g_autofree char *checked_at = NULL;
  g_autofree char *search = NULL;
  g_autofree char *search_key = NULL;
  MerkkiLabelRef *ref;
  const MerkkiRecord *record;
  const char *input_hex;
  const char *input;

  ref = merkki_check_result_get_reference (result);
  record = merkki_check_result_get_record (result);
  json = merkki_check_result_to_json (result);
  text = json_dumps (json, JSON_COMPACT);
  checked_at = g_date_time_format_iso8601 (merkki_check_result_get_checked_at (result));
  input_hex = json_string_value (json_object_get (json, "input_hex"));
  input = json_string_value (json_object_get (json, "input"));

  search = g_strjoin ("\n",
                      input != NULL ? input : "",
                      merkki_label_ref_get_id (ref) != NULL ? merkki_label_ref_get_id (ref) : "",
                      record != NULL && record->brand != NULL ? record->brand : "",
                      record != NULL && record->model != NULL ? record->model : "",
                      NULL);
  search_key = fold_key (search);

  if (!execute (self, error,
                "INSERT INTO history (checked_at, session, input_hex, scheme, ref_id, verdict, "
                "brand, model, search_key, result_json, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                "sssssssssss",
                checked_at,
                session,
                input_hex != NULL ? input_hex : "",
                merkki_label_ref_get_kind (ref) == MERKKI_LABEL_KIND_REFERENCE
                ? merkki_label_ref_get_scheme (ref) : NULL,
                merkki_label_ref_get_id (ref),
                merkki_verdict_to_string (merkki_check_result_get_verdict (result)),
                record != NULL ? record->brand : NULL,
                record != NULL ? record->model : NULL,
                search_key,
                text,
                note))
    return 0;

  return sqlite3_last_insert_rowid (self->db);
}

gint64
merkki_store_add_history (MerkkiStore        *self,
                          MerkkiCheckResult  *result,
                          const char         *session,
                          GError            **error)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (MERKKI_IS_STORE (self), 0);
  g_return_val_if_fail (MERKKI_IS_CHECK_RESULT (result), 0);

  locker = g_mutex_locker_new (&self->mutex);
  return insert_history_locked (self, result, session, NULL, error);
}

/* A history row (id, session, result_json, evidence path, note) as the
 * JSON object of merkki_store_list_history(), appended to @user_data. */
static gboolean
read_history_entry (MerkkiStore   *self,
                    sqlite3_stmt  *stmt,
                    gpointer       user_data,
                    GError       **error)
{
  const char *text = (const char *) sqlite3_column_text (stmt, 2);
  json_t *entry = text != NULL ? json_loads (text, 0, NULL) : NULL;

  if (entry == NULL || !json_is_object (entry))
    {
      /* Every row was written by add_history() from valid JSON; a row
       * that does not parse means the file was changed behind our back. */
      if (entry != NULL)
        json_decref (entry);
      g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_STORE,
                   /* Translators: %s is a file name. */
                   _("The history in the store “%s” is damaged."), self->path);
      return FALSE;
    }
  json_object_set_new (entry, "history_id", json_integer (sqlite3_column_int64 (stmt, 0)));
  json_object_set_new (entry, "session",
                       sqlite3_column_type (stmt, 1) == SQLITE_NULL
                       ? json_null ()
                       : json_string ((const char *) sqlite3_column_text (stmt, 1)));
  if (sqlite3_column_type (stmt, 3) != SQLITE_NULL)
    json_object_set_new (entry, "evidence", json_string ((const char *) sqlite3_column_text (stmt, 3)));
  if (sqlite3_column_type (stmt, 4) != SQLITE_NULL)
    json_object_set_new (entry, "note", json_string ((const char *) sqlite3_column_text (stmt, 4)));
  json_array_append_new (user_data, entry);
  return TRUE;
}

json_t *
merkki_store_list_history (MerkkiStore  *self,
                           const char   *session,
                           const char   *search,
                           int           limit,
                           GError      **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(StoreJson) entries = json_array ();
  g_autofree char *search_key = NULL;

  g_return_val_if_fail (MERKKI_IS_STORE (self), NULL);

  if (search != NULL && *search != '\0')
    search_key = fold_key (search);

  locker = g_mutex_locker_new (&self->mutex);
  stmt = query (self, error,
                "SELECT h.id, h.session, h.result_json, e.path, h.note "
                "FROM history h LEFT JOIN evidence e ON e.history_id = h.id "
                "WHERE (?1 IS NULL OR h.session = ?1) AND (?2 IS NULL OR instr (h.search_key, ?2) > 0) "
                "ORDER BY h.id DESC LIMIT ?3",
                "ssi", session, search_key, (gint64) (limit > 0 ? limit : -1));
  if (stmt == NULL || !read_rows (self, stmt, read_history_entry, entries, error))
    return NULL;

  return g_steal_pointer (&entries);
}

/* Sessions and evidence ------------------------------------------------- */

void
merkki_session_free (MerkkiSession *self)
{
  if (self == NULL)
    return;
  g_free (self->name);
  g_free (self->place);
  g_free (self->inspector);
  g_clear_pointer (&self->started_at, g_date_time_unref);
  g_clear_pointer (&self->ended_at, g_date_time_unref);
  g_free (self);
}

char *
merkki_session_describe (const MerkkiSession *self)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (self != NULL, NULL);

  if (self->place != NULL && *self->place != '\0')
    g_ptr_array_add (parts, g_strdup (self->place));
  if (self->inspector != NULL && *self->inspector != '\0')
    g_ptr_array_add (parts, g_strdup (self->inspector));
  if (self->started_at != NULL)
    g_ptr_array_add (parts, merkki_format_date (self->started_at));
  /* Translators: how many checks an inspection session holds. */
  g_ptr_array_add (parts, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u check", "%u checks", self->n_checks),
                                           self->n_checks));
  g_ptr_array_add (parts, NULL);
  return g_strjoinv (" · ", (char **) parts->pdata);
}

static char *
now_iso8601 (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  return g_date_time_format_iso8601 (now);
}

static GDateTime *
column_date_time (sqlite3_stmt *stmt,
                  int           column)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);

  return text != NULL ? g_date_time_new_from_iso8601 (text, NULL) : NULL;
}

static char *
column_dup (sqlite3_stmt *stmt,
            int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

gboolean
merkki_store_create_session (MerkkiStore  *self,
                             const char   *name,
                             const char   *place,
                             const char   *inspector,
                             GError      **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autofree char *now = now_iso8601 ();

  g_return_val_if_fail (MERKKI_IS_STORE (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  if (*name == '\0' || !g_utf8_validate (name, -1, NULL))
    {
      g_set_error_literal (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_INPUT,
                           _("A session needs a name"));
      return FALSE;
    }

  /* Resuming a session keeps its start; a place or inspector given again
   * replaces the old one, and the session is open again. */
  locker = g_mutex_locker_new (&self->mutex);
  return execute (self, error,
                  "INSERT INTO sessions (name, place, inspector, started_at) VALUES (?1, ?2, ?3, ?4) "
                  "ON CONFLICT (name) DO UPDATE SET place = coalesce (?2, place), "
                  "inspector = coalesce (?3, inspector), ended_at = NULL",
                  "ssss", name, place, inspector, now);
}

gboolean
merkki_store_end_session (MerkkiStore  *self,
                          const char   *name,
                          GError      **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autofree char *now = now_iso8601 ();

  g_return_val_if_fail (MERKKI_IS_STORE (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  locker = g_mutex_locker_new (&self->mutex);
  return execute (self, error, "UPDATE sessions SET ended_at = ? WHERE name = ? AND ended_at IS NULL",
                  "ss", now, name);
}

/* A row (name, place, inspector, started_at, ended_at, number of checks)
 * as a MerkkiSession, added to @user_data. */
static gboolean
read_session (MerkkiStore   *self,
              sqlite3_stmt  *stmt,
              gpointer       user_data,
              GError       **error)
{
  MerkkiSession *session = g_new0 (MerkkiSession, 1);

  session->name = column_dup (stmt, 0);
  session->place = column_dup (stmt, 1);
  session->inspector = column_dup (stmt, 2);
  session->started_at = column_date_time (stmt, 3);
  session->ended_at = column_date_time (stmt, 4);
  session->n_checks = (guint) sqlite3_column_int64 (stmt, 5);
  g_ptr_array_add (user_data, session);
  return TRUE;
}

/* Sessions with their number of checks; all of them when @name is NULL. */
static GPtrArray *
query_sessions (MerkkiStore  *self,
                const char   *name,
                GError      **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) sessions = g_ptr_array_new_with_free_func ((GDestroyNotify) merkki_session_free);

  stmt = query (self, error,
                "SELECT s.name, s.place, s.inspector, s.started_at, s.ended_at, "
                "  (SELECT count(*) FROM history h WHERE h.session = s.name) "
                "FROM sessions s WHERE (?1 IS NULL OR s.name = ?1) ORDER BY s.started_at DESC, s.name",
                "s", name);
  if (stmt == NULL || !read_rows (self, stmt, read_session, sessions, error))
    return NULL;
  return g_steal_pointer (&sessions);
}

MerkkiSession *
merkki_store_get_session (MerkkiStore  *self,
                          const char   *name,
                          GError      **error)
{
  g_autoptr(GPtrArray) sessions = NULL;

  g_return_val_if_fail (MERKKI_IS_STORE (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  sessions = query_sessions (self, name, error);
  if (sessions == NULL || sessions->len == 0)
    return NULL;
  return g_ptr_array_steal_index (sessions, 0);
}

GPtrArray *
merkki_store_list_sessions (MerkkiStore  *self,
                            GError      **error)
{
  g_return_val_if_fail (MERKKI_IS_STORE (self), NULL);

  return query_sessions (self, NULL, error);
}

/* Makes a rename in @dir survive a power cut. */
static gboolean
sync_directory (const char  *dir,
                GError     **error)
{
  int fd = g_open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  int saved_errno;

  if (fd >= 0 && fsync (fd) == 0)
    return g_close (fd, error);
  saved_errno = errno;
  if (fd >= 0)
    g_close (fd, NULL);
  g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_STORE,
               /* Translators: %s are a folder name and the system's reason. */
               _("Could not save to “%s”: %s"), dir, g_strerror (saved_errno));
  return FALSE;
}

char *
merkki_store_save_evidence (MerkkiStore  *self,
                            GBytes       *image,
                            const char   *extension,
                            char        **sha256,
                            GError      **error)
{
  g_autofree char *checksum = NULL;
  g_autofree char *base = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;
  g_autofree char *relative = NULL;
  const char *data;
  gsize length = 0;

  g_return_val_if_fail (MERKKI_IS_STORE (self), NULL);
  g_return_val_if_fail (image != NULL, NULL);
  g_return_val_if_fail (extension != NULL && strchr (extension, '/') == NULL, NULL);

  data = g_bytes_get_data (image, &length);
  checksum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, length);
  base = g_path_get_dirname (self->path);
  dir = g_build_filename (base, "evidence", NULL);
  /* Named by content: the same photo twice is one file, and a file left
   * by a check that never committed is simply used again. */
  name = g_strdup_printf ("%s.%s", checksum, extension);
  path = g_build_filename (dir, name, NULL);
  relative = g_build_filename ("evidence", name, NULL);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_STORE,
                   _("Could not save to “%s”: %s"), dir, g_strerror (saved_errno));
      return NULL;
    }

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      /* Written to a temporary file, synced, renamed, and the folder synced:
       * after a crash the photo is either whole or absent. */
      if (!g_file_set_contents_full (path, data, (gssize) length,
                                     G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                     0600, error))
        return NULL;
      if (!sync_directory (dir, error))
        return NULL;
    }

  if (sha256 != NULL)
    *sha256 = g_steal_pointer (&checksum);
  return g_steal_pointer (&relative);
}

/* Frames larger than this on a side are not a camera's. */
#define FRAME_MAX_SIDE 16384

char *
merkki_store_save_evidence_frame (MerkkiStore  *self,
                                  GBytes       *gray8,
                                  int           width,
                                  int           height,
                                  int           stride,
                                  char        **sha256,
                                  GError      **error)
{
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GBytes) png = NULL;
  const guint8 *pixels;
  guint8 *rgb;
  int rgb_stride;
  gsize length = 0;
  char *buffer = NULL;
  gsize buffer_length = 0;

  g_return_val_if_fail (MERKKI_IS_STORE (self), NULL);
  g_return_val_if_fail (gray8 != NULL, NULL);

  pixels = g_bytes_get_data (gray8, &length);
  if (width <= 0 || height <= 0 || width > FRAME_MAX_SIDE || height > FRAME_MAX_SIDE
      || stride < width || length < (gsize) stride * (height - 1) + (gsize) width)
    {
      g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_INVALID_INPUT,
                   /* Translators: a camera frame that was to be kept as the
                    * evidence of a check is unusable; %d × %d are its pixels. */
                   _("The camera frame (%d × %d pixels) is not a whole image and was not kept"),
                   width, height);
      return NULL;
    }

  /* gdk-pixbuf has no grey format: three equal channels. */
  pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  if (pixbuf == NULL)
    {
      g_set_error_literal (error, MERKKI_ERROR, MERKKI_ERROR_STORE,
                           _("Not enough memory to keep the camera frame"));
      return NULL;
    }
  rgb = gdk_pixbuf_get_pixels (pixbuf);
  rgb_stride = gdk_pixbuf_get_rowstride (pixbuf);
  for (int y = 0; y < height; y++)
    {
      const guint8 *in = pixels + (gsize) y * stride;
      guint8 *out = rgb + (gsize) y * rgb_stride;

      for (int x = 0; x < width; x++)
        out[3 * x] = out[3 * x + 1] = out[3 * x + 2] = in[x];
    }

  if (!gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &buffer_length, "png", error, NULL))
    return NULL;
  png = g_bytes_new_take (buffer, buffer_length);

  return merkki_store_save_evidence (self, png, "png", sha256, error);
}

static gboolean
insert_evidence_locked (MerkkiStore  *self,
                        gint64        history_id,
                        const char   *relative_path,
                        const char   *sha256,
                        GError      **error)
{
  return execute (self, error, "INSERT OR REPLACE INTO evidence (history_id, path, sha256) VALUES (?, ?, ?)",
                  "iss", history_id, relative_path, sha256);
}

/* The checksum of evidence/NAME.EXT, from its name. */
static char *
sha256_from_path (const char *relative_path)
{
  g_autofree char *name = g_path_get_basename (relative_path);
  char *dot = strchr (name, '.');

  if (dot != NULL)
    *dot = '\0';
  return g_steal_pointer (&name);
}

gboolean
merkki_store_add_evidence (MerkkiStore  *self,
                           gint64        history_id,
                           const char   *relative_path,
                           GError      **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autofree char *sha256 = NULL;

  g_return_val_if_fail (MERKKI_IS_STORE (self), FALSE);
  g_return_val_if_fail (relative_path != NULL, FALSE);

  sha256 = sha256_from_path (relative_path);
  locker = g_mutex_locker_new (&self->mutex);
  return insert_evidence_locked (self, history_id, relative_path, sha256, error);
}

gint64
merkki_store_add_history_with_evidence (MerkkiStore        *self,
                                        MerkkiCheckResult  *result,
                                        const char         *session,
                                        const char         *evidence_path,
                                        const char         *note,
                                        GError            **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autofree char *sha256 = NULL;
  gint64 id;

  g_return_val_if_fail (MERKKI_IS_STORE (self), 0);
  g_return_val_if_fail (MERKKI_IS_CHECK_RESULT (result), 0);

  if (evidence_path != NULL)
    sha256 = sha256_from_path (evidence_path);

  /* One transaction: the check and its photo are recorded together or not at all. */
  locker = g_mutex_locker_new (&self->mutex);
  if (!exec_sql (self, "BEGIN IMMEDIATE", error))
    return 0;
  id = insert_history_locked (self, result, session, note, error);
  if (!end_transaction (self,
                        id != 0
                        && (evidence_path == NULL || insert_evidence_locked (self, id, evidence_path, sha256, error)),
                        error))
    return 0;
  return id;
}

gboolean
merkki_store_set_note (MerkkiStore  *self,
                       gint64        history_id,
                       const char   *note,
                       GError      **error)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (MERKKI_IS_STORE (self), FALSE);

  locker = g_mutex_locker_new (&self->mutex);
  if (!execute (self, error, "UPDATE history SET note = ? WHERE id = ?",
                "si", note != NULL && *note != '\0' ? note : NULL, history_id))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      g_autofree char *number = g_strdup_printf ("%" G_GINT64_FORMAT, history_id);

      g_set_error (error, MERKKI_ERROR, MERKKI_ERROR_NOT_FOUND,
                   /* Translators: %s is a number. */
                   _("There is no check number %s in the history"), number);
      return FALSE;
    }
  return TRUE;
}

gint64
merkki_store_find_evidence (MerkkiStore  *self,
                            const char   *session,
                            const char   *sha256)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (MERKKI_IS_STORE (self), 0);
  g_return_val_if_fail (sha256 != NULL, 0);

  locker = g_mutex_locker_new (&self->mutex);
  stmt = query (self, NULL,
                "SELECT h.id FROM evidence e JOIN history h ON h.id = e.history_id "
                "WHERE e.sha256 = ?1 AND h.session IS ?2 ORDER BY h.id LIMIT 1",
                "ss", sha256, session);
  if (stmt == NULL || sqlite3_step (stmt) != SQLITE_ROW)
    return 0;
  return sqlite3_column_int64 (stmt, 0);
}

/* The bytes of lowercase or uppercase hexadecimal @hex, or NULL when it is
 * not hexadecimal. */
static GBytes *
bytes_from_hex (const char *hex)
{
  gsize len = hex != NULL ? strlen (hex) : 0;
  g_autofree guint8 *data = NULL;

  if (hex == NULL || len % 2 != 0)
    return NULL;
  data = g_malloc (len / 2 + 1);
  for (gsize i = 0; i < len / 2; i++)
    {
      int high = g_ascii_xdigit_value (hex[2 * i]);
      int low = g_ascii_xdigit_value (hex[2 * i + 1]);

      if (high < 0 || low < 0)
        return NULL;
      data[i] = (guint8) (high << 4 | low);
    }
  return g_bytes_new_take (g_steal_pointer (&data), len / 2);
}

/* A row (history id, input_hex) into the table of
 * merkki_store_find_evidence_checks(): the first check of a payload is the
 * one that counts. */
static gboolean
read_evidence_check (MerkkiStore   *self,
                     sqlite3_stmt  *stmt,
                     gpointer       user_data,
                     GError       **error)
{
  GBytes *payload = bytes_from_hex ((const char *) sqlite3_column_text (stmt, 1));

  if (payload != NULL && !g_hash_table_contains (user_data, payload))
    g_hash_table_insert (user_data, payload, g_memdup2 (&(gint64) { sqlite3_column_int64 (stmt, 0) },
                                                        sizeof (gint64)));
  else if (payload != NULL)
    g_bytes_unref (payload);
  return TRUE;
}

GHashTable *
merkki_store_find_evidence_checks (MerkkiStore  *self,
                                   const char   *session,
                                   const char   *sha256,
                                   GError      **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GHashTable) checks = NULL;

  g_return_val_if_fail (MERKKI_IS_STORE (self), NULL);
  g_return_val_if_fail (sha256 != NULL, NULL);

  checks = g_hash_table_new_full (g_bytes_hash, g_bytes_equal, (GDestroyNotify) g_bytes_unref, g_free);
  locker = g_mutex_locker_new (&self->mutex);
  stmt = query (self, error,
                "SELECT h.id, h.input_hex FROM evidence e JOIN history h ON h.id = e.history_id "
                "WHERE e.sha256 = ?1 AND h.session IS ?2 ORDER BY h.id",
                "ss", sha256, session);
  if (stmt == NULL || !read_rows (self, stmt, read_evidence_check, checks, error))
    return NULL;
  return g_steal_pointer (&checks);
}
