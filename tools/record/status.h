/* The live status line on a terminal, and the last words. */
#ifndef __REC_STATUS_H__
#define __REC_STATUS_H__

#include "recorder-private.h"

G_BEGIN_DECLS void rec_status_print (RecRecorder * rec);
void rec_status_end (RecRecorder * rec);
/* One line to stderr: files written, manifest. */
void rec_status_summary (RecRecorder * rec, const gchar * manifest);

G_END_DECLS
#endif
