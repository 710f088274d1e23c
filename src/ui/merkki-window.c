/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "merkki-format.h"
#include "merkki-history-page.h"
#include "merkki-result-page.h"
#include "merkki-scan-page.h"
#include "merkki-sound.h"
#include "merkki-window.h"

/* A USB barcode scanner ("keyboard wedge") types a code faster than any
 * person: keys closer together than this, ending in Enter, are a scan. */
#define WEDGE_MAX_GAP_MS 60
#define WEDGE_MIN_LENGTH 4
#define WEDGE_MAX_LENGTH 4096

struct _MerkkiWindow
{
  AdwApplicationWindow  parent_instance;

  /* Template widgets */
  AdwToastOverlay      *toast_overlay;
  GtkButton            *back_button;
  GtkMenuButton        *menu_button;
  AdwViewSwitcherTitle *switcher_title;
  AdwViewStack         *view_stack;
  GtkStack             *check_stack;
  AdwStatusPage        *checking_page;
  GtkSpinner           *checking_spinner;
  MerkkiScanPage       *scan_page;
  MerkkiResultPage     *result_page;
  MerkkiHistoryPage    *history_page;

  GSettings            *settings;
  MerkkiChecker        *checker;
  /* The check in progress; replaced by each new check, cancelled in dispose
   * so that no lookup outlives the window. */
  GCancellable         *check_cancellable;

  GString              *wedge_buffer;
  guint32               wedge_last_time;

  guint                 idle_source_id;
  guint                 start_camera_source_id;
  gboolean              camera_started;

  char                 *session;       /* the inspection session checks go into */
  /* Starting or ending the session in a thread; cancelled in dispose. */
  GCancellable         *session_cancellable;
  gboolean              session_busy;
  /* The session's check on the result page: its history row once recorded
   * (0 before), and a note applied before that. */
  MerkkiCheckResult    *note_result;
  gint64                note_history_id;
  char                 *pending_note;

  /* The error toast on screen, if any (see show_error()). */
  AdwToast             *error_toast;
};

G_DEFINE_FINAL_TYPE (MerkkiWindow, merkki_window, ADW_TYPE_APPLICATION_WINDOW)

static void
show_toast (MerkkiWindow *self,
            const char   *message)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
}

static void
on_error_toast_dismissed_cb (AdwToast     *toast,
                             MerkkiWindow *self)
{
  if (self->error_toast == toast)
    g_clear_object (&self->error_toast);
}

/* Something the user counts on was not kept: a session's check, its photo,
 * a session started or ended. That must not go unseen while the inspector
 * looks at the next box, so the toast stays until dismissed. A newer such
 * error replaces it rather than queueing behind it. */
static void
show_error (MerkkiWindow *self,
            const char   *message)
{
  AdwToast *toast = adw_toast_new (message);

  adw_toast_set_timeout (toast, 0);
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  if (self->error_toast != NULL)
    adw_toast_dismiss (self->error_toast);
  self->error_toast = g_object_ref (toast);
  g_signal_connect_object (toast, "dismissed", G_CALLBACK (on_error_toast_dismissed_cb), self, 0);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
show_scan (MerkkiWindow *self)
{
  merkki_result_page_apply_note (self->result_page);
  g_cancellable_cancel (self->check_cancellable);
  adw_view_stack_set_visible_child_name (self->view_stack, "check");
  gtk_stack_set_visible_child_name (self->check_stack, "scan");
}

static void
play_result_sound (MerkkiWindow  *self,
                   MerkkiVerdict  verdict)
{
  if (!g_settings_get_boolean (self->settings, "sound-on-result"))
    return;

  /* A rising tone for a valid label, a lower one for anything that needs a
   * second look, so the sound alone tells the two apart at a shop counter. */
  merkki_sound_play (verdict == MERKKI_VERDICT_VALID ? MERKKI_SOUND_VALID : MERKKI_SOUND_NEGATIVE);
}

/* What a session's check was read from, kept with it as evidence: the
 * opened image, a pasted or dropped one, or the camera frame (GRAY8,
 * @width by @height). */
typedef struct
{
  char       *path;
  GdkTexture *texture;
  GBytes     *frame;
  int         width;
  int         height;
} Evidence;

static void
evidence_clear (Evidence *evidence)
{
  g_clear_pointer (&evidence->path, g_free);
  g_clear_object (&evidence->texture);
  g_clear_pointer (&evidence->frame, g_bytes_unref);
}

static void
evidence_copy (Evidence       *to,
               const Evidence *from)
{
  to->path = g_strdup (from->path);
  to->texture = from->texture != NULL ? g_object_ref (from->texture) : NULL;
  to->frame = from->frame != NULL ? g_bytes_ref (from->frame) : NULL;
  to->width = from->width;
  to->height = from->height;
}

typedef struct
{
  MerkkiWindow *self;
  GCancellable *cancellable;
  Evidence      evidence;        /* kept with a session's check */
  char         *session;
} CheckData;

static void
check_data_free (CheckData *data)
{
  g_clear_object (&data->self);
  g_clear_object (&data->cancellable);
  evidence_clear (&data->evidence);
  g_free (data->session);
  g_free (data);
}

typedef struct
{
  MerkkiStore       *store;
  MerkkiCheckResult *result;
  Evidence           evidence;
  char              *session;
  /* Set by the thread: why the photo or the check could not be kept. */
  char              *evidence_error;
  char              *record_error;
} EvidenceJob;

static void
evidence_job_free (EvidenceJob *job)
{
  g_clear_object (&job->store);
  g_clear_object (&job->result);
  evidence_clear (&job->evidence);
  g_free (job->session);
  g_free (job->evidence_error);
  g_free (job->record_error);
  g_free (job);
}

/* Saves the opened image as it is, under its own extension. */
static char *
save_image_file (MerkkiStore  *store,
                 const char   *path,
                 GError      **error)
{
  g_autofree char *contents = NULL;
  g_autofree char *extension = NULL;
  g_autoptr(GBytes) image = NULL;
  const char *dot = strrchr (path, '.');
  gsize length = 0;

  extension = g_ascii_strdown (dot != NULL && strchr (dot, '/') == NULL && dot[1] != '\0' ? dot + 1 : "img", -1);
  for (char *p = extension; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p))
      *p = '_';

  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;
  image = g_bytes_new_take (g_steal_pointer (&contents), length);
  return merkki_store_save_evidence (store, image, extension, NULL, error);
}

