/* Bounds-checked flatbuffer access. All offset arithmetic is 64-bit so a
 * hostile uoffset can never wrap around the buffer. */
#include <string.h>
#include "bt/model.h"

uint16_t bt_ld_u16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
uint32_t bt_ld_u32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
int32_t bt_ld_i32(const uint8_t *p) { int32_t v; memcpy(&v, p, 4); return v; }
int64_t bt_ld_i64(const uint8_t *p) { int64_t v; memcpy(&v, p, 8); return v; }
float bt_ld_f32(const uint8_t *p) { float v; memcpy(&v, p, 4); return v; }

static int in_buf(const bt_fb *fb, uint64_t pos, uint64_t n) {
  return pos <= fb->len && n <= fb->len - pos;
}

bt_status bt_fb_table_at(const bt_fb *fb, uint32_t pos, bt_fb_table *out) {
  memset(out, 0, sizeof *out);
  out->fb = fb;
  if (!in_buf(fb, pos, 4)) return BT_ERR_MODEL_TRUNCATED;
  int64_t vt = (int64_t)pos - (int64_t)bt_ld_i32(fb->buf + pos);
  if (vt < 0 || !in_buf(fb, (uint64_t)vt, 4)) return BT_ERR_MODEL_MALFORMED;
  uint16_t vt_len = bt_ld_u16(fb->buf + vt);
  uint16_t obj_len = bt_ld_u16(fb->buf + vt + 2);
  if (vt_len < 4 || (vt_len & 1) || obj_len < 4) return BT_ERR_MODEL_MALFORMED;
  if (!in_buf(fb, (uint64_t)vt, vt_len)) return BT_ERR_MODEL_TRUNCATED;
  if (!in_buf(fb, pos, obj_len)) return BT_ERR_MODEL_TRUNCATED;
  out->pos = pos;
  out->vt = (uint32_t)vt;
  out->vt_len = vt_len;
  out->obj_len = obj_len;
  return BT_OK;
}

bt_status bt_fb_root(const bt_fb *fb, bt_fb_table *out) {
  if (!fb || !fb->buf || fb->len < 8) {
    if (out) memset(out, 0, sizeof *out);
    return BT_ERR_MODEL_TRUNCATED;
  }
  return bt_fb_table_at(fb, bt_ld_u32(fb->buf), out);
}

uint32_t bt_fb_field(const bt_fb_table *t, int field, uint32_t size) {
  if (!t || !t->pos || field < 0) return 0;
  uint32_t slot = 4u + 2u * (uint32_t)field;
  if (slot + 2u > t->vt_len) return 0;
  uint16_t off = bt_ld_u16(t->fb->buf + t->vt + slot);
  if (off == 0 || (uint32_t)off + size > t->obj_len) return 0;
  return t->pos + off;  /* inside the validated object */
}

int bt_fb_has(const bt_fb_table *t, int field) { return bt_fb_field(t, field, 1) != 0; }

#define SCALAR(name, type, size)                                         \
  type name(const bt_fb_table *t, int field, type def) {                 \
    uint32_t p = bt_fb_field(t, field, size);                            \
    if (!p) return def;                                                  \
    type v;                                                              \
    memcpy(&v, t->fb->buf + p, size);                                    \
    return v;                                                            \
  }
SCALAR(bt_fb_u8, uint8_t, 1)
SCALAR(bt_fb_i8, int8_t, 1)
SCALAR(bt_fb_u16, uint16_t, 2)
SCALAR(bt_fb_i16, int16_t, 2)
SCALAR(bt_fb_u32, uint32_t, 4)
SCALAR(bt_fb_i32, int32_t, 4)
SCALAR(bt_fb_u64, uint64_t, 8)
SCALAR(bt_fb_i64, int64_t, 8)
SCALAR(bt_fb_f32, float, 4)

/* Follow the uoffset stored in a field; 0 = absent. */
static bt_status deref(const bt_fb_table *t, int field, uint32_t *target) {
  *target = 0;
  uint32_t p = bt_fb_field(t, field, 4);
  if (!p) return BT_OK;
  uint64_t tgt = (uint64_t)p + bt_ld_u32(t->fb->buf + p);
  if (!in_buf(t->fb, tgt, 4)) return BT_ERR_MODEL_TRUNCATED;
  *target = (uint32_t)tgt;
  return BT_OK;
}

bt_status bt_fb_subtable(const bt_fb_table *t, int field, bt_fb_table *out) {
  uint32_t tgt;
  bt_status s = deref(t, field, &tgt);
  memset(out, 0, sizeof *out);
  out->fb = t ? t->fb : NULL;
  if (s != BT_OK || !tgt) return s;
  return bt_fb_table_at(t->fb, tgt, out);
}

static bt_status vec_at(const bt_fb *fb, uint32_t pos, uint32_t elem, bt_fb_vec *out) {
  uint32_t n = bt_ld_u32(fb->buf + pos);  /* caller checked 4 bytes */
  if (!in_buf(fb, (uint64_t)pos + 4, (uint64_t)n * elem)) return BT_ERR_MODEL_TRUNCATED;
  out->data = pos + 4;
  out->len = n;
  return BT_OK;
}

bt_status bt_fb_vector(const bt_fb_table *t, int field, uint32_t elem_size, bt_fb_vec *out) {
  uint32_t tgt;
  memset(out, 0, sizeof *out);
  out->elem_size = elem_size;
  out->fb = t ? t->fb : NULL;
  bt_status s = deref(t, field, &tgt);
  if (s != BT_OK || !tgt) return s;
  return vec_at(t->fb, tgt, elem_size, out);
}

bt_status bt_fb_string(const bt_fb_table *t, int field, const char **str, uint32_t *len) {
  bt_fb_vec v;
  *str = NULL;
  *len = 0;
  bt_status s = bt_fb_vector(t, field, 1, &v);
  if (s != BT_OK || !v.data) return s;
  *str = (const char *)(t->fb->buf + v.data);
  *len = v.len;
  return BT_OK;
}

const uint8_t *bt_fb_vec_ptr(const bt_fb_vec *v, uint32_t i) {
  if (!v || !v->data || i >= v->len) return NULL;
  return v->fb->buf + v->data + (uint64_t)i * v->elem_size;
}

int32_t bt_fb_vec_i32(const bt_fb_vec *v, uint32_t i) {
  const uint8_t *p = bt_fb_vec_ptr(v, i);
  return p && v->elem_size >= 4 ? bt_ld_i32(p) : 0;
}

int64_t bt_fb_vec_i64(const bt_fb_vec *v, uint32_t i) {
  const uint8_t *p = bt_fb_vec_ptr(v, i);
  return p && v->elem_size >= 8 ? bt_ld_i64(p) : 0;
}

float bt_fb_vec_f32(const bt_fb_vec *v, uint32_t i) {
  const uint8_t *p = bt_fb_vec_ptr(v, i);
  return p && v->elem_size >= 4 ? bt_ld_f32(p) : 0.0f;
}

bt_status bt_fb_vec_table(const bt_fb_vec *v, uint32_t i, bt_fb_table *out) {
  const uint8_t *p = bt_fb_vec_ptr(v, i);
  memset(out, 0, sizeof *out);
  if (!p || v->elem_size != 4) return BT_ERR_MODEL_MALFORMED;
  uint32_t at = (uint32_t)(p - v->fb->buf);
  uint64_t tgt = (uint64_t)at + bt_ld_u32(p);
  if (!in_buf(v->fb, tgt, 4)) return BT_ERR_MODEL_TRUNCATED;
  return bt_fb_table_at(v->fb, (uint32_t)tgt, out);
}
