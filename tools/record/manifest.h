/* OUT/manifest.json: what was recorded, written when the recording ends. */
#ifndef __REC_MANIFEST_H__
#define __REC_MANIFEST_H__

#include "recorder-private.h"

G_BEGIN_DECLS
    gboolean rec_manifest_write (RecRecorder * rec, const gchar * path,
    GError ** error);

G_END_DECLS
#endif