/* Keeps the opened image, or the pasted image or the camera frame encoded
 * as PNG, beside the store and records the check with it, in one
 * transaction: file reads, encoding, fsync and SQLite, so off the main
 * thread. A pasted or dropped texture comes from another program, so it
 * is a memory texture: immutable, and encoded here without a GL context. */
static void
record_with_evidence_thread (GTask        *task,
                             gpointer      source_object,
                             gpointer      task_data,
                             GCancellable *cancellable)
{
  EvidenceJob *job = task_data;
  Evidence *evidence = &job->evidence;
  g_autofree char *relative = NULL;
  g_autoptr(GError) error = NULL;
  gint64 id;

  if (evidence->path != NULL)
    relative = save_image_file (job->store, evidence->path, &error);
  else if (evidence->texture != NULL)
    {
      g_autoptr(GBytes) png = gdk_texture_save_to_png_bytes (evidence->texture);

      relative = merkki_store_save_evidence (job->store, png, "png", NULL, &error);
    }
  else if (evidence->frame != NULL)
    relative = merkki_store_save_evidence_frame (job->store, evidence->frame, evidence->width,
                                                 evidence->height, evidence->width, NULL, &error);

  /* A photo that cannot be kept still leaves the check recorded. */
  if (relative == NULL && error != NULL)
    job->evidence_error = g_strdup (error->message);
  g_clear_error (&error);

  id = merkki_store_add_history_with_evidence (job->store, job->result, job->session, relative, NULL, &error);
  if (id == 0)
    job->record_error = g_strdup (error->message);
  g_task_return_int (task, id);
}

typedef struct
{
  MerkkiStore *store;
  gint64       history_id;
  char        *note;
} NoteJob;

static void
note_job_free (NoteJob *job)
{
  g_clear_object (&job->store);
  g_free (job->note);
  g_free (job);
}

static void
set_note_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  NoteJob *job = task_data;
  g_autoptr(GError) error = NULL;

  if (!merkki_store_set_note (job->store, job->history_id, job->note, &error))
    g_warning ("Could not keep the note: %s", error->message);
  g_task_return_boolean (task, TRUE);
}

static void
on_note_set_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  merkki_history_page_reload (MERKKI_WINDOW (source)->history_page);
}

/* Saves @note with the session's check shown, once it is recorded. */
static void
save_note (MerkkiWindow *self,
           const char   *note)
{
  g_autoptr(GTask) task = NULL;
  NoteJob *job;

  if (self->note_history_id == 0)
    {
      g_free (self->pending_note);
      self->pending_note = g_strdup (note);
      return;
    }

  job = g_new0 (NoteJob, 1);
  job->store = g_object_ref (merkki_checker_get_store (self->checker));
  job->history_id = self->note_history_id;
  job->note = g_strdup (note);
  task = g_task_new (self, NULL, on_note_set_cb, NULL);
  g_task_set_source_tag (task, save_note);
  g_task_set_task_data (task, job, (GDestroyNotify) note_job_free);
  g_task_run_in_thread (task, set_note_thread);
}

static void
on_result_page_note_applied_cb (MerkkiWindow *self,
                                const char   *note)
{
  if (self->note_result != NULL)
    save_note (self, note);
}

