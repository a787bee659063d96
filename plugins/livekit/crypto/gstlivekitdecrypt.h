#ifndef __GST_LIVEKIT_DECRYPT_H__
#define __GST_LIVEKIT_DECRYPT_H__

#include "gstlivekitcryptobase.h"

G_BEGIN_DECLS

#define GST_TYPE_LIVEKIT_DECRYPT (gst_livekit_decrypt_get_type ())
G_DECLARE_FINAL_TYPE (GstLiveKitDecrypt, gst_livekit_decrypt, GST,
    LIVEKIT_DECRYPT, GstLiveKitCryptoBase)

GST_ELEMENT_REGISTER_DECLARE (livekitdecrypt);

G_END_DECLS
#endif
