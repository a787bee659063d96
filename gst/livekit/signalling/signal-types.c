/* Reference counting and boxed types of the signalling info structs. The
 * structs are filled once by the decoder (signal-decode.c) and never
 * changed afterwards, so any thread may read a reference it holds. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "signal-private.h"

#include <string.h>

static void
track_info_clear (gpointer data)
{
  GstLiveKitTrackInfo *info = data;

  g_free (info->sid);
  g_free (info->name);
  g_free (info->mime_type);
  g_free (info->mid);
  g_free (info->stream);
}

static void
participant_info_clear (gpointer data)
{
  GstLiveKitParticipantInfo *info = data;

  g_free (info->sid);
  g_free (info->identity);
  g_free (info->name);
  g_free (info->metadata);
  g_clear_pointer (&info->tracks, g_ptr_array_unref);
  g_clear_pointer (&info->attributes, g_hash_table_unref);
}

static void
ice_server_clear (gpointer data)
{
  GstLiveKitIceServer *server = data;

  g_strfreev (server->urls);
  g_free (server->username);
  g_free (server->credential);
}

static void
join_info_clear (gpointer data)
{
  GstLiveKitJoinInfo *info = data;

  g_free (info->room_sid);
  g_free (info->room_name);
  g_clear_pointer (&info->participant, gst_livekit_participant_info_unref);
  g_clear_pointer (&info->other_participants, g_ptr_array_unref);
  g_clear_pointer (&info->ice_servers, g_ptr_array_unref);
  g_clear_pointer (&info->sif_trailer, g_bytes_unref);
  g_free (info->server_version);
  g_free (info->alternative_url);
  g_strfreev (info->enabled_publish_codecs);
}

GstLiveKitTrackInfo *
gst_livekit_track_info_alloc (void)
{
  return g_atomic_rc_box_new0 (GstLiveKitTrackInfo);
}

GstLiveKitParticipantInfo *
gst_livekit_participant_info_alloc (void)
{
  GstLiveKitParticipantInfo *info =
      g_atomic_rc_box_new0 (GstLiveKitParticipantInfo);

  info->tracks = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_livekit_track_info_unref);
  info->attributes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_free);
  return info;
}

GstLiveKitIceServer *
gst_livekit_ice_server_alloc (void)
{
  return g_atomic_rc_box_new0 (GstLiveKitIceServer);
}

GstLiveKitJoinInfo *
gst_livekit_join_info_alloc (void)
{
  GstLiveKitJoinInfo *info = g_atomic_rc_box_new0 (GstLiveKitJoinInfo);

  info->other_participants = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_livekit_participant_info_unref);
  info->ice_servers = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_livekit_ice_server_unref);
  return info;
}

GstLiveKitTrackInfo *
gst_livekit_track_info_ref (GstLiveKitTrackInfo * info)
{
  return g_atomic_rc_box_acquire (info);
}

void
gst_livekit_track_info_unref (GstLiveKitTrackInfo * info)
{
  g_atomic_rc_box_release_full (info, track_info_clear);
}

GstLiveKitParticipantInfo *
gst_livekit_participant_info_ref (GstLiveKitParticipantInfo * info)
{
  return g_atomic_rc_box_acquire (info);
}

void
gst_livekit_participant_info_unref (GstLiveKitParticipantInfo * info)
{
  g_atomic_rc_box_release_full (info, participant_info_clear);
}

GstLiveKitIceServer *
gst_livekit_ice_server_ref (GstLiveKitIceServer * server)
{
  return g_atomic_rc_box_acquire (server);
}

void
gst_livekit_ice_server_unref (GstLiveKitIceServer * server)
{
  g_atomic_rc_box_release_full (server, ice_server_clear);
}

GstLiveKitJoinInfo *
gst_livekit_join_info_ref (GstLiveKitJoinInfo * info)
{
  return g_atomic_rc_box_acquire (info);
}

void
gst_livekit_join_info_unref (GstLiveKitJoinInfo * info)
{
  g_atomic_rc_box_release_full (info, join_info_clear);
}

GstLiveKitTrackInfo *
gst_livekit_participant_info_find_track (GstLiveKitParticipantInfo * info,
    const gchar * sid)
{
  g_return_val_if_fail (info != NULL, NULL);
  g_return_val_if_fail (sid != NULL, NULL);

  for (guint i = 0; i < info->tracks->len; i++) {
    GstLiveKitTrackInfo *t = g_ptr_array_index (info->tracks, i);
    if (strcmp (t->sid, sid) == 0)
      return t;
  }
  return NULL;
}

G_DEFINE_BOXED_TYPE (GstLiveKitTrackInfo, gst_livekit_track_info,
    gst_livekit_track_info_ref, gst_livekit_track_info_unref);
G_DEFINE_BOXED_TYPE (GstLiveKitParticipantInfo, gst_livekit_participant_info,
    gst_livekit_participant_info_ref, gst_livekit_participant_info_unref);
G_DEFINE_BOXED_TYPE (GstLiveKitIceServer, gst_livekit_ice_server,
    gst_livekit_ice_server_ref, gst_livekit_ice_server_unref);
G_DEFINE_BOXED_TYPE (GstLiveKitJoinInfo, gst_livekit_join_info,
    gst_livekit_join_info_ref, gst_livekit_join_info_unref);