static void
on_recorded_with_evidence_cb (GObject      *source,
                              GAsyncResult *result,
                              gpointer      user_data)
{
  MerkkiWindow *self = MERKKI_WINDOW (source);
  EvidenceJob *job = g_task_get_task_data (G_TASK (result));
  gint64 id = g_task_propagate_int (G_TASK (result), NULL);

  if (job->record_error != NULL)
    {
      /* Translators: a check of an inspection session could not be
       * stored; %s says why. */
      g_autofree char *message = g_strdup_printf (_("The check could not be recorded: %s"), job->record_error);

      show_error (self, message);
    }
  else if (job->evidence_error != NULL)
    {
      /* Translators: the photo a check was read from could not be kept
       * with it; %s says why. The check itself was recorded. */
      g_autofree char *message = g_strdup_printf (_("The photo could not be kept as evidence: %s"),
                                                  job->evidence_error);

      show_error (self, message);
    }
  merkki_trace (id > 0 ? "check-recorded" : "check-not-recorded");
  merkki_history_page_reload (self->history_page);
  if (id <= 0 || job->result != self->note_result)
    return;
  self->note_history_id = id;
  if (self->pending_note != NULL)
    {
      g_autofree char *note = g_steal_pointer (&self->pending_note);

      save_note (self, note);
    }
}

static void
on_check_done_cb (GObject      *source,
                  GAsyncResult *res,
                  gpointer      user_data)
{
  CheckData *data = user_data;
  MerkkiWindow *self = data->self;
  g_autoptr(MerkkiCheckResult) result = NULL;
  g_autoptr(GError) error = NULL;

  result = merkki_checker_check_finish (MERKKI_CHECKER (source), res, &error);

  /* A newer check, Cancel or a closed window made this one moot. */
  if (g_cancellable_is_cancelled (data->cancellable))
    goto out;

  gtk_spinner_stop (self->checking_spinner);

  if (result == NULL)
    {
      show_toast (self, error->message);
      show_scan (self);
      goto out;
    }

  merkki_result_page_set_result (self->result_page, result);
  g_clear_object (&self->note_result);
  g_clear_pointer (&self->pending_note, g_free);
  self->note_history_id = 0;
  if (data->session != NULL)
    self->note_result = g_object_ref (result);
  merkki_result_page_set_note_visible (self->result_page, data->session != NULL);
  gtk_stack_set_visible_child_name (self->check_stack, "result");
  merkki_result_page_focus_verdict (self->result_page);
  merkki_trace ("verdict-shown");
  play_result_sound (self, merkki_check_result_get_verdict (result));
  if (data->session != NULL)
    {
      g_autoptr(GTask) task = g_task_new (self, NULL, on_recorded_with_evidence_cb, NULL);
      EvidenceJob *job = g_new0 (EvidenceJob, 1);

      job->store = g_object_ref (merkki_checker_get_store (MERKKI_CHECKER (source)));
      job->result = g_object_ref (result);
      evidence_copy (&job->evidence, &data->evidence);
      job->session = g_strdup (data->session);
      g_task_set_source_tag (task, on_check_done_cb);
      g_task_set_task_data (task, job, (GDestroyNotify) evidence_job_free);
      g_task_run_in_thread (task, record_with_evidence_thread);
    }
  else
    merkki_history_page_reload (self->history_page);

out:
  check_data_free (data);
}

static void
check_payload (MerkkiWindow   *self,
               GBytes         *payload,
               const Evidence *evidence);

void
merkki_window_check_payload (MerkkiWindow *self,
                             GBytes       *payload)
{
  check_payload (self, payload, NULL);
}

/* @evidence (may be NULL): the image or frame the payload was read from;
 * in an inspection session it is kept with the check. */
static void
check_payload (MerkkiWindow   *self,
               GBytes         *payload,
               const Evidence *evidence)
{
  g_autofree char *shown = NULL;
  MerkkiCheckFlags flags = MERKKI_CHECK_FLAGS_NONE;
  CheckData *data;

  g_return_if_fail (MERKKI_IS_WINDOW (self));
  g_return_if_fail (payload != NULL);

  if (self->checker == NULL)
    {
      const GError *store_error =
        merkki_application_get_store_error (MERKKI_APPLICATION (gtk_window_get_application (GTK_WINDOW (self))));

      show_toast (self, store_error != NULL ? store_error->message : _("Checking is not available"));
      return;
    }

  g_cancellable_cancel (self->check_cancellable);
  g_clear_object (&self->check_cancellable);
  self->check_cancellable = g_cancellable_new ();

  /* The payload may be anything a QR code holds: show it escaped. */
  shown = merkki_escape_bytes (g_bytes_get_data (payload, NULL), MIN (g_bytes_get_size (payload), 200));
  adw_status_page_set_description (self->checking_page, shown);
  adw_view_stack_set_visible_child_name (self->view_stack, "check");
  gtk_stack_set_visible_child_name (self->check_stack, "checking");
  gtk_spinner_start (self->checking_spinner);

  data = g_new0 (CheckData, 1);
  data->self = g_object_ref (self);
  data->cancellable = g_object_ref (self->check_cancellable);
  if (self->session != NULL)
    {
      /* Recorded with its photo once done, rather than by the checker, so
       * that a note can be added to its row. */
      if (evidence != NULL)
        evidence_copy (&data->evidence, evidence);
      data->session = g_strdup (self->session);
      flags |= MERKKI_CHECK_FLAGS_NO_HISTORY;
    }
  merkki_checker_check_async (self->checker, payload, flags,
                              self->check_cancellable, on_check_done_cb, data);
}

