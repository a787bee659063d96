/* Per-(participant, direction) frame cryptor: key lookup, IVs, failure
 * counting, auto-ratchet, server-injected frames and encryption state. */
#ifndef __GST_LIVEKIT_CRYPTOR_H__
#define __GST_LIVEKIT_CRYPTOR_H__

#include <gst/gst.h>
#include <gst/livekit/frame.h>
#include <gst/livekit/keyring.h>

G_BEGIN_DECLS

/**
 * GstLiveKitEncryptionState:
 * @GST_LIVEKIT_ENCRYPTION_STATE_NEW: nothing processed yet
 * @GST_LIVEKIT_ENCRYPTION_STATE_OK: frames encrypt / decrypt
 * @GST_LIVEKIT_ENCRYPTION_STATE_ENCRYPTION_FAILED: sealing a frame failed
 * @GST_LIVEKIT_ENCRYPTION_STATE_DECRYPTION_FAILED: a frame failed to decrypt
 *   with every key tried, or was malformed
 * @GST_LIVEKIT_ENCRYPTION_STATE_MISSING_KEY: no key at the frame's key index
 * @GST_LIVEKIT_ENCRYPTION_STATE_KEY_RATCHETED: a frame decrypted only after
 *   auto-ratcheting its key (OK follows for the same frame)
 * @GST_LIVEKIT_ENCRYPTION_STATE_INTERNAL_ERROR: an internal failure
 *
 * LiveKit's FrameCryptionState, same values (spec livekit-e2ee.md §10.1).
 */
typedef enum /*< underscore_name=gst_livekit_encryption_state >*/
{
  GST_LIVEKIT_ENCRYPTION_STATE_NEW = 0,
  GST_LIVEKIT_ENCRYPTION_STATE_OK = 1,
  GST_LIVEKIT_ENCRYPTION_STATE_ENCRYPTION_FAILED = 2,
  GST_LIVEKIT_ENCRYPTION_STATE_DECRYPTION_FAILED = 3,
  GST_LIVEKIT_ENCRYPTION_STATE_MISSING_KEY = 4,
  GST_LIVEKIT_ENCRYPTION_STATE_KEY_RATCHETED = 5,
  GST_LIVEKIT_ENCRYPTION_STATE_INTERNAL_ERROR = 6,
} GstLiveKitEncryptionState;

/**
 * GstLiveKitFrameOutcome:
 * @GST_LIVEKIT_FRAME_OUTCOME_ENCRYPTED: encrypted
 * @GST_LIVEKIT_FRAME_OUTCOME_DECRYPTED: decrypted
 * @GST_LIVEKIT_FRAME_OUTCOME_PASSTHROUGH: passed unchanged (empty frame,
 *   known server-injected frame, disabled cryptor)
 * @GST_LIVEKIT_FRAME_OUTCOME_DROPPED: dropped; the drop reason says why
 * @GST_LIVEKIT_FRAME_OUTCOME_HELD: not decided yet: only ratchet steps the
 *   keyring is still deriving could open it (only when the caller allows
 *   holding); decrypt the same frame again later. Nothing is counted.
 */
typedef enum /*< underscore_name=gst_livekit_frame_outcome >*/
{
  GST_LIVEKIT_FRAME_OUTCOME_ENCRYPTED,
  GST_LIVEKIT_FRAME_OUTCOME_DECRYPTED,
  GST_LIVEKIT_FRAME_OUTCOME_PASSTHROUGH,
  GST_LIVEKIT_FRAME_OUTCOME_DROPPED,
  GST_LIVEKIT_FRAME_OUTCOME_HELD,
} GstLiveKitFrameOutcome;

/**
 * GstLiveKitDropReason:
 * @GST_LIVEKIT_DROP_REASON_NONE: not dropped
 * @GST_LIVEKIT_DROP_REASON_TOO_SHORT: shorter than a trailer and tag
 * @GST_LIVEKIT_DROP_REASON_BAD_IV_LENGTH: IV length byte is not 12
 * @GST_LIVEKIT_DROP_REASON_MISSING_KEY: no key at the key index (or the key
 *   index is beyond the key ring)
 * @GST_LIVEKIT_DROP_REASON_KEY_INVALID: the key index failed more often than
 *   the failure tolerance allows; frames are dropped untried until a key is
 *   set or ratcheted there
 * @GST_LIVEKIT_DROP_REASON_DECRYPT_FAILED: authentication failed with every
 *   key tried (wrong key, tampered or damaged frame)
 * @GST_LIVEKIT_DROP_REASON_UNKNOWN_SIF: carries the server-injected-frame
 *   trailer but is not one of the known blank payloads
 * @GST_LIVEKIT_DROP_REASON_ENCRYPT_FAILED: sealing failed
 * @GST_LIVEKIT_DROP_REASON_IV_EXHAUSTED: 2^32 frames under one IV sequence
 */
typedef enum /*< underscore_name=gst_livekit_drop_reason >*/
{
  GST_LIVEKIT_DROP_REASON_NONE,
  GST_LIVEKIT_DROP_REASON_TOO_SHORT,
  GST_LIVEKIT_DROP_REASON_BAD_IV_LENGTH,
  GST_LIVEKIT_DROP_REASON_MISSING_KEY,
  GST_LIVEKIT_DROP_REASON_KEY_INVALID,
  GST_LIVEKIT_DROP_REASON_DECRYPT_FAILED,
  GST_LIVEKIT_DROP_REASON_UNKNOWN_SIF,
  GST_LIVEKIT_DROP_REASON_ENCRYPT_FAILED,
  GST_LIVEKIT_DROP_REASON_IV_EXHAUSTED,
} GstLiveKitDropReason;

