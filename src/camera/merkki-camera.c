/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <gst/app/gstappsink.h>
#include <gst/video/video.h>

#include "merkki-decoder.h"
#include "merkki-camera-private.h"

/* At most this many frames a second go to the decoder. */
#define SCAN_MAX_RATE 10
/* After a hit, frames of the next second are not decoded: the person is
 * looking at the result, and the camera would report the code again. */
#define PAUSE_AFTER_HIT (1 * GST_SECOND)

/* The scan branch is throttled by a pad probe rather than videorate: a
 * videorate with max-rate in one branch of the tee makes a camera that
 * offers several frame rates settle on the lowest one for both branches,
 * and the viewfinder would stutter at 10 fps. */
/* Everything after the source. The display branch keeps one BGRA frame and
 * drops the rest; the scan branch converts fewer frames to GRAY8 for the
 * decoder. Queues, sinks and their leakiness are set up in code, per mode.
 * The tee takes BGRA: left free, it settles on GRAY8 (the scan branch's
 * format, which the display branch's converter also accepts) and the
 * viewfinder shows the colour camera in grey. */
#define PIPELINE_TAIL \
  "videoconvert ! video/x-raw,format=BGRA ! tee name=merkki_tee " \
  "merkki_tee. ! queue name=merkki_display_queue ! videoconvert " \
  "  ! video/x-raw,format=BGRA ! appsink name=merkki_display " \
  "merkki_tee. ! queue name=merkki_scan_queue " \
  "  ! videoconvert ! video/x-raw,format=GRAY8 ! appsink name=merkki_scan"

typedef enum {
  EVENT_CODE,
  EVENT_END_OF_STREAM,
} EventType;

typedef struct {
  EventType  type;
  GBytes    *payload;
  char      *text;
  GstSample *sample;   /* EVENT_CODE: the frame the code was read from */
} Event;

struct _MerkkiCamera
{
  GObject             parent_instance;

  /* Owner side: touched only in the thread of @context. */
  char               *description;
  char               *device_id;
  gboolean            every_frame;
  MerkkiCameraState   state;
  GError             *error;
  gboolean            wanted;        /* start() called, stop() not yet */

  GListStore         *devices;
  GstDeviceMonitor   *monitor;
  GSource            *monitor_source;
  GMainContext       *monitor_context;
  MerkkiCameraDevice *active_device;

  GMainContext       *context;       /* of the caller of start() */
  GstElement         *pipeline;
  GSource            *bus_source;
  GSource            *dispatch_source;
  GstSample          *code_sample;   /* while "code-found" is emitted */
  GCancellable       *portal_cancellable;
  GThread            *worker;
  int                 portal_fd;

  /* Shared with the streaming threads and the worker, under @lock. */
  GMutex              lock;
  GCond               cond;
  gboolean            scanning;
  gboolean            flushing;      /* stopping: nothing waits, nothing is queued */
  gboolean            end_of_stream; /* for the worker, after the last frame */
  GstSample          *scan_sample;   /* the next frame for the worker */
  GstClockTime        pause_until;   /* running time; frames before it are skipped */
  GstClockTime        last_scan_pts; /* streaming thread only: the last frame let into the scan branch */
  GPtrArray          *last_payloads; /* GBytes of the last reported hit */
  GstSample          *display_sample;
  GQueue              events;        /* Event*, in order, for the owner */
};

G_DEFINE_FINAL_TYPE (MerkkiCamera, merkki_camera, G_TYPE_OBJECT)
G_DEFINE_QUARK (merkki-camera-error-quark, merkki_camera_error)

enum {
  PROP_0,
  PROP_STATE,
  PROP_DEVICES,
  N_PROPS
};