static void
on_scan_page_payload_chosen_cb (MerkkiWindow *self,
                                GBytes       *payload)
{
  Evidence evidence = {
    .path = (char *) merkki_scan_page_get_payload_path (self->scan_page),
    .texture = merkki_scan_page_get_payload_texture (self->scan_page),
  };

  /* Privacy: a camera frame is kept in an inspection session only, and
   * outside one it is not even copied. */
  if (self->session != NULL && evidence.path == NULL && evidence.texture == NULL)
    evidence.frame = merkki_scan_page_get_payload_frame (self->scan_page, &evidence.width, &evidence.height);
  check_payload (self, payload, &evidence);
  g_clear_pointer (&evidence.frame, g_bytes_unref);
}

static void
on_result_page_scan_another_cb (MerkkiWindow *self)
{
  show_scan (self);
}

static void
on_check_stack_visible_child_name_cb (MerkkiWindow *self)
{
  const char *name = gtk_stack_get_visible_child_name (self->check_stack);
  gboolean scanning = g_strcmp0 (name, "scan") == 0;
  g_autofree char *event = g_strconcat ("page:", name, NULL);

  merkki_trace (event);

  gtk_widget_set_visible (GTK_WIDGET (self->back_button), !scanning);
  merkki_scan_page_set_scanning (self->scan_page, scanning);
}

static void
on_view_stack_visible_child_name_cb (MerkkiWindow *self)
{
  const char *name = adw_view_stack_get_visible_child_name (self->view_stack);
  gboolean on_check = g_strcmp0 (name, "check") == 0;

  if (!on_check)
    merkki_history_page_reload (self->history_page);

  gtk_widget_set_visible (GTK_WIDGET (self->back_button),
                          on_check && g_strcmp0 (gtk_stack_get_visible_child_name (self->check_stack), "scan") != 0);
  merkki_scan_page_set_scanning (self->scan_page,
                                 on_check && g_strcmp0 (gtk_stack_get_visible_child_name (self->check_stack), "scan") == 0);
}

/* Keyboard wedge: collect keystrokes in the capture phase, wherever the
 * focus is, and treat a fast burst ending in Enter as a scanned code. */
static void
wedge_reset (MerkkiWindow *self)
{
  g_string_truncate (self->wedge_buffer, 0);
}

static gboolean
on_key_pressed_cb (GtkEventControllerKey *controller,
                   guint                  keyval,
                   guint                  keycode,
                   GdkModifierType        state,
                   MerkkiWindow          *self)
{
  guint32 time = gtk_event_controller_get_current_event_time (GTK_EVENT_CONTROLLER (controller));
  gboolean fast = self->wedge_buffer->len > 0 && time - self->wedge_last_time <= WEDGE_MAX_GAP_MS;
  gunichar c;

  c = gdk_keyval_to_unicode (keyval);

  /* Scanners end a code with Enter, some with a line feed. */
  if (keyval == GDK_KEY_Return || keyval == GDK_KEY_KP_Enter || keyval == GDK_KEY_ISO_Enter ||
      c == '\n' || c == '\r')
    {
      if (fast && g_utf8_strlen (self->wedge_buffer->str, -1) >= WEDGE_MIN_LENGTH)
        {
          g_autoptr(GBytes) payload = g_bytes_new (self->wedge_buffer->str, self->wedge_buffer->len);

          wedge_reset (self);
          merkki_scan_page_clear_entry (self->scan_page);
          merkki_window_check_payload (self, payload);
          return GDK_EVENT_STOP;
        }
      wedge_reset (self);
      return GDK_EVENT_PROPAGATE;
    }

  if (c == 0)
    return GDK_EVENT_PROPAGATE;  /* Shift and the like: part of typing. */
  if ((state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SUPER_MASK)) != 0 || g_unichar_iscntrl (c))
    {
      wedge_reset (self);
      return GDK_EVENT_PROPAGATE;
    }

  if (!fast || self->wedge_buffer->len >= WEDGE_MAX_LENGTH)
    wedge_reset (self);
  g_string_append_unichar (self->wedge_buffer, c);
  self->wedge_last_time = time;

  return GDK_EVENT_PROPAGATE;
}

/* Kiosk mode: back to the scan page after a while without input. */
static gboolean
on_idle_timeout_cb (gpointer user_data)
{
  MerkkiWindow *self = user_data;

  self->idle_source_id = 0;
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->check_stack), "checking") != 0)
    show_scan (self);

  return G_SOURCE_REMOVE;
}

static void
restart_idle_timer (MerkkiWindow *self)
{
  g_clear_handle_id (&self->idle_source_id, g_source_remove);
  if (g_settings_get_boolean (self->settings, "kiosk-mode"))
    self->idle_source_id = g_timeout_add_seconds (g_settings_get_uint (self->settings, "kiosk-idle-seconds"),
                                                  on_idle_timeout_cb, self);
}

