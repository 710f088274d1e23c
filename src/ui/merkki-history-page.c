/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "merkki-format.h"
#include "merkki-history-export.h"
#include "merkki-history-page.h"
#include "merkki-report.h"

struct _MerkkiHistoryPage
{
  AdwBin            parent_instance;

  /* Template widgets */
  AdwToastOverlay  *toast_overlay;
  GtkDropDown      *session_drop_down;
  GtkSearchEntry   *search_entry;
  GtkStack         *stack;
  GtkListBox       *list_box;

  MerkkiStore      *store;
  GCancellable     *cancellable;   /* the reload in progress */
  GCancellable     *export_cancellable;
  GtkFileChooserNative *file_chooser;
  MerkkiReportFormat export_format;
  char             *session;       /* only this session's checks, or NULL */

  /* The sessions to choose from: item 0 of the drop-down is the whole
   * history, item i + 1 is sessions[i]. */
  GtkStringList    *session_names;
  GPtrArray        *sessions;      /* MerkkiSession* */
  GCancellable     *sessions_cancellable;
  gboolean          filling_sessions;
  gboolean          sessions_stale;   /* to be read when the page is shown */

  /* The thumbnails of the last listing, by evidence path (a kept photo
   * never changes), so that a reload after each check decodes only the
   * new photos. */
  GHashTable       *thumbnails;
};

G_DEFINE_FINAL_TYPE (MerkkiHistoryPage, merkki_history_page, ADW_TYPE_BIN)

static void
show_toast (MerkkiHistoryPage *self,
            const char        *message)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
}

/* The photo a check was read from, small, beside its verdict. */
#define THUMBNAIL_SIZE 48

static GtkWidget *
create_row (json_t    *entry,
            GdkPixbuf *thumbnail)
{
  GtkWidget *row = adw_action_row_new ();
  json_t *record = merkki_history_entry_get_record (entry);
  json_t *reference = json_object_get (entry, "reference");
  const char *verdict_name = json_string_value (json_object_get (entry, "verdict"));
  const char *checked_at = json_string_value (json_object_get (entry, "checked_at"));
  MerkkiVerdict verdict = MERKKI_VERDICT_UNVERIFIED;
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *when = NULL;
  GtkWidget *icon;

  merkki_verdict_from_string (verdict_name, &verdict);

  if (record != NULL)
    {
      json_t *product = json_object_get (record, "product");

      title = g_strdup_printf ("%s %s",
                               json_string_value (json_object_get (product, "brand")) ?: "",
                               json_string_value (json_object_get (product, "model")) ?: "");
    }
  else if (json_is_object (reference) && json_is_string (json_object_get (reference, "id")))
    title = g_strdup (json_string_value (json_object_get (reference, "id")));
  else
    {
      const char *input = json_string_value (json_object_get (entry, "input")) ?: "";

      /* Whatever the code held, escaped, never a link. */
      title = merkki_escape_bytes ((const guint8 *) input, MIN (strlen (input), 120));
    }

  if (checked_at != NULL)
    {
      g_autoptr(GDateTime) utc = g_date_time_new_from_iso8601 (checked_at, NULL);
      g_autoptr(GDateTime) local = utc != NULL ? g_date_time_to_local (utc) : NULL;

      /* Translators: when a check was made, see g_date_time_format(). */
      when = local != NULL ? g_date_time_format (local, _("%-d %b %Y %H:%M")) : NULL;
    }

  if (when != NULL)
    subtitle = g_strdup_printf ("%s · %s", merkki_verdict_get_title (verdict), when);
  else
    subtitle = g_strdup (merkki_verdict_get_title (verdict));

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);

  icon = gtk_image_new_from_icon_name (merkki_format_verdict_icon (verdict));
  gtk_widget_add_css_class (icon, merkki_format_verdict_style (verdict));
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, merkki_verdict_get_title (verdict),
                                  -1);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);

  if (thumbnail != NULL)
    {
      g_autoptr(GdkTexture) texture = gdk_texture_new_for_pixbuf (thumbnail);
      GtkWidget *picture = gtk_picture_new_for_paintable (GDK_PAINTABLE (texture));

      gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
      gtk_picture_set_content_fit (GTK_PICTURE (picture), GTK_CONTENT_FIT_CONTAIN);
      gtk_widget_set_size_request (picture, THUMBNAIL_SIZE, THUMBNAIL_SIZE);
      gtk_widget_set_valign (picture, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (picture, "evidence-thumbnail");
      gtk_accessible_update_property (GTK_ACCESSIBLE (picture),
                                      /* Translators: the accessible name of the photo (opened
                                       * image or camera frame) kept with a check. */
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, _("Photo"),
                                      -1);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), picture);
    }

  return row;
}

