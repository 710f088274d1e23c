/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "merkki-application.h"
#include "merkki-camera.h"
#include "merkki-core.h"
#include "merkki-scan-page.h"

struct _MerkkiScanPage
{
  AdwBin             parent_instance;

  /* Template widgets */
  AdwToastOverlay   *toast_overlay;
  GtkStack          *camera_stack;
  GtkPicture        *viewfinder;
  GtkDropDown       *camera_chooser;
  AdwStatusPage     *error_page;
  GtkEntry          *reference_entry;

  MerkkiCamera      *camera;
  GSettings         *settings;
  GCancellable      *cancellable;
  GtkFileChooserNative *file_chooser;
  char              *pipeline;
  gboolean           scanning;
  gboolean           first_frame_traced;
  gboolean           has_frame;
  /* While "payload-chosen" is emitted for an opened image: its file. */
  const char        *payload_path;
  /* While "payload-chosen" is emitted for a code the camera found. */
  gboolean           payload_from_camera;
  /* While "payload-chosen" is emitted for a pasted or dropped image. */
  GdkTexture        *payload_texture;
};

G_DEFINE_FINAL_TYPE (MerkkiScanPage, merkki_scan_page, ADW_TYPE_BIN)

enum {
  PAYLOAD_CHOSEN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
show_toast (MerkkiScanPage *self,
            const char     *message)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
}

static void
emit_payload (MerkkiScanPage *self,
              GBytes         *payload)
{
  g_signal_emit (self, signals[PAYLOAD_CHOSEN], 0, payload);
}

/* Text the user typed or pasted: surrounding white space is not part of a
 * reference. */
static void
emit_text (MerkkiScanPage *self,
           const char     *text)
{
  g_autofree char *stripped = g_strstrip (g_strdup (text));
  g_autoptr(GBytes) payload = NULL;

  if (stripped[0] == '\0')
    return;

  payload = g_bytes_new (stripped, strlen (stripped));
  emit_payload (self, payload);
}

/* Camera */

static void
show_camera_page (MerkkiScanPage *self,
                  const char     *page)
{
  g_autofree char *event = NULL;

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->camera_stack), page) == 0)
    return;

  gtk_stack_set_visible_child_name (self->camera_stack, page);
  event = g_strconcat ("camera-page:", page, NULL);
  merkki_trace (event);
}

static void
update_camera_page (MerkkiScanPage *self)
{
  const GError *error;
  const char *page = "starting";

  if (self->camera == NULL)
    return;

  switch (merkki_camera_get_state (self->camera))
    {
    case MERKKI_CAMERA_STATE_IDLE:
    case MERKKI_CAMERA_STATE_STARTING:
      page = self->has_frame ? "viewfinder" : "starting";
      break;
    case MERKKI_CAMERA_STATE_PLAYING:
      page = self->has_frame ? "viewfinder" : "starting";
      break;
    case MERKKI_CAMERA_STATE_NO_CAMERA:
      page = "no-camera";
      break;
    case MERKKI_CAMERA_STATE_PERMISSION_DENIED:
      page = "permission-denied";
      break;
    case MERKKI_CAMERA_STATE_BUSY:
      page = "busy";
      break;
    case MERKKI_CAMERA_STATE_GONE:
      page = "gone";
      break;
    case MERKKI_CAMERA_STATE_END_OF_STREAM:
      page = "ended";
      break;
    case MERKKI_CAMERA_STATE_ERROR:
    default:
      error = merkki_camera_get_error (self->camera);
      adw_status_page_set_description (self->error_page,
                                       error != NULL ? error->message : NULL);
      page = "error";
      break;
    }

  show_camera_page (self, page);
}

static void
on_camera_state_cb (MerkkiScanPage *self)
{
  MerkkiCameraState state = merkki_camera_get_state (self->camera);

  if (state != MERKKI_CAMERA_STATE_PLAYING && state != MERKKI_CAMERA_STATE_STARTING)
    self->has_frame = FALSE;
  update_camera_page (self);
}

