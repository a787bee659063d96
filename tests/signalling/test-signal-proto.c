/* Our livekit_signal.proto against hand-built wire bytes (so field numbers
 * are checked independently of protobuf-c's encoder): decoding with unknown
 * fields and unknown oneof cases, malformed input, request encoding, and
 * the conversion into the public info structs. Spec livekit-signalling.md
 * §2. */
#include <gst/check/gstcheck.h>
#include "../../gst/livekit/signalling/signal-private.h"
#include "../../gst/livekit/signalling/data-packet.h"

#include <string.h>

/* ---- a tiny protobuf writer ---- */

static void
put_varint (GByteArray * b, guint64 v)
{
  do {
    guint8 c = v & 0x7f;
    v >>= 7;
    if (v)
      c |= 0x80;
    g_byte_array_append (b, &c, 1);
  } while (v);
}

static void
put_tag (GByteArray * b, guint field, guint wire_type)
{
  put_varint (b, ((guint64) field << 3) | wire_type);
}

static void
put_uint (GByteArray * b, guint field, guint64 v)
{
  put_tag (b, field, 0);
  put_varint (b, v);
}

static void
put_bytes (GByteArray * b, guint field, const void *data, gsize len)
{
  put_tag (b, field, 2);
  put_varint (b, len);
  g_byte_array_append (b, data, len);
}

static void
put_str (GByteArray * b, guint field, const gchar * s)
{
  put_bytes (b, field, s, strlen (s));
}

/* Appends and frees @sub. */
static void
put_msg (GByteArray * b, guint field, GByteArray * sub)
{
  put_bytes (b, field, sub->data, sub->len);
  g_byte_array_unref (sub);
}

static GByteArray *
msg_new (void)
{
  return g_byte_array_new ();
}

static const guint8 sif[] = { 0x53, 0x49, 0x46, 0x00, 0xff, 0x10 };

/* A JoinResponse as a v1.13.5 server might send it, with fields our .proto
 * does not declare sprinkled in at every level. */