enum {
  SIGNAL_FRAME,
  SIGNAL_CODE_FOUND,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

GType
merkki_camera_state_get_type (void)
{
  static gsize type_id = 0;

  if (g_once_init_enter (&type_id))
    {
      static const GEnumValue values[] = {
        { MERKKI_CAMERA_STATE_IDLE, "MERKKI_CAMERA_STATE_IDLE", "idle" },
        { MERKKI_CAMERA_STATE_STARTING, "MERKKI_CAMERA_STATE_STARTING", "starting" },
        { MERKKI_CAMERA_STATE_PLAYING, "MERKKI_CAMERA_STATE_PLAYING", "playing" },
        { MERKKI_CAMERA_STATE_NO_CAMERA, "MERKKI_CAMERA_STATE_NO_CAMERA", "no-camera" },
        { MERKKI_CAMERA_STATE_PERMISSION_DENIED, "MERKKI_CAMERA_STATE_PERMISSION_DENIED", "permission-denied" },
        { MERKKI_CAMERA_STATE_BUSY, "MERKKI_CAMERA_STATE_BUSY", "busy" },
        { MERKKI_CAMERA_STATE_GONE, "MERKKI_CAMERA_STATE_GONE", "gone" },
        { MERKKI_CAMERA_STATE_END_OF_STREAM, "MERKKI_CAMERA_STATE_END_OF_STREAM", "end-of-stream" },
        { MERKKI_CAMERA_STATE_ERROR, "MERKKI_CAMERA_STATE_ERROR", "error" },
        { 0, NULL, NULL },
      };
      GType type = g_enum_register_static ("MerkkiCameraState", values);

      g_once_init_leave (&type_id, type);
    }

  return type_id;
}

static void
event_free (gpointer data)
{
  Event *event = data;

  g_clear_pointer (&event->payload, g_bytes_unref);
  g_clear_pointer (&event->sample, gst_sample_unref);
  g_free (event->text);
  g_free (event);
}

static void
set_state (MerkkiCamera      *self,
           MerkkiCameraState  state)
{
  if (self->state == state)
    return;

  g_debug ("Camera state %d → %d", self->state, state);
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static MerkkiCameraState
state_for_error (const GError *error)
{
  if (error->domain != MERKKI_CAMERA_ERROR)
    return MERKKI_CAMERA_STATE_ERROR;

  switch ((MerkkiCameraError) error->code)
    {
    case MERKKI_CAMERA_ERROR_NO_CAMERA:
      return MERKKI_CAMERA_STATE_NO_CAMERA;
    case MERKKI_CAMERA_ERROR_PERMISSION_DENIED:
      return MERKKI_CAMERA_STATE_PERMISSION_DENIED;
    case MERKKI_CAMERA_ERROR_BUSY:
      return MERKKI_CAMERA_STATE_BUSY;
    case MERKKI_CAMERA_ERROR_GONE:
      return MERKKI_CAMERA_STATE_GONE;
    case MERKKI_CAMERA_ERROR_PIPELINE:
    case MERKKI_CAMERA_ERROR_FAILED:
    default:
      return MERKKI_CAMERA_STATE_ERROR;
    }
}

static void teardown (MerkkiCamera *self);

/* Ends the run with @error (taken) and the state it implies. */
static void
fail (MerkkiCamera *self,
      GError       *error)
{
  g_debug ("Camera failed: %s", error->message);
  teardown (self);
  g_clear_error (&self->error);
  self->error = error;
  set_state (self, state_for_error (error));
}

/* Dispatch to the owner's context */

static void
video_frame_free (GstVideoFrame *frame)
{
  gst_video_frame_unmap (frame);
  g_free (frame);
}

static gboolean
dispatch_cb (gpointer user_data)
{
  MerkkiCamera *self = user_data;
  g_autoptr(MerkkiCamera) hold = g_object_ref (self);
  GSource *source = g_main_current_source ();
  g_autoptr(GstSample) sample = NULL;
  GQueue events = G_QUEUE_INIT;

  g_source_set_ready_time (source, -1);

  g_mutex_lock (&self->lock);
  sample = g_steal_pointer (&self->display_sample);
  events = self->events;
  g_queue_init (&self->events);
  g_mutex_unlock (&self->lock);

  if (sample != NULL)
    {
      GstVideoInfo info;
      GstVideoFrame *frame = g_new0 (GstVideoFrame, 1);

      if (gst_video_info_from_caps (&info, gst_sample_get_caps (sample))
          && gst_video_frame_map (frame, &info, gst_sample_get_buffer (sample), GST_MAP_READ))
        {
          int stride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0);
          int height = GST_VIDEO_FRAME_HEIGHT (frame);
          g_autoptr(GBytes) bgra = NULL;

          /* The bytes keep the buffer mapped: no copy of the frame. */
          bgra = g_bytes_new_with_free_func (GST_VIDEO_FRAME_PLANE_DATA (frame, 0),
                                             (gsize) stride * height,
                                             (GDestroyNotify) video_frame_free,
                                             frame);
          g_signal_emit (self, signals[SIGNAL_FRAME], 0, bgra,
                         GST_VIDEO_FRAME_WIDTH (frame), height, stride);
        }
      else
        g_free (frame);
    }

  while (!g_queue_is_empty (&events))
    {
      Event *event = g_queue_pop_head (&events);

      /* A handler may have stopped or restarted the camera: what this
       * source still holds belongs to a run that is over. */
      if (self->dispatch_source == source)
        {
          switch (event->type)
            {
            case EVENT_CODE:
              self->code_sample = event->sample;
              g_signal_emit (self, signals[SIGNAL_CODE_FOUND], 0, event->payload, event->text);
              self->code_sample = NULL;
              break;
            case EVENT_END_OF_STREAM:
              teardown (self);
              set_state (self, MERKKI_CAMERA_STATE_END_OF_STREAM);
              break;
            default:
              g_assert_not_reached ();
            }
        }
      event_free (event);
    }

  return G_SOURCE_CONTINUE;
}

/* A source with neither prepare nor check: it runs when its ready time is
 * reached, which any thread may set. */
static gboolean
dispatch_source_dispatch (GSource     *source,
                          GSourceFunc  callback,
                          gpointer     user_data)
{
  return callback (user_data);
}

static GSourceFuncs dispatch_funcs = { .dispatch = dispatch_source_dispatch };

/* Wakes the owner's context; callable from any thread while the run is on
 * (teardown stops the threads before it destroys the source). */
static void
wake_owner (MerkkiCamera *self)
{
  g_source_set_ready_time (self->dispatch_source, 0);
}

/* Streaming threads */

static GstFlowReturn
on_display_sample_cb (GstAppSink *sink,
                      gpointer    user_data)
{
  MerkkiCamera *self = user_data;
  GstSample *sample = gst_app_sink_pull_sample (sink);

  if (sample == NULL)
    return GST_FLOW_EOS;

  g_mutex_lock (&self->lock);
  if (self->flushing)
    {
      g_mutex_unlock (&self->lock);
      gst_sample_unref (sample);
      return GST_FLOW_FLUSHING;
    }
  /* Only the latest frame matters to a viewfinder. */
  g_clear_pointer (&self->display_sample, gst_sample_unref);
  self->display_sample = sample;
  g_mutex_unlock (&self->lock);

  wake_owner (self);
  return GST_FLOW_OK;
}

static GstClockTime
sample_running_time (GstSample *sample)
{
  GstBuffer *buffer = gst_sample_get_buffer (sample);
  const GstSegment *segment = gst_sample_get_segment (sample);
  GstClockTime pts = GST_BUFFER_PTS (buffer);

  if (!GST_CLOCK_TIME_IS_VALID (pts) || segment == NULL)
    return g_get_monotonic_time () * GST_USECOND;

  return gst_segment_to_running_time (segment, GST_FORMAT_TIME, pts);
}

static GstFlowReturn
on_scan_sample_cb (GstAppSink *sink,
                   gpointer    user_data)
{
  MerkkiCamera *self = user_data;
  g_autoptr(GstSample) sample = gst_app_sink_pull_sample (sink);
  GstClockTime running_time;

  if (sample == NULL)
    return GST_FLOW_EOS;

  running_time = sample_running_time (sample);

  g_mutex_lock (&self->lock);

  if (self->every_frame)
    {
      /* Back-pressure instead of dropping: a file is read as fast as the
       * decoder goes, and every throttled frame is looked at. */
      while (self->scan_sample != NULL && !self->flushing)
        g_cond_wait (&self->cond, &self->lock);
    }

  if (!self->flushing
      && self->scanning
      && (!GST_CLOCK_TIME_IS_VALID (self->pause_until) || running_time >= self->pause_until))
    {
      /* A frame still waiting is older than this one: drop it. */
      g_clear_pointer (&self->scan_sample, gst_sample_unref);
      self->scan_sample = g_steal_pointer (&sample);
      g_cond_broadcast (&self->cond);
    }

  g_mutex_unlock (&self->lock);

  return GST_FLOW_OK;
}

/* The worker thread */

static gboolean
payloads_contain (GPtrArray *payloads,
                  GBytes    *payload)
{
  for (guint i = 0; payloads != NULL && i < payloads->len; i++)
    {
      if (g_bytes_equal (g_ptr_array_index (payloads, i), payload))
        return TRUE;
    }
  return FALSE;
}

/* Called with the lock held. Queues the codes of @codes that were not in the
 * last hit, and starts the pause when there is one. */
static void
report_codes_locked (MerkkiCamera *self,
                     GPtrArray    *codes,
                     GstSample    *sample,
                     GstClockTime  running_time)
{
  g_autoptr(GPtrArray) payloads = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  gboolean reported = FALSE;

  for (guint i = 0; i < codes->len; i++)
    {
      MerkkiDecodedCode *code = g_ptr_array_index (codes, i);

      /* The same code twice in one frame counts once. */
      if (payloads_contain (payloads, code->payload))
        continue;

      g_ptr_array_add (payloads, g_bytes_ref (code->payload));
      if (!payloads_contain (self->last_payloads, code->payload))
        {
          Event *event = g_new0 (Event, 1);

          event->type = EVENT_CODE;
          event->payload = g_bytes_ref (code->payload);
          event->text = g_strdup (code->text);
          /* A reference, not a copy: most frames are never asked for. */
          event->sample = gst_sample_ref (sample);
          g_queue_push_tail (&self->events, event);
          reported = TRUE;
        }
    }

  if (reported)
    {
      g_clear_pointer (&self->last_payloads, g_ptr_array_unref);
      self->last_payloads = g_steal_pointer (&payloads);
      self->pause_until = running_time + PAUSE_AFTER_HIT;
    }
}

static gpointer
worker_thread (gpointer user_data)
{
  MerkkiCamera *self = user_data;
  g_autoptr(MerkkiDecoder) decoder = merkki_decoder_new ();

  g_mutex_lock (&self->lock);

  while (!self->flushing)
    {
      g_autoptr(GstSample) sample = NULL;
      g_autoptr(GPtrArray) codes = NULL;
      GstVideoInfo info;
      GstVideoFrame frame;
      GstClockTime running_time;

      if (self->scan_sample == NULL)
        {
          if (self->end_of_stream)
            {
              Event *event = g_new0 (Event, 1);

              /* After the last frame's codes, so that the owner sees them
               * before the end. */
              self->end_of_stream = FALSE;
              event->type = EVENT_END_OF_STREAM;
              g_queue_push_tail (&self->events, event);
              wake_owner (self);
              continue;
            }
          g_cond_wait (&self->cond, &self->lock);
          continue;
        }

      sample = g_steal_pointer (&self->scan_sample);
      /* Wakes a streaming thread waiting to hand over the next frame. */
      g_cond_broadcast (&self->cond);
      g_mutex_unlock (&self->lock);

      running_time = sample_running_time (sample);
      if (gst_video_info_from_caps (&info, gst_sample_get_caps (sample))
          && gst_video_frame_map (&frame, &info, gst_sample_get_buffer (sample), GST_MAP_READ))
        {
          codes = merkki_decoder_decode_gray8 (decoder,
                                               GST_VIDEO_FRAME_PLANE_DATA (&frame, 0),
                                               GST_VIDEO_FRAME_WIDTH (&frame),
                                               GST_VIDEO_FRAME_HEIGHT (&frame),
                                               GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0),
                                               MERKKI_DECODE_LIVE);
          gst_video_frame_unmap (&frame);
        }
      g_debug ("Scanned the frame at %" GST_TIME_FORMAT ": %u codes",
               GST_TIME_ARGS (running_time), codes != NULL ? codes->len : 0);

      g_mutex_lock (&self->lock);
      if (codes != NULL && codes->len > 0 && self->scanning && !self->flushing)
        {
          report_codes_locked (self, codes, sample, running_time);
          if (!g_queue_is_empty (&self->events))
            wake_owner (self);
        }
    }

