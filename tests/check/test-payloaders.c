/* livekitrtpvp8pay / livekitrtpvp9pay / livekitrtph264pay / livekitrtph265pay
 * on frames encrypted by livekitencrypt from real encoder output: packet
 * layout, MTU, marker and descriptor bits, and that the stock depayloaders
 * give back the encrypted frames byte for byte, metas included. */
#define _GNU_SOURCE             /* memmem */
#include "check-harness.h"

#include <gst/rtp/rtp.h>

#include <string.h>

#define MTU 400
#define N_FRAMES 24
#define RAW_SOURCE "videotestsrc pattern=ball ! capsfilter caps=\"video/x-raw," \
  "format=I420,width=320,height=240,framerate=30/1\""
#define H264_AU "video/x-h264,stream-format=byte-stream,alignment=au"
#define KEY_PROPS "shared-key=payloader-test key-derivation=hkdf"
#define ENCRYPT "livekitencrypt " KEY_PROPS
#define DECRYPT "livekitdecrypt " KEY_PROPS

typedef enum
{
  VP8,
  VP9,
  H264,
  H265,
} Codec;

typedef struct
{
  Codec codec;
  const gchar *encoder;
  const gchar *payloader;
  const gchar *depayloader;
  const gchar *depay_caps;
} CodecInfo;

static const CodecInfo codecs[] = {
  {VP8, "vp8enc deadline=1 threads=1 keyframe-max-dist=10", "livekitrtpvp8pay",
      "rtpvp8depay", "video/x-vp8"},
  {VP9, "vp9enc deadline=1 threads=1 keyframe-max-dist=10", "livekitrtpvp9pay",
      "rtpvp9depay", "video/x-vp9"},
  {H264, "x264enc threads=1 tune=zerolatency key-int-max=10 ! capsfilter "
        "caps=\"video/x-h264,stream-format=byte-stream,alignment=au\"",
        "livekitrtph264pay", "rtph264depay",
      "video/x-h264,stream-format=byte-stream,alignment=au"},
  {H265, "x265enc tune=zerolatency speed-preset=ultrafast key-int-max=10 "
        "option-string=repeat-headers=1 ! capsfilter caps=\"video/x-h265,"
        "stream-format=byte-stream,alignment=au\"", "livekitrtph265pay",
        "rtph265depay",
      "video/x-h265,stream-format=byte-stream,alignment=au"},
};

/* Fails the test when an element is missing: a test that passes without
 * its encoder proves nothing (the arm64 suite once passed that way). */
static void
require_elements (const gchar * first, ...)
{
  va_list args;
  const gchar *name = first;

  va_start (args, first);
  while (name) {
    GstElementFactory *f = gst_element_factory_find (name);
    fail_unless (f != NULL, "element %s is not available", name);
    gst_object_unref (f);
    name = va_arg (args, const gchar *);
  }
  va_end (args);
}

/* Encrypted frames of @n raw frames through "@encoder ! livekitencrypt". */
static GPtrArray *
encrypt_frames (const gchar * encoder, guint n, GstCaps ** caps)
{
  gchar *desc = g_strdup_printf ("%s ! " ENCRYPT, encoder);
  GstHarness *h = gst_harness_new_parse (desc);
  GPtrArray *frames = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  GstBuffer *buf;

  gst_harness_add_src_parse (h, RAW_SOURCE, FALSE);
  for (guint i = 0; i < n; i++)
    fail_unless_equals_int (gst_harness_push_from_src (h), GST_FLOW_OK);
  /* Drains encoders that keep frames back. */
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  while ((buf = gst_harness_try_pull (h)))
    g_ptr_array_add (frames, buf);
  *caps = gst_pad_get_current_caps (h->sinkpad);
  fail_unless (*caps != NULL);
  gst_harness_teardown (h);
  g_free (desc);
  fail_unless (frames->len >= n / 2, "only %u frames", frames->len);
  return frames;
}

/* The packets of every frame; @rtp_caps gets the payloader's output caps. */
static GPtrArray *
payload_frames (const gchar * payloader, GstCaps * caps, GPtrArray * frames,
    GstCaps ** rtp_caps)
{
  GstHarness *h = gst_harness_new_parse (payloader);
  GPtrArray *all = g_ptr_array_new_with_free_func ((GDestroyNotify)
      g_ptr_array_unref);

  gst_harness_set_src_caps (h, gst_caps_ref (caps));
  for (guint i = 0; i < frames->len; i++) {
    GPtrArray *pkts = g_ptr_array_new_with_free_func ((GDestroyNotify)
        gst_buffer_unref);
    GstBuffer *pkt;

    fail_unless_equals_int (gst_harness_push (h,
            gst_buffer_ref (g_ptr_array_index (frames, i))), GST_FLOW_OK);
    while ((pkt = gst_harness_try_pull (h)))
      g_ptr_array_add (pkts, pkt);
    fail_unless (pkts->len > 0, "frame %u gave no packet", i);
    g_ptr_array_add (all, pkts);
  }
  if (rtp_caps)
    *rtp_caps = gst_pad_get_current_caps (h->sinkpad);
  gst_harness_teardown (h);
  return all;
}

