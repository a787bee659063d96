/* libFuzzer harness for livekitroombin's data-packet receive path
 * (plugins/livekit/room/gstlivekitroomdata.c, compiled in): parse the
 * DataPacket, decrypt an EncryptedPacket with the keyring, parse the user
 * payload, hand it up or drop it.
 *
 * One keyring for the process (HKDF keys): the shared ring holds key S at
 * index 0, "alice" has a ring of her own with key A at index 0.
 *
 * Input: byte 0 = op, then
 *   op 0  the rest is a DataPacket as a data channel delivers it
 *   op 1  [sender u8][topic length u8][topic][flip u16 BE][payload...]:
 *         the payload is encrypted as the room bin sends it (sender 0:
 *         none (shared ring), 1: "alice", 2: "bob" (no ring: shared)),
 *         then bit flip % (8 * length) of the packet is flipped, unless
 *         flip is 0xffff
 *   op 2  as op 1, but the bit flipped is in the AES-GCM tag (the last 16
 *         bytes of ciphertext || tag), before the packet is built
 * Checks: whatever arrives as encrypted is exactly what was sent (a flip
 * never yields other bytes); a tampered tag never arrives; an untouched
 * packet always does, unless its topic is not UTF-8 (refused); identity
 * and topic that arrive are UTF-8.
 */
#include <gst/gst.h>
#include <gst/livekit/livekit.h>
#include <gst/livekit/signalling/signalling.h>

#include "room/gstlivekitroomdata.h"

#include "fuzz-common.h"

GST_DEBUG_CATEGORY (gst_livekit_room_bin_debug);

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

static const uint8_t key_s[] = "fuzz shared key S";
static const uint8_t key_a[] = "fuzz alice key A";
static const gchar *senders[] = { NULL, "alice", "bob" };

static GstLiveKitKeyring *keyring;
static GstLiveKitRoomData *room_data;
static GstBin *bin;

typedef struct
{
  guint received, dropped;
  gboolean encrypted;
  gchar *identity, *topic;
  GBytes *payload;
} Seen;

static Seen seen;

static void
seen_clear (void)
{
  g_clear_pointer (&seen.identity, g_free);
  g_clear_pointer (&seen.topic, g_free);
  g_clear_pointer (&seen.payload, g_bytes_unref);
  memset (&seen, 0, sizeof seen);
}

static void
host_post (GstBin * b, GstStructure * event)
{
  FUZZ_CHECK (gst_structure_has_name (event, "livekit-data-dropped"),
      "event %s", gst_structure_get_name (event));
  seen.dropped++;
  gst_structure_free (event);
}

static void
host_data_received (GstBin * b, const gchar * identity, const gchar * topic,
    GBytes * payload, gboolean encrypted)
{
  FUZZ_CHECK (payload != NULL, "no payload");
  /* What applications get as strings (signal, bus message). */
  FUZZ_CHECK (!identity || g_utf8_validate (identity, -1, NULL),
      "identity not UTF-8");
  FUZZ_CHECK (!topic || g_utf8_validate (topic, -1, NULL), "topic not UTF-8");
  seen.received++;
  seen.encrypted = encrypted;
  seen.identity = g_strdup (identity);
  seen.topic = g_strdup (topic);
  seen.payload = g_bytes_ref (payload);
}

static void
host_watch_cryptor (GstBin * b, GstElement * cryptor)
{
}

static void
host_inputs_ended (GstBin * b)
{
}

static const GstLiveKitRoomHost host = {
  NULL, host_post, host_watch_cryptor, host_data_received, host_inputs_ended,
};

static void
connect_later (gpointer user_data)
{
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  static GstLiveKitRoomHost h;

  g_setenv ("GST_DEBUG", "*:0", TRUE);
  g_setenv ("GST_REGISTRY_DISABLE", "yes", TRUE);
  gst_init (NULL, NULL);
  GST_DEBUG_CATEGORY_INIT (gst_livekit_room_bin_debug, "livekitroombin", 0,
      "fuzz");
  bin = GST_BIN (gst_bin_new ("fuzz"));
  h = host;
  h.bin = bin;
  room_data = gst_livekit_room_data_new (&h, connect_later, NULL);
  keyring = gst_livekit_keyring_new ();
  g_object_set (keyring, "key-derivation", GST_LIVEKIT_KEY_DERIVATION_HKDF,
      NULL);
  if (!gst_livekit_keyring_set_shared_key (keyring, key_s, sizeof key_s - 1,
          0, NULL)
      || !gst_livekit_keyring_set_key (keyring, "alice", key_a,
          sizeof key_a - 1, 0, NULL))
    abort ();
  gst_livekit_keyring_wait_precomputed (keyring);
  gst_livekit_room_data_set_keyring (room_data, keyring);
  return 0;
}