  g_mutex_unlock (&self->lock);

  return NULL;
}

/* Pipeline */

/* Stops the run: no thread of it is left and nothing of it is delivered. */
static void
teardown (MerkkiCamera *self)
{
  g_cancellable_cancel (self->portal_cancellable);
  g_clear_object (&self->portal_cancellable);

  g_mutex_lock (&self->lock);
  self->flushing = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  if (self->pipeline != NULL)
    {
      gst_element_set_state (self->pipeline, GST_STATE_NULL);
      gst_clear_object (&self->pipeline);
    }

  if (self->worker != NULL)
    g_thread_join (g_steal_pointer (&self->worker));

  if (self->bus_source != NULL)
    {
      g_source_destroy (self->bus_source);
      g_clear_pointer (&self->bus_source, g_source_unref);
    }
  if (self->dispatch_source != NULL)
    {
      g_source_destroy (self->dispatch_source);
      g_clear_pointer (&self->dispatch_source, g_source_unref);
    }

  if (self->portal_fd >= 0)
    {
      /* pipewiresrc connects with a duplicate; this one is still ours. */
      close (self->portal_fd);
      self->portal_fd = -1;
    }

  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->scan_sample, gst_sample_unref);
  g_clear_pointer (&self->display_sample, gst_sample_unref);
  g_queue_clear_full (&self->events, event_free);
  self->end_of_stream = FALSE;
  g_mutex_unlock (&self->lock);

  g_clear_object (&self->active_device);
  g_clear_pointer (&self->context, g_main_context_unref);
}