/* Frames out of @depayloader for all @packets (per frame). */
static GPtrArray *
depayload (const gchar * depayloader, GstCaps * rtp_caps,
    const gchar * out_caps, GPtrArray * packets, GstCaps ** caps)
{
  GstHarness *h = gst_harness_new (depayloader);
  GPtrArray *frames = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  GstBuffer *buf;

  gst_harness_set_caps (h, gst_caps_ref (rtp_caps),
      gst_caps_from_string (out_caps));
  for (guint i = 0; i < packets->len; i++) {
    GPtrArray *pkts = g_ptr_array_index (packets, i);
    for (guint j = 0; j < pkts->len; j++)
      fail_unless_equals_int (gst_harness_push (h,
              gst_buffer_ref (g_ptr_array_index (pkts, j))), GST_FLOW_OK);
  }
  while ((buf = gst_harness_try_pull (h)))
    g_ptr_array_add (frames, buf);
  if (caps)
    *caps = gst_pad_get_current_caps (h->sinkpad);
  gst_harness_teardown (h);
  return frames;
}

static gsize
nal_payload_header_size (Codec codec, const guint8 * p)
{
  if (codec == H264)
    return (p[0] & 0x1f) == 28 ? 2 : 0;
  return ((p[0] >> 1) & 0x3f) == 49 ? 3 : 0;
}

/* Rebuilds the AU from the packets (4-byte start codes), checking the FU
 * S/E bits on the way. */
static GByteArray *
rebuild_au (Codec codec, GPtrArray * pkts)
{
  GByteArray *au = g_byte_array_new ();
  static const guint8 sc[] = { 0, 0, 0, 1 };
  gboolean in_fu = FALSE;

  for (guint i = 0; i < pkts->len; i++) {
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    const guint8 *p;
    guint len;

    fail_unless (gst_rtp_buffer_map (g_ptr_array_index (pkts, i),
            GST_MAP_READ, &rtp));
    p = gst_rtp_buffer_get_payload (&rtp);
    len = gst_rtp_buffer_get_payload_len (&rtp);
    if (nal_payload_header_size (codec, p) == 0) {
      fail_if (in_fu, "single NAL unit packet inside an FU");
      if (codec == H264)
        fail_unless ((p[0] & 0x1f) >= 1 && (p[0] & 0x1f) <= 23);
      else
        fail_unless (((p[0] >> 1) & 0x3f) < 48);
      g_byte_array_append (au, sc, 4);
      g_byte_array_append (au, p, len);
    } else {
      gsize hdr = nal_payload_header_size (codec, p);
      guint8 fu = p[hdr - 1];
      gboolean s = fu & 0x80, e = fu & 0x40;

      fail_unless (s != in_fu, "FU start bit %d while in_fu %d", s, in_fu);
      fail_if (s && e, "one-packet FU: should have been a single NAL packet");
      if (s) {
        g_byte_array_append (au, sc, 4);
        if (codec == H264) {
          guint8 nal = (p[0] & 0xe0) | (fu & 0x1f);
          g_byte_array_append (au, &nal, 1);
        } else {
          guint8 nal[2] = { (p[0] & 0x81) | ((fu & 0x3f) << 1), p[1] };
          g_byte_array_append (au, nal, 2);
        }
      }
      g_byte_array_append (au, p + hdr, len - hdr);
      in_fu = !e;
    }
    gst_rtp_buffer_unmap (&rtp);
  }
  fail_if (in_fu, "AU ends inside an FU");
  return au;
}

/* Descriptor checks; @pid is the PictureID the frame must carry. */
static void
check_vp8_packets (GPtrArray * pkts, GstBuffer * frame, guint16 pid)
{
  gsize offset = 0;

  for (guint i = 0; i < pkts->len; i++) {
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    const guint8 *p;

    fail_unless (gst_rtp_buffer_map (g_ptr_array_index (pkts, i),
            GST_MAP_READ, &rtp));
    p = gst_rtp_buffer_get_payload (&rtp);
    /* X=1, R=0, N, S only on the first packet, PID=0. */
    fail_unless_equals_int (p[0] & 0xcf, 0x80);
    fail_unless_equals_int (!!(p[0] & 0x10), i == 0);
    fail_unless_equals_int (!!(p[0] & 0x20),
        GST_BUFFER_FLAG_IS_SET (frame, GST_BUFFER_FLAG_DROPPABLE));
    fail_unless_equals_int (p[1], 0x80);        /* I only */
    fail_unless_equals_int (((p[2] & 0x7f) << 8) | p[3], pid);
    fail_unless (p[2] & 0x80);  /* 15-bit PictureID */
    fail_unless (gst_buffer_memcmp (frame, offset, p + 4,
            gst_rtp_buffer_get_payload_len (&rtp) - 4) == 0);
    offset += gst_rtp_buffer_get_payload_len (&rtp) - 4;
    gst_rtp_buffer_unmap (&rtp);
  }
  fail_unless_equals_int (offset, gst_buffer_get_size (frame));
}

