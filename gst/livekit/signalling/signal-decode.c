/* SignalResponse pieces -> public info structs (spec livekit-signalling.md
 * §2.3). protobuf-c has already dropped unknown fields; here only NULL
 * nested messages need care, since proto3 leaves them out when empty. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "signal-private.h"

/* protobuf strings are UTF-8, but protobuf-c does not check: what is not
 * gets U+FFFD, so identities, names and metadata are safe to hand to
 * applications and bindings whatever the server sends. */
static gchar *
dup_str (const char *s)
{
  if (!s)
    return g_strdup ("");
  return g_utf8_validate (s, -1, NULL) ? g_strdup (s) :
      g_utf8_make_valid (s, -1);
}

GstLiveKitTrackInfo *
gst_livekit_track_info_from_pb (const Livekit__TrackInfo * pb)
{
  GstLiveKitTrackInfo *info = gst_livekit_track_info_alloc ();

  static const Livekit__TrackInfo empty = LIVEKIT__TRACK_INFO__INIT;

  if (!pb)
    pb = &empty;
  info->sid = dup_str (pb->sid);
  info->name = dup_str (pb->name);
  info->type = (GstLiveKitTrackType) pb->type;
  info->source = (GstLiveKitTrackSource) pb->source;
  info->muted = pb->muted;
  info->width = pb->width;
  info->height = pb->height;
  info->mime_type = dup_str (pb->mime_type);
  info->mid = dup_str (pb->mid);
  info->disable_red = pb->disable_red;
  info->encryption = (GstLiveKitEncryptionType) pb->encryption;
  info->stream = dup_str (pb->stream);
  return info;
}

GstLiveKitParticipantInfo *
gst_livekit_participant_info_from_pb (const Livekit__ParticipantInfo * pb)
{
  GstLiveKitParticipantInfo *info = gst_livekit_participant_info_alloc ();

  static const Livekit__ParticipantInfo empty = LIVEKIT__PARTICIPANT_INFO__INIT;

  if (!pb)
    pb = &empty;
  info->sid = dup_str (pb->sid);
  info->identity = dup_str (pb->identity);
  info->name = dup_str (pb->name);
  info->metadata = dup_str (pb->metadata);
  info->state = (GstLiveKitParticipantState) pb->state;
  info->version = pb->version;
  info->is_publisher = pb->is_publisher;
  info->kind = pb->kind;
  info->disconnect_reason = (GstLiveKitDisconnectReason) pb->disconnect_reason;
  info->joined_at = pb->joined_at;
  for (gsize i = 0; i < pb->n_tracks; i++)
    g_ptr_array_add (info->tracks,
        gst_livekit_track_info_from_pb (pb->tracks[i]));
  for (gsize i = 0; i < pb->n_attributes; i++) {
    const Livekit__ParticipantInfo__AttributesEntry *e = pb->attributes[i];
    if (e)
      g_hash_table_replace (info->attributes, dup_str (e->key),
          dup_str (e->value));
  }
  return info;
}

GPtrArray *
gst_livekit_participant_infos_from_pb (Livekit__ParticipantInfo ** pbs, gsize n)
{
  GPtrArray *arr = g_ptr_array_new_full (n, (GDestroyNotify)
      gst_livekit_participant_info_unref);

  for (gsize i = 0; i < n; i++)
    g_ptr_array_add (arr, gst_livekit_participant_info_from_pb (pbs[i]));
  return arr;
}

static GstLiveKitIceServer *
ice_server_from_pb (const Livekit__ICEServer * pb)
{
  GstLiveKitIceServer *server = gst_livekit_ice_server_alloc ();

  server->urls = g_new0 (gchar *, pb->n_urls + 1);
  for (gsize i = 0; i < pb->n_urls; i++)
    server->urls[i] = dup_str (pb->urls[i]);
  server->username = dup_str (pb->username);
  server->credential = dup_str (pb->credential);
  return server;
}

GstLiveKitJoinInfo *
gst_livekit_join_info_from_pb (const Livekit__JoinResponse * pb)
{
  GstLiveKitJoinInfo *info = gst_livekit_join_info_alloc ();

  info->room_sid = dup_str (pb->room ? pb->room->sid : NULL);
  info->room_name = dup_str (pb->room ? pb->room->name : NULL);
  info->participant = gst_livekit_participant_info_from_pb (pb->participant);
  for (gsize i = 0; i < pb->n_other_participants; i++)
    g_ptr_array_add (info->other_participants,
        gst_livekit_participant_info_from_pb (pb->other_participants[i]));
  for (gsize i = 0; i < pb->n_ice_servers; i++)
    if (pb->ice_servers[i])
      g_ptr_array_add (info->ice_servers,
          ice_server_from_pb (pb->ice_servers[i]));
  info->subscriber_primary = pb->subscriber_primary;
  info->fast_publish = pb->fast_publish;
  info->ping_interval = pb->ping_interval;
  info->ping_timeout = pb->ping_timeout;
  info->sif_trailer = g_bytes_new (pb->sif_trailer.data, pb->sif_trailer.len);
  /* server_version (4) is deprecated in favour of server_info.version. */
  info->server_version = dup_str (pb->server_info
      && pb->server_info->version[0] ? pb->server_info->version :
      pb->server_version);
  info->server_protocol = pb->server_info ? pb->server_info->protocol : 0;
  info->alternative_url = dup_str (pb->alternative_url);
  info->enabled_publish_codecs =
      g_new0 (gchar *, pb->n_enabled_publish_codecs + 1);
  for (gsize i = 0, j = 0; i < pb->n_enabled_publish_codecs; i++)
    if (pb->enabled_publish_codecs[i])
      info->enabled_publish_codecs[j++] =
          dup_str (pb->enabled_publish_codecs[i]->mime);
  return info;
}

GHashTable *
gst_livekit_mid_to_track_id_from_pb (const Livekit__SessionDescription * pb)
{
  GHashTable *map = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_free);

  for (gsize i = 0; i < pb->n_mid_to_track_id; i++) {
    const Livekit__SessionDescription__MidToTrackIdEntry *e =
        pb->mid_to_track_id[i];
    if (e)
      g_hash_table_replace (map, dup_str (e->key), dup_str (e->value));
  }
  return map;
}
