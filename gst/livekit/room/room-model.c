/**
 * SECTION:gstlivekitroommodel
 * @title: GstLiveKitRoomModel
 * @short_description: what a client knows of a LiveKit room
 *
 * Participants (by identity: LiveKit lets one identity into a room once),
 * their tracks and sources, the subscriber offer's mid -> track map, and
 * the source pad each subscribed track feeds. Thread-safe: updates come
 * from the signalling thread, lookups from streaming threads.
 *
 * Signals report what changed, after the model is consistent again and
 * with no lock held: #GstLiveKitRoomModel::participant-joined,
 * ::participant-left, ::track-published, ::track-unpublished and
 * ::encryption-changed.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "room-model.h"

#include <string.h>

struct _GstLiveKitRoomModel
{
  GObject parent;

  GstLiveKitPadNaming naming;

  GMutex lock;
  gchar *local_sid, *local_identity;
  GHashTable *participants;     /* identity -> GstLiveKitParticipantInfo */
  GHashTable *track_owner;      /* track sid -> identity */
  GHashTable *mids;             /* mid -> track sid */
  GPtrArray *mline_mids;        /* m-line index -> mid, latest offer */
  GPtrArray *pads;              /* PadSlot */
};

/* A source pad name and whom it is for. */
typedef struct
{
  gchar *name;
  gchar *identity;
  GstLiveKitTrackSource source;
  GstLiveKitTrackType type;
  guint ordinal;                /* 1 for the first of its identity and source */
  gchar *track_sid;             /* feeding it now; NULL when free */
} PadSlot;

enum
{
  SIGNAL_PARTICIPANT_JOINED,
  SIGNAL_PARTICIPANT_LEFT,
  SIGNAL_TRACK_PUBLISHED,
  SIGNAL_TRACK_UNPUBLISHED,
  SIGNAL_ENCRYPTION_CHANGED,
  LAST_SIGNAL
};

static guint signals[LAST_SIGNAL];

G_DEFINE_TYPE (GstLiveKitRoomModel, gst_livekit_room_model, G_TYPE_OBJECT);

/* ---------------------------------------------------------------- events */

/* Collected under the lock, emitted after it. */
typedef struct
{
  guint signal;
  GstLiveKitParticipantInfo *participant;
  GstLiveKitTrackInfo *track;
  gboolean encrypted;
} Event;

static void
event_clear (gpointer data)
{
  Event *e = data;
  g_clear_pointer (&e->participant, gst_livekit_participant_info_unref);
  g_clear_pointer (&e->track, gst_livekit_track_info_unref);
}

static void
queue_event (GArray * events, guint signal, GstLiveKitParticipantInfo * p,
    GstLiveKitTrackInfo * t, gboolean encrypted)
{
  Event e = { signal, gst_livekit_participant_info_ref (p),
    t ? gst_livekit_track_info_ref (t) : NULL, encrypted
  };
  g_array_append_val (events, e);
}

static GArray *
events_new (void)
{
  GArray *events = g_array_new (FALSE, FALSE, sizeof (Event));
  g_array_set_clear_func (events, event_clear);
  return events;
}

static void
emit_events (GstLiveKitRoomModel * self, GArray * events)
{
  for (guint i = 0; i < events->len; i++) {
    Event *e = &g_array_index (events, Event, i);
    switch (e->signal) {
      case SIGNAL_PARTICIPANT_JOINED:
      case SIGNAL_PARTICIPANT_LEFT:
        g_signal_emit (self, signals[e->signal], 0, e->participant);
        break;
      case SIGNAL_TRACK_PUBLISHED:
      case SIGNAL_TRACK_UNPUBLISHED:
        g_signal_emit (self, signals[e->signal], 0, e->participant->identity,
            e->track);
        break;
      case SIGNAL_ENCRYPTION_CHANGED:
        g_signal_emit (self, signals[e->signal], 0, e->participant->identity,
            e->encrypted);
        break;
    }
  }
  g_array_unref (events);
}

/* ----------------------------------------------------------- participants */

/* LiveKit has no participant-level flag: like the SDKs, a participant is
 * encrypted when all its tracks are (spec livekit-signalling.md §4). */
static gboolean
all_encrypted (GstLiveKitParticipantInfo * p)
{
  for (guint i = 0; p && i < p->tracks->len; i++)
    if (((GstLiveKitTrackInfo *) g_ptr_array_index (p->tracks,
                i))->encryption == GST_LIVEKIT_ENCRYPTION_TYPE_NONE)
      return FALSE;
  return TRUE;
}

