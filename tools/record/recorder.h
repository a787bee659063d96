/* The recording: a pipeline around one livekitroombin (a hidden
 * subscriber), one RecWriter per participant, optionally a composite, and
 * the manifest at the end. */
#ifndef __REC_RECORDER_H__
#define __REC_RECORDER_H__

#include "options.h"

G_BEGIN_DECLS typedef struct _RecRecorder RecRecorder;

/* NULL with @error and *@code when the recording cannot start (missing
 * element, unreadable key file). */
RecRecorder *rec_recorder_new (RecOptions * opts, RecExitCode * code,
    GError ** error);
/* Runs until --duration, a signal or a fatal error; writes the files and
 * the manifest; returns the exit code. */
RecExitCode rec_recorder_run (RecRecorder * rec);
void rec_recorder_free (RecRecorder * rec);

G_END_DECLS
#endif