typedef struct
{
  MerkkiStore *store;
  char        *session;
  char        *search;
  gboolean     with_thumbnails;   /* for the list, not for an export */
  GHashTable  *known;             /* the page's thumbnails, or NULL */
  /* Set by the thread: the entries, each one's thumbnail or NULL, and the
   * thumbnails of this listing by path (the page's next ones). */
  json_t      *history;
  GPtrArray   *thumbnails;
  GHashTable  *loaded;
} ListJob;

static void
list_job_free (ListJob *job)
{
  g_clear_object (&job->store);
  g_free (job->session);
  g_free (job->search);
  g_clear_pointer (&job->history, json_decref);
  g_clear_pointer (&job->thumbnails, g_ptr_array_unref);
  g_clear_pointer (&job->known, g_hash_table_unref);
  g_clear_pointer (&job->loaded, g_hash_table_unref);
  g_free (job);
}

static void
thumbnail_free (gpointer thumbnail)
{
  g_clear_object (&thumbnail);
}

static GHashTable *
thumbnails_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
}

/* The photo kept with the job's @entry, small (twice the size shown, for
 * HiDPI), or NULL when it has none or the file cannot be read: from the
 * last listing when it had it, else read and decoded; added to the job's
 * loaded thumbnails. */
static GdkPixbuf *
load_thumbnail (ListJob *job,
                json_t  *entry)
{
  const char *relative = json_string_value (json_object_get (entry, "evidence"));
  g_autofree char *base = NULL;
  g_autofree char *path = NULL;
  GdkPixbuf *thumbnail;

  if (relative == NULL || g_path_is_absolute (relative))
    return NULL;

  thumbnail = g_hash_table_lookup (job->loaded, relative);
  if (thumbnail == NULL && job->known != NULL)
    thumbnail = g_hash_table_lookup (job->known, relative);
  if (thumbnail != NULL)
    g_object_ref (thumbnail);
  else
    {
      base = g_path_get_dirname (merkki_store_get_path (job->store));
      path = g_build_filename (base, relative, NULL);
      thumbnail = merkki_decoder_load_image (path, 2 * THUMBNAIL_SIZE, NULL);
      if (thumbnail == NULL)
        return NULL;
    }

  g_hash_table_replace (job->loaded, g_strdup (relative), g_object_ref (thumbnail));
  return thumbnail;
}

static void
list_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  ListJob *job = task_data;
  g_autoptr(GError) error = NULL;
  json_t *entry;
  size_t i;

  job->history = merkki_store_list_history (job->store, job->session, job->search, 0, &error);
  if (job->history == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  job->thumbnails = g_ptr_array_new_full (json_array_size (job->history), thumbnail_free);
  job->loaded = thumbnails_new ();
  json_array_foreach (job->history, i, entry)
    {
      if (g_task_return_error_if_cancelled (task))
        return;
      g_ptr_array_add (job->thumbnails, job->with_thumbnails ? load_thumbnail (job, entry) : NULL);
    }
  g_task_return_boolean (task, TRUE);
}

static void
list_history_async (MerkkiHistoryPage   *self,
                    gboolean             with_thumbnails,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  ListJob *job = g_new0 (ListJob, 1);
  const char *search = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  job->store = g_object_ref (self->store);
  job->search = search[0] != '\0' ? g_strdup (search) : NULL;
  job->session = g_strdup (self->session);
  job->with_thumbnails = with_thumbnails;
  /* Shared with the thread: the page never changes a set of thumbnails,
   * it replaces it with the next listing's. */
  if (with_thumbnails && self->thumbnails != NULL)
    job->known = g_hash_table_ref (self->thumbnails);
  g_task_set_source_tag (task, list_history_async);
  g_task_set_task_data (task, job, (GDestroyNotify) list_job_free);
  g_task_run_in_thread (task, list_thread);
}