static void
check_vp9_packets (GPtrArray * pkts, GstBuffer * frame, guint16 pid,
    gint width, gint height)
{
  gboolean delta = GST_BUFFER_FLAG_IS_SET (frame, GST_BUFFER_FLAG_DELTA_UNIT);
  gsize offset = 0;

  for (guint i = 0; i < pkts->len; i++) {
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    const guint8 *p;
    gsize hdr = 3;
    gboolean first = i == 0, last = i + 1 == pkts->len;

    fail_unless (gst_rtp_buffer_map (g_ptr_array_index (pkts, i),
            GST_MAP_READ, &rtp));
    p = gst_rtp_buffer_get_payload (&rtp);
    fail_unless (p[0] & 0x80);  /* I */
    fail_unless_equals_int (!!(p[0] & 0x40), delta);    /* P */
    fail_unless_equals_int (p[0] & 0x30, 0);    /* L=0, F=0 */
    fail_unless_equals_int (!!(p[0] & 0x08), first);    /* B */
    fail_unless_equals_int (!!(p[0] & 0x04), last);     /* E */
    fail_unless_equals_int (!!(p[0] & 0x02), first && !delta);  /* V */
    fail_unless_equals_int (p[0] & 0x01, 0);    /* Z */
    fail_unless (p[1] & 0x80);
    fail_unless_equals_int (((p[1] & 0x7f) << 8) | p[2], pid);
    if (first && !delta) {
      /* N_S=0, Y=1, G=0, then the size from the caps. */
      fail_unless_equals_int (p[3], 0x10);
      fail_unless_equals_int (GST_READ_UINT16_BE (p + 4), width);
      fail_unless_equals_int (GST_READ_UINT16_BE (p + 6), height);
      hdr += 5;
    }
    fail_unless (gst_buffer_memcmp (frame, offset, p + hdr,
            gst_rtp_buffer_get_payload_len (&rtp) - hdr) == 0);
    offset += gst_rtp_buffer_get_payload_len (&rtp) - hdr;
    gst_rtp_buffer_unmap (&rtp);
  }
  fail_unless_equals_int (offset, gst_buffer_get_size (frame));
}

/* Checks common to every codec: MTU, marker on the last packet only, one
 * RTP timestamp per frame, growing sequence numbers, the frame meta. */
static void
check_common (GPtrArray * packets)
{
  guint32 prev_ts = 0;
  guint16 prev_seq = 0;
  gboolean have_prev = FALSE;

  for (guint i = 0; i < packets->len; i++) {
    GPtrArray *pkts = g_ptr_array_index (packets, i);
    guint32 ts = 0;

    for (guint j = 0; j < pkts->len; j++) {
      GstBuffer *pkt = g_ptr_array_index (pkts, j);
      GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
      GstLiveKitFrameMeta *meta = gst_buffer_get_livekit_frame_meta (pkt);

      fail_unless (gst_buffer_get_size (pkt) <= MTU, "packet of %"
          G_GSIZE_FORMAT " bytes exceeds mtu %d", gst_buffer_get_size (pkt),
          MTU);
      fail_unless (meta != NULL, "packet without GstLiveKitFrameMeta");
      fail_unless_equals_int (meta->outcome,
          GST_LIVEKIT_FRAME_OUTCOME_ENCRYPTED);
      fail_unless (gst_rtp_buffer_map (pkt, GST_MAP_READ, &rtp));
      fail_unless_equals_int (gst_rtp_buffer_get_marker (&rtp),
          j + 1 == pkts->len);
      if (j == 0)
        ts = gst_rtp_buffer_get_timestamp (&rtp);
      else
        fail_unless_equals_int (gst_rtp_buffer_get_timestamp (&rtp), ts);
      if (have_prev)
        fail_unless_equals_int (gst_rtp_buffer_get_seq (&rtp),
            (guint16) (prev_seq + 1));
      prev_seq = gst_rtp_buffer_get_seq (&rtp);
      have_prev = TRUE;
      gst_rtp_buffer_unmap (&rtp);
    }
    /* 30 fps on a 90 kHz clock, give or take rounding. */
    if (i > 0)
      fail_unless ((guint32) (ts - prev_ts) - 2999 <= 2, "timestamp step %u",
          (guint32) (ts - prev_ts));
    prev_ts = ts;
  }
}

static guint
count_packets (GPtrArray * packets)
{
  guint n = 0;
  for (guint i = 0; i < packets->len; i++)
    n += ((GPtrArray *) g_ptr_array_index (packets, i))->len;
  return n;
}

/* Drops the sprop fields: a receiver must not hand them to a byte-stream
 * depayloader (see livekitrtph264pay's documentation). */
static GstCaps *
without_sprop (GstCaps * caps)
{
  GstCaps *c = gst_caps_copy (caps);
  gst_structure_remove_fields (gst_caps_get_structure (c, 0),
      "sprop-parameter-sets", "sprop-vps", "sprop-sps", "sprop-pps", NULL);
  return c;
}