static void
on_after_paint_cb (GdkFrameClock  *clock,
                   MerkkiScanPage *self)
{
  merkki_trace ("first-frame-shown");
  g_signal_handlers_disconnect_by_func (clock, on_after_paint_cb, self);
}

static void
on_camera_frame_cb (MerkkiScanPage *self,
                    GBytes         *bgra,
                    int             width,
                    int             height,
                    int             stride)
{
  g_autoptr(GdkTexture) texture = NULL;

  if (width <= 0 || height <= 0 || stride < width * 4 ||
      g_bytes_get_size (bgra) < (gsize) stride * (height - 1) + (gsize) width * 4)
    return;

  texture = gdk_memory_texture_new (width, height, GDK_MEMORY_B8G8R8A8_PREMULTIPLIED, bgra, stride);
  gtk_picture_set_paintable (self->viewfinder, GDK_PAINTABLE (texture));

  if (!self->has_frame)
    {
      self->has_frame = TRUE;
      update_camera_page (self);
    }

  if (!self->first_frame_traced)
    {
      GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self->viewfinder));

      self->first_frame_traced = TRUE;
      if (clock != NULL)
        g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint_cb), self);
    }
}

static void
on_camera_code_found_cb (MerkkiScanPage *self,
                         GBytes         *payload,
                         const char     *text)
{
  if (!self->scanning)
    return;

  merkki_trace ("code-found");
  self->payload_from_camera = TRUE;
  emit_payload (self, payload);
  self->payload_from_camera = FALSE;
}

static char *
device_name (MerkkiCameraDevice *device)
{
  return g_strdup (device != NULL ? merkki_camera_device_get_name (device) : "");
}

static void
update_camera_chooser (MerkkiScanPage *self)
{
  GListModel *devices = merkki_camera_get_devices (self->camera);
  g_autofree char *last = g_settings_get_string (self->settings, "last-camera");
  guint n = devices != NULL ? g_list_model_get_n_items (devices) : 0;

  gtk_widget_set_visible (GTK_WIDGET (self->camera_chooser), n > 1 && self->pipeline == NULL);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(MerkkiCameraDevice) device = g_list_model_get_item (devices, i);

      if (g_strcmp0 (merkki_camera_device_get_id (device), last) == 0)
        {
          gtk_drop_down_set_selected (self->camera_chooser, i);
          break;
        }
    }
}

static void
on_camera_chooser_selected_cb (MerkkiScanPage *self)
{
  g_autoptr(MerkkiCameraDevice) device = NULL;
  GListModel *devices;
  guint selected = gtk_drop_down_get_selected (self->camera_chooser);

  if (self->camera == NULL || selected == GTK_INVALID_LIST_POSITION)
    return;

  devices = merkki_camera_get_devices (self->camera);
  device = g_list_model_get_item (devices, selected);
  if (device == NULL)
    return;

  g_settings_set_string (self->settings, "last-camera", merkki_camera_device_get_id (device));
  merkki_camera_select_device (self->camera, merkki_camera_device_get_id (device));
}

static void
start_capture (MerkkiScanPage *self)
{
  g_autoptr(GError) error = NULL;

  self->has_frame = FALSE;
  show_camera_page (self, "starting");
  if (!merkki_camera_start (self->camera, &error))
    {
      MerkkiCameraState state = merkki_camera_get_state (self->camera);

      /* No camera, no permission, busy: each has its own page. */
      if (state == MERKKI_CAMERA_STATE_IDLE || state == MERKKI_CAMERA_STATE_STARTING ||
          state == MERKKI_CAMERA_STATE_PLAYING)
        {
          adw_status_page_set_description (self->error_page, error->message);
          show_camera_page (self, "error");
        }
      else
        {
          update_camera_page (self);
        }
      return;
    }
  merkki_camera_set_scanning (self->camera, self->scanning);
}

