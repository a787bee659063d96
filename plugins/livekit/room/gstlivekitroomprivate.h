/* Internals shared by the room bin's files:
 *   gstlivekitroombin.c      element, properties, keys, state changes
 *   gstlivekitroomsignal.c   signalling: join, SDP, ICE, participants
 *   gstlivekitroompublish.c  request pads, AddTrack, publisher offers
 *   gstlivekitroomsubscribe.c  subscribed tracks: depayload, decrypt, pads
 *   gstlivekitroomdata.c     user data packets, both ways */
#ifndef __GST_LIVEKIT_ROOM_PRIVATE_H__
#define __GST_LIVEKIT_ROOM_PRIVATE_H__

#include "gstlivekitroombin.h"
#include "crypto/gstlivekitkeyoptions.h"

#include <gst/livekit/livekit.h>
#include <gst/livekit/signalling/signalling.h>
#include <gst/webrtc/webrtc.h>

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (gst_livekit_room_bin_debug);

/* A remote track we know of (from the join or participant updates). */
typedef struct
{
  gchar *participant_sid;
  gchar *identity;
  GstLiveKitTrackInfo *info;
} RoomTrack;

typedef struct _PayloaderChoice PayloaderChoice;

/* A local track: request pad -> livekitencrypt -> payloader -> flow guard
 * -> webrtcbin. */
typedef struct
{
  GstLiveKitRoomBin *room;      /* not owned */
  GstPad *ghost;                /* the request pad */
  GstElement *encrypt;
  GstElement *payloader;
  const PayloaderChoice *codec;
  GstElement *guard;            /* survives the webrtcbin under it */
  GstPad *webrtc_pad;
  gchar *cid;                   /* webrtcbin's transceiver name */
  gchar *sid;                   /* from TrackPublished */
  GstLiveKitTrackType type;
  guint width, height;
  gboolean ready;               /* linked to webrtcbin, codec known */
  gboolean announced;           /* AddTrack sent */
  gboolean caps_sent;           /* its webrtcbin pad has had caps */
  gboolean eos;                 /* its input ended */
} RoomPublication;

struct _GstLiveKitRoomBin
{
  GstBin parent;

  /* Properties: object lock. */
  gchar *url, *token, *api_key, *api_secret, *room, *identity, *name;
  GstLiveKitEncryptionType encryption;
  gboolean auto_subscribe;
  GstLiveKitKeyring *keyring;
  gint keys_live;               /* atomic: keys go to the keyring at once */
  guint8 *pending_key;
  gsize pending_key_len;
  gchar *shared_key_file;
  GstLiveKitKeyOptions key_options;

  /* Signalling thread and its context: every signalling callback runs
   * there. */
  GThread *thread;
  gint running;                 /* atomic: the thread runs a session */
  GMainContext *context;
  GMainLoop *loop;
  gchar *active_token;
  GstLiveKitSignalClient *signal;
  GstLiveKitJoinInfo *join;
  guint reconnects;
  GSource *retry;

  GstElement *publisher;        /* webrtcbin, the client offers */
  GstElement *subscriber;       /* webrtcbin, the server offers */
  gboolean ice_configured;
  gboolean peer_connections_used;       /* a session ran on them */
  gboolean negotiating;         /* publisher offer in flight */
  gboolean renegotiate;         /* another one needed after it */

  /* Room state: lock. */
  GMutex lock;
  GHashTable *participants;     /* sid -> GstLiveKitParticipantInfo */
  GHashTable *tracks;           /* track sid -> RoomTrack */
  GHashTable *mid_to_track;     /* subscriber mid -> track sid */
  GPtrArray *publications;      /* RoomPublication */
  guint next_pt;

  /* User data: the publisher's channels and what waits for them to open,
   * data_lock (recursive: a failed send may close its channel). */
  GstWebRTCDataChannel *reliable_channel, *lossy_channel;
  GRecMutex data_lock;
  GQueue pending_reliable, pending_lossy;       /* GBytes, packets */
  gboolean data_wanted;         /* the publisher must connect for data */
  gint64 last_send_warning;     /* monotonic µs */
};

/* gstlivekitroombin.c */
void gst_livekit_room_post (GstLiveKitRoomBin * self, GstStructure * s);
void gst_livekit_room_watch_cryptor (GstLiveKitRoomBin * self,
    GstElement * cryptor);
