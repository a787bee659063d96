#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstlivekitrtppictureidpay.h"

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

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (GstLiveKitRtpPictureIdPay,
    gst_livekit_rtp_picture_id_pay, GST_TYPE_RTP_BASE_PAYLOAD);

#define PRIV(self) ((GstLiveKitRtpPictureIdPayPrivate *) \
    gst_livekit_rtp_picture_id_pay_get_instance_private ( \
        GST_LIVEKIT_RTP_PICTURE_ID_PAY (self)))

guint16
gst_livekit_rtp_picture_id_pay_take (GstLiveKitRtpPictureIdPay * self)
{
  GstLiveKitRtpPictureIdPayPrivate *priv = PRIV (self);
  guint16 id = priv->next;

  priv->next = (id + 1) & 0x7fff;
  return id;
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