void
merkki_scan_page_start_camera (MerkkiScanPage *self,
                               const char     *pipeline)
{
  GListModel *devices;
  g_autofree char *last = NULL;

  g_return_if_fail (MERKKI_IS_SCAN_PAGE (self));

  if (self->camera != NULL)
    return;

  g_free (self->pipeline);
  self->pipeline = g_strdup (pipeline != NULL ? pipeline : g_getenv ("MERKKI_CAMERA_PIPELINE"));

  self->camera = merkki_camera_new ();
  if (pipeline != NULL)
    merkki_camera_set_pipeline_description (self->camera, pipeline);

  g_signal_connect_object (self->camera, "notify::state",
                           G_CALLBACK (on_camera_state_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->camera, "frame",
                           G_CALLBACK (on_camera_frame_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->camera, "code-found",
                           G_CALLBACK (on_camera_code_found_cb), self, G_CONNECT_SWAPPED);

  devices = merkki_camera_get_devices (self->camera);
  if (devices != NULL)
    {
      gtk_drop_down_set_model (self->camera_chooser, devices);
      g_signal_connect_object (devices, "items-changed",
                               G_CALLBACK (update_camera_chooser), self, G_CONNECT_SWAPPED);
      update_camera_chooser (self);
    }
  g_signal_connect_object (self->camera_chooser, "notify::selected",
                           G_CALLBACK (on_camera_chooser_selected_cb), self, G_CONNECT_SWAPPED);

  last = g_settings_get_string (self->settings, "last-camera");
  if (last[0] != '\0' && self->pipeline == NULL)
    merkki_camera_select_device (self->camera, last);

  start_capture (self);
}

void
merkki_scan_page_stop_camera (MerkkiScanPage *self)
{
  g_return_if_fail (MERKKI_IS_SCAN_PAGE (self));

  if (self->camera != NULL)
    merkki_camera_stop (self->camera);
}

void
merkki_scan_page_set_scanning (MerkkiScanPage *self,
                               gboolean        scanning)
{
  g_return_if_fail (MERKKI_IS_SCAN_PAGE (self));

  self->scanning = !!scanning;
  if (self->camera != NULL)
    merkki_camera_set_scanning (self->camera, self->scanning);
}

static void
retry_camera_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  MerkkiScanPage *self = MERKKI_SCAN_PAGE (widget);

  if (self->camera == NULL)
    return;

  merkki_camera_stop (self->camera);
  start_capture (self);
}

/* Images: decoded in a thread, the best code emitted. */

typedef struct
{
  char       *path;       /* a file, or */
  GBytes     *gray;       /* GRAY8 pixels */
  int         width;
  int         height;
  GdkTexture *texture;    /* the image @gray was made from */
} DecodeJob;

static void
decode_job_free (DecodeJob *job)
{
  g_free (job->path);
  g_clear_pointer (&job->gray, g_bytes_unref);
  g_clear_object (&job->texture);
  g_free (job);
}

/* A label reference if the image holds one, else the first code. */
static GBytes *
pick_payload (GPtrArray *codes)
{
  for (guint i = 0; i < codes->len; i++)
    {
      MerkkiDecodedCode *code = g_ptr_array_index (codes, i);
      g_autoptr(MerkkiLabelRef) ref = merkki_label_ref_parse_bytes (code->payload);

      if (merkki_label_ref_get_kind (ref) == MERKKI_LABEL_KIND_REFERENCE)
        return g_bytes_ref (code->payload);
    }

  if (codes->len > 0)
    return g_bytes_ref (((MerkkiDecodedCode *) g_ptr_array_index (codes, 0))->payload);

  return NULL;
}

static void
decode_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  DecodeJob *job = task_data;
  g_autoptr(MerkkiDecoder) decoder = merkki_decoder_new ();
  g_autoptr(GPtrArray) codes = NULL;
  g_autoptr(GError) error = NULL;
  GBytes *payload;

  if (job->path != NULL)
    codes = merkki_decoder_decode_file (decoder, job->path, &error);
  else
    codes = merkki_decoder_decode_gray8 (decoder, g_bytes_get_data (job->gray, NULL),
                                         job->width, job->height, job->width,
                                         MERKKI_DECODE_STILL);

  if (codes == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  payload = pick_payload (codes);
  if (payload == NULL)
    {
      g_task_return_new_error (task, MERKKI_ERROR, MERKKI_ERROR_DECODE,
                               _("No QR code found in the image. Try a sharper, closer photo, "
                                 "or type the registration ID."));
      return;
    }

  g_task_return_pointer (task, payload, (GDestroyNotify) g_bytes_unref);
}

static void
on_decode_done_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  MerkkiScanPage *self = MERKKI_SCAN_PAGE (source);
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(GError) error = NULL;
  DecodeJob *job;

  payload = g_task_propagate_pointer (G_TASK (result), &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (payload == NULL)
    {
      show_toast (self, error->message);
      return;
    }

  job = g_task_get_task_data (G_TASK (result));
  self->payload_path = job->path;
  self->payload_texture = job->texture;
  emit_payload (self, payload);
  self->payload_path = NULL;
  self->payload_texture = NULL;
}

const char *
merkki_scan_page_get_payload_path (MerkkiScanPage *self)
{
  g_return_val_if_fail (MERKKI_IS_SCAN_PAGE (self), NULL);

  return self->payload_path;
}

GBytes *
merkki_scan_page_get_payload_frame (MerkkiScanPage *self,
                                    int            *width,
                                    int            *height)
{
  g_return_val_if_fail (MERKKI_IS_SCAN_PAGE (self), NULL);

  if (!self->payload_from_camera || self->camera == NULL)
    return NULL;

  return merkki_camera_get_code_frame (self->camera, width, height);
}

GdkTexture *
merkki_scan_page_get_payload_texture (MerkkiScanPage *self)
{
  g_return_val_if_fail (MERKKI_IS_SCAN_PAGE (self), NULL);

  return self->payload_texture;
}

static void
run_decode (MerkkiScanPage *self,
            DecodeJob      *job)
{
  g_autoptr(GTask) task = g_task_new (self, self->cancellable, on_decode_done_cb, NULL);

  g_task_set_source_tag (task, run_decode);
  g_task_set_task_data (task, job, (GDestroyNotify) decode_job_free);
  g_task_run_in_thread (task, decode_thread);
}

void
merkki_scan_page_check_file (MerkkiScanPage *self,
                             GFile          *file)
{
  DecodeJob *job;
  g_autofree char *path = NULL;

  g_return_if_fail (MERKKI_IS_SCAN_PAGE (self));
  g_return_if_fail (G_IS_FILE (file));

  path = g_file_get_path (file);
  if (path == NULL)
    {
      show_toast (self, _("Only files on this computer can be opened"));
      return;
    }

  job = g_new0 (DecodeJob, 1);
  job->path = g_steal_pointer (&path);
  run_decode (self, job);
}

/* Converts any texture to GRAY8 (Rec. 601 luma) for the decoder. */
static void
check_texture (MerkkiScanPage *self,
               GdkTexture     *texture)
{
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  gsize stride = (gsize) width * 4;
  g_autofree guint8 *bgra = NULL;
  guint8 *gray;
  DecodeJob *job;

  if (width <= 0 || height <= 0 || width > 16384 || height > 16384)
    {
      show_toast (self, _("The image is too large to read"));
      return;
    }

  bgra = g_malloc (stride * height);
  gdk_texture_download (texture, bgra, stride);
  gray = g_malloc ((gsize) width * height);
  for (gsize i = 0; i < (gsize) width * height; i++)
    {
      const guint8 *p = bgra + i * 4;

      gray[i] = (guint8) ((p[2] * 77 + p[1] * 150 + p[0] * 29) >> 8);
    }

  job = g_new0 (DecodeJob, 1);
  job->gray = g_bytes_new_take (gray, (gsize) width * height);
  job->width = width;
  job->height = height;
  job->texture = g_object_ref (texture);
  run_decode (self, job);
}

static void
on_file_chooser_response_cb (MerkkiScanPage       *self,
                             int                   response,
                             GtkFileChooserNative *chooser)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      if (file != NULL)
        merkki_scan_page_check_file (self, file);
    }

  g_clear_object (&self->file_chooser);
}