static void
run_codec (const CodecInfo * info)
{
  GstCaps *caps, *rtp_caps, *depay_caps, *out_caps;
  GPtrArray *frames, *packets, *out;
  gchar *pay_desc;
  guint fragmented = 0, keys = 0;

  frames = encrypt_frames (info->encoder, N_FRAMES, &caps);
  pay_desc = g_strdup_printf ("%s mtu=%d%s", info->payloader, MTU,
      info->codec <= VP9 ? " picture-id-offset=32760" : "");
  packets = payload_frames (pay_desc, caps, frames, &rtp_caps);
  check_common (packets);

  for (guint i = 0; i < frames->len; i++) {
    GstBuffer *frame = g_ptr_array_index (frames, i);
    GPtrArray *pkts = g_ptr_array_index (packets, i);
    guint16 pid = (32760 + i) & 0x7fff; /* wraps after 8 frames */

    if (pkts->len > 1)
      fragmented++;
    if (!GST_BUFFER_FLAG_IS_SET (frame, GST_BUFFER_FLAG_DELTA_UNIT))
      keys++;
    switch (info->codec) {
      case VP8:
        check_vp8_packets (pkts, frame, pid);
        break;
      case VP9:
        check_vp9_packets (pkts, frame, pid, 320, 240);
        break;
      case H264:
      case H265:{
        GByteArray *au = rebuild_au (info->codec, pkts);
        GstMapInfo map;

        gst_buffer_map (frame, &map, GST_MAP_READ);
        fail_unless (au->len == map.size
            && memcmp (au->data, map.data, map.size) == 0,
            "frame %u: rebuilt AU differs (%u vs %" G_GSIZE_FORMAT " bytes)",
            i, au->len, map.size);
        /* The key index, 0 here, is the last byte. */
        fail_unless_equals_int (map.data[map.size - 1], 0);
        gst_buffer_unmap (frame, &map);
        g_byte_array_unref (au);
        break;
      }
    }
  }
  GST_INFO ("%s: %u frames (%u key), %u packets, %u fragmented frames",
      info->payloader, frames->len, keys, count_packets (packets), fragmented);
  fail_unless (keys >= 2, "want several key frames, got %u", keys);
  fail_unless (fragmented >= 1, "want fragmented frames");

  /* Stock depayloader: byte-identical frames, flags and metas. */
  depay_caps = without_sprop (rtp_caps);
  out = depayload (info->depayloader, depay_caps, info->depay_caps, packets,
      &out_caps);
  fail_unless_equals_int (out->len, frames->len);
  for (guint i = 0; i < frames->len; i++) {
    GstBuffer *in = g_ptr_array_index (frames, i);
    GstBuffer *o = g_ptr_array_index (out, i);
    GstLiveKitFrameMeta *meta = gst_buffer_get_livekit_frame_meta (o);

    fail_unless (lk_test_same_bytes (in, o), "%s frame %u differs (%"
        G_GSIZE_FORMAT " vs %" G_GSIZE_FORMAT " bytes)", info->depayloader, i,
        gst_buffer_get_size (in), gst_buffer_get_size (o));
    fail_unless_equals_int (GST_BUFFER_FLAG_IS_SET (o,
            GST_BUFFER_FLAG_DELTA_UNIT), GST_BUFFER_FLAG_IS_SET (in,
            GST_BUFFER_FLAG_DELTA_UNIT));
    fail_unless (meta != NULL, "depayloaded frame %u lost its meta", i);
    fail_unless_equals_int (meta->outcome, GST_LIVEKIT_FRAME_OUTCOME_ENCRYPTED);
    fail_unless_equals_int (meta->key_index, 0);
  }
  if (info->codec == VP9) {
    /* rtpvp9depay takes the size from our scalability structure. */
    GstStructure *s = gst_caps_get_structure (out_caps, 0);
    gint w = 0, h = 0;
    fail_unless (gst_structure_get_int (s, "width", &w)
        && gst_structure_get_int (s, "height", &h));
    fail_unless_equals_int (w, 320);
    fail_unless_equals_int (h, 240);
  }

  gst_caps_unref (out_caps);
  gst_caps_unref (depay_caps);
  gst_caps_unref (rtp_caps);
  gst_caps_unref (caps);
  g_ptr_array_unref (out);
  g_ptr_array_unref (packets);
  g_ptr_array_unref (frames);
  g_free (pay_desc);
}

GST_START_TEST (test_vp8)
{
  require_elements ("vp8enc", "rtpvp8depay", NULL);
  run_codec (&codecs[VP8]);
}

GST_END_TEST;

GST_START_TEST (test_vp9)
{
  require_elements ("vp9enc", "rtpvp9depay", NULL);
  run_codec (&codecs[VP9]);
}

GST_END_TEST;

GST_START_TEST (test_h264)
{
  require_elements ("x264enc", "rtph264depay", NULL);
  run_codec (&codecs[H264]);
}

GST_END_TEST;

GST_START_TEST (test_h265)
{
  require_elements ("x265enc", "rtph265depay", NULL);
  run_codec (&codecs[H265]);
}

GST_END_TEST;

/* The caps say what the stream says: profile-level-id and sprop from the
 * clear SPS/PPS, packetization-mode=1. */