/* Replaces what is known of one participant by @now (NULL: gone), keeping
 * the track index in step and queueing what changed. Lock held. */
static void
replace_participant (GstLiveKitRoomModel * self, const gchar * identity,
    GstLiveKitParticipantInfo * now, GArray * events)
{
  GstLiveKitParticipantInfo *old =
      g_hash_table_lookup (self->participants, identity);
  gboolean rejoined = old && now && g_strcmp0 (old->sid, now->sid) != 0;
  guint old_tracks = old ? old->tracks->len : 0;
  gboolean old_encrypted = all_encrypted (old);

  if (old)
    gst_livekit_participant_info_ref (old);
  if (rejoined) {
    /* A new sid is a new participant of the same identity: the old one
     * left first (as the SDKs see it). */
    replace_participant (self, identity, NULL, events);
    gst_livekit_participant_info_unref (old);
    old = NULL;
    old_tracks = 0;
    old_encrypted = TRUE;
  }

  for (guint i = 0; old && i < old->tracks->len; i++) {
    GstLiveKitTrackInfo *t = g_ptr_array_index (old->tracks, i);
    if (!now || !gst_livekit_participant_info_find_track (now, t->sid)) {
      g_hash_table_remove (self->track_owner, t->sid);
      queue_event (events, SIGNAL_TRACK_UNPUBLISHED, old, t, FALSE);
    }
  }
  if (now) {
    g_hash_table_insert (self->participants, g_strdup (identity),
        gst_livekit_participant_info_ref (now));
    if (!old)
      queue_event (events, SIGNAL_PARTICIPANT_JOINED, now, NULL, FALSE);
    for (guint i = 0; i < now->tracks->len; i++) {
      GstLiveKitTrackInfo *t = g_ptr_array_index (now->tracks, i);
      if (!old || !gst_livekit_participant_info_find_track (old, t->sid)) {
        g_hash_table_insert (self->track_owner, g_strdup (t->sid),
            g_strdup (identity));
        queue_event (events, SIGNAL_TRACK_PUBLISHED, now, t, FALSE);
      }
    }
    if (now->tracks->len > 0 && (old_tracks == 0
            || all_encrypted (now) != old_encrypted))
      queue_event (events, SIGNAL_ENCRYPTION_CHANGED, now, NULL,
          all_encrypted (now));
  } else if (old) {
    g_hash_table_remove (self->participants, identity);
    queue_event (events, SIGNAL_PARTICIPANT_LEFT, old, NULL, FALSE);
  }
  g_clear_pointer (&old, gst_livekit_participant_info_unref);
}

static gboolean
is_local (GstLiveKitRoomModel * self, GstLiveKitParticipantInfo * p)
{
  return (self->local_sid && g_strcmp0 (p->sid, self->local_sid) == 0)
      || (self->local_identity
      && g_strcmp0 (p->identity, self->local_identity) == 0);
}

/* One participant of an update (a delta). Lock held. */
static void
merge_update (GstLiveKitRoomModel * self, GstLiveKitParticipantInfo * p,
    GArray * events)
{
  GstLiveKitParticipantInfo *old;

  if (!p->identity || is_local (self, p))
    return;
  old = g_hash_table_lookup (self->participants, p->identity);
  if (p->state == GST_LIVEKIT_PARTICIPANT_STATE_DISCONNECTED) {
    /* The leave of a session the identity has already replaced is old
     * news. */
    if (old && g_strcmp0 (old->sid, p->sid) == 0)
      replace_participant (self, p->identity, NULL, events);
    return;
  }
  /* Updates with a lower version than already seen are stale (spec
   * livekit-signalling.md §2.3). */
  if (old && g_strcmp0 (old->sid, p->sid) == 0 && p->version
      && old->version > p->version)
    return;
  replace_participant (self, p->identity, p, events);
}