static gboolean
on_any_event_cb (GtkEventControllerLegacy *controller,
                 GdkEvent                 *event,
                 MerkkiWindow             *self)
{
  switch ((int) gdk_event_get_event_type (event))
    {
    case GDK_MOTION_NOTIFY:
    case GDK_BUTTON_PRESS:
    case GDK_KEY_PRESS:
    case GDK_SCROLL:
    case GDK_TOUCH_BEGIN:
      if (self->idle_source_id != 0)
        restart_idle_timer (self);
      break;
    default:
      break;
    }

  return GDK_EVENT_PROPAGATE;
}

static void
apply_kiosk_mode (MerkkiWindow *self)
{
  gboolean kiosk = g_settings_get_boolean (self->settings, "kiosk-mode");

  /* The menu is hidden; preferences stay reachable by Ctrl+, only. */
  gtk_widget_set_visible (GTK_WIDGET (self->menu_button), !kiosk);
  merkki_result_page_set_large (self->result_page, kiosk);
  if (kiosk)
    gtk_window_fullscreen (GTK_WINDOW (self));
  else
    gtk_window_unfullscreen (GTK_WINDOW (self));
  restart_idle_timer (self);
}

static void
on_settings_changed_cb (MerkkiWindow *self,
                        const char   *key)
{
  if (g_str_equal (key, "kiosk-mode") || g_str_equal (key, "kiosk-idle-seconds"))
    apply_kiosk_mode (self);
}

static void
on_check_stack_changed_for_idle_cb (MerkkiWindow *self)
{
  restart_idle_timer (self);
}

/* The camera is asked for only once the window is on screen. */
static gboolean
start_camera_cb (gpointer user_data)
{
  MerkkiWindow *self = user_data;
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  self->start_camera_source_id = 0;
  self->camera_started = TRUE;
  merkki_scan_page_start_camera (self->scan_page,
                                 merkki_application_get_camera_pipeline (MERKKI_APPLICATION (app)));

  return G_SOURCE_REMOVE;
}

static void
on_map_cb (MerkkiWindow *self)
{
  if (!self->camera_started && self->start_camera_source_id == 0)
    self->start_camera_source_id = g_idle_add (start_camera_cb, self);
}

static gboolean
merkki_window_close_request (GtkWindow *window)
{
  MerkkiWindow *self = MERKKI_WINDOW (window);
  int width, height;

  gtk_window_get_default_size (window, &width, &height);
  g_settings_delay (self->settings);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
  if (!gtk_window_is_maximized (window) && !gtk_window_is_fullscreen (window))
    {
      g_settings_set_int (self->settings, "window-width", width);
      g_settings_set_int (self->settings, "window-height", height);
    }
  g_settings_apply (self->settings);

  return GTK_WINDOW_CLASS (merkki_window_parent_class)->close_request (window);
}

/* Actions */

/* Inspection sessions ---------------------------------------------------- */

static void update_session_actions (MerkkiWindow *self);

static void
set_session (MerkkiWindow *self,
             const char   *session)
{
  g_autofree char *subtitle = NULL;

  g_free (self->session);
  self->session = g_strdup (session);
  if (self->checker != NULL)
    merkki_checker_set_session (self->checker, session);
  merkki_history_page_set_session (self->history_page, session);

  if (session != NULL)
    /* Translators: the window's subtitle while an inspection session is
     * open; %s is its name. */
    subtitle = g_strdup_printf (_("Inspection session: %s"), session);
  adw_view_switcher_title_set_subtitle (self->switcher_title, subtitle != NULL ? subtitle : "");
  update_session_actions (self);
}

/* Starting or ending a session: a small SQLite write, but one that may
 * wait for another process's (see the store), so in a thread. */
typedef struct
{
  MerkkiStore *store;
  char        *name;
  char        *place;
  char        *inspector;
  gboolean     end;
} SessionJob;

static void
session_job_free (SessionJob *job)
{
  g_clear_object (&job->store);
  g_free (job->name);
  g_free (job->place);
  g_free (job->inspector);
  g_free (job);
}

static void
session_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  SessionJob *job = task_data;
  g_autoptr(GError) error = NULL;
  gboolean done;

  if (job->end)
    done = merkki_store_end_session (job->store, job->name, &error);
  else
    done = merkki_store_create_session (job->store, job->name, job->place, job->inspector, &error);

  if (done)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

static void
on_session_written_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  MerkkiWindow *self = MERKKI_WINDOW (source);
  SessionJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  /* The window was closed meanwhile: nothing left to update. */
  if (g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result))))
    return;

  self->session_busy = FALSE;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_autofree char *message = NULL;

      if (job->end)
        /* Translators: %s says why; the session stays open. */
        message = g_strdup_printf (_("The session could not be ended: %s"), error->message);
      else
        /* Translators: %s says why. */
        message = g_strdup_printf (_("The session could not be started: %s"), error->message);
      show_error (self, message);
      update_session_actions (self);
      return;
    }

  set_session (self, job->end ? NULL : job->name);
  merkki_trace (job->end ? "session-ended" : "session-started");
}