GST_START_TEST (test_h264_caps)
{
  GstCaps *caps, *rtp_caps;
  GPtrArray *frames, *packets;
  GstStructure *s;
  const gchar *sprop;
  gchar **sets;
  GstMapInfo map;
  gsize sps_len = 0;
  guchar *sps;

  require_elements ("x264enc", NULL);
  frames = encrypt_frames ("x264enc threads=1 tune=zerolatency "
      "speed-preset=ultrafast ! capsfilter caps=\"video/x-h264,"
      "profile=constrained-baseline\"", 2, &caps);
  packets = payload_frames ("livekitrtph264pay", caps, frames, &rtp_caps);
  s = gst_caps_get_structure (rtp_caps, 0);
  fail_unless_equals_string (gst_structure_get_string (s, "encoding-name"),
      "H264");
  fail_unless_equals_string (gst_structure_get_string (s,
          "packetization-mode"), "1");
  /* Constrained baseline, level from x264 (3.0 at 320x240 here or less). */
  fail_unless (g_str_has_prefix (gst_structure_get_string (s,
              "profile-level-id"), "42c0"), "profile-level-id %s",
      gst_structure_get_string (s, "profile-level-id"));
  sprop = gst_structure_get_string (s, "sprop-parameter-sets");
  fail_unless (sprop != NULL);
  sets = g_strsplit (sprop, ",", -1);
  fail_unless_equals_int (g_strv_length (sets), 2);
  sps = g_base64_decode (sets[0], &sps_len);
  fail_unless_equals_int (sps[0] & 0x1f, 7);
  /* It is the SPS of the first AU, which carries it in its clear prefix. */
  gst_buffer_map (g_ptr_array_index (frames, 0), &map, GST_MAP_READ);
  fail_unless (memmem (map.data, map.size, sps, sps_len) != NULL);
  gst_buffer_unmap (g_ptr_array_index (frames, 0), &map);
  g_free (sps);
  g_strfreev (sets);
  gst_caps_unref (rtp_caps);
  g_ptr_array_unref (packets);

  /* sprop=false keeps profile-level-id only. */
  packets = payload_frames ("livekitrtph264pay sprop=false", caps, frames,
      &rtp_caps);
  s = gst_caps_get_structure (rtp_caps, 0);
  fail_unless (gst_structure_has_field (s, "profile-level-id"));
  fail_if (gst_structure_has_field (s, "sprop-parameter-sets"));
  gst_caps_unref (rtp_caps);
  g_ptr_array_unref (packets);
  gst_caps_unref (caps);
  g_ptr_array_unref (frames);
}

GST_END_TEST;

GST_START_TEST (test_h265_caps)
{
  GstCaps *caps, *rtp_caps;
  GPtrArray *frames, *packets;
  GstStructure *s;

  require_elements ("x265enc", NULL);
  frames = encrypt_frames (codecs[H265].encoder, 2, &caps);
  packets = payload_frames ("livekitrtph265pay", caps, frames, &rtp_caps);
  s = gst_caps_get_structure (rtp_caps, 0);
  fail_unless_equals_string (gst_structure_get_string (s, "encoding-name"),
      "H265");
  /* x265 ultrafast at 320x240: Main profile (1), main tier, some level. */
  fail_unless_equals_string (gst_structure_get_string (s, "profile-id"), "1");
  fail_unless_equals_string (gst_structure_get_string (s, "tier-flag"), "0");
  fail_unless (atoi (gst_structure_get_string (s, "level-id")) > 0);
  fail_unless (gst_structure_has_field (s, "sprop-vps"));
  fail_unless (gst_structure_has_field (s, "sprop-sps"));
  fail_unless (gst_structure_has_field (s, "sprop-pps"));
  gst_caps_unref (rtp_caps);
  g_ptr_array_unref (packets);
  gst_caps_unref (caps);
  g_ptr_array_unref (frames);
}

GST_END_TEST;

/* What happens when a receiver does hand sprop to rtph264depay: the first
 * AU grows by the parameter sets, fails to decrypt and is dropped; the
 * following frames decrypt, and decoding can restart at the next key
 * frame. */