static void
on_reload_done_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  MerkkiHistoryPage *self = MERKKI_HISTORY_PAGE (source);
  ListJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  json_t *history;
  GtkWidget *child;
  json_t *entry;
  size_t i;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_toast (self, error->message);
      return;
    }
  if (g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result))))
    return;
  history = job->history;
  /* This listing's thumbnails are the ones the next reload can reuse. */
  g_clear_pointer (&self->thumbnails, g_hash_table_unref);
  self->thumbnails = g_steal_pointer (&job->loaded);

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list_box))) != NULL)
    gtk_list_box_remove (self->list_box, child);

  json_array_foreach (history, i, entry)
    gtk_list_box_append (self->list_box, create_row (entry, g_ptr_array_index (job->thumbnails, i)));

  if (json_array_size (history) > 0)
    gtk_stack_set_visible_child_name (self->stack, "list");
  else if (gtk_editable_get_text (GTK_EDITABLE (self->search_entry))[0] != '\0')
    gtk_stack_set_visible_child_name (self->stack, "no-results");
  else
    gtk_stack_set_visible_child_name (self->stack, "empty");
}

static void
reload_checks (MerkkiHistoryPage *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  list_history_async (self, TRUE, self->cancellable, on_reload_done_cb, NULL);
}

/* Sessions: read in a thread, offered in the drop-down. */

static void
list_sessions_thread (GTask        *task,
                      gpointer      source_object,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *sessions = merkki_store_list_sessions (task_data, &error);

  if (sessions == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, sessions, (GDestroyNotify) g_ptr_array_unref);
}

/* Selects the chosen session (or the whole history) in the drop-down
 * without taking it for the user's choice. */
static void
select_session_item (MerkkiHistoryPage *self)
{
  guint position = 0;

  for (guint i = 0; self->session != NULL && self->sessions != NULL && i < self->sessions->len; i++)
    {
      MerkkiSession *session = g_ptr_array_index (self->sessions, i);

      if (g_strcmp0 (session->name, self->session) == 0)
        {
          position = i + 1;
          break;
        }
    }
  self->filling_sessions = TRUE;
  gtk_drop_down_set_selected (self->session_drop_down, position);
  self->filling_sessions = FALSE;
}

static void
on_sessions_listed_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  MerkkiHistoryPage *self = MERKKI_HISTORY_PAGE (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) sessions = g_task_propagate_pointer (G_TASK (result), &error);
  g_autoptr(GPtrArray) names = NULL;
  gboolean same = TRUE;

  if (g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result))))
    return;
  if (sessions == NULL)
    {
      show_toast (self, error->message);
      return;
    }

  /* Item 0, All Checks, stays; the sessions after it are replaced only
   * when something shown of them changed. */
  names = g_ptr_array_new ();
  for (guint i = 0; i < sessions->len; i++)
    {
      MerkkiSession *session = g_ptr_array_index (sessions, i);
      MerkkiSession *shown = self->sessions != NULL && i < self->sessions->len
                             ? g_ptr_array_index (self->sessions, i) : NULL;

      g_ptr_array_add (names, session->name);
      if (shown == NULL || g_strcmp0 (shown->name, session->name) != 0)
        same = FALSE;
      else if (same)
        {
          g_autofree char *before = merkki_session_describe (shown);
          g_autofree char *now = merkki_session_describe (session);

          same = g_strcmp0 (before, now) == 0;
        }
    }
  g_ptr_array_add (names, NULL);
  if (self->sessions == NULL || self->sessions->len != sessions->len)
    same = FALSE;

  g_clear_pointer (&self->sessions, g_ptr_array_unref);
  self->sessions = g_steal_pointer (&sessions);
  if (!same)
    {
      self->filling_sessions = TRUE;
      gtk_string_list_splice (self->session_names, 1,
                              g_list_model_get_n_items (G_LIST_MODEL (self->session_names)) - 1,
                              (const char * const *) names->pdata);
      self->filling_sessions = FALSE;
    }
  select_session_item (self);
  /* Nothing to choose from until the first session. */
  gtk_widget_set_visible (GTK_WIDGET (self->session_drop_down), self->sessions->len > 0);
}