/* What gtk_file_filter_add_pixbuf_formats() does; GTK 4.8's own loses
 * each format's list of MIME types (never freed). */
static void
add_image_formats (GtkFileFilter *filter)
{
  GSList *formats = gdk_pixbuf_get_formats ();

  for (GSList *l = formats; l != NULL; l = l->next)
    {
      g_auto(GStrv) mime_types = gdk_pixbuf_format_get_mime_types (l->data);

      for (guint i = 0; mime_types != NULL && mime_types[i] != NULL; i++)
        gtk_file_filter_add_mime_type (filter, mime_types[i]);
    }
  g_slist_free (formats);
}

void
merkki_scan_page_open_image (MerkkiScanPage *self)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  g_return_if_fail (MERKKI_IS_SCAN_PAGE (self));

  if (self->file_chooser != NULL)
    return;

  /* GtkFileDialog needs GTK 4.10; the native chooser also uses the portal. */
  self->file_chooser = gtk_file_chooser_native_new (_("Open a Photo of the Label"),
                                                    GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                    GTK_FILE_CHOOSER_ACTION_OPEN,
                                                    _("_Open"), _("_Cancel"));
  gtk_file_filter_set_name (filter, _("Images"));
  add_image_formats (filter);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->file_chooser), filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->file_chooser), TRUE);
  g_signal_connect_object (self->file_chooser, "response",
                           G_CALLBACK (on_file_chooser_response_cb), self, G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->file_chooser));
}