static void
write_session (MerkkiWindow *self,
               SessionJob   *job)
{
  g_autoptr(GTask) task = g_task_new (self, self->session_cancellable, on_session_written_cb, NULL);

  /* One write at a time: the actions wait for this one. */
  self->session_busy = TRUE;
  update_session_actions (self);
  job->store = g_object_ref (merkki_checker_get_store (self->checker));
  g_task_set_source_tag (task, write_session);
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, job, (GDestroyNotify) session_job_free);
  g_task_run_in_thread (task, session_thread);
}

static const char *
entry_row_text (GtkWidget *dialog,
                const char *key)
{
  GtkEditable *row = g_object_get_data (G_OBJECT (dialog), key);
  const char *text = gtk_editable_get_text (row);

  return text[0] != '\0' ? text : NULL;
}

static void
on_session_name_changed_cb (GtkEditable *name_row,
                            AdwMessageDialog *dialog)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (name_row)));

  adw_message_dialog_set_response_enabled (dialog, "start", name[0] != '\0');
}

static void
on_session_dialog_response_cb (AdwMessageDialog *dialog,
                               const char       *response,
                               MerkkiWindow     *self)
{
  SessionJob *job;

  if (!g_str_equal (response, "start") || self->checker == NULL || self->session_busy)
    return;

  job = g_new0 (SessionJob, 1);
  job->name = g_strstrip (g_strdup (entry_row_text (GTK_WIDGET (dialog), "name") ?: ""));
  job->place = g_strdup (entry_row_text (GTK_WIDGET (dialog), "place"));
  job->inspector = g_strdup (entry_row_text (GTK_WIDGET (dialog), "inspector"));
  write_session (self, job);
}

static GtkWidget *
add_entry_row (GtkWidget  *group,
               GtkWidget  *dialog,
               const char *key,
               const char *title)
{
  GtkWidget *row = adw_entry_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), TRUE);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  g_object_set_data (G_OBJECT (dialog), key, row);
  return row;
}

static void
start_session_activated (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  MerkkiWindow *self = MERKKI_WINDOW (user_data);
  GtkWidget *dialog;
  GtkWidget *group = adw_preferences_group_new ();
  GtkWidget *name_row;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  /* Translators: the suggested name of a new inspection session, a
   * g_date_time_format() pattern. */
  g_autofree char *suggested = g_date_time_format (now, _("Inspection %-d %b %Y %H:%M"));

  if (self->checker == NULL)
    return;

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Start Inspection Session"),
                                   _("Every check until the session ends is kept in it, with the "
                                     "registry answers, and can be exported as a PDF report."));
  /* Translators: fields of the new inspection session dialog. */
  name_row = add_entry_row (group, dialog, "name", _("_Name"));
  gtk_editable_set_text (GTK_EDITABLE (name_row), suggested);
  add_entry_row (group, dialog, "place", _("_Place"));
  add_entry_row (group, dialog, "inspector", _("_Inspector"));
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), group);

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "start", _("_Start"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "start", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "start");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect (name_row, "changed", G_CALLBACK (on_session_name_changed_cb), dialog);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_session_dialog_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
end_session_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  MerkkiWindow *self = MERKKI_WINDOW (user_data);
  SessionJob *job;

  if (self->session == NULL || self->checker == NULL || self->session_busy)
    return;

  job = g_new0 (SessionJob, 1);
  job->name = g_strdup (self->session);
  job->end = TRUE;
  write_session (self, job);
}

/* In the window's action map rather than the widget class, so that they
 * are part of the app's D-Bus interface like the menu's other actions. */
static const GActionEntry session_actions[] = {
  { .name = "start-session", .activate = start_session_activated },
  { .name = "end-session", .activate = end_session_activated },
};

static void
update_session_actions (MerkkiWindow *self)
{
  GAction *start = g_action_map_lookup_action (G_ACTION_MAP (self), "start-session");
  GAction *end = g_action_map_lookup_action (G_ACTION_MAP (self), "end-session");

  g_simple_action_set_enabled (G_SIMPLE_ACTION (start), !self->session_busy);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (end), !self->session_busy && self->session != NULL);
}

static void
scan_another_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  show_scan (MERKKI_WINDOW (widget));
}

static void
open_image_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  MerkkiWindow *self = MERKKI_WINDOW (widget);

  show_scan (self);
  merkki_scan_page_open_image (self->scan_page);
}

static void
paste_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  MerkkiWindow *self = MERKKI_WINDOW (widget);

  show_scan (self);
  merkki_scan_page_paste (self->scan_page);
}

static void
enter_reference_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  MerkkiWindow *self = MERKKI_WINDOW (widget);

  show_scan (self);
  merkki_scan_page_enter_reference (self->scan_page);
}

/* Screenshots for the AppStream data and the GUI tests: rendered from the
 * widget tree itself, so they need no compositor. */