static void
reload_sessions (MerkkiHistoryPage *self)
{
  g_autoptr(GTask) task = NULL;

  self->sessions_stale = FALSE;
  g_cancellable_cancel (self->sessions_cancellable);
  g_clear_object (&self->sessions_cancellable);
  self->sessions_cancellable = g_cancellable_new ();
  task = g_task_new (self, self->sessions_cancellable, on_sessions_listed_cb, NULL);
  g_task_set_source_tag (task, reload_sessions);
  g_task_set_task_data (task, g_object_ref (self->store), g_object_unref);
  g_task_run_in_thread (task, list_sessions_thread);
}

static void
on_session_drop_down_selected_cb (MerkkiHistoryPage *self)
{
  guint position = gtk_drop_down_get_selected (self->session_drop_down);
  const char *name = NULL;

  if (self->filling_sessions || position == GTK_INVALID_LIST_POSITION)
    return;
  if (position > 0 && self->sessions != NULL && position <= self->sessions->len)
    name = ((MerkkiSession *) g_ptr_array_index (self->sessions, position - 1))->name;
  if (g_strcmp0 (self->session, name) == 0)
    return;
  g_free (self->session);
  self->session = g_strdup (name);
  reload_checks (self);
}

/* The drop-down's button shows the name; its list also where, who, when
 * and how many checks. */

static void
setup_session_item_cb (GtkSignalListItemFactory *factory,
                       GtkListItem              *item,
                       gpointer                  user_data)
{
  gboolean detailed = GPOINTER_TO_INT (user_data);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new (NULL);

  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_box_append (GTK_BOX (box), title);
  if (detailed)
    {
      GtkWidget *subtitle = gtk_label_new (NULL);

      gtk_label_set_xalign (GTK_LABEL (subtitle), 0);
      gtk_label_set_wrap (GTK_LABEL (subtitle), TRUE);
      gtk_label_set_max_width_chars (GTK_LABEL (subtitle), 40);
      gtk_widget_add_css_class (subtitle, "caption");
      gtk_widget_add_css_class (subtitle, "dim-label");
      gtk_box_append (GTK_BOX (box), subtitle);
    }
  else
    gtk_label_set_max_width_chars (GTK_LABEL (title), 14);
  gtk_list_item_set_child (item, box);
}

static void
bind_session_item_cb (GtkSignalListItemFactory *factory,
                      GtkListItem              *item,
                      MerkkiHistoryPage        *self)
{
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkWidget *title = gtk_widget_get_first_child (box);
  GtkWidget *subtitle = gtk_widget_get_next_sibling (title);
  GtkStringObject *name = gtk_list_item_get_item (item);
  guint position = gtk_list_item_get_position (item);

  gtk_label_set_text (GTK_LABEL (title), gtk_string_object_get_string (name));
  if (subtitle == NULL)
    return;
  if (position > 0 && self->sessions != NULL && position <= self->sessions->len)
    {
      g_autofree char *details = merkki_session_describe (g_ptr_array_index (self->sessions, position - 1));

      gtk_label_set_text (GTK_LABEL (subtitle), details);
      gtk_widget_set_visible (subtitle, TRUE);
    }
  else
    gtk_widget_set_visible (subtitle, FALSE);
}

static GtkListItemFactory *
session_item_factory_new (MerkkiHistoryPage *self,
                          gboolean           detailed)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (setup_session_item_cb), GINT_TO_POINTER (detailed));
  g_signal_connect_object (factory, "bind", G_CALLBACK (bind_session_item_cb), self, 0);
  return factory;
}

void
merkki_history_page_reload (MerkkiHistoryPage *self)
{
  g_return_if_fail (MERKKI_IS_HISTORY_PAGE (self));

  if (self->store == NULL)
    return;

  reload_checks (self);
  /* The sessions are only read while the page is shown (see on_map). */
  self->sessions_stale = TRUE;
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    reload_sessions (self);
}

void
merkki_history_page_set_session (MerkkiHistoryPage *self,
                                 const char        *session)
{
  g_return_if_fail (MERKKI_IS_HISTORY_PAGE (self));

  if (g_strcmp0 (self->session, session) == 0)
    return;
  g_free (self->session);
  self->session = g_strdup (session);
  select_session_item (self);
  if (self->store != NULL)
    merkki_history_page_reload (self);
}