void
gst_livekit_room_model_apply_join (GstLiveKitRoomModel * self,
    GstLiveKitJoinInfo * join)
{
  GArray *events = events_new ();
  GPtrArray *gone = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer identity;

  g_return_if_fail (GST_IS_LIVEKIT_ROOM_MODEL (self));

  g_mutex_lock (&self->lock);
  g_free (self->local_sid);
  g_free (self->local_identity);
  self->local_sid = g_strdup (join->participant ? join->participant->sid :
      NULL);
  self->local_identity = g_strdup (join->participant ?
      join->participant->identity : NULL);
  /* A new session: a new subscriber connection with mids of its own. */
  g_hash_table_remove_all (self->mids);
  g_ptr_array_set_size (self->mline_mids, 0);

  /* The join lists the whole room: whoever it does not list has left. */
  g_hash_table_iter_init (&iter, self->participants);
  while (g_hash_table_iter_next (&iter, &identity, NULL)) {
    gboolean listed = FALSE;
    for (guint i = 0; i < join->other_participants->len && !listed; i++)
      listed = g_strcmp0 (((GstLiveKitParticipantInfo *)
              g_ptr_array_index (join->other_participants, i))->identity,
          identity) == 0;
    if (!listed || g_strcmp0 (identity, self->local_identity) == 0)
      g_ptr_array_add (gone, g_strdup (identity));
  }
  for (guint i = 0; i < gone->len; i++)
    replace_participant (self, g_ptr_array_index (gone, i), NULL, events);
  for (guint i = 0; i < join->other_participants->len; i++) {
    GstLiveKitParticipantInfo *p =
        g_ptr_array_index (join->other_participants, i);
    if (p->identity && !is_local (self, p)
        && p->state != GST_LIVEKIT_PARTICIPANT_STATE_DISCONNECTED)
      replace_participant (self, p->identity, p, events);
  }
  g_mutex_unlock (&self->lock);
  g_ptr_array_unref (gone);
  emit_events (self, events);
}

void
gst_livekit_room_model_apply_updates (GstLiveKitRoomModel * self,
    GPtrArray * participants)
{
  GArray *events = events_new ();

  g_return_if_fail (GST_IS_LIVEKIT_ROOM_MODEL (self));

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < participants->len; i++)
    merge_update (self, g_ptr_array_index (participants, i), events);
  g_mutex_unlock (&self->lock);
  emit_events (self, events);
}

void
gst_livekit_room_model_add_mids (GstLiveKitRoomModel * self,
    GHashTable * mid_to_track)
{
  GHashTableIter iter;
  gpointer mid, sid;

  g_return_if_fail (GST_IS_LIVEKIT_ROOM_MODEL (self));
  if (!mid_to_track)
    return;
  g_mutex_lock (&self->lock);
  g_hash_table_iter_init (&iter, mid_to_track);
  while (g_hash_table_iter_next (&iter, &mid, &sid))
    g_hash_table_insert (self->mids, g_strdup (mid), g_strdup (sid));
  g_mutex_unlock (&self->lock);
}

void
gst_livekit_room_model_set_mline_mids (GstLiveKitRoomModel * self,
    const gchar * const *mids, guint n_mids)
{
  g_return_if_fail (GST_IS_LIVEKIT_ROOM_MODEL (self));
  g_mutex_lock (&self->lock);
  g_ptr_array_set_size (self->mline_mids, 0);
  for (guint i = 0; i < n_mids; i++)
    g_ptr_array_add (self->mline_mids, g_strdup (mids[i]));
  g_mutex_unlock (&self->lock);
}

gchar *
gst_livekit_room_model_dup_mline_mid (GstLiveKitRoomModel * self, guint mline)
{
  gchar *mid = NULL;

  g_return_val_if_fail (GST_IS_LIVEKIT_ROOM_MODEL (self), NULL);
  g_mutex_lock (&self->lock);
  if (mline < self->mline_mids->len)
    mid = g_strdup (g_ptr_array_index (self->mline_mids, mline));
  g_mutex_unlock (&self->lock);
  return mid;
}

/* ----------------------------------------------------------------- tracks */

/* The track id of an msid "<stream id> <track id>", whose stream id the
 * server packs as "PA_participant|TR_track" (PackStreamID, protocol > 0;
 * with sync_streams the second part is a stream name instead). */
static gchar *
track_of_msid (const gchar * msid)
{
  gchar **parts;
  gchar *sid = NULL;

  if (!msid || !*msid)
    return NULL;
  parts = g_strsplit (msid, " ", 2);
  if (parts[0] && parts[1] && g_str_has_prefix (parts[1], "TR_"))
    sid = g_strdup (parts[1]);
  else if (parts[0]) {
    const gchar *bar = strchr (parts[0], '|');
    if (bar && g_str_has_prefix (bar + 1, "TR_"))
      sid = g_strdup (bar + 1);
  }
  g_strfreev (parts);
  return sid;
}