void gst_livekit_room_emit_data (GstLiveKitRoomBin * self,
    const gchar * identity, const gchar * topic, GBytes * payload,
    gboolean encrypted);
void gst_livekit_room_invoke (GstLiveKitRoomBin * self, GSourceFunc func);
void gst_livekit_room_take_key (GstLiveKitRoomBin * self, const guint8 * key,
    gsize len);
void gst_livekit_room_clear_key (GstLiveKitRoomBin * self);
/* Ends every subscribed stream with EOS. */
void gst_livekit_room_end_streams (GstLiveKitRoomBin * self);

/* gstlivekitroomsignal.c: run on the signalling thread. */
void gst_livekit_room_connect (GstLiveKitRoomBin * self);
void gst_livekit_room_disconnect (GstLiveKitRoomBin * self);
/* After a peer connection failed: leave, then rejoin (new webrtcbins). */
void gst_livekit_room_recover (GstLiveKitRoomBin * self);
void gst_livekit_room_create_webrtcbins (GstLiveKitRoomBin * self);
/* Settings that need the properties (ICE pinning), at NULL->READY. */
void gst_livekit_room_configure_webrtcbins (GstLiveKitRoomBin * self);
void gst_livekit_room_track_free (RoomTrack * track);
/* Copies of what is known about @track_sid; FALSE if nothing. */
gboolean gst_livekit_room_lookup_track (GstLiveKitRoomBin * self,
    const gchar * track_sid, gchar ** identity,
    GstLiveKitEncryptionType * encryption, GstLiveKitTrackType * type);

/* gstlivekitroompublish.c */
GstPad *gst_livekit_room_request_new_pad (GstElement * element,
    GstPadTemplate * templ, const gchar * name, const GstCaps * caps);
void gst_livekit_room_release_pad (GstElement * element, GstPad * pad);
void gst_livekit_room_publication_free (RoomPublication * pub);
/* Signalling thread: announce ready tracks, then offer. */
void gst_livekit_room_negotiate_publisher (GstLiveKitRoomBin * self);
/* The same, from any thread. */
void gst_livekit_room_negotiate_later (GstLiveKitRoomBin * self);
void gst_livekit_room_on_track_published (GstLiveKitRoomBin * self,
    const gchar * cid, const gchar * sid);
/* Rejoin: off the old publisher webrtcbin, then onto the new one. */
void gst_livekit_room_unlink_publications (GstLiveKitRoomBin * self);
void gst_livekit_room_relink_publications (GstLiveKitRoomBin * self);

/* gstlivekitroomsubscribe.c */
void gst_livekit_room_on_subscriber_pad (GstElement * webrtc, GstPad * pad,
    GstLiveKitRoomBin * self);
void gst_livekit_room_on_subscriber_pad_removed (GstElement * webrtc,
    GstPad * pad, GstLiveKitRoomBin * self);
/* Puts each m-line's track codec first in a subscriber offer. */
void gst_livekit_room_prefer_track_codecs (GstLiveKitRoomBin * self,
    GstSDPMessage * offer);
/* Rejoin: removes every subscribed track of @webrtc (and its pad). */
void gst_livekit_room_drop_subscriptions (GstLiveKitRoomBin * self,
    GstElement * webrtc);

/* gstlivekitroomdata.c */
/* With the webrtcbins: data reception. */
void gst_livekit_room_setup_data (GstLiveKitRoomBin * self);
/* Signalling thread, once joined: the publisher's data channels. */
void gst_livekit_room_open_data_channels (GstLiveKitRoomBin * self);
/* On stop: drops the channels and the packets that wait for them. */
void gst_livekit_room_clear_data (GstLiveKitRoomBin * self);
/* Rejoin: forgets the old publisher's channels; waiting packets stay. */
void gst_livekit_room_drop_data_channels (GstLiveKitRoomBin * self);
/* The send-data action signal; any thread. */
gboolean gst_livekit_room_send_data (GstLiveKitRoomBin * self,
    GBytes * payload, const gchar * topic, gboolean reliable,
    const gchar * const *destinations);
/* Whether the publisher connection must come up for data alone. */
gboolean gst_livekit_room_wants_data (GstLiveKitRoomBin * self);

G_END_DECLS
#endif