void
merkki_history_page_set_store (MerkkiHistoryPage *self,
                               MerkkiStore       *store)
{
  g_return_if_fail (MERKKI_IS_HISTORY_PAGE (self));

  if (g_set_object (&self->store, store))
    merkki_history_page_reload (self);
}

static void
on_search_entry_search_changed_cb (MerkkiHistoryPage *self)
{
  merkki_history_page_reload (self);
}

/* Export: the history as it is searched, written where the user says. */

static void
on_export_written_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(MerkkiHistoryPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_toast (self, error->message);
      return;
    }

  show_toast (self, _("History exported"));
}

typedef struct {
  json_t             *history;
  MerkkiReportFormat  format;
  char               *evidence_base;
  MerkkiStore        *store;
  char               *session;
} ExportData;

static void
export_data_free (ExportData *data)
{
  json_decref (data->history);
  g_free (data->evidence_base);
  g_clear_object (&data->store);
  g_free (data->session);
  g_free (data);
}

/* The same writer as `merkki-cli history --export`; a PDF with its photos
 * takes a moment, so it is made in a worker thread. */
static void
render_export_thread (GTask        *task,
                      gpointer      source,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  ExportData *data = task_data;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(MerkkiSession) session = data->session != NULL
                                     ? merkki_store_get_session (data->store, data->session, NULL) : NULL;
  MerkkiReportInfo info = { .session = data->session, .evidence_base = data->evidence_base };
  GError *error = NULL;

  if (session != NULL)
    {
      info.place = session->place;
      info.inspector = session->inspector;
      info.started_at = session->started_at;
      info.ended_at = session->ended_at;
    }

  if (!merkki_report_write (data->history, &info, data->format, out, cancellable, &error)
      || !g_output_stream_close (out, cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out)),
                         (GDestroyNotify) g_bytes_unref);
}

static void
on_export_rendered_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  MerkkiHistoryPage *self = MERKKI_HISTORY_PAGE (source);
  g_autoptr(GFile) file = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) contents = g_task_propagate_pointer (G_TASK (result), &error);

  if (contents == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_toast (self, error->message);
      return;
    }

  g_file_replace_contents_bytes_async (file, contents, NULL, FALSE,
                                       G_FILE_CREATE_REPLACE_DESTINATION,
                                       self->export_cancellable,
                                       on_export_written_cb, g_object_ref (self));
}

static void
on_export_listed_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  MerkkiHistoryPage *self = MERKKI_HISTORY_PAGE (source);
  GFile *file = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) task = NULL;
  ExportData *data;
  json_t *history;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_toast (self, error->message);
      g_object_unref (file);
      return;
    }
  history = g_steal_pointer (&((ListJob *) g_task_get_task_data (G_TASK (result)))->history);

  data = g_new0 (ExportData, 1);
  data->history = history;
  data->format = self->export_format;
  data->evidence_base = g_path_get_dirname (merkki_store_get_path (self->store));
  data->store = g_object_ref (self->store);
  data->session = g_strdup (self->session);

  /* on_export_rendered_cb() takes the file. */
  task = g_task_new (self, self->export_cancellable, on_export_rendered_cb, file);
  g_task_set_source_tag (task, on_export_listed_cb);
  g_task_set_task_data (task, data, (GDestroyNotify) export_data_free);
  g_task_run_in_thread (task, render_export_thread);
}

static void
on_export_chooser_response_cb (MerkkiHistoryPage    *self,
                               int                   response,
                               GtkFileChooserNative *chooser)
{
  if (response == GTK_RESPONSE_ACCEPT && self->store != NULL)
    {
      GFile *file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      /* on_export_listed_cb() takes the file. */
      if (file != NULL)
        list_history_async (self, FALSE, self->export_cancellable, on_export_listed_cb, file);
    }

  g_clear_object (&self->file_chooser);
}

/* The file name offered for an export: the session's own name when one
 * session is shown (an inspector files one report per visit), made safe
 * for any file system, else a generic name. */