gchar *
gst_livekit_room_model_resolve_track (GstLiveKitRoomModel * self,
    const gchar * msid, const gchar * mid)
{
  gchar *sid;

  g_return_val_if_fail (GST_IS_LIVEKIT_ROOM_MODEL (self), NULL);
  /* The track id first (spec livekit-signalling.md §10): a reused m-line
   * keeps its mid for another track. */
  sid = track_of_msid (msid);
  if (!sid && mid) {
    g_mutex_lock (&self->lock);
    sid = g_strdup (g_hash_table_lookup (self->mids, mid));
    g_mutex_unlock (&self->lock);
  }
  return sid;
}

void
gst_livekit_room_track_free (GstLiveKitRoomTrack * track)
{
  if (!track)
    return;
  g_free (track->sid);
  g_free (track->identity);
  g_free (track->participant_sid);
  g_free (track->mime_type);
  g_free (track);
}

GstLiveKitRoomTrack *
gst_livekit_room_model_lookup_track (GstLiveKitRoomModel * self,
    const gchar * track_sid)
{
  GstLiveKitRoomTrack *track = NULL;
  GstLiveKitParticipantInfo *p = NULL;
  GstLiveKitTrackInfo *info = NULL;
  const gchar *identity;

  g_return_val_if_fail (GST_IS_LIVEKIT_ROOM_MODEL (self), NULL);
  if (!track_sid)
    return NULL;
  g_mutex_lock (&self->lock);
  identity = g_hash_table_lookup (self->track_owner, track_sid);
  if (identity)
    p = g_hash_table_lookup (self->participants, identity);
  if (p)
    info = gst_livekit_participant_info_find_track (p, track_sid);
  if (info) {
    track = g_new0 (GstLiveKitRoomTrack, 1);
    track->sid = g_strdup (info->sid);
    track->identity = g_strdup (p->identity);
    track->participant_sid = g_strdup (p->sid);
    track->type = info->type;
    track->source = info->source;
    track->encryption = info->encryption;
    track->mime_type = g_strdup (info->mime_type);
  }
  g_mutex_unlock (&self->lock);
  return track;
}

gchar *
gst_livekit_room_model_dup_local_identity (GstLiveKitRoomModel * self)
{
  gchar *identity;

  g_mutex_lock (&self->lock);
  identity = g_strdup (self->local_identity);
  g_mutex_unlock (&self->lock);
  return identity;
}

gboolean
gst_livekit_room_model_has_participant (GstLiveKitRoomModel * self,
    const gchar * identity)
{
  gboolean has;

  g_mutex_lock (&self->lock);
  has = identity && g_hash_table_contains (self->participants, identity);
  g_mutex_unlock (&self->lock);
  return has;
}

const gchar *
gst_livekit_track_source_to_string (GstLiveKitTrackSource source)
{
  switch (source) {
    case GST_LIVEKIT_TRACK_SOURCE_CAMERA:
      return "camera";
    case GST_LIVEKIT_TRACK_SOURCE_MICROPHONE:
      return "microphone";
    case GST_LIVEKIT_TRACK_SOURCE_SCREEN_SHARE:
      return "screen_share";
    case GST_LIVEKIT_TRACK_SOURCE_SCREEN_SHARE_AUDIO:
      return "screen_share_audio";
    default:
      return NULL;
  }
}

/* ------------------------------------------------------------------- pads */

static void
pad_slot_free (gpointer data)
{
  PadSlot *slot = data;
  g_free (slot->name);
  g_free (slot->identity);
  g_free (slot->track_sid);
  g_free (slot);
}

/* gst-launch's parser takes ASCII letters, digits, '_' and '-' in a pad
 * reference (`r.alice_microphone`); every other character (a UTF-8
 * sequence counts as one) becomes '_'. */
static gchar *
pad_safe (const gchar * identity)
{
  GString *s = g_string_new (NULL);

  if (!identity || !*identity)
    identity = "unknown";
  if (!g_utf8_validate (identity, -1, NULL)) {
    for (const gchar * c = identity; *c; c++)
      g_string_append_c (s, g_ascii_isalnum (*c) || *c == '-' ? *c : '_');
    return g_string_free (s, FALSE);
  }
  for (const gchar * c = identity; *c; c = g_utf8_next_char (c))
    g_string_append_c (s, g_ascii_isalnum (*c) || *c == '-' ? *c : '_');
  return g_string_free (s, FALSE);
}