/* Clipboard */

static void
on_read_texture_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(MerkkiScanPage) self = user_data;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;

  texture = gdk_clipboard_read_texture_finish (GDK_CLIPBOARD (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (texture == NULL)
    {
      show_toast (self, _("The image in the clipboard could not be read"));
      return;
    }

  check_texture (self, texture);
}

static void
on_read_text_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(MerkkiScanPage) self = user_data;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (text == NULL || g_strstrip (text)[0] == '\0')
    {
      show_toast (self, _("The clipboard holds no text or image"));
      return;
    }

  emit_text (self, text);
}

void
merkki_scan_page_paste (MerkkiScanPage *self)
{
  GdkClipboard *clipboard;
  GdkContentFormats *formats;

  g_return_if_fail (MERKKI_IS_SCAN_PAGE (self));

  clipboard = gtk_widget_get_clipboard (GTK_WIDGET (self));
  formats = gdk_clipboard_get_formats (clipboard);

  if (gdk_content_formats_contain_gtype (formats, GDK_TYPE_TEXTURE))
    gdk_clipboard_read_texture_async (clipboard, self->cancellable,
                                      on_read_texture_cb, g_object_ref (self));
  else if (gdk_content_formats_contain_gtype (formats, G_TYPE_STRING))
    gdk_clipboard_read_text_async (clipboard, self->cancellable,
                                   on_read_text_cb, g_object_ref (self));
  else
    show_toast (self, _("The clipboard holds no text or image"));
}

/* Drag and drop: image files, images, text. */
static gboolean
on_drop_cb (GtkDropTarget  *target,
            const GValue   *value,
            double          x,
            double          y,
            MerkkiScanPage *self)
{
  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      GSList *files = g_value_get_boxed (value);

      if (files == NULL)
        return FALSE;
      merkki_scan_page_check_file (self, files->data);
      return TRUE;
    }
  if (G_VALUE_HOLDS (value, GDK_TYPE_TEXTURE))
    {
      check_texture (self, g_value_get_object (value));
      return TRUE;
    }
  if (G_VALUE_HOLDS (value, G_TYPE_STRING))
    {
      emit_text (self, g_value_get_string (value));
      return TRUE;
    }

  return FALSE;
}

/* Typed references */

