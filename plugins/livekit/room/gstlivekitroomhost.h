/* How the parts of livekitroombin report back up. The bin is the host:
 * element -> session -> publisher / subscriber / data -> room model. Calls
 * go down; what the lower parts have to tell goes up through these
 * callbacks, so no part knows the bin's code. The parts use the bin only
 * as a plain GstBin: to hold their elements and pads and to post errors. */
#ifndef __GST_LIVEKIT_ROOM_HOST_H__
#define __GST_LIVEKIT_ROOM_HOST_H__

#include <gst/gst.h>

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (gst_livekit_room_bin_debug);

typedef struct
{
  GstBin *bin;
  /* A room event, e.g. "livekit-track-subscribed": the bin's signal of the
   * same name and an element message on the bus. Takes @event. */
  void (*post) (GstBin * bin, GstStructure * event);
  /* An encryptor or decryptor was made: its states are the bin's too. */
  void (*watch_cryptor) (GstBin * bin, GstElement * cryptor);
  /* A user data packet arrived (decrypted when it came encrypted). */
  void (*data_received) (GstBin * bin, const gchar * identity,
      const gchar * topic, GBytes * payload, gboolean encrypted);
  /* Every published input has ended. */
  void (*inputs_ended) (GstBin * bin);
} GstLiveKitRoomHost;

G_END_DECLS
#endif