static char *
suggested_export_name (const char *session,
                       const char *format)
{
  g_autofree char *base = NULL;

  if (session != NULL)
    {
      g_autofree char *shortened = g_utf8_make_valid (session, -1);
      char *start;

      g_strdelimit (shortened, "/\\:*?\"<>|\n\r\t", '-');
      /* No hidden file, and not longer than file systems allow. */
      start = g_strstrip (shortened);
      while (*start == '.')
        start++;
      if (*start != '\0')
        base = g_utf8_substring (start, 0, MIN (g_utf8_strlen (start, -1), 100));
    }

  if (base == NULL)
    /* Translators: the suggested file name of an export, without extension. */
    base = g_strdup (_("merkki-history"));

  return g_strdup_printf ("%s.%s", base, format);
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  MerkkiHistoryPage *self = MERKKI_HISTORY_PAGE (widget);
  const char *format = g_variant_get_string (parameter, NULL);
  GtkRoot *root = gtk_widget_get_root (widget);
  g_autofree char *name = NULL;

  if (!merkki_report_format_from_string (format, &self->export_format) || self->file_chooser != NULL)
    return;

  self->file_chooser = gtk_file_chooser_native_new (_("Export the History"),
                                                    GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                    GTK_FILE_CHOOSER_ACTION_SAVE,
                                                    _("_Export"), _("_Cancel"));
  name = suggested_export_name (self->session, format);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->file_chooser), name);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->file_chooser), TRUE);
  g_signal_connect_object (self->file_chooser, "response",
                           G_CALLBACK (on_export_chooser_response_cb), self, G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->file_chooser));
}

static void
merkki_history_page_map (GtkWidget *widget)
{
  MerkkiHistoryPage *self = MERKKI_HISTORY_PAGE (widget);

  GTK_WIDGET_CLASS (merkki_history_page_parent_class)->map (widget);

  if (self->sessions_stale && self->store != NULL)
    reload_sessions (self);
}

static void
merkki_history_page_dispose (GObject *object)
{
  MerkkiHistoryPage *self = MERKKI_HISTORY_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->sessions_cancellable);
  g_cancellable_cancel (self->export_cancellable);
  if (self->file_chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->file_chooser));
  g_clear_object (&self->file_chooser);

  gtk_widget_dispose_template (GTK_WIDGET (self), MERKKI_TYPE_HISTORY_PAGE);

  G_OBJECT_CLASS (merkki_history_page_parent_class)->dispose (object);
}

static void
merkki_history_page_finalize (GObject *object)
{
  MerkkiHistoryPage *self = MERKKI_HISTORY_PAGE (object);

  g_clear_pointer (&self->thumbnails, g_hash_table_unref);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->sessions_cancellable);
  g_clear_object (&self->export_cancellable);
  g_clear_pointer (&self->sessions, g_ptr_array_unref);
  g_clear_object (&self->store);
  g_clear_pointer (&self->session, g_free);

  G_OBJECT_CLASS (merkki_history_page_parent_class)->finalize (object);
}

static void
merkki_history_page_class_init (MerkkiHistoryPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = merkki_history_page_dispose;
  object_class->finalize = merkki_history_page_finalize;
  widget_class->map = merkki_history_page_map;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/merkki/Merkki/ui/merkki-history-page.ui");
  gtk_widget_class_bind_template_child (widget_class, MerkkiHistoryPage, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, MerkkiHistoryPage, session_drop_down);
  gtk_widget_class_bind_template_child (widget_class, MerkkiHistoryPage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, MerkkiHistoryPage, stack);
  gtk_widget_class_bind_template_child (widget_class, MerkkiHistoryPage, list_box);
  gtk_widget_class_bind_template_callback (widget_class, on_search_entry_search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_session_drop_down_selected_cb);

  gtk_widget_class_install_action (widget_class, "history.export", "s", export_action);
}

static void
merkki_history_page_init (MerkkiHistoryPage *self)
{
  g_autoptr(GtkListItemFactory) factory = NULL;
  g_autoptr(GtkListItemFactory) list_factory = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->export_cancellable = g_cancellable_new ();

  self->session_names = gtk_string_list_new ((const char *[]) { _("All Checks"), NULL });
  factory = session_item_factory_new (self, FALSE);
  list_factory = session_item_factory_new (self, TRUE);
  self->filling_sessions = TRUE;
  gtk_drop_down_set_factory (self->session_drop_down, factory);
  gtk_drop_down_set_list_factory (self->session_drop_down, list_factory);
  /* The drop-down owns the model. */
  gtk_drop_down_set_model (self->session_drop_down, G_LIST_MODEL (self->session_names));
  g_object_unref (self->session_names);
  self->filling_sessions = FALSE;
}