static gboolean
error_is_busy (const GError *error,
               const char   *debug,
               gboolean      from_camera)
{
  g_autofree char *ebusy = g_utf8_strdown (g_strerror (EBUSY), -1);
  g_autofree char *message = g_utf8_strdown (error->message, -1);
  g_autofree char *details = g_utf8_strdown (debug != NULL ? debug : "", -1);

  if (g_error_matches (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_BUSY))
    return TRUE;
  if (!from_camera)
    return FALSE;

  /* v4l2src reports a held camera in several ways; EBUSY is in all of them. */
  return strstr (message, "busy") != NULL
         || strstr (details, ebusy) != NULL
         || strstr (details, "device or resource busy") != NULL;
}

static gboolean
error_is_gone (const GError *error,
               const char   *debug)
{
  return (debug != NULL && (strstr (debug, g_strerror (ENODEV)) != NULL
                            || strstr (debug, "No such device") != NULL))
         || g_error_matches (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND);
}

/* Turns a GStreamer error into what the person can do about it. */
static GError *
classify_error (MerkkiCamera *self,
                const GError *error,
                const char   *debug)
{
  gboolean from_camera = self->active_device != NULL || self->portal_fd >= 0;

  g_debug ("GStreamer error: %s (%s)", error->message, debug != NULL ? debug : "");

  /* A description may name a camera too ("v4l2src device=/dev/video2"). */
  if (error_is_busy (error, debug, from_camera))
    return g_error_new_literal (MERKKI_CAMERA_ERROR, MERKKI_CAMERA_ERROR_BUSY,
                                _("The camera is in use by another program. Close it, or open a photo of the label instead."));

  if (from_camera && error_is_gone (error, debug))
    {
      if (self->state == MERKKI_CAMERA_STATE_PLAYING)
        return g_error_new_literal (MERKKI_CAMERA_ERROR, MERKKI_CAMERA_ERROR_GONE,
                                    _("The camera was disconnected"));
      return g_error_new_literal (MERKKI_CAMERA_ERROR, MERKKI_CAMERA_ERROR_NO_CAMERA,
                                  _("The camera could not be found"));
    }

  if (from_camera)
    return g_error_new (MERKKI_CAMERA_ERROR, MERKKI_CAMERA_ERROR_FAILED,
                        _("The camera stopped working: %s"), error->message);

  return g_error_new (MERKKI_CAMERA_ERROR, MERKKI_CAMERA_ERROR_FAILED,
                      _("The video could not be played: %s"), error->message);
}

static gboolean
on_bus_message_cb (GstBus     *bus,
                   GstMessage *message,
                   gpointer    user_data)
{
  MerkkiCamera *self = user_data;
  GstMessageType type = GST_MESSAGE_TYPE (message);

  if (type == GST_MESSAGE_ERROR)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *debug = NULL;

      gst_message_parse_error (message, &error, &debug);
      fail (self, classify_error (self, error, debug));
      return G_SOURCE_REMOVE;
    }
  else if (type == GST_MESSAGE_EOS)
    {
      /* The worker reports the end after the frames it still has. */
      g_mutex_lock (&self->lock);
      self->end_of_stream = TRUE;
      g_cond_broadcast (&self->cond);
      g_mutex_unlock (&self->lock);
    }
  else if (type == GST_MESSAGE_STATE_CHANGED
           && GST_MESSAGE_SRC (message) == GST_OBJECT (self->pipeline))
    {
      GstState new_state;

      gst_message_parse_state_changed (message, NULL, &new_state, NULL);
      if (new_state == GST_STATE_PLAYING && self->state == MERKKI_CAMERA_STATE_STARTING)
        set_state (self, MERKKI_CAMERA_STATE_PLAYING);
    }
  else if (type == GST_MESSAGE_WARNING)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *debug = NULL;

      gst_message_parse_warning (message, &error, &debug);
      g_debug ("GStreamer warning: %s (%s)", error->message, debug != NULL ? debug : "");
    }

  return G_SOURCE_CONTINUE;
}