static PadSlot *
find_pad (GstLiveKitRoomModel * self, const gchar * name)
{
  for (guint i = 0; i < self->pads->len; i++) {
    PadSlot *slot = g_ptr_array_index (self->pads, i);
    if (g_str_equal (slot->name, name))
      return slot;
  }
  return NULL;
}

static gchar *
pad_name_for (const GstLiveKitRoomTrack * track, guint ordinal)
{
  const gchar *source = gst_livekit_track_source_to_string (track->source);
  const gchar *kind = track->type == GST_LIVEKIT_TRACK_TYPE_AUDIO ? "audio" :
      "video";
  gchar *who = pad_safe (track->identity);
  gchar *name;

  if (!source)
    name = g_strdup_printf ("%s_%s_%u", who, kind, ordinal);
  else if (ordinal == 1)
    name = g_strdup_printf ("%s_%s", who, source);
  else
    name = g_strdup_printf ("%s_%s_%u", who, source, ordinal);
  g_free (who);
  return name;
}

/* Same participant, same source (and kind, for unknown sources). */
static gboolean
slot_matches (const PadSlot * slot, const GstLiveKitRoomTrack * track)
{
  return g_strcmp0 (slot->identity, track->identity) == 0
      && slot->source == track->source && slot->type == track->type;
}

gchar *
gst_livekit_room_model_claim_pad (GstLiveKitRoomModel * self,
    const GstLiveKitRoomTrack * track, gboolean * is_new)
{
  PadSlot *slot = NULL, *free_slot = NULL;
  gchar *name;
  guint ordinal = 0;

  g_return_val_if_fail (GST_IS_LIVEKIT_ROOM_MODEL (self), NULL);

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->pads->len && !slot; i++) {
    PadSlot *s = g_ptr_array_index (self->pads, i);
    if (s->track_sid && g_strcmp0 (s->track_sid, track->sid) == 0)
      slot = s;
    else if (self->naming == GST_LIVEKIT_PAD_NAMING_PARTICIPANT
        && !s->track_sid && slot_matches (s, track)
        && (!free_slot || s->ordinal < free_slot->ordinal))
      free_slot = s;
  }
  if (!slot && free_slot) {
    slot = free_slot;
    slot->track_sid = g_strdup (track->sid);
  }
  if (is_new)
    *is_new = slot == NULL;
  if (!slot) {
    slot = g_new0 (PadSlot, 1);
    slot->identity = g_strdup (track->identity);
    slot->source = track->source;
    slot->type = track->type;
    slot->track_sid = g_strdup (track->sid);
    if (self->naming == GST_LIVEKIT_PAD_NAMING_TRACK_SID) {
      gchar *who = track->identity ? g_strdup (track->identity) :
          g_strdup ("unknown");
      slot->name = g_strdup_printf ("%s_%s_%s",
          track->type == GST_LIVEKIT_TRACK_TYPE_AUDIO ? "audio" : "video",
          who, track->sid ? track->sid : "none");
      g_free (who);
    } else {
      /* The lowest ordinal whose name nobody holds (two identities can
       * make the same name once sanitised). */
      do {
        g_free (slot->name);
        slot->name = pad_name_for (track, ++ordinal);
      } while (find_pad (self, slot->name));
      slot->ordinal = ordinal;
    }
    g_ptr_array_add (self->pads, slot);
  }
  name = g_strdup (slot->name);
  g_mutex_unlock (&self->lock);
  return name;
}

void
gst_livekit_room_model_release_pad (GstLiveKitRoomModel * self,
    const gchar * pad_name)
{
  PadSlot *slot;

  g_mutex_lock (&self->lock);
  slot = find_pad (self, pad_name);
  if (slot)
    g_clear_pointer (&slot->track_sid, g_free);
  g_mutex_unlock (&self->lock);
}

void
gst_livekit_room_model_forget_pad (GstLiveKitRoomModel * self,
    const gchar * pad_name)
{
  PadSlot *slot;

  g_mutex_lock (&self->lock);
  slot = find_pad (self, pad_name);
  if (slot)
    g_ptr_array_remove (self->pads, slot);
  g_mutex_unlock (&self->lock);
}

