/* Shared by the recorder's files (recorder.c: pipeline and pads,
 * recorder-bus.c: what the room bin says). */
#ifndef __REC_RECORDER_PRIVATE_H__
#define __REC_RECORDER_PRIVATE_H__

#include "recorder.h"
#include "model.h"
#include "writer.h"
#include "composite.h"
#include "keywatch.h"

#include <gst/livekit/keyring.h>

G_BEGIN_DECLS struct _RecRecorder
{
  RecOptions *opts;
  GstPipeline *pipeline;
  GstElement *bin;
  GstLiveKitKeyring *keyring;
  RecKeyWatch *keys;
  RecComposite *composite;
  GMainLoop *loop;

  GMutex lock;                  /* participants and their tracks */
  GHashTable *participants;     /* identity -> RecParticipant */
  GHashTable *published;        /* track sid -> identity (announced tracks) */
  GHashTable *subscribed;       /* track sid -> pad name */

  gchar *room_name;
  GDateTime *started_at;
  guint connects, reconnects;
  gboolean connected;
  gboolean stopping;
  gchar *stop_reason;
  gint64 stop_deadline;         /* monotonic, us */
  RecExitCode exit_code;
  RecExitCode composite_exit_code;      /* REC_EXIT_OK while it works */
  gchar *error_message;
  gboolean tty;
  guint timers[3];
};

/* recorder.c */
void rec_recorder_stop (RecRecorder * rec, const gchar * reason,
    RecExitCode code);
void rec_recorder_maybe_start (RecRecorder * rec, RecParticipant * p);
GstClockTime rec_recorder_now (RecRecorder * rec);

/* recorder-bus.c */
gboolean rec_recorder_on_bus (GstBus * bus, GstMessage * msg, gpointer data);
GstBusSyncReply rec_recorder_on_bus_sync (GstBus * bus, GstMessage * msg,
    gpointer data);
void rec_recorder_poll_cryptors (RecRecorder * rec);

G_END_DECLS
#endif
