#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstlivekitrtppictureidpay.h"
#include "gstlivekitrtputils.h"

GST_DEBUG_CATEGORY_STATIC (gst_livekit_rtp_picture_id_pay_debug);
#define GST_CAT_DEFAULT gst_livekit_rtp_picture_id_pay_debug

#define DEFAULT_PICTURE_ID_OFFSET -1

typedef struct
{
  gint offset;                  /* object lock */
  guint16 next;                 /* streaming thread */
} GstLiveKitRtpPictureIdPayPrivate;

enum
{
  PROP_0,
  PROP_PICTURE_ID_OFFSET,
};

G_DEFINE_ABSTRACT_TYPE_WITH_CODE (GstLiveKitRtpPictureIdPay,
    gst_livekit_rtp_picture_id_pay, GST_TYPE_RTP_BASE_PAYLOAD,
    G_ADD_PRIVATE (GstLiveKitRtpPictureIdPay);
    GST_DEBUG_CATEGORY_INIT (gst_livekit_rtp_picture_id_pay_debug,
        "livekitrtppictureidpay", 0,
        "LiveKit E2EE VP8/VP9 payloaders (livekitrtpvp8pay, livekitrtpvp9pay)"));

#define PRIV(self) ((GstLiveKitRtpPictureIdPayPrivate *) \
    gst_livekit_rtp_picture_id_pay_get_instance_private ( \
        GST_LIVEKIT_RTP_PICTURE_ID_PAY (self)))

/* The PictureID of the frame being payloaded; the next call gives the
 * next one. */
static guint16
take_picture_id (GstLiveKitRtpPictureIdPay * self)
{
  GstLiveKitRtpPictureIdPayPrivate *priv = PRIV (self);
  guint16 id = priv->next;

  priv->next = (id + 1) & 0x7fff;
  return id;
}

static GstFlowReturn
gst_livekit_rtp_picture_id_pay_handle_buffer (GstRTPBasePayload * payload,
    GstBuffer * buffer)
{
  GstLiveKitRtpPictureIdPay *self = GST_LIVEKIT_RTP_PICTURE_ID_PAY (payload);
  GstLiveKitRtpPictureIdPayClass *klass =
      GST_LIVEKIT_RTP_PICTURE_ID_PAY_GET_CLASS (self);
  gsize size = gst_buffer_get_size (buffer), offset = 0;
  guint max = gst_livekit_rtp_max_payload (payload);
  guint16 picture_id;
  GstBufferList *list;

  if (max <= klass->max_descriptor_size) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("mtu %u leaves no room for %s data", GST_RTP_BASE_PAYLOAD_MTU (self),
            payload->encoding_name), (NULL));
    gst_buffer_unref (buffer);
    return GST_FLOW_ERROR;
  }
  if (size == 0) {
    /* Nothing a depayloader could deliver. */
    GST_LOG_OBJECT (self, "dropping an empty frame");
    gst_buffer_unref (buffer);
    return GST_FLOW_OK;
  }

  picture_id = take_picture_id (self);
  list = gst_buffer_list_new ();
  while (offset < size) {
    gboolean first = offset == 0;
    guint hdr = klass->descriptor_size (self, buffer, first);
    gsize len = MIN (size - offset, max - hdr);
    gboolean last = offset + len == size;
    GstBuffer *out = gst_livekit_rtp_packet_new (payload, buffer, hdr, offset,
        len);
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;

    gst_rtp_buffer_map (out, GST_MAP_WRITE, &rtp);
    klass->write_descriptor (self, buffer, gst_rtp_buffer_get_payload (&rtp),
        first, last, picture_id);
    gst_rtp_buffer_set_marker (&rtp, last);
    gst_rtp_buffer_unmap (&rtp);
    gst_buffer_list_add (list, out);
    offset += len;
  }
  GST_LOG_OBJECT (self, "%s frame of %" G_GSIZE_FORMAT " bytes, picture id "
      "%u, %u packets", GST_BUFFER_FLAG_IS_SET (buffer,
          GST_BUFFER_FLAG_DELTA_UNIT) ? "delta" : "key", size, picture_id,
      gst_buffer_list_length (list));
  gst_buffer_unref (buffer);
  return gst_rtp_base_payload_push_list (payload, list);
}

static GstStateChangeReturn
gst_livekit_rtp_picture_id_pay_change_state (GstElement * element,
    GstStateChange transition)
{
  GstLiveKitRtpPictureIdPayPrivate *priv = PRIV (element);

  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
    GST_OBJECT_LOCK (element);
    /* RFC 7741 asks for a random start, which the default gives. */
    priv->next = priv->offset < 0 ? g_random_int_range (0, 0x8000) :
        priv->offset;
    GST_OBJECT_UNLOCK (element);
  }
  return GST_ELEMENT_CLASS (gst_livekit_rtp_picture_id_pay_parent_class)->
      change_state (element, transition);
}

static void
gst_livekit_rtp_picture_id_pay_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  switch (prop_id) {
    case PROP_PICTURE_ID_OFFSET:
      GST_OBJECT_LOCK (object);
      PRIV (object)->offset = g_value_get_int (value);
      GST_OBJECT_UNLOCK (object);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_livekit_rtp_picture_id_pay_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  switch (prop_id) {
    case PROP_PICTURE_ID_OFFSET:
      GST_OBJECT_LOCK (object);
      g_value_set_int (value, PRIV (object)->offset);
      GST_OBJECT_UNLOCK (object);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_livekit_rtp_picture_id_pay_init (GstLiveKitRtpPictureIdPay * self)
{
  PRIV (self)->offset = DEFAULT_PICTURE_ID_OFFSET;
}

static void
gst_livekit_rtp_picture_id_pay_class_init (GstLiveKitRtpPictureIdPayClass *
    klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->set_property = gst_livekit_rtp_picture_id_pay_set_property;
  gobject_class->get_property = gst_livekit_rtp_picture_id_pay_get_property;
  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_livekit_rtp_picture_id_pay_change_state);
  GST_RTP_BASE_PAYLOAD_CLASS (klass)->handle_buffer =
      GST_DEBUG_FUNCPTR (gst_livekit_rtp_picture_id_pay_handle_buffer);

  /**
   * GstLiveKitRtpPictureIdPay:picture-id-offset:
   *
   * PictureID of the first frame after READY→PAUSED; -1 picks a random
   * one. Fixed values make packets reproducible in tests.
   */
  g_object_class_install_property (gobject_class, PROP_PICTURE_ID_OFFSET,
      g_param_spec_int ("picture-id-offset", "Picture ID offset",
          "PictureID of the first frame (15 bits); -1 = random", -1, 0x7fff,
          DEFAULT_PICTURE_ID_OFFSET, G_PARAM_READWRITE |
          G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  gst_type_mark_as_plugin_api (GST_TYPE_LIVEKIT_RTP_PICTURE_ID_PAY, 0);
}