GST_START_TEST (test_h264_sprop_in_depayloader_caps)
{
  GstCaps *caps, *rtp_caps;
  GPtrArray *frames, *packets, *out;
  GstHarness *dec;
  gsize grown;

  require_elements ("x264enc", "rtph264depay", NULL);
  frames = encrypt_frames (codecs[H264].encoder, 12, &caps);
  packets = payload_frames ("livekitrtph264pay", caps, frames, &rtp_caps);
  out = depayload ("rtph264depay", rtp_caps, codecs[H264].depay_caps, packets,
      NULL);
  fail_unless_equals_int (out->len, frames->len);
  grown = gst_buffer_get_size (g_ptr_array_index (out, 0)) -
      gst_buffer_get_size (g_ptr_array_index (frames, 0));
  fail_unless (grown > 8, "first AU did not grow");
  for (guint i = 1; i < frames->len; i++)
    fail_unless (lk_test_same_bytes (g_ptr_array_index (frames, i),
            g_ptr_array_index (out, i)));

  dec = gst_harness_new_parse (DECRYPT);
  gst_harness_set_src_caps (dec, gst_caps_ref (caps));
  for (guint i = 0; i < out->len; i++)
    fail_unless_equals_int (gst_harness_push (dec,
            gst_buffer_ref (g_ptr_array_index (out, i))), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_buffers_received (dec), out->len - 1);
  /* The first one out is the first delta frame; a key frame follows. */
  {
    GstBuffer *b = gst_harness_pull (dec);
    fail_unless (GST_BUFFER_FLAG_IS_SET (b, GST_BUFFER_FLAG_DELTA_UNIT));
    gst_buffer_unref (b);
  }
  {
    gboolean key_seen = FALSE;
    GstBuffer *b;
    while ((b = gst_harness_try_pull (dec))) {
      key_seen |= !GST_BUFFER_FLAG_IS_SET (b, GST_BUFFER_FLAG_DELTA_UNIT);
      gst_buffer_unref (b);
    }
    fail_unless (key_seen);
  }
  gst_harness_teardown (dec);
  g_ptr_array_unref (out);
  g_ptr_array_unref (packets);
  gst_caps_unref (rtp_caps);
  gst_caps_unref (caps);
  g_ptr_array_unref (frames);
}

GST_END_TEST;

/* The reason for livekitrtph264pay, measured on the stock payloader:
 * byte-stream rtph264pay strips the trailing key index 0. */
GST_START_TEST (test_stock_rtph264pay_trims_key_index)
{
  GstCaps *caps, *rtp_caps, *depay_caps;
  GPtrArray *frames, *packets, *out;
  guint short_by_one = 0;

  require_elements ("x264enc", "rtph264pay", "rtph264depay", NULL);
  frames = encrypt_frames (codecs[H264].encoder, 8, &caps);
  packets = payload_frames ("rtph264pay config-interval=0", caps, frames,
      &rtp_caps);
  depay_caps = without_sprop (rtp_caps);
  out = depayload ("rtph264depay", depay_caps, codecs[H264].depay_caps,
      packets, NULL);
  for (guint i = 0; i < MIN (out->len, frames->len); i++) {
    GST_INFO ("frame %u: %" G_GSIZE_FORMAT " -> %" G_GSIZE_FORMAT, i,
        gst_buffer_get_size (g_ptr_array_index (frames, i)),
        gst_buffer_get_size (g_ptr_array_index (out, i)));
    if (gst_buffer_get_size (g_ptr_array_index (out, i)) + 1 ==
        gst_buffer_get_size (g_ptr_array_index (frames, i)))
      short_by_one++;
  }
  GST_INFO ("rtph264pay: %u of %u frames lost their last byte", short_by_one,
      frames->len);
  /* Only asserted on the release this plugin targets. */
  if (GST_VERSION_MINOR == 22)
    fail_unless_equals_int (short_by_one, frames->len);
  gst_caps_unref (depay_caps);
  g_ptr_array_unref (out);
  g_ptr_array_unref (packets);
  gst_caps_unref (rtp_caps);
  gst_caps_unref (caps);
  g_ptr_array_unref (frames);
}

GST_END_TEST;

/* Arbitrary bytes never make a payloader fail: ciphertext is arbitrary.
 * Sizes from 0 up to many MTUs, random key/delta/droppable flags. */
GST_START_TEST (test_random_payloads_never_fail)
{
  const gchar *pays[][2] = {
    {"livekitrtpvp8pay", "video/x-vp8"},
    {"livekitrtpvp9pay", "video/x-vp9,width=640,height=360"},
    {"livekitrtph264pay", "video/x-h264,stream-format=byte-stream,"
          "alignment=au"},
    {"livekitrtph265pay", "video/x-h265,stream-format=byte-stream,"
          "alignment=au"},
  };
  GRand *rand = g_rand_new_with_seed (20240607);

  for (guint p = 0; p < G_N_ELEMENTS (pays); p++) {
    gchar *desc = g_strdup_printf ("%s mtu=%d", pays[p][0], MTU);
    GstHarness *h = gst_harness_new_parse (desc);

    gst_harness_set_src_caps_str (h, pays[p][1]);
    for (guint i = 0; i < 300; i++) {
      gsize size = i < 40 ? i : (gsize) g_rand_int_range (rand, 0, 6 * MTU);
      guint8 *data = g_malloc (size);
      GstBuffer *buf, *pkt;
      gsize total = 0;

      for (gsize j = 0; j < size; j++)
        data[j] = g_rand_int (rand);
      buf = size ? gst_buffer_new_wrapped (data, size) : gst_buffer_new ();
      GST_BUFFER_PTS (buf) = i * GST_SECOND / 30;
      if (g_rand_boolean (rand))
        GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
      if (g_rand_boolean (rand))
        GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DROPPABLE);
      fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
      while ((pkt = gst_harness_try_pull (h))) {
        fail_unless (gst_buffer_get_size (pkt) <= MTU);
        total += gst_buffer_get_size (pkt);
        gst_buffer_unref (pkt);
      }
      /* Everything but leading bytes before a start code is sent. */
      if (p < 2)
        fail_unless (size == 0 || total >= size);
    }
    gst_harness_teardown (h);
    g_free (desc);
  }
  g_rand_free (rand);
}