static gboolean
save_widget_png (GtkWidget   *widget,
                 const char  *path)
{
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GtkWidget *content = gtk_window_get_child (GTK_WINDOW (widget));
  graphene_rect_t bounds = GRAPHENE_RECT_INIT (0, 0, width, height);
  GtkSnapshot *snapshot;
  GskRenderer *renderer;

  if (width <= 0 || height <= 0)
    return FALSE;

  /* The window without the margin its client-side shadow takes. */
  if (content != NULL && !gtk_widget_compute_bounds (content, widget, &bounds))
    bounds = GRAPHENE_RECT_INIT (0, 0, width, height);

  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    return FALSE;

  renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  texture = gsk_renderer_render_texture (renderer, node, &bounds);

  return gdk_texture_save_to_png (texture, path);
}

/* For the GUI tests, with each screenshot: every label on show that does
 * not show all its text (drawn with boxes for missing glyphs, ellipsized,
 * its text larger than the space it was given, or reaching past the
 * window's edge) is printed as
 * "merkki-cut-off: PATH<TAB>REASON<TAB>TEXT" (TEXT on one line). */
static void
report_cut_off_labels (GtkWidget  *widget,
                       GtkWidget  *content,
                       const char *path)
{
  if (!gtk_widget_get_mapped (widget))
    return;

  if (GTK_IS_LABEL (widget) && gtk_label_get_text (GTK_LABEL (widget))[0] != '\0')
    {
      PangoLayout *layout = gtk_label_get_layout (GTK_LABEL (widget));
      const char *reason = NULL;
      graphene_rect_t bounds;
      int text_width, text_height;

      pango_layout_get_pixel_size (layout, &text_width, &text_height);
      if (pango_layout_get_unknown_glyphs_count (layout) > 0)
        reason = "missing glyphs";
      else if (pango_layout_is_ellipsized (layout))
        reason = "ellipsized";
      else if (text_width > gtk_widget_get_width (widget) + 1 || text_height > gtk_widget_get_height (widget) + 1)
        reason = "larger than its space";
      else if (gtk_widget_compute_bounds (widget, content, &bounds) &&
               (bounds.origin.x < -1 ||
                bounds.origin.x + bounds.size.width > gtk_widget_get_width (content) + 1))
        reason = "past the window's edge";

      if (reason != NULL)
        {
          g_autofree char *text = g_strdelimit (g_strdup (gtk_label_get_text (GTK_LABEL (widget))), "\t\n", ' ');

          g_print ("merkki-cut-off: %s\t%s\t%s\n", path, reason, text);
        }
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    report_cut_off_labels (child, content, path);
}

typedef struct
{
  MerkkiWindow *self;
  char         *path;
  guint         attempts;
} Screenshot;

static void
screenshot_free (Screenshot *shot)
{
  g_object_unref (shot->self);
  g_free (shot->path);
  g_free (shot);
}

/* A window in the middle of a resize or an allocation has nothing to draw
 * yet: try again on a later frame. */
static gboolean
take_screenshot_cb (gpointer user_data)
{
  Screenshot *shot = user_data;
  GListModel *toplevels = gtk_window_get_toplevels ();
  GtkWidget *target = GTK_WIDGET (shot->self);

  /* A dialog on top of the window (preferences) is what the user sees. */
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) toplevel = g_list_model_get_item (toplevels, i);

      if (gtk_window_get_transient_for (toplevel) == GTK_WINDOW (shot->self) &&
          gtk_widget_get_visible (GTK_WIDGET (toplevel)))
        target = GTK_WIDGET (toplevel);
    }

  if (save_widget_png (target, shot->path))
    {
      GtkWidget *content = gtk_window_get_child (GTK_WINDOW (target));

      report_cut_off_labels (target, content != NULL ? content : target, shot->path);
      g_print ("merkki-screenshot: %s\n", shot->path);
      fflush (stdout);
      return G_SOURCE_REMOVE;
    }

  if (++shot->attempts < 40)
    return G_SOURCE_CONTINUE;

  g_warning ("Could not save the screenshot %s", shot->path);
  return G_SOURCE_REMOVE;
}

static void
screenshot_action (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  MerkkiWindow *self = user_data;
  const char *name = g_variant_get_string (parameter, NULL);
  const char *dir = g_getenv ("MERKKI_SCREENSHOT_DIR");
  g_autofree char *file_name = NULL;
  Screenshot *shot;

  if (dir == NULL || name[0] == '\0' || name[0] == '.' || strchr (name, '/') != NULL)
    {
      g_warning ("Not a screenshot name: %s", name);
      return;
    }

  file_name = g_strconcat (name, ".png", NULL);
  shot = g_new0 (Screenshot, 1);
  shot->self = g_object_ref (self);
  shot->path = g_build_filename (dir, file_name, NULL);
  g_timeout_add_full (G_PRIORITY_LOW, 50, take_screenshot_cb, shot, (GDestroyNotify) screenshot_free);
}

static void
set_size_action (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  int width, height;

  g_variant_get (parameter, "(ii)", &width, &height);
  gtk_window_set_default_size (GTK_WINDOW (user_data), width, height);
}

static const GActionEntry screenshot_actions[] = {
  { "screenshot", screenshot_action, "s" },
  { "set-size", set_size_action, "(ii)" },
};