static GByteArray *
build_join_frame (void)
{
  GByteArray *track = msg_new (), *part = msg_new (), *other = msg_new ();
  GByteArray *room = msg_new (), *ice = msg_new (), *info = msg_new ();
  GByteArray *codec = msg_new (), *cfg = msg_new (), *join = msg_new ();
  GByteArray *attr = msg_new (), *resp = msg_new ();
  guint8 fixed[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

  put_str (track, 1, "TR_VCabc");
  put_uint (track, 2, 1);       /* VIDEO */
  put_str (track, 3, "cam");
  put_uint (track, 9, 1);       /* CAMERA */
  put_str (track, 11, "video/VP8");
  put_str (track, 12, "1");
  put_uint (track, 15, 1);      /* disable_red */
  put_uint (track, 16, 1);      /* encryption GCM */
  put_uint (track, 21, 3);      /* unknown: packet_trailer_features */

  put_str (other, 1, "PA_bob");
  put_str (other, 2, "bob");
  put_uint (other, 3, 2);       /* ACTIVE */
  put_msg (other, 4, track);
  put_uint (other, 10, 7);
  put_str (attr, 1, "k");
  put_str (attr, 2, "v");
  put_msg (other, 15, attr);
  put_uint (other, 20, 2);      /* unknown: client_protocol */

  put_str (part, 1, "PA_alice");
  put_str (part, 2, "alice");
  put_str (part, 9, "Alice");
  put_uint (part, 3, 1);

  put_str (room, 1, "RM_x");
  put_str (room, 2, "test");
  put_msg (room, 13, msg_new ());       /* unknown: TimedVersion */

  put_str (ice, 1, "stun:127.0.0.1:3478");
  put_str (ice, 1, "turn:127.0.0.1:3478");
  put_str (ice, 2, "u");
  put_str (ice, 3, "c");

  put_uint (info, 1, 0);
  put_str (info, 2, "1.13.5");
  put_uint (info, 3, 17);
  put_uint (info, 7, 1);        /* unknown: agent_protocol */

  put_str (codec, 1, "video/VP8");
  put_str (codec, 2, "");

  put_uint (cfg, 5, 2);         /* ClientConfiguration: not in our .proto */

  put_msg (join, 1, room);
  put_msg (join, 2, part);
  put_msg (join, 3, other);
  put_str (join, 4, "1.13.5-old");
  put_msg (join, 5, ice);
  put_uint (join, 6, 1);
  put_msg (join, 8, cfg);
  put_uint (join, 10, 15);
  put_uint (join, 11, 5);
  put_msg (join, 12, info);
  put_bytes (join, 13, sif, sizeof (sif));
  put_msg (join, 14, codec);
  put_uint (join, 15, 1);
  put_tag (join, 99, 1);        /* unknown fixed64 */
  g_byte_array_append (join, fixed, 8);
  put_tag (join, 100, 5);       /* unknown fixed32 */
  g_byte_array_append (join, fixed, 4);

  put_msg (resp, 1, join);
  return resp;
}

GST_START_TEST (test_decode_join_with_unknown_fields)
{
  GByteArray *frame = build_join_frame ();
  Livekit__SignalResponse *resp =
      livekit__signal_response__unpack (NULL, frame->len, frame->data);
  GstLiveKitJoinInfo *info;
  GstLiveKitParticipantInfo *bob;
  GstLiveKitTrackInfo *t;
  GstLiveKitIceServer *ice;
  gsize n;

  fail_unless (resp != NULL);
  fail_unless_equals_int (resp->message_case,
      LIVEKIT__SIGNAL_RESPONSE__MESSAGE_JOIN);
  /* protobuf-c kept the fields it does not know, it did not misread them */
  fail_unless (resp->join->base.n_unknown_fields >= 3);

  info = gst_livekit_join_info_from_pb (resp->join);
  livekit__signal_response__free_unpacked (resp, NULL);
  g_byte_array_unref (frame);

  fail_unless_equals_string (info->room_sid, "RM_x");
  fail_unless_equals_string (info->room_name, "test");
  fail_unless_equals_string (info->participant->identity, "alice");
  fail_unless_equals_string (info->participant->sid, "PA_alice");
  fail_unless_equals_string (info->participant->name, "Alice");
  fail_unless_equals_int (info->participant->tracks->len, 0);
  fail_unless (info->subscriber_primary);
  fail_unless (info->fast_publish);
  fail_unless_equals_int (info->ping_timeout, 15);
  fail_unless_equals_int (info->ping_interval, 5);
  fail_unless_equals_string (info->server_version, "1.13.5");
  fail_unless_equals_int (info->server_protocol, 17);
  fail_unless (memcmp (g_bytes_get_data (info->sif_trailer, &n), sif,
          sizeof (sif)) == 0);
  fail_unless_equals_int (n, sizeof (sif));
  fail_unless_equals_int (g_strv_length (info->enabled_publish_codecs), 1);
  fail_unless_equals_string (info->enabled_publish_codecs[0], "video/VP8");

  fail_unless_equals_int (info->ice_servers->len, 1);
  ice = g_ptr_array_index (info->ice_servers, 0);
  fail_unless_equals_int (g_strv_length (ice->urls), 2);
  fail_unless_equals_string (ice->urls[1], "turn:127.0.0.1:3478");
  fail_unless_equals_string (ice->username, "u");
  fail_unless_equals_string (ice->credential, "c");

  fail_unless_equals_int (info->other_participants->len, 1);
  bob = g_ptr_array_index (info->other_participants, 0);
  fail_unless_equals_string (bob->identity, "bob");
  fail_unless_equals_int (bob->state, GST_LIVEKIT_PARTICIPANT_STATE_ACTIVE);
  fail_unless_equals_int (bob->version, 7);
  fail_unless_equals_string (g_hash_table_lookup (bob->attributes, "k"), "v");
  t = gst_livekit_participant_info_find_track (bob, "TR_VCabc");
  fail_unless (t != NULL);
  fail_unless_equals_int (t->type, GST_LIVEKIT_TRACK_TYPE_VIDEO);
  fail_unless_equals_int (t->source, GST_LIVEKIT_TRACK_SOURCE_CAMERA);
  fail_unless_equals_int (t->encryption, GST_LIVEKIT_ENCRYPTION_TYPE_GCM);
  fail_unless (t->disable_red);
  fail_unless_equals_string (t->mime_type, "video/VP8");
  fail_unless_equals_string (t->mid, "1");
  fail_unless_equals_string (t->name, "cam");
  fail_unless_equals_string (t->stream, "");

  gst_livekit_join_info_unref (info);
}

GST_END_TEST;

GST_START_TEST (test_unknown_oneof_case)
{
  GByteArray *b = msg_new (), *sub = msg_new ();
  Livekit__SignalResponse *resp;

  /* media_sections_requirement (25) and a future scalar case (40) */
  put_uint (sub, 1, 1);
  put_msg (b, 25, sub);
  resp = livekit__signal_response__unpack (NULL, b->len, b->data);
  fail_unless (resp != NULL);
  fail_unless_equals_int (resp->message_case,
      LIVEKIT__SIGNAL_RESPONSE__MESSAGE__NOT_SET);
  livekit__signal_response__free_unpacked (resp, NULL);

  g_byte_array_set_size (b, 0);
  put_uint (b, 40, 12345);
  resp = livekit__signal_response__unpack (NULL, b->len, b->data);
  fail_unless (resp != NULL);
  fail_unless_equals_int (resp->message_case,
      LIVEKIT__SIGNAL_RESPONSE__MESSAGE__NOT_SET);
  livekit__signal_response__free_unpacked (resp, NULL);

  /* refresh_token (16) and pong_resp (20) are known */
  g_byte_array_set_size (b, 0);
  put_str (b, 16, "jwt");
  resp = livekit__signal_response__unpack (NULL, b->len, b->data);
  fail_unless_equals_int (resp->message_case,
      LIVEKIT__SIGNAL_RESPONSE__MESSAGE_REFRESH_TOKEN);
  fail_unless_equals_string (resp->refresh_token, "jwt");
  livekit__signal_response__free_unpacked (resp, NULL);

  g_byte_array_set_size (b, 0);
  sub = msg_new ();
  put_uint (sub, 1, 1000);
  put_uint (sub, 2, 2000);
  put_msg (b, 20, sub);
  resp = livekit__signal_response__unpack (NULL, b->len, b->data);
  fail_unless_equals_int (resp->message_case,
      LIVEKIT__SIGNAL_RESPONSE__MESSAGE_PONG_RESP);
  fail_unless_equals_int64 (resp->pong_resp->last_ping_timestamp, 1000);
  fail_unless_equals_int64 (resp->pong_resp->timestamp, 2000);
  livekit__signal_response__free_unpacked (resp, NULL);
  g_byte_array_unref (b);
}

GST_END_TEST;

GST_START_TEST (test_malformed_rejected)
{
  GByteArray *frame = build_join_frame ();
  static const guint8 bad_wire_type[] = { 0x0f, 0x00 };
  static const guint8 long_varint[] = { 0x08, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0x01
  };
  static const guint8 overlong_len[] = { 0x0a, 0x7f, 0x00 };
  Livekit__SignalResponse *resp;
  GRand *rand = g_rand_new_with_seed (17);

  for (guint cut = 1; cut < frame->len; cut++) {
    resp = livekit__signal_response__unpack (NULL, frame->len - cut,
        frame->data);
    /* Some cuts land on a field boundary of the outer message only if the
     * whole join is gone; the join is one field, so all must fail. */
    fail_unless (resp == NULL, "truncated by %u accepted", cut);
  }
  fail_unless (livekit__signal_response__unpack (NULL, sizeof (bad_wire_type),
          bad_wire_type) == NULL);
  fail_unless (livekit__signal_response__unpack (NULL, sizeof (long_varint),
          long_varint) == NULL);
  fail_unless (livekit__signal_response__unpack (NULL, sizeof (overlong_len),
          overlong_len) == NULL);

  /* Mutations must never crash; whatever decodes must convert. */
  for (guint i = 0; i < 20000; i++) {
    GByteArray *m = g_byte_array_sized_new (frame->len);
    g_byte_array_append (m, frame->data, frame->len);
    for (guint k = g_rand_int_range (rand, 1, 4); k > 0; k--)
      m->data[g_rand_int_range (rand, 0, m->len)] = g_rand_int (rand);
    resp = livekit__signal_response__unpack (NULL, m->len, m->data);
    if (resp) {
      if (resp->message_case == LIVEKIT__SIGNAL_RESPONSE__MESSAGE_JOIN
          && resp->join)
        gst_livekit_join_info_unref (gst_livekit_join_info_from_pb
            (resp->join));
      livekit__signal_response__free_unpacked (resp, NULL);
    }
    g_byte_array_unref (m);
  }
  g_rand_free (rand);
  g_byte_array_unref (frame);
}

GST_END_TEST;

static void
assert_bytes (GBytes * bytes, const guint8 * expected, gsize len)
{
  gsize n;
  const guint8 *data = g_bytes_get_data (bytes, &n);

  fail_unless_equals_int (n, len);
  fail_unless (memcmp (data, expected, len) == 0);
  g_bytes_unref (bytes);
}

GST_START_TEST (test_encode_exact_bytes)
{
  /* leave = 8 { reason = 2: CLIENT_INITIATED } */
  static const guint8 leave[] = { 0x42, 0x02, 0x10, 0x01 };
  /* ping_req = 16 { timestamp = 1: 1234, rtt = 2: 5 } */
  static const guint8 ping[] = { 0x82, 0x01, 0x05, 0x08, 0xd2, 0x09, 0x10,
    0x05
  };
  /* mute = 5 { sid = 1: "TR", muted = 2: true } */
  static const guint8 mute[] = { 0x2a, 0x06, 0x0a, 0x02, 'T', 'R', 0x10, 0x01 };
  /* answer = 2 { type = 1: "answer", sdp = 2: "v=0", id = 3: 7 } */
  static const guint8 answer[] = { 0x12, 0x0f, 0x0a, 0x06, 'a', 'n', 's', 'w',
    'e', 'r', 0x12, 0x03, 'v', '=', '0', 0x18, 0x07
  };
  /* trickle = 3 { candidateInit = 1: "{}", target = 2: SUBSCRIBER } */
  static const guint8 trickle[] = { 0x1a, 0x06, 0x0a, 0x02, '{', '}', 0x10,
    0x01
  };

  assert_bytes (gst_livekit_signal_request_leave
      (GST_LIVEKIT_DISCONNECT_REASON_CLIENT_INITIATED), leave, sizeof (leave));
  assert_bytes (gst_livekit_signal_request_ping (1234, 5), ping, sizeof (ping));
  assert_bytes (gst_livekit_signal_request_mute ("TR", TRUE), mute,
      sizeof (mute));
  assert_bytes (gst_livekit_signal_request_sdp (TRUE, "v=0", 7), answer,
      sizeof (answer));
  assert_bytes (gst_livekit_signal_request_trickle ("{}",
          GST_LIVEKIT_SIGNAL_TARGET_SUBSCRIBER, FALSE), trickle,
      sizeof (trickle));
}

GST_END_TEST;

GST_START_TEST (test_encode_add_track)
{
  GBytes *b = gst_livekit_signal_request_add_track ("webrtctransceiver0",
      "camera", GST_LIVEKIT_TRACK_TYPE_VIDEO, GST_LIVEKIT_TRACK_SOURCE_CAMERA,
      640, 480, GST_LIVEKIT_ENCRYPTION_TYPE_GCM, TRUE);
  gsize n;
  const guint8 *data = g_bytes_get_data (b, &n);
  Livekit__SignalRequest *req = livekit__signal_request__unpack (NULL, n,
      data);
  Livekit__AddTrackRequest *add;
  /* disable_red = 13: true, encryption = 14: GCM, at the end in field
   * order (protobuf-c writes fields in declaration order) */
  static const guint8 tail[] = { 0x68, 0x01, 0x70, 0x01 };

  fail_unless (req != NULL);
  fail_unless_equals_int (req->message_case,
      LIVEKIT__SIGNAL_REQUEST__MESSAGE_ADD_TRACK);
  fail_unless_equals_int (data[0], 0x22);       /* field 4, length-delimited */
  fail_unless (memcmp (data + n - sizeof (tail), tail, sizeof (tail)) == 0);
  add = req->add_track;
  fail_unless_equals_string (add->cid, "webrtctransceiver0");
  fail_unless_equals_string (add->name, "camera");
  fail_unless_equals_int (add->type, LIVEKIT__TRACK_TYPE__VIDEO);
  fail_unless_equals_int (add->source, LIVEKIT__TRACK_SOURCE__CAMERA);
  fail_unless_equals_int (add->width, 640);
  fail_unless_equals_int (add->height, 480);
  fail_unless_equals_int (add->encryption, LIVEKIT__ENCRYPTION__TYPE__GCM);
  fail_unless (add->disable_red);
  fail_unless_equals_int (add->n_layers, 1);
  fail_unless_equals_int (add->layers[0]->quality,
      LIVEKIT__VIDEO_QUALITY__HIGH);
  fail_unless_equals_int (add->layers[0]->width, 640);
  livekit__signal_request__free_unpacked (req, NULL);
  g_bytes_unref (b);

  /* Audio: no layers, no encryption field when NONE */
  b = gst_livekit_signal_request_add_track ("a", NULL,
      GST_LIVEKIT_TRACK_TYPE_AUDIO, GST_LIVEKIT_TRACK_SOURCE_MICROPHONE, 0, 0,
      GST_LIVEKIT_ENCRYPTION_TYPE_NONE, FALSE);
  data = g_bytes_get_data (b, &n);
  req = livekit__signal_request__unpack (NULL, n, data);
  fail_unless_equals_int (req->add_track->n_layers, 0);
  fail_unless_equals_int (req->add_track->source,
      LIVEKIT__TRACK_SOURCE__MICROPHONE);
  /* 0x22 len 0x0a 0x01 'a' 0x40 0x02 (source) */
  fail_unless_equals_int (n, 7);
  livekit__signal_request__free_unpacked (req, NULL);
  g_bytes_unref (b);
}

GST_END_TEST;

GST_START_TEST (test_encode_subscription)
{
  const gchar *sids[] = { "TR_a", "TR_b", NULL };
  GBytes *b = gst_livekit_signal_request_subscription ("PA_x", sids, TRUE);
  gsize n;
  const guint8 *data = g_bytes_get_data (b, &n);
  Livekit__SignalRequest *req = livekit__signal_request__unpack (NULL, n,
      data);

  fail_unless_equals_int (req->message_case,
      LIVEKIT__SIGNAL_REQUEST__MESSAGE_SUBSCRIPTION);
  fail_unless_equals_int (req->subscription->n_track_sids, 2);
  fail_unless (req->subscription->subscribe);
  fail_unless_equals_int (req->subscription->n_participant_tracks, 1);
  fail_unless_equals_string (req->subscription->participant_tracks[0]->
      participant_sid, "PA_x");
  fail_unless_equals_string (req->subscription->participant_tracks[0]->
      track_sids[1], "TR_b");
  livekit__signal_request__free_unpacked (req, NULL);
  g_bytes_unref (b);
}

GST_END_TEST;

GST_START_TEST (test_sdp_mid_map)
{
  GByteArray *b = msg_new (), *sd = msg_new (), *e1 = msg_new (),
      *e2 = msg_new ();
  Livekit__SignalResponse *resp;
  GHashTable *map;

  put_str (e1, 1, "0");
  put_str (e1, 2, "TR_AMx");
  put_str (e2, 1, "1");
  put_str (e2, 2, "TR_VCy");
  put_str (sd, 1, "offer");
  put_str (sd, 2, "v=0\r\n");
  put_uint (sd, 3, 3);
  put_msg (sd, 4, e1);
  put_msg (sd, 4, e2);
  put_msg (b, 3, sd);

  resp = livekit__signal_response__unpack (NULL, b->len, b->data);
  fail_unless_equals_int (resp->message_case,
      LIVEKIT__SIGNAL_RESPONSE__MESSAGE_OFFER);
  fail_unless_equals_string (resp->offer->sdp, "v=0\r\n");
  fail_unless_equals_int (resp->offer->id, 3);
  map = gst_livekit_mid_to_track_id_from_pb (resp->offer);
  fail_unless_equals_int (g_hash_table_size (map), 2);
  fail_unless_equals_string (g_hash_table_lookup (map, "1"), "TR_VCy");
  g_hash_table_unref (map);
  livekit__signal_response__free_unpacked (resp, NULL);
  g_byte_array_unref (b);
}

GST_END_TEST;

GST_START_TEST (test_data_packet_encrypted)
{
  Livekit__DataPacket pkt = LIVEKIT__DATA_PACKET__INIT;
  Livekit__EncryptedPacket enc = LIVEKIT__ENCRYPTED_PACKET__INIT;
  guint8 iv[12] = { 1, 2, 3 }, ct[5] = { 9, 9, 9, 9, 9 };
  guint8 buf[128];
  gsize n;
  Livekit__DataPacket *back;

  enc.encryption_type = LIVEKIT__ENCRYPTION__TYPE__GCM;
  enc.iv.data = iv;
  enc.iv.len = sizeof (iv);
  enc.key_index = 2;
  enc.encrypted_value.data = ct;
  enc.encrypted_value.len = sizeof (ct);
  pkt.value_case = LIVEKIT__DATA_PACKET__VALUE_ENCRYPTED_PACKET;
  pkt.encrypted_packet = &enc;
  pkt.participant_identity = (char *) "alice";
  n = livekit__data_packet__pack (&pkt, buf);

  /* participant_identity = 4, then encrypted_packet = 18 (tag 0x92 0x01):
   * {encryption_type = 1: 1, iv = 2, key_index = 3: 2, encrypted_value = 4} */
  fail_unless_equals_int (buf[0], 0x22);
  fail_unless_equals_int (buf[7], 0x92);
  fail_unless_equals_int (buf[8], 0x01);
  fail_unless_equals_int (buf[10], 0x08);
  fail_unless_equals_int (buf[11], 0x01);
  fail_unless_equals_int (buf[12], 0x12);

  back = livekit__data_packet__unpack (NULL, n, buf);
  fail_unless_equals_int (back->value_case,
      LIVEKIT__DATA_PACKET__VALUE_ENCRYPTED_PACKET);
  fail_unless_equals_int (back->encrypted_packet->key_index, 2);
  fail_unless_equals_int (back->encrypted_packet->iv.len, 12);
  fail_unless_equals_string (back->participant_identity, "alice");
  livekit__data_packet__free_unpacked (back, NULL);
}

GST_END_TEST;

/* What the room bin sends parses back to the same user packet. */
GST_START_TEST (test_data_packet_build_parse)
{
  const gchar *to[] = { "bob", "carol", NULL };
  GBytes *payload = g_bytes_new_static ("hi", 2);
  GBytes *iv = g_bytes_new_static ("0123456789ab", 12);
  GBytes *ct = g_bytes_new_static ("ciphertext and tag..", 20);
  GBytes *wire, *inner;
  GstLiveKitDataPacket packet;
  Livekit__DataPacket *dp;
  gchar *topic = NULL;
  GBytes *back = NULL;
  gsize len;
  const guint8 *d;

  wire = gst_livekit_data_packet_build_user ("alice", FALSE, to, "chat",
      payload);
  d = g_bytes_get_data (wire, &len);
  fail_unless (gst_livekit_data_packet_parse (d, len, &packet));
  fail_unless_equals_string (packet.identity, "alice");
  fail_unless_equals_string (packet.topic, "chat");
  fail_if (packet.reliable);
  fail_if (packet.encrypted);
  fail_unless (g_bytes_equal (packet.payload, payload));
  gst_livekit_data_packet_clear (&packet);
  dp = livekit__data_packet__unpack (NULL, len, d);
  fail_unless_equals_int (dp->n_destination_identities, 2);
  fail_unless_equals_string (dp->destination_identities[1], "carol");
  fail_unless_equals_int (dp->user->n_destination_identities, 2);
  livekit__data_packet__free_unpacked (dp, NULL);
  g_bytes_unref (wire);

  wire = gst_livekit_data_packet_build_encrypted ("alice", TRUE, NULL, 7, iv,
      ct);
  d = g_bytes_get_data (wire, &len);
  fail_unless (gst_livekit_data_packet_parse (d, len, &packet));
  fail_unless (packet.encrypted && packet.reliable);
  fail_unless_equals_int (packet.key_index, 7);
  fail_unless (g_bytes_equal (packet.iv, iv));
  fail_unless (g_bytes_equal (packet.ciphertext, ct));
  gst_livekit_data_packet_clear (&packet);
  dp = livekit__data_packet__unpack (NULL, len, d);
  /* Rust sets GCM, JS leaves NONE; receivers ignore it. We say GCM. */
  fail_unless_equals_int (dp->encrypted_packet->encryption_type,
      LIVEKIT__ENCRYPTION__TYPE__GCM);
  fail_unless_equals_int (dp->n_destination_identities, 0);
  livekit__data_packet__free_unpacked (dp, NULL);
  g_bytes_unref (wire);

  inner = gst_livekit_data_payload_build_user ("chat", payload);
  d = g_bytes_get_data (inner, &len);
  fail_unless (gst_livekit_data_payload_parse_user (d, len, &topic, &back));
  fail_unless_equals_string (topic, "chat");
  fail_unless (g_bytes_equal (back, payload));
  g_free (topic);
  g_bytes_unref (back);
  g_bytes_unref (inner);
  g_bytes_unref (payload);
  g_bytes_unref (iv);
  g_bytes_unref (ct);
}

GST_END_TEST;

/* Strings that are not UTF-8 (a topic from another participant, inside the
 * ciphertext where the server cannot check it) are refused, as LiveKit's
 * Go and Rust decoders refuse them, never handed to applications. */
GST_START_TEST (test_data_packet_not_utf8)
{
  GBytes *payload = g_bytes_new_static ("hi", 2);
  GBytes *wire;
  GstLiveKitDataPacket packet;
  gchar *topic = NULL;
  GBytes *back = NULL;
  gsize len;
  const guint8 *d;

  wire = gst_livekit_data_packet_build_user ("alice", TRUE, NULL,
      "ch\xff" "at", payload);
  d = g_bytes_get_data (wire, &len);
  fail_if (gst_livekit_data_packet_parse (d, len, &packet));
  fail_unless (packet.identity == NULL && packet.payload == NULL);
  g_bytes_unref (wire);

  wire = gst_livekit_data_packet_build_user ("al\xc3" "ice", TRUE, NULL,
      "chat", payload);
  d = g_bytes_get_data (wire, &len);
  fail_if (gst_livekit_data_packet_parse (d, len, &packet));
  g_bytes_unref (wire);

  wire = gst_livekit_data_payload_build_user ("\xed\xa0\x80", payload);
  d = g_bytes_get_data (wire, &len);
  fail_if (gst_livekit_data_payload_parse_user (d, len, &topic, &back));
  fail_unless (topic == NULL && back == NULL);
  g_bytes_unref (wire);

  /* UTF-8 beyond ASCII is fine. */
  wire = gst_livekit_data_payload_build_user ("caf\xc3\xa9", payload);
  d = g_bytes_get_data (wire, &len);
  fail_unless (gst_livekit_data_payload_parse_user (d, len, &topic, &back));
  fail_unless_equals_string (topic, "caf\xc3\xa9");
  g_free (topic);
  g_bytes_unref (back);
  g_bytes_unref (wire);
  g_bytes_unref (payload);
}

GST_END_TEST;

/* A server that sends strings that are not UTF-8 (protobuf-c does not
 * check) gets them made valid, never passed on as they came. */
GST_START_TEST (test_decode_not_utf8)
{
  Livekit__ParticipantInfo pb = LIVEKIT__PARTICIPANT_INFO__INIT;
  Livekit__TrackInfo t = LIVEKIT__TRACK_INFO__INIT;
  Livekit__TrackInfo *tracks[] = { &t };
  GstLiveKitParticipantInfo *info;

  pb.sid = (char *) "PA_x";
  pb.identity = (char *) "al\xc3" "ice";
  pb.name = (char *) "caf\xc3\xa9";
  pb.metadata = (char *) "\xed\xa0\x80";
  t.sid = (char *) "TR_\xff";
  pb.n_tracks = 1;
  pb.tracks = tracks;
  info = gst_livekit_participant_info_from_pb (&pb);
  fail_unless (g_utf8_validate (info->identity, -1, NULL));
  fail_unless_equals_string (info->identity, "al\xef\xbf\xbd" "ice");
  fail_unless_equals_string (info->name, "caf\xc3\xa9");
  fail_unless (g_utf8_validate (info->metadata, -1, NULL));
  fail_unless (g_utf8_validate (((GstLiveKitTrackInfo *)
              g_ptr_array_index (info->tracks, 0))->sid, -1, NULL));
  gst_livekit_participant_info_unref (info);
}

GST_END_TEST;

static Suite *
signal_proto_suite (void)
{
  Suite *s = suite_create ("livekit-signal-proto");
  TCase *tc = tcase_create ("proto");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_decode_join_with_unknown_fields);
  tcase_add_test (tc, test_unknown_oneof_case);
  tcase_add_test (tc, test_malformed_rejected);
  tcase_add_test (tc, test_encode_exact_bytes);
  tcase_add_test (tc, test_encode_add_track);
  tcase_add_test (tc, test_encode_subscription);
  tcase_add_test (tc, test_sdp_mid_map);
  tcase_add_test (tc, test_data_packet_encrypted);
  tcase_add_test (tc, test_data_packet_build_parse);
  tcase_add_test (tc, test_data_packet_not_utf8);
  tcase_add_test (tc, test_decode_not_utf8);
  return s;
}

GST_CHECK_MAIN (signal_proto);