/* Queues and sinks per source and mode:
 *
 * - A live source (a camera) delivers frames at its own pace: both queues
 *   leak, so a slow viewfinder or decoder drops frames and never delays
 *   the other branch; the sinks do not wait for the clock.
 * - A recorded video played for a person is paced to real time by the
 *   sinks' clock; nothing else would hold back the file, so the queues must
 *   not leak (a leaking queue would let the decoder race through the file
 *   and drop nearly every frame). The worker's one-frame slot still drops
 *   frames while a decode is under way.
 * - A recorded video read by a program (every frame): no clock; the scan
 *   branch holds the file back to the decoder's pace, the display branch
 *   leaks. */
static void
configure_queues (MerkkiCamera *self,
                  gboolean      live)
{
  g_autoptr(GstElement) display_queue = gst_bin_get_by_name (GST_BIN (self->pipeline), "merkki_display_queue");
  g_autoptr(GstElement) scan_queue = gst_bin_get_by_name (GST_BIN (self->pipeline), "merkki_scan_queue");

  g_object_set (display_queue,
                "leaky", (live || self->every_frame) ? 2 /* downstream */ : 0,
                "max-size-buffers", 1, "max-size-bytes", 0, "max-size-time", (guint64) 0,
                NULL);
  g_object_set (scan_queue,
                "leaky", (live && !self->every_frame) ? 2 : 0,
                "max-size-buffers", 1, "max-size-bytes", 0, "max-size-time", (guint64) 0,
                NULL);
}

static void
configure_branches (MerkkiCamera *self,
                    gboolean      live)
{
  g_autoptr(GstElement) display = gst_bin_get_by_name (GST_BIN (self->pipeline), "merkki_display");
  g_autoptr(GstElement) scan = gst_bin_get_by_name (GST_BIN (self->pipeline), "merkki_scan");
  GstAppSinkCallbacks display_callbacks = { .new_sample = on_display_sample_cb };
  GstAppSinkCallbacks scan_callbacks = { .new_sample = on_scan_sample_cb };
  gboolean sync = !live && !self->every_frame;

  configure_queues (self, live);
  g_object_set (display,
                "max-buffers", 1, "drop", TRUE, "sync", sync,
                "enable-last-sample", FALSE, "qos", FALSE,
                NULL);
  g_object_set (scan,
                "max-buffers", 1, "drop", !self->every_frame, "sync", sync,
                "enable-last-sample", FALSE, "qos", FALSE,
                NULL);

  gst_app_sink_set_callbacks (GST_APP_SINK (display), &display_callbacks, self, NULL);
  gst_app_sink_set_callbacks (GST_APP_SINK (scan), &scan_callbacks, self, NULL);
}

/* Lets at most SCAN_MAX_RATE frames a second into the scan branch, by
 * their timestamps, before they are converted to GRAY8. */
static GstPadProbeReturn
on_scan_buffer_probe_cb (GstPad          *pad,
                         GstPadProbeInfo *info,
                         gpointer         user_data)
{
  MerkkiCamera *self = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClockTime pts = buffer != NULL ? GST_BUFFER_PTS (buffer) : GST_CLOCK_TIME_NONE;

  if (!GST_CLOCK_TIME_IS_VALID (pts))
    return GST_PAD_PROBE_OK;

  /* A seek or a new segment can make time go backwards: start again. */
  if (GST_CLOCK_TIME_IS_VALID (self->last_scan_pts) &&
      pts >= self->last_scan_pts &&
      pts - self->last_scan_pts < GST_SECOND / SCAN_MAX_RATE)
    return GST_PAD_PROBE_DROP;

  self->last_scan_pts = pts;
  return GST_PAD_PROBE_OK;
}

static void
throttle_scan_branch (MerkkiCamera *self)
{
  g_autoptr(GstElement) scan_queue = gst_bin_get_by_name (GST_BIN (self->pipeline), "merkki_scan_queue");
  g_autoptr(GstPad) pad = gst_element_get_static_pad (scan_queue, "sink");

  self->last_scan_pts = GST_CLOCK_TIME_NONE;
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_scan_buffer_probe_cb, self, NULL);
}

/* Builds the pipeline around @source (a camera's element, taken) or
 * @description, and starts it. */
