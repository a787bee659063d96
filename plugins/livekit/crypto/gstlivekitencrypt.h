#ifndef __GST_LIVEKIT_ENCRYPT_H__
#define __GST_LIVEKIT_ENCRYPT_H__

#include "gstlivekitcryptobase.h"

G_BEGIN_DECLS

#define GST_TYPE_LIVEKIT_ENCRYPT (gst_livekit_encrypt_get_type ())
G_DECLARE_FINAL_TYPE (GstLiveKitEncrypt, gst_livekit_encrypt, GST,
    LIVEKIT_ENCRYPT, GstLiveKitCryptoBase)

GST_ELEMENT_REGISTER_DECLARE (livekitencrypt);

G_END_DECLS
#endif