GST_END_TEST;

/* Arbitrary frames of every size survive VP8/VP9 pay → stock depay. */
GST_START_TEST (test_random_frames_round_trip)
{
  const CodecInfo *infos[] = { &codecs[VP8], &codecs[VP9] };
  GRand *rand = g_rand_new_with_seed (7741);

  for (guint c = 0; c < G_N_ELEMENTS (infos); c++) {
    const CodecInfo *info = infos[c];
    GPtrArray *frames = g_ptr_array_new_with_free_func ((GDestroyNotify)
        gst_buffer_unref);
    GstCaps *caps = gst_caps_from_string (info->codec == VP8 ?
        "video/x-vp8" : "video/x-vp9,width=640,height=360");
    GstCaps *rtp_caps;
    GPtrArray *packets, *out;
    gchar *desc = g_strdup_printf ("%s mtu=%d", info->payloader, MTU);

    for (guint i = 0; i < 200; i++) {
      gsize size = g_rand_int_range (rand, 31, 5 * MTU);
      guint8 *data = g_malloc (size);
      GstBuffer *buf;
      gboolean key = i % 17 == 0;

      for (gsize j = 0; j < size; j++)
        data[j] = g_rand_int (rand);
      /* VP8 frame tag: bit 0 clear on key frames (clear under LiveKit). */
      if (info->codec == VP8)
        data[0] = key ? (data[0] & ~1) : (data[0] | 1);
      buf = gst_buffer_new_wrapped (data, size);
      GST_BUFFER_PTS (buf) = i * GST_SECOND / 30;
      if (!key)
        GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
      if (g_rand_boolean (rand))
        GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DROPPABLE);
      g_ptr_array_add (frames, buf);
    }
    packets = payload_frames (desc, caps, frames, &rtp_caps);
    for (guint i = 0; i < frames->len && info->codec == VP8; i++) {
      GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
      GPtrArray *pkts = g_ptr_array_index (packets, i);
      gst_rtp_buffer_map (g_ptr_array_index (pkts, 0), GST_MAP_READ, &rtp);
      /* N bit follows DROPPABLE. */
      fail_unless_equals_int (!!(((guint8 *)
                  gst_rtp_buffer_get_payload (&rtp))[0] & 0x20),
          GST_BUFFER_FLAG_IS_SET (g_ptr_array_index (frames, i),
              GST_BUFFER_FLAG_DROPPABLE));
      gst_rtp_buffer_unmap (&rtp);
    }
    out = depayload (info->depayloader, rtp_caps, info->depay_caps, packets,
        NULL);
    fail_unless_equals_int (out->len, frames->len);
    for (guint i = 0; i < frames->len; i++)
      fail_unless (lk_test_same_bytes (g_ptr_array_index (frames, i),
              g_ptr_array_index (out, i)), "%s frame %u differs",
          info->depayloader, i);
    g_ptr_array_unref (out);
    g_ptr_array_unref (packets);
    g_ptr_array_unref (frames);
    gst_caps_unref (rtp_caps);
    gst_caps_unref (caps);
    g_free (desc);
  }
  g_rand_free (rand);
}

GST_END_TEST;

/* A trailing zero on the last NAL unit stays; one before a start code is
 * part of a 4-byte start code; 3-byte start codes in the middle are the
 * only thing that changes (depayloaders write 4 bytes). */
GST_START_TEST (test_h264_nal_split)
{
  static const guint8 au[] = {
    0, 0, 0, 1, 0x09, 0xf0,     /* AUD */
    0, 0, 0, 1, 0x06, 0x05, 0x01, 0x80, 0x00,   /* SEI with a trailing 0 */
    0, 0, 0, 1, 0x65, 0x88, 0x84, 0x00, 0x11, 0x0c, 0x00,       /* IDR */
  };
  GstHarness *pay = gst_harness_new_parse ("livekitrtph264pay mtu=28");
  GstHarness *depay = gst_harness_new ("rtph264depay");
  GstBuffer *in = gst_buffer_new_memdup (au, sizeof au), *pkt, *out;
  guint n = 0;

  gst_harness_set_src_caps_str (pay, codecs[H264].depay_caps);
  gst_harness_set_caps_str (depay, "application/x-rtp,media=video,"
      "encoding-name=H264,clock-rate=90000", codecs[H264].depay_caps);
  GST_BUFFER_PTS (in) = 0;
  fail_unless_equals_int (gst_harness_push (pay, gst_buffer_ref (in)),
      GST_FLOW_OK);
  while ((pkt = gst_harness_try_pull (pay))) {
    n++;
    gst_harness_push (depay, pkt);
  }
  fail_unless_equals_int (n, 3);
  out = gst_harness_pull (depay);
  fail_unless (lk_test_same_bytes (in, out));
  gst_buffer_unref (out);
  gst_buffer_unref (in);
  gst_harness_teardown (pay);
  gst_harness_teardown (depay);
}