gchar *
gst_livekit_room_model_dup_pad_identity (GstLiveKitRoomModel * self,
    const gchar * pad_name)
{
  PadSlot *slot;
  gchar *identity = NULL;

  g_mutex_lock (&self->lock);
  slot = find_pad (self, pad_name);
  if (slot)
    identity = g_strdup (slot->identity);
  g_mutex_unlock (&self->lock);
  return identity;
}

void
gst_livekit_room_model_clear (GstLiveKitRoomModel * self)
{
  g_mutex_lock (&self->lock);
  g_hash_table_remove_all (self->participants);
  g_hash_table_remove_all (self->track_owner);
  g_hash_table_remove_all (self->mids);
  g_ptr_array_set_size (self->mline_mids, 0);
  g_clear_pointer (&self->local_sid, g_free);
  g_clear_pointer (&self->local_identity, g_free);
  g_mutex_unlock (&self->lock);
}

void
gst_livekit_room_model_set_pad_naming (GstLiveKitRoomModel * self,
    GstLiveKitPadNaming naming)
{
  g_mutex_lock (&self->lock);
  self->naming = naming;
  g_mutex_unlock (&self->lock);
}

/* ----------------------------------------------------------------- object */

static void
gst_livekit_room_model_finalize (GObject * object)
{
  GstLiveKitRoomModel *self = GST_LIVEKIT_ROOM_MODEL (object);

  g_hash_table_unref (self->participants);
  g_hash_table_unref (self->track_owner);
  g_hash_table_unref (self->mids);
  g_ptr_array_unref (self->mline_mids);
  g_ptr_array_unref (self->pads);
  g_free (self->local_sid);
  g_free (self->local_identity);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (gst_livekit_room_model_parent_class)->finalize (object);
}

static void
gst_livekit_room_model_init (GstLiveKitRoomModel * self)
{
  g_mutex_init (&self->lock);
  self->participants = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      (GDestroyNotify) gst_livekit_participant_info_unref);
  self->track_owner = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_free);
  self->mids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->mline_mids = g_ptr_array_new_with_free_func (g_free);
  self->pads = g_ptr_array_new_with_free_func (pad_slot_free);
}

static void
gst_livekit_room_model_class_init (GstLiveKitRoomModelClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);

  gobject_class->finalize = gst_livekit_room_model_finalize;

  /**
   * GstLiveKitRoomModel::participant-joined:
   * @participant: what the server said of the participant
   */
  signals[SIGNAL_PARTICIPANT_JOINED] = g_signal_new ("participant-joined",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 1, GST_TYPE_LIVEKIT_PARTICIPANT_INFO);
  /**
   * GstLiveKitRoomModel::participant-left:
   * @participant: the participant as last known
   */
  signals[SIGNAL_PARTICIPANT_LEFT] = g_signal_new ("participant-left",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 1, GST_TYPE_LIVEKIT_PARTICIPANT_INFO);
  /**
   * GstLiveKitRoomModel::track-published:
   * @identity: the publisher
   * @track: the track
   */
  signals[SIGNAL_TRACK_PUBLISHED] = g_signal_new ("track-published",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 2, G_TYPE_STRING, GST_TYPE_LIVEKIT_TRACK_INFO);
  /**
   * GstLiveKitRoomModel::track-unpublished:
   * @identity: the publisher
   * @track: the track as last known
   */
  signals[SIGNAL_TRACK_UNPUBLISHED] = g_signal_new ("track-unpublished",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 2, G_TYPE_STRING, GST_TYPE_LIVEKIT_TRACK_INFO);
  /**
   * GstLiveKitRoomModel::encryption-changed:
   * @identity: the participant
   * @encrypted: whether all its tracks are end-to-end encrypted
   *
   * When a participant first has tracks, and whenever the answer changes.
   */
  signals[SIGNAL_ENCRYPTION_CHANGED] = g_signal_new ("encryption-changed",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_BOOLEAN);
}

/**
 * gst_livekit_room_model_new:
 * @naming: how subscribed tracks' pads are named
 *
 * Returns: (transfer full): an empty room model
 */
GstLiveKitRoomModel *
gst_livekit_room_model_new (GstLiveKitPadNaming naming)
{
  GstLiveKitRoomModel *model = g_object_new (GST_TYPE_LIVEKIT_ROOM_MODEL,
      NULL);
  model->naming = naming;
  return model;
}