static gboolean
launch (MerkkiCamera  *self,
        GstElement    *source,
        const char    *description,
        GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GstBus) bus = NULL;
  g_autofree char *full = NULL;
  GstElement *pipeline;
  GstStateChangeReturn ret;

  if (source != NULL)
    full = g_strdup ("decodebin name=merkki_decode ! " PIPELINE_TAIL);
  else
    full = g_strdup_printf ("%s ! " PIPELINE_TAIL, description);

  pipeline = gst_parse_launch_full (full, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &local_error);
  if (pipeline == NULL || local_error != NULL)
    {
      gst_clear_object (&pipeline);
      if (source != NULL)
        gst_object_unref (gst_object_ref_sink (source));
      g_set_error (error, MERKKI_CAMERA_ERROR, MERKKI_CAMERA_ERROR_PIPELINE,
                   _("The video pipeline “%s” is not valid: %s"),
                   description != NULL ? description : "camera",
                   local_error != NULL ? local_error->message : "");
      return FALSE;
    }
  self->pipeline = gst_object_ref_sink (pipeline);

  if (source != NULL)
    {
      g_autoptr(GstElement) decode = gst_bin_get_by_name (GST_BIN (self->pipeline), "merkki_decode");

      gst_bin_add (GST_BIN (self->pipeline), source);
      if (!gst_element_link (source, decode))
        {
          g_set_error_literal (error, MERKKI_CAMERA_ERROR, MERKKI_CAMERA_ERROR_FAILED,
                               _("The camera gives no video Merkki can read"));
          return FALSE;
        }
    }

  configure_branches (self, source != NULL);
  throttle_scan_branch (self);

  bus = gst_element_get_bus (self->pipeline);
  self->bus_source = gst_bus_create_watch (bus);
  g_source_set_callback (self->bus_source, (GSourceFunc) on_bus_message_cb, self, NULL);
  g_source_attach (self->bus_source, self->context);

  self->worker = g_thread_new ("merkki-scan", worker_thread, self);

  ret = gst_element_set_state (self->pipeline, GST_STATE_PLAYING);
  /* A description can be live too ("v4l2src", "videotestsrc is-live=1"). */
  if (ret == GST_STATE_CHANGE_NO_PREROLL && source == NULL)
    configure_queues (self, TRUE);
  if (ret == GST_STATE_CHANGE_FAILURE)
    {
      g_autoptr(GstMessage) message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);

      if (message != NULL)
        {
          g_autoptr(GError) gst_error = NULL;
          g_autofree char *debug = NULL;

          gst_message_parse_error (message, &gst_error, &debug);
          g_propagate_error (error, classify_error (self, gst_error, debug));
        }
      else
        {
          g_set_error_literal (error, MERKKI_CAMERA_ERROR, MERKKI_CAMERA_ERROR_FAILED,
                               _("The video could not be started"));
        }
      return FALSE;
    }

  return TRUE;
}

/* Devices */

static gboolean
find_device (MerkkiCamera        *self,
             const char          *key,
             MerkkiCameraDevice **out_device,
             guint               *out_position)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->devices));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(MerkkiCameraDevice) device = g_list_model_get_item (G_LIST_MODEL (self->devices), i);

      if (g_str_equal (_merkki_camera_device_get_key (device), key))
        {
          if (out_device != NULL)
            *out_device = g_steal_pointer (&device);
          if (out_position != NULL)
            *out_position = i;
          return TRUE;
        }
    }

  return FALSE;
}

static void
add_device (MerkkiCamera *self,
            GstDevice    *gst_device)
{
  g_autoptr(MerkkiCameraDevice) device = NULL;
  g_autoptr(MerkkiCameraDevice) existing = NULL;
  guint position;

  if (!_merkki_camera_device_is_usable (gst_device))
    return;

  device = _merkki_camera_device_new (gst_device);

  /* The same camera through another provider: keep the better one. */
  if (find_device (self, _merkki_camera_device_get_key (device), &existing, &position))
    {
      if (_merkki_camera_device_get_rank (device) < _merkki_camera_device_get_rank (existing))
        g_list_store_splice (self->devices, position, 1, (gpointer *) &device, 1);
      return;
    }

  g_list_store_append (self->devices, device);
}

static void remove_device (MerkkiCamera *self, GstDevice *gst_device, gboolean unplugged);

static gboolean
on_monitor_message_cb (GstBus     *bus,
                       GstMessage *message,
                       gpointer    user_data)
{
  MerkkiCamera *self = user_data;
  GstMessageType type = GST_MESSAGE_TYPE (message);
  g_autoptr(GstDevice) device = NULL;

  if (type == GST_MESSAGE_DEVICE_ADDED)
    {
      gst_message_parse_device_added (message, &device);
      add_device (self, device);
      /* Plugged (back) in while the caller still wants video. */
      if (self->wanted
          && self->description == NULL
          && (self->state == MERKKI_CAMERA_STATE_NO_CAMERA || self->state == MERKKI_CAMERA_STATE_GONE))
        merkki_camera_start (self, NULL);
    }
  else if (type == GST_MESSAGE_DEVICE_REMOVED)
    {
      gst_message_parse_device_removed (message, &device);
      remove_device (self, device, TRUE);
    }
  else if (type == GST_MESSAGE_DEVICE_CHANGED)
    {
      g_autoptr(GstDevice) old_device = NULL;

      gst_message_parse_device_changed (message, &device, &old_device);
      remove_device (self, old_device, FALSE);
      add_device (self, device);
    }

  return G_SOURCE_CONTINUE;
}

static void
remove_device (MerkkiCamera *self,
               GstDevice    *gst_device,
               gboolean      unplugged)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->devices));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(MerkkiCameraDevice) device = g_list_model_get_item (G_LIST_MODEL (self->devices), i);

      if (_merkki_camera_device_get_device (device) != gst_device)
        continue;

      g_list_store_remove (self->devices, i);

      if (unplugged && device == self->active_device)
        {
          fail (self, g_error_new_literal (MERKKI_CAMERA_ERROR, MERKKI_CAMERA_ERROR_GONE,
                                           _("The camera was disconnected")));
        }
      return;
    }
}

static void
ensure_monitor (MerkkiCamera *self)
{
  g_autoptr(GstBus) bus = NULL;
  GList *devices;

  if (self->monitor != NULL || _merkki_camera_in_sandbox ())
    return;

  self->monitor = gst_device_monitor_new ();
  gst_device_monitor_add_filter (self->monitor, "Video/Source", NULL);

  bus = gst_device_monitor_get_bus (self->monitor);
  self->monitor_context = g_main_context_ref_thread_default ();
  self->monitor_source = gst_bus_create_watch (bus);
  g_source_set_callback (self->monitor_source, (GSourceFunc) on_monitor_message_cb, self, NULL);
  g_source_attach (self->monitor_source, self->monitor_context);

  if (!gst_device_monitor_start (self->monitor))
    {
      g_debug ("No device provider for cameras could start");
      return;
    }

  devices = gst_device_monitor_get_devices (self->monitor);
  for (GList *l = devices; l != NULL; l = l->next)
    add_device (self, l->data);
  g_list_free_full (devices, gst_object_unref);
}