static void
on_reference_entry_activate_cb (MerkkiScanPage *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->reference_entry));

  emit_text (self, text);
}

static void
check_entry_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  on_reference_entry_activate_cb (MERKKI_SCAN_PAGE (widget));
}

void
merkki_scan_page_enter_reference (MerkkiScanPage *self)
{
  g_return_if_fail (MERKKI_IS_SCAN_PAGE (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->reference_entry));
}

void
merkki_scan_page_clear_entry (MerkkiScanPage *self)
{
  g_return_if_fail (MERKKI_IS_SCAN_PAGE (self));

  gtk_editable_set_text (GTK_EDITABLE (self->reference_entry), "");
}

static void
merkki_scan_page_dispose (GObject *object)
{
  MerkkiScanPage *self = MERKKI_SCAN_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  if (self->camera != NULL)
    {
      GListModel *devices = merkki_camera_get_devices (self->camera);

      if (self->camera_chooser != NULL)
        {
          g_signal_handlers_disconnect_by_data (self->camera_chooser, self);
          gtk_drop_down_set_model (self->camera_chooser, NULL);
        }
      if (devices != NULL)
        g_signal_handlers_disconnect_by_data (devices, self);
      g_signal_handlers_disconnect_by_data (self->camera, self);
      merkki_camera_stop (self->camera);
    }
  g_clear_object (&self->camera);
  if (self->file_chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->file_chooser));
  g_clear_object (&self->file_chooser);

  gtk_widget_dispose_template (GTK_WIDGET (self), MERKKI_TYPE_SCAN_PAGE);

  G_OBJECT_CLASS (merkki_scan_page_parent_class)->dispose (object);
}

static void
merkki_scan_page_finalize (GObject *object)
{
  MerkkiScanPage *self = MERKKI_SCAN_PAGE (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->pipeline, g_free);

  G_OBJECT_CLASS (merkki_scan_page_parent_class)->finalize (object);
}

static void
merkki_scan_page_class_init (MerkkiScanPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = merkki_scan_page_dispose;
  object_class->finalize = merkki_scan_page_finalize;

  signals[PAYLOAD_CHOSEN] =
    g_signal_new ("payload-chosen",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_BYTES);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/merkki/Merkki/ui/merkki-scan-page.ui");
  gtk_widget_class_bind_template_child (widget_class, MerkkiScanPage, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, MerkkiScanPage, camera_stack);
  gtk_widget_class_bind_template_child (widget_class, MerkkiScanPage, viewfinder);
  gtk_widget_class_bind_template_child (widget_class, MerkkiScanPage, camera_chooser);
  gtk_widget_class_bind_template_child (widget_class, MerkkiScanPage, error_page);
  gtk_widget_class_bind_template_child (widget_class, MerkkiScanPage, reference_entry);
  gtk_widget_class_bind_template_callback (widget_class, on_reference_entry_activate_cb);

  gtk_widget_class_install_action (widget_class, "scan.retry-camera", NULL, retry_camera_action);
  gtk_widget_class_install_action (widget_class, "scan.check-entry", NULL, check_entry_action);
}

static void
merkki_scan_page_init (MerkkiScanPage *self)
{
  GtkDropTarget *drop_target;
  GType drop_types[] = { GDK_TYPE_FILE_LIST, GDK_TYPE_TEXTURE, G_TYPE_STRING };
  g_autoptr(GtkExpression) name_expression = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = merkki_settings_new ();
  self->cancellable = g_cancellable_new ();
  self->scanning = TRUE;

  name_expression = gtk_cclosure_expression_new (G_TYPE_STRING, NULL, 0, NULL,
                                                 G_CALLBACK (device_name), NULL, NULL);
  gtk_drop_down_set_expression (self->camera_chooser, name_expression);

  drop_target = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  gtk_drop_target_set_gtypes (drop_target, drop_types, G_N_ELEMENTS (drop_types));
  g_signal_connect (drop_target, "drop", G_CALLBACK (on_drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop_target));
}