static void
receive (const uint8_t * d, size_t n)
{
  uint8_t *copy = fuzz_dup (d, n);
  GBytes *b = g_bytes_new_with_free_func (copy, n, free, copy);

  seen_clear ();
  gst_livekit_room_data_receive (room_data, b);
  g_bytes_unref (b);
  FUZZ_CHECK (seen.received + seen.dropped <= 1, "received %u dropped %u",
      seen.received, seen.dropped);
}

/* op 1 and 2: a packet as the bin sends it, then one bit flipped. */
static void
sealed (const uint8_t * data, size_t size, gboolean in_tag)
{
  const gchar *sender;
  gchar *topic = NULL;
  GBytes *payload, *plain, *iv = NULL, *ct, *packet;
  guint key_index = 0, flip;
  size_t tlen, pos = 2;
  gsize plen;
  gboolean flipped = FALSE;

  if (size < 2)
    return;
  sender = senders[data[0] % G_N_ELEMENTS (senders)];
  tlen = MIN (data[1], size - pos);
  if (tlen)
    topic = g_strndup ((const gchar *) data + pos, tlen);
  pos += tlen;
  if (size - pos < 2)
    flip = 0xffff;
  else
    flip = (data[pos] << 8) | data[pos + 1];
  pos = MIN (pos + 2, size);
  payload = g_bytes_new (data + pos, size - pos);

  plain = gst_livekit_data_payload_build_user (topic, payload);
  ct = gst_livekit_keyring_encrypt_data (keyring, sender, plain, &key_index,
      &iv);
  FUZZ_CHECK (ct && iv, "encrypt_data failed");
  if (in_tag && flip != 0xffff) {
    uint8_t *c = g_bytes_unref_to_data (ct, &plen);
    FUZZ_CHECK (plen >= 16, "ciphertext %zu bytes", (size_t) plen);
    c[plen - 16 + (flip / 8) % 16] ^= 1u << (flip % 8);
    ct = g_bytes_new_take (c, plen);
    flipped = TRUE;
  }
  packet = gst_livekit_data_packet_build_encrypted (sender, TRUE, NULL,
      key_index, iv, ct);
  {
    gsize n;
    uint8_t *p = g_bytes_unref_to_data (packet, &n);
    if (!in_tag && flip != 0xffff && n > 0) {
      p[(flip / 8) % n] ^= 1u << (flip % 8);
      flipped = TRUE;
    }
    receive (p, n);
    g_free (p);
  }

  if (!flipped && topic && !g_utf8_validate (topic, -1, NULL)) {
    /* Decrypts, but a topic that is not UTF-8 is refused. */
    FUZZ_CHECK (seen.received == 0 && seen.dropped == 1, "a topic that is "
        "not UTF-8: received %u dropped %u", seen.received, seen.dropped);
  } else if (!flipped) {
    FUZZ_CHECK (seen.received == 1 && seen.encrypted, "an untouched packet "
        "did not arrive (received %u dropped %u)", seen.received, seen.dropped);
    FUZZ_CHECK (g_strcmp0 (seen.identity, sender) == 0, "identity %s != %s",
        seen.identity, sender);
  }
  if (in_tag && flipped)
    FUZZ_CHECK (seen.received == 0 && seen.dropped == 1,
        "a tampered tag: received %u dropped %u", seen.received, seen.dropped);
  if (seen.received && seen.encrypted) {
    /* Authenticated: exactly the topic and payload sent. */
    FUZZ_CHECK (g_strcmp0 (seen.topic, topic && *topic ? topic : NULL) == 0,
        "topic changed");
    FUZZ_CHECK (g_bytes_equal (seen.payload, payload), "payload changed");
  }
  seen_clear ();
  g_bytes_unref (plain);
  g_bytes_unref (payload);
  g_bytes_unref (ct);
  g_bytes_unref (iv);
  g_free (topic);
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  if (size < 1)
    return 0;
  switch (data[0] % 3) {
    case 0:
      receive (data + 1, size - 1);
      seen_clear ();
      break;
    case 1:
      sealed (data + 1, size - 1, FALSE);
      break;
    case 2:
      sealed (data + 1, size - 1, TRUE);
      break;
  }
  return 0;
}