GST_END_TEST;

/* Stock rtph264depay after a lost packet (measured on 1.22): it drops
 * the broken FU, but keeps the NAL units of that AU which did arrive
 * (here the SPS and PPS of a key frame) and puts them in front of the next
 * AU. That AU then fails to decrypt although all its packets arrived; the
 * one after it is whole again. In an IPPP stream the frame after a broken
 * key frame would not decode anyway, so only the statistics suffer. */
GST_START_TEST (test_h264_depay_after_loss)
{
  GstCaps *caps, *rtp_caps, *depay_caps;
  GPtrArray *frames, *packets, *out;
  GstHarness *depay, *dec;
  GPtrArray *key_pkts;
  GstBuffer *buf;
  guint key = 0;

  require_elements ("x264enc", "rtph264depay", NULL);
  frames = encrypt_frames ("x264enc threads=1 tune=zerolatency key-int-max=10 "
      "aud=false ! capsfilter caps=\"" H264_AU "\"", 14, &caps);
  packets = payload_frames ("livekitrtph264pay mtu=400", caps, frames,
      &rtp_caps);
  for (guint i = 1; i < frames->len && !key; i++)
    if (!GST_BUFFER_FLAG_IS_SET (g_ptr_array_index (frames, i),
            GST_BUFFER_FLAG_DELTA_UNIT))
      key = i;
  fail_unless (key > 0 && key + 2 < frames->len);
  /* SPS, PPS, then the IDR slice in FU-A packets: lose one of those. */
  key_pkts = g_ptr_array_index (packets, key);
  fail_unless (key_pkts->len >= 4);
  g_ptr_array_remove_index (key_pkts, key_pkts->len - 2);

  depay_caps = without_sprop (rtp_caps);
  depay = gst_harness_new ("rtph264depay");
  gst_harness_set_caps (depay, gst_caps_ref (depay_caps),
      gst_caps_from_string (H264_AU));
  dec = gst_harness_new_parse (DECRYPT);
  gst_harness_set_src_caps (dec, gst_caps_ref (caps));
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);
  for (guint i = 0; i < packets->len; i++) {
    GPtrArray *pkts = g_ptr_array_index (packets, i);
    for (guint j = 0; j < pkts->len; j++)
      gst_harness_push (depay, gst_buffer_ref (g_ptr_array_index (pkts, j)));
  }
  while ((buf = gst_harness_try_pull (depay)))
    g_ptr_array_add (out, buf);

  /* Every frame but the broken key frame comes out, in order. */
  fail_unless_equals_int (out->len, frames->len - 1);
  for (guint i = 0, o = 0; i < frames->len; i++) {
    GstBuffer *in = g_ptr_array_index (frames, i), *got;
    if (i == key)
      continue;
    got = g_ptr_array_index (out, o++);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (got), GST_BUFFER_PTS (in));
    if (i == key + 1 && GST_VERSION_MINOR == 22) {
      GstMapInfo map;
      gsize grown = gst_buffer_get_size (got) - gst_buffer_get_size (in);
      /* [SPS][PPS] of the broken key frame, then the whole next AU. */
      gst_buffer_map (got, &map, GST_MAP_READ);
      fail_unless_equals_int (map.data[4] & 0x1f, 7);
      fail_unless (gst_buffer_memcmp (in, 0, map.data + grown,
              gst_buffer_get_size (in)) == 0);
      gst_buffer_unmap (got, &map);
    } else if (i != key + 1) {
      fail_unless (lk_test_same_bytes (in, got), "frame %u differs", i);
    }
    gst_harness_push (dec, gst_buffer_ref (got));
  }
  /* Decryption: all but the polluted frame. */
  fail_unless_equals_int (gst_harness_buffers_received (dec),
      out->len - (GST_VERSION_MINOR == 22 ? 1 : 0));

  gst_harness_teardown (dec);
  gst_harness_teardown (depay);
  g_ptr_array_unref (out);
  gst_caps_unref (depay_caps);
  gst_caps_unref (rtp_caps);
  g_ptr_array_unref (packets);
  gst_caps_unref (caps);
  g_ptr_array_unref (frames);
}

GST_END_TEST;

static Suite *
payloaders_suite (void)
{
  Suite *s = suite_create ("livekit-payloaders");
  TCase *tc = tcase_create ("payloaders");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_vp8);
  tcase_add_test (tc, test_vp9);
  tcase_add_test (tc, test_h264);
  tcase_add_test (tc, test_h265);
  tcase_add_test (tc, test_h264_caps);
  tcase_add_test (tc, test_h265_caps);
  tcase_add_test (tc, test_h264_sprop_in_depayloader_caps);
  tcase_add_test (tc, test_stock_rtph264pay_trims_key_index);
  tcase_add_test (tc, test_random_payloads_never_fail);
  tcase_add_test (tc, test_random_frames_round_trip);
  tcase_add_test (tc, test_h264_nal_split);
  tcase_add_test (tc, test_h264_depay_after_loss);
  return s;
}

GST_CHECK_MAIN (payloaders);