/* The selected camera if it is there, else the first one. */
static MerkkiCameraDevice *
choose_device (MerkkiCamera *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->devices));

  for (guint i = 0; self->device_id != NULL && i < n; i++)
    {
      g_autoptr(MerkkiCameraDevice) device = g_list_model_get_item (G_LIST_MODEL (self->devices), i);

      if (g_str_equal (merkki_camera_device_get_id (device), self->device_id))
        return g_steal_pointer (&device);
    }

  return n > 0 ? g_list_model_get_item (G_LIST_MODEL (self->devices), 0) : NULL;
}

/* Portal */

static void
on_portal_opened_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(MerkkiCamera) self = user_data;
  g_autoptr(GError) error = NULL;
  GstElement *source;
  int fd;

  fd = _merkki_camera_portal_open_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (fd < 0)
    {
      fail (self, g_steal_pointer (&error));
      return;
    }

  self->portal_fd = fd;
  source = gst_element_factory_make ("pipewiresrc", NULL);
  if (source == NULL)
    {
      fail (self, g_error_new_literal (MERKKI_CAMERA_ERROR, MERKKI_CAMERA_ERROR_FAILED,
                                       _("The PipeWire plugin of GStreamer is missing")));
      return;
    }
  g_object_set (source, "fd", fd, NULL);

  if (!launch (self, source, NULL, &error))
    fail (self, g_steal_pointer (&error));
}

/* GObject */

static void
merkki_camera_dispose (GObject *object)
{
  MerkkiCamera *self = MERKKI_CAMERA (object);

  teardown (self);

  if (self->monitor != NULL)
    {
      gst_device_monitor_stop (self->monitor);
      gst_clear_object (&self->monitor);
    }
  if (self->monitor_source != NULL)
    {
      g_source_destroy (self->monitor_source);
      g_clear_pointer (&self->monitor_source, g_source_unref);
    }
  g_clear_pointer (&self->monitor_context, g_main_context_unref);
  if (self->devices != NULL)
    g_list_store_remove_all (self->devices);

  G_OBJECT_CLASS (merkki_camera_parent_class)->dispose (object);
}

static void
merkki_camera_finalize (GObject *object)
{
  MerkkiCamera *self = MERKKI_CAMERA (object);

  g_clear_object (&self->devices);
  g_clear_pointer (&self->description, g_free);
  g_clear_pointer (&self->device_id, g_free);
  g_clear_error (&self->error);
  g_clear_pointer (&self->last_payloads, g_ptr_array_unref);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (merkki_camera_parent_class)->finalize (object);
}

