/* What the recorder knows of the room: participants, their tracks and what
 * was written of them. Plain data for the manifest and the status line; the
 * recorder's lock guards it. */
#ifndef __REC_MODEL_H__
#define __REC_MODEL_H__

#include <gst/gst.h>

G_BEGIN_DECLS typedef struct _RecWriter RecWriter;

typedef struct
{
  gchar *pad_name;
  gchar *kind;                  /* audio / video */
  gchar *source;                /* camera, microphone, ... */
  gchar *codec;                 /* mime type, from the track announcement */
  GPtrArray *track_sids;        /* every track that fed this pad */
  GstPad *pad;                  /* the room bin's source pad */
  GstElement *queue;            /* holds the first frames until the file starts */
  gulong block_probe;
  GstSegment segment;           /* the pad's current segment */
  GstClockTime first, last;     /* running time of the first and last frame */
  guint64 frames, bytes, dropped;
  GHashTable *drops_by_sid;     /* track sid -> frames its decryptor dropped */
  gchar *state;                 /* last E2EE state of its decryptor */
  gboolean waiting_keyframe;
  gboolean ended;
  RecWriter *writer;            /* the file it goes to, once started */
} RecTrack;

typedef struct
{
  gchar *identity;
  GPtrArray *tracks;            /* RecTrack */
  gboolean decrypting;          /* a decrypted frame came */
  gboolean started;             /* its file is open */
  GstClockTime first_frame_at;  /* running time */
  GPtrArray *writers;           /* RecWriter, the first is IDENTITY.mkv */
  gchar *state;                 /* last E2EE state over its tracks */
  gboolean left;
  guint start_source;
} RecParticipant;

RecParticipant *rec_participant_new (const gchar * identity);
void rec_participant_free (RecParticipant * p);
RecTrack *rec_track_new (const gchar * pad_name, const gchar * kind,
    const gchar * source);
void rec_track_free (RecTrack * t);
RecTrack *rec_participant_find_track (RecParticipant * p, GstPad * pad);
RecTrack *rec_participant_find_track_sid (RecParticipant * p,
    const gchar * sid);

G_END_DECLS
#endif