#define GST_LIVEKIT_N_DROP_REASONS (GST_LIVEKIT_DROP_REASON_IV_EXHAUSTED + 1)

const gchar *gst_livekit_drop_reason_to_string (GstLiveKitDropReason reason);
const gchar *gst_livekit_encryption_state_to_string (GstLiveKitEncryptionState
    state);

/* What happened to one frame. States lists the state changes it caused, in
 * order (at most two: KEY_RATCHETED then OK). */
typedef struct
{
  GstLiveKitFrameOutcome outcome;
  GstLiveKitDropReason reason;
  /* ENCRYPT_FAILED: what the frame code said (too-short: nothing after the
   * codec's clear prefix; layout-unstable; ...), else GST_LIVEKIT_FRAME_OK. */
  GstLiveKitFrameError frame_error;
  guint key_index;
  /* DECRYPT_FAILED: this failure exceeded the failure tolerance; the key
   * index is given up (KEY_INVALID) until a key is set there. Once. */
  gboolean key_given_up;
  guint n_states;
  GstLiveKitEncryptionState states[2];
  gboolean ratcheted;
  /* First success after MISSING_KEY or DECRYPTION_FAILED: time to ask for a
   * key frame. */
  gboolean recovered;
} GstLiveKitCryptResult;

typedef struct
{
  guint64 frames_in, frames_out, bytes_in, bytes_out;
  guint64 passthrough;
  guint64 ratchets;
  guint64 drops[GST_LIVEKIT_N_DROP_REASONS];
  guint key_index;
  GstLiveKitEncryptionState state;
} GstLiveKitCryptorStats;

typedef struct _GstLiveKitCryptor GstLiveKitCryptor;

/* @identity: (nullable): the sender (decrypt) or local (encrypt) participant;
 * NULL uses the shared key ring. */
GstLiveKitCryptor *gst_livekit_cryptor_new (GstLiveKitKeyring * keyring,
    gboolean encrypt, const gchar * identity);
void gst_livekit_cryptor_free (GstLiveKitCryptor * cryptor);

const gchar *gst_livekit_cryptor_get_identity (GstLiveKitCryptor * cryptor);
guint gst_livekit_cryptor_get_current_key_index (GstLiveKitCryptor *
    cryptor);
/* (transfer none) */
GstLiveKitKeyring *gst_livekit_cryptor_get_keyring (GstLiveKitCryptor *
    cryptor);

/* Encrypt side: the IV's SSRC word; 0 picks one from the CSPRNG. */
void gst_livekit_cryptor_set_ssrc (GstLiveKitCryptor * cryptor, guint32 ssrc);
/* Decrypt side: the room's server-injected-frame trailer (spec §9.1). */
void gst_livekit_cryptor_set_sif_trailer (GstLiveKitCryptor * cryptor,
    const guint8 * trailer, gsize len);

/* @out needs gst_livekit_frame_encrypted_size_bound (codec, len) bytes. */
void gst_livekit_cryptor_encrypt (GstLiveKitCryptor * cryptor,
    GstLiveKitCodec codec, const guint8 * in, gsize len, gboolean key_frame,
    guint32 rtp_timestamp, guint key_index, guint8 * out, gsize out_cap,
    gsize * out_len, GstLiveKitCryptResult * result);

/* @out needs @len bytes; on PASSTHROUGH it receives the frame to forward
 * (without a server-injected trailer). */
void gst_livekit_cryptor_decrypt (GstLiveKitCryptor * cryptor,
    GstLiveKitCodec codec, const guint8 * in, gsize len, gboolean key_frame,
    guint8 * out, gsize * out_len, GstLiveKitCryptResult * result);
/* Like gst_livekit_cryptor_decrypt(); with @may_hold, a frame that fails
 * while the keyring still derives ratchet steps for its key is not dropped
 * but HELD: try it again when gst_livekit_keyring_wait_ratchet_progress()
 * says the worker moved. Without @may_hold such a frame is dropped (the
 * steps are derived all the same, for the frames after it). */
void gst_livekit_cryptor_decrypt_full (GstLiveKitCryptor * cryptor,
    GstLiveKitCodec codec, const guint8 * in, gsize len, gboolean key_frame,
    gboolean may_hold, guint8 * out, gsize * out_len,
    GstLiveKitCryptResult * result);

/* Whether the frame opens at once with the current key at its key index,
 * with no side effect (no state, no count, no ratchet). A holding caller
 * asks it of the frames behind a held one: if they open, the sender did
 * not ratchet and the held frame is merely damaged. */
gboolean gst_livekit_cryptor_opens_now (GstLiveKitCryptor * cryptor,
    GstLiveKitCodec codec, const guint8 * in, gsize len, gboolean key_frame);

void gst_livekit_cryptor_get_stats (GstLiveKitCryptor * cryptor,
    GstLiveKitCryptorStats * stats);

G_END_DECLS
#endif /* __GST_LIVEKIT_CRYPTOR_H__ */