static void
merkki_camera_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  MerkkiCamera *self = MERKKI_CAMERA (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_DEVICES:
      g_value_set_object (value, merkki_camera_get_devices (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
merkki_camera_class_init (MerkkiCameraClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = merkki_camera_dispose;
  object_class->finalize = merkki_camera_finalize;
  object_class->get_property = merkki_camera_get_property;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       MERKKI_TYPE_CAMERA_STATE, MERKKI_CAMERA_STATE_IDLE,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DEVICES] =
    g_param_spec_object ("devices", NULL, NULL,
                         G_TYPE_LIST_MODEL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_FRAME] =
    g_signal_new ("frame", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 4, G_TYPE_BYTES, G_TYPE_INT, G_TYPE_INT, G_TYPE_INT);
  signals[SIGNAL_CODE_FOUND] =
    g_signal_new ("code-found", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_BYTES, G_TYPE_STRING);
}

static void
merkki_camera_init (MerkkiCamera *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  g_queue_init (&self->events);
  self->devices = g_list_store_new (MERKKI_TYPE_CAMERA_DEVICE);
  self->scanning = TRUE;
  self->pause_until = GST_CLOCK_TIME_NONE;
  self->portal_fd = -1;
}

MerkkiCamera *
merkki_camera_new (void)
{
  MerkkiCamera *self;
  const char *description = g_getenv ("MERKKI_CAMERA_PIPELINE");

  if (!gst_is_initialized ())
    gst_init (NULL, NULL);

  self = g_object_new (MERKKI_TYPE_CAMERA, NULL);
  if (description != NULL && *description != '\0')
    self->description = g_strdup (description);

  return self;
}

void
merkki_camera_set_pipeline_description (MerkkiCamera *self,
                                        const char   *description)
{
  g_return_if_fail (MERKKI_IS_CAMERA (self));

  g_free (self->description);
  self->description = (description != NULL && *description != '\0') ? g_strdup (description) : NULL;
}

void
merkki_camera_set_scan_every_frame (MerkkiCamera *self,
                                    gboolean      every_frame)
{
  g_return_if_fail (MERKKI_IS_CAMERA (self));

  self->every_frame = !!every_frame;
}

GListModel *
merkki_camera_get_devices (MerkkiCamera *self)
{
  g_return_val_if_fail (MERKKI_IS_CAMERA (self), NULL);

  ensure_monitor (self);
  return G_LIST_MODEL (self->devices);
}

void
merkki_camera_select_device (MerkkiCamera *self,
                             const char   *device_id)
{
  g_return_if_fail (MERKKI_IS_CAMERA (self));

  if (g_strcmp0 (self->device_id, device_id) == 0)
    return;

  g_free (self->device_id);
  self->device_id = g_strdup (device_id);

  /* Switch now if a camera is in use. */
  if (self->wanted && self->active_device != NULL)
    merkki_camera_start (self, NULL);
}

const char *
merkki_camera_get_device_id (MerkkiCamera *self)
{
  g_return_val_if_fail (MERKKI_IS_CAMERA (self), NULL);

  if (self->active_device != NULL)
    return merkki_camera_device_get_id (self->active_device);
  return self->description == NULL ? self->device_id : NULL;
}

gboolean
merkki_camera_start (MerkkiCamera  *self,
                     GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  GstElement *source = NULL;

  g_return_val_if_fail (MERKKI_IS_CAMERA (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  teardown (self);
  g_clear_error (&self->error);

  self->wanted = TRUE;
  self->context = g_main_context_ref_thread_default ();
  self->dispatch_source = g_source_new (&dispatch_funcs, sizeof (GSource));
  g_source_set_callback (self->dispatch_source, dispatch_cb, self, NULL);
  g_source_set_name (self->dispatch_source, "[merkki] camera dispatch");
  g_source_attach (self->dispatch_source, self->context);

  g_mutex_lock (&self->lock);
  self->flushing = FALSE;
  self->pause_until = GST_CLOCK_TIME_NONE;
  g_clear_pointer (&self->last_payloads, g_ptr_array_unref);
  g_mutex_unlock (&self->lock);

  set_state (self, MERKKI_CAMERA_STATE_STARTING);

  if (self->description == NULL)
    {
      if (_merkki_camera_in_sandbox ())
        {
          self->portal_cancellable = g_cancellable_new ();
          _merkki_camera_portal_open_async (self->portal_cancellable, on_portal_opened_cb,
                                            g_object_ref (self));
          return TRUE;
        }

      ensure_monitor (self);
      self->active_device = choose_device (self);
      if (self->active_device == NULL)
        {
          local_error = g_error_new_literal (MERKKI_CAMERA_ERROR, MERKKI_CAMERA_ERROR_NO_CAMERA,
                                             _("No camera was found. Connect one, or open a photo of the label instead."));
          goto failed;
        }

      source = gst_device_create_element (_merkki_camera_device_get_device (self->active_device), NULL);
      if (source == NULL)
        {
          local_error = g_error_new_literal (MERKKI_CAMERA_ERROR, MERKKI_CAMERA_ERROR_FAILED,
                                             _("The camera could not be opened"));
          goto failed;
        }
    }

  if (launch (self, source, self->description, &local_error))
    return TRUE;

failed:
  if (error != NULL)
    *error = g_error_copy (local_error);
  fail (self, g_steal_pointer (&local_error));
  return FALSE;
}

void
merkki_camera_stop (MerkkiCamera *self)
{
  g_return_if_fail (MERKKI_IS_CAMERA (self));

  self->wanted = FALSE;
  teardown (self);
  set_state (self, MERKKI_CAMERA_STATE_IDLE);
}

void
merkki_camera_set_scanning (MerkkiCamera *self,
                            gboolean      scanning)
{
  g_return_if_fail (MERKKI_IS_CAMERA (self));

  g_mutex_lock (&self->lock);
  self->scanning = !!scanning;
  if (!scanning)
    {
      g_clear_pointer (&self->scan_sample, gst_sample_unref);
      g_cond_broadcast (&self->cond);
    }
  g_mutex_unlock (&self->lock);
}

MerkkiCameraState
merkki_camera_get_state (MerkkiCamera *self)
{
  g_return_val_if_fail (MERKKI_IS_CAMERA (self), MERKKI_CAMERA_STATE_ERROR);
  return self->state;
}

const GError *
merkki_camera_get_error (MerkkiCamera *self)
{
  g_return_val_if_fail (MERKKI_IS_CAMERA (self), NULL);
  return self->error;
}

GBytes *
merkki_camera_get_code_frame (MerkkiCamera *self,
                              int          *width,
                              int          *height)
{
  GstVideoInfo info;
  GstVideoFrame frame;
  guint8 *pixels;
  int w, h, stride;

  g_return_val_if_fail (MERKKI_IS_CAMERA (self), NULL);

  if (self->code_sample == NULL
      || !gst_video_info_from_caps (&info, gst_sample_get_caps (self->code_sample))
      || GST_VIDEO_INFO_FORMAT (&info) != GST_VIDEO_FORMAT_GRAY8
      || !gst_video_frame_map (&frame, &info, gst_sample_get_buffer (self->code_sample), GST_MAP_READ))
    return NULL;

  /* A copy, so that the pipeline's buffer goes back to it at once however
   * long the caller keeps the frame. */
  w = GST_VIDEO_FRAME_WIDTH (&frame);
  h = GST_VIDEO_FRAME_HEIGHT (&frame);
  stride = GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);
  pixels = g_malloc ((gsize) w * h);
  for (int y = 0; y < h; y++)
    memcpy (pixels + (gsize) y * w, (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, 0) + (gsize) y * stride, w);
  gst_video_frame_unmap (&frame);

  if (width != NULL)
    *width = w;
  if (height != NULL)
    *height = h;
  return g_bytes_new_take (pixels, (gsize) w * h);
}

GstElement *
_merkki_camera_get_pipeline (MerkkiCamera *self)
{
  g_return_val_if_fail (MERKKI_IS_CAMERA (self), NULL);
  return self->pipeline;
}