static void
merkki_window_dispose (GObject *object)
{
  MerkkiWindow *self = MERKKI_WINDOW (object);

  g_cancellable_cancel (self->check_cancellable);
  g_clear_object (&self->check_cancellable);
  g_clear_handle_id (&self->idle_source_id, g_source_remove);
  g_clear_handle_id (&self->start_camera_source_id, g_source_remove);
  g_cancellable_cancel (self->session_cancellable);
  g_clear_object (&self->session_cancellable);
  g_clear_pointer (&self->session, g_free);
  g_clear_object (&self->note_result);
  g_clear_pointer (&self->pending_note, g_free);
  g_clear_object (&self->error_toast);
  if (self->scan_page != NULL)
    merkki_scan_page_stop_camera (self->scan_page);

  gtk_widget_dispose_template (GTK_WIDGET (self), MERKKI_TYPE_WINDOW);

  G_OBJECT_CLASS (merkki_window_parent_class)->dispose (object);
}

static void
merkki_window_finalize (GObject *object)
{
  MerkkiWindow *self = MERKKI_WINDOW (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->checker);
  g_string_free (self->wedge_buffer, TRUE);

  G_OBJECT_CLASS (merkki_window_parent_class)->finalize (object);
}

static void
merkki_window_class_init (MerkkiWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = merkki_window_dispose;
  object_class->finalize = merkki_window_finalize;
  window_class->close_request = merkki_window_close_request;

  g_type_ensure (MERKKI_TYPE_SCAN_PAGE);
  g_type_ensure (MERKKI_TYPE_RESULT_PAGE);
  g_type_ensure (MERKKI_TYPE_HISTORY_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/merkki/Merkki/ui/merkki-window.ui");
  gtk_widget_class_bind_template_child (widget_class, MerkkiWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, MerkkiWindow, back_button);
  gtk_widget_class_bind_template_child (widget_class, MerkkiWindow, menu_button);
  gtk_widget_class_bind_template_child (widget_class, MerkkiWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, MerkkiWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, MerkkiWindow, check_stack);
  gtk_widget_class_bind_template_child (widget_class, MerkkiWindow, checking_page);
  gtk_widget_class_bind_template_child (widget_class, MerkkiWindow, checking_spinner);
  gtk_widget_class_bind_template_child (widget_class, MerkkiWindow, scan_page);
  gtk_widget_class_bind_template_child (widget_class, MerkkiWindow, result_page);
  gtk_widget_class_bind_template_child (widget_class, MerkkiWindow, history_page);
  gtk_widget_class_bind_template_callback (widget_class, on_scan_page_payload_chosen_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_result_page_scan_another_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_result_page_note_applied_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_check_stack_visible_child_name_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_view_stack_visible_child_name_cb);

  gtk_widget_class_install_action (widget_class, "win.scan-another", NULL, scan_another_action);
  gtk_widget_class_install_action (widget_class, "win.open-image", NULL, open_image_action);
  gtk_widget_class_install_action (widget_class, "win.paste", NULL, paste_action);
  gtk_widget_class_install_action (widget_class, "win.enter-reference", NULL, enter_reference_action);

  /* Bubble-phase bindings: a focused entry keeps its own Ctrl+V. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.open-image", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_v, GDK_CONTROL_MASK, "win.paste", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, GDK_CONTROL_MASK, "win.enter-reference", NULL);
}

static void
merkki_window_init (MerkkiWindow *self)
{
  GtkEventController *controller;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->wedge_buffer = g_string_new (NULL);
  self->session_cancellable = g_cancellable_new ();
  self->settings = merkki_settings_new ();

  controller = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  g_signal_connect (controller, "key-pressed", G_CALLBACK (on_key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_legacy_new ();
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  g_signal_connect (controller, "event", G_CALLBACK (on_any_event_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  g_signal_connect_object (self->settings, "changed",
                           G_CALLBACK (on_settings_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_swapped (self->check_stack, "notify::visible-child-name",
                            G_CALLBACK (on_check_stack_changed_for_idle_cb), self);
  g_signal_connect (self, "map", G_CALLBACK (on_map_cb), NULL);

  if (g_getenv ("MERKKI_SCREENSHOT_DIR") != NULL)
    g_action_map_add_action_entries (G_ACTION_MAP (self), screenshot_actions,
                                     G_N_ELEMENTS (screenshot_actions), self);
}

MerkkiWindow *
merkki_window_new (MerkkiApplication *application)
{
  MerkkiWindow *self;
  MerkkiChecker *checker;

  g_return_val_if_fail (MERKKI_IS_APPLICATION (application), NULL);

  self = g_object_new (MERKKI_TYPE_WINDOW,
                       "application", application,
                       "default-width", 0,
                       NULL);

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  checker = merkki_application_get_checker (application);
  if (checker != NULL)
    {
      self->checker = g_object_ref (checker);
      merkki_history_page_set_store (self->history_page, merkki_checker_get_store (checker));
    }

  apply_kiosk_mode (self);
  g_action_map_add_action_entries (G_ACTION_MAP (self), session_actions, G_N_ELEMENTS (session_actions), self);
  update_session_actions (self);

  if (g_strcmp0 (PROFILE, "development") == 0)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");

  return self;
}
