/* Model loader: validates the whole .tflite up front so the interpreter and
 * kernels can then trust indices, sizes and alignment. */
#include <string.h>
#include "internal.h"

#define BT_MAX_DIMS 8

typedef struct scan {
  bt_fb_table root, sg;
  bt_fb_vec tensors, buffers, opcodes, ops;
} scan;

/* Re-derive the validated tables (cheap; avoids storing them in bt_interp). */
static bt_status open_model(bt_interp *it, scan *m) {
  bt_status s;
  const char *what = "bad root table";
  if ((s = bt_fb_root(&it->fb, &m->root)) != BT_OK) goto fail;
  bt_fb_vec sgs;
  what = "bad subgraphs";
  if ((s = bt_fb_vector(&m->root, BT_MODEL_SUBGRAPHS, 4, &sgs)) != BT_OK) goto fail;
  what = "no subgraph";
  s = BT_ERR_MODEL_MALFORMED;
  if (sgs.len < 1) goto fail;
  what = "bad subgraph 0";
  if ((s = bt_fb_vec_table(&sgs, 0, &m->sg)) != BT_OK) goto fail;
  what = "bad tensors/buffers/operator_codes/operators";
  if ((s = bt_fb_vector(&m->sg, BT_SUBGRAPH_TENSORS, 4, &m->tensors)) != BT_OK ||
      (s = bt_fb_vector(&m->root, BT_MODEL_BUFFERS, 4, &m->buffers)) != BT_OK ||
      (s = bt_fb_vector(&m->root, BT_MODEL_OPERATOR_CODES, 4, &m->opcodes)) != BT_OK ||
      (s = bt_fb_vector(&m->sg, BT_SUBGRAPH_OPERATORS, 4, &m->ops)) != BT_OK)
    goto fail;
  return BT_OK;
fail:
  return bt_seterr(it, s, "model: %s", what);
}

static int32_t builtin_code(const bt_fb_table *oc) {
  /* Schema >= 2.3 moved the code to builtin_code; old files only have the
   * int8 deprecated field. TFLM takes the larger of the two. */
  int32_t dep = bt_fb_i8(oc, BT_OPCODE_DEPRECATED_BUILTIN, 0);
  int32_t cur = bt_fb_i32(oc, BT_OPCODE_BUILTIN, 0);
  return cur > dep ? cur : dep;
}

/* Tensor data: buffer.data, or buffer.offset/size (data appended after the
 * flatbuffer, models > 2 GB style). *len = 0 when there is none. */
static bt_status tensor_data(bt_interp *it, const scan *m, const bt_fb_table *t,
                             const uint8_t **data, uint32_t *len) {
  *data = NULL;
  *len = 0;
  uint32_t bi = bt_fb_u32(t, BT_TENSOR_BUFFER, 0);
  if (bi >= m->buffers.len) return BT_ERR_MODEL_MALFORMED;
  bt_fb_table b;
  bt_status s = bt_fb_vec_table(&m->buffers, bi, &b);
  if (s != BT_OK) return s;
  bt_fb_vec v;
  if ((s = bt_fb_vector(&b, BT_BUFFER_DATA, 1, &v)) != BT_OK) return s;
  if (v.data && v.len) {
    *data = it->fb.buf + v.data;
    *len = v.len;
    return BT_OK;
  }
  uint64_t off = bt_fb_u64(&b, BT_BUFFER_OFFSET, 0), size = bt_fb_u64(&b, BT_BUFFER_SIZE, 0);
  if (off > 1 && size) {
    if (off > it->fb.len || size > it->fb.len - off) return BT_ERR_MODEL_TRUNCATED;
    *data = it->fb.buf + off;
    *len = (uint32_t)size;
  }
  return BT_OK;
}

static bt_status check_index_list(bt_interp *it, const bt_fb_vec *v, int allow_absent,
                                  const char *what, uint32_t op) {
  if (v->len > 255) return bt_seterr(it, BT_ERR_LIMIT, "op #%u: > 255 %s", (unsigned)op, what);
  for (uint32_t i = 0; i < v->len; i++) {
    int32_t x = bt_fb_vec_i32(v, i);
    if (x < (allow_absent ? -1 : 0) || (x >= 0 && (uint32_t)x >= it->num_tensors))
      return bt_seterr(it, BT_ERR_GRAPH, "op #%u: %s[%u] = %d out of range",
                       (unsigned)op, what, (unsigned)i, (int)x);
  }
  return BT_OK;
}

/* Graph order check: every activation an op reads must be a graph input, a
 * constant, a variable, or written by an EARLIER op; nothing is written
 * twice. This also rules out cycles. Uses the USED flag bits only. */
static bt_status check_graph(bt_interp *it) {
  enum { WRITTEN = 0x20 };
  for (uint32_t i = 0; i < it->num_inputs; i++) {
    bt_tensor *t = &it->tensors[bt_ld_i32(it->inputs + 4 * i)];
    if (t->flags & BT_TENSOR_CONST)
      return bt_seterr(it, BT_ERR_GRAPH, "graph input %u is a constant", (unsigned)i);
    t->flags |= WRITTEN;
  }
  for (uint32_t o = 0; o < it->num_ops; o++) {
    const bt_node *n = &it->nodes[o];
    for (int k = 0; k < n->n_in; k++) {
      int32_t x = bt_node_in(it, n, k);
      if (x < 0) continue;
      bt_tensor *t = &it->tensors[x];
      if (!(t->flags & (BT_TENSOR_CONST | BT_TENSOR_VARIABLE | WRITTEN)))
        return bt_seterr(it, BT_ERR_GRAPH, "op #%u (%s) reads tensor %d before it is written",
                         (unsigned)o, n->reg->name, (int)x);
    }
    for (int k = 0; k < n->n_out; k++) {
      int32_t x = bt_node_out(it, n, k);
      bt_tensor *t = &it->tensors[x];
      if (t->flags & (WRITTEN | BT_TENSOR_CONST))
        return bt_seterr(it, BT_ERR_GRAPH, "op #%u (%s) writes tensor %d which is %s",
                         (unsigned)o, n->reg->name, (int)x,
                         (t->flags & BT_TENSOR_CONST) ? "a constant" : "already written");
      if (!(t->flags & BT_TENSOR_VARIABLE)) t->flags |= WRITTEN;
    }
  }
  for (uint32_t i = 0; i < it->num_outputs; i++) {
    bt_tensor *t = &it->tensors[bt_ld_i32(it->outputs + 4 * i)];
    if (!(t->flags & (WRITTEN | BT_TENSOR_CONST)))
      return bt_seterr(it, BT_ERR_GRAPH, "graph output %u is never written", (unsigned)i);
  }
  for (uint32_t i = 0; i < it->num_tensors; i++) it->tensors[i].flags &= (uint8_t)~WRITTEN;
  return BT_OK;
}

/* One reader for both passes: bt_model_scan (it->tensors == NULL: counts and full
 * validation, before the arena exists) and bt_model_fill (structs allocated: the same
 * walk, checks included, also fills tensors[] and nodes[]), so what is filled is
 * exactly what was validated, and the walk exists once in flash. */
static bt_status load(bt_interp *it) {
  const bt_fb *fb = &it->fb;
  if (!fb->buf || fb->len < 8) return bt_seterr(it, BT_ERR_MODEL_TRUNCATED, "model: truncated");
  if (memcmp(fb->buf + 4, "TFL3", 4) != 0)
    return bt_seterr(it, BT_ERR_MODEL_IDENTIFIER, "model: identifier not TFL3");
  scan m;
  bt_status s = open_model(it, &m);
  if (s != BT_OK) return s;
  uint32_t ver = bt_fb_u32(&m.root, BT_MODEL_VERSION, 0);
  if (ver != 3) return bt_seterr(it, BT_ERR_MODEL_VERSION, "model: schema version %u, need 3", (unsigned)ver);
  if (m.tensors.len > 0xFFFF || m.ops.len > 0xFFFF)
    return bt_seterr(it, BT_ERR_LIMIT, "model: > 65535 tensors or operators");
  it->num_tensors = m.tensors.len;
  it->num_ops = m.ops.len;

  bt_fb_vec in, out;
  if ((s = bt_fb_vector(&m.sg, BT_SUBGRAPH_INPUTS, 4, &in)) != BT_OK ||
      (s = bt_fb_vector(&m.sg, BT_SUBGRAPH_OUTPUTS, 4, &out)) != BT_OK)
    return bt_seterr(it, s, "model: bad graph inputs/outputs");
  /* check_index_list also caps both counts at 255. */
  if ((s = check_index_list(it, &in, 0, "graph inputs", 0)) != BT_OK) return s;
  if ((s = check_index_list(it, &out, 0, "graph outputs", 0)) != BT_OK) return s;
  it->inputs = in.data ? fb->buf + in.data : NULL;
  it->outputs = out.data ? fb->buf + out.data : NULL;
  it->num_inputs = (uint16_t)in.len;
  it->num_outputs = (uint16_t)out.len;

  /* Tensors: shape, type, buffer, quantization. One message site: "tensor N: <what>". */
  const char *what;
  uint32_t i;
  for (i = 0; i < m.tensors.len; i++) {
    bt_fb_table t, q;
    bt_fb_vec shape, sc, zp;
    what = "malformed";
    if ((s = bt_fb_vec_table(&m.tensors, i, &t)) != BT_OK ||
        (s = bt_fb_vector(&t, BT_TENSOR_SHAPE, 4, &shape)) != BT_OK ||
        (s = bt_fb_subtable(&t, BT_TENSOR_QUANTIZATION, &q)) != BT_OK)
      goto tensor_fail;
    s = BT_ERR_LIMIT;
    what = "rank > 8";
    if (shape.len > BT_MAX_DIMS) goto tensor_fail;
    int type = bt_fb_i8(&t, BT_TENSOR_TYPE, 0);
    size_t es = bt_type_size(type);
    uint64_t n = 1;
    s = BT_ERR_MODEL_MALFORMED;
    for (uint32_t d = 0; d < shape.len; d++) {
      int32_t v = bt_fb_vec_i32(&shape, d);
      what = "negative dim";
      if (v < 0) goto tensor_fail;
      n *= (uint64_t)v;
      what = "too large";
      if (n > 0x7FFFFFFF) goto tensor_fail;
    }
    /* Empty float32 tensors (LSTM intermediates: quantization only) need no float path. */
    s = BT_ERR_UNSUPPORTED_TYPE;
    what = "float32 (image built with BT_FLOAT=OFF)";
    if (!BT_HAS_FLOAT && type == BT_FLOAT32 && n) goto tensor_fail;
    what = "int8/uint8/int16 (image built with BT_QUANT=OFF)";
    if (!BT_HAS_QUANT && (type == BT_INT8 || type == BT_UINT8 || type == BT_INT16) && n) goto tensor_fail;
    const uint8_t *data;
    uint32_t dlen;
    what = "bad buffer";
    if ((s = tensor_data(it, &m, &t, &data, &dlen)) != BT_OK) goto tensor_fail;
    if (es == 0 && (data || n)) {
      /* Unknown element size: only acceptable for tensors nobody can touch. */
      s = BT_ERR_UNSUPPORTED_TYPE;
      what = "unsupported type";
      if (type != BT_INT4 || !data) goto tensor_fail;
    }
    s = BT_ERR_MODEL_MALFORMED;
    if (data) {
      what = "buffer smaller than its shape";
      if (es && (uint64_t)dlen < n * es) goto tensor_fail;
      size_t al = es > 8 ? 8 : (es ? es : 1);
      s = BT_ERR_MODEL_ALIGNMENT;
      what = "constant data misaligned (load the model 16-byte aligned)";
      if ((uintptr_t)data % al) goto tensor_fail;
    } else {
      what = "too large";
      if (n * es > 0x7FFFFFFF) goto tensor_fail;
    }
    what = "bad quantization";
    if ((s = bt_fb_vector(&q, BT_QUANT_SCALE, 4, &sc)) != BT_OK ||
        (s = bt_fb_vector(&q, BT_QUANT_ZERO_POINT, 8, &zp)) != BT_OK)
      goto tensor_fail;
    /* Like TFLM: quantized only when both vectors are non-empty. */
    s = BT_ERR_QUANT;
    what = "scale / zero point counts";
    if (sc.len > 0xFFFF || (sc.len && zp.len && zp.len != sc.len)) goto tensor_fail;
    int32_t qd = bt_fb_i32(&q, BT_QUANT_QUANTIZED_DIMENSION, 0);
    /* Axis/scale-count agreement is the kernels' business (TFLM checks it there
     * too; biases carry the filter's axis). Only keep it storable. */
    what = "quantized_dimension > 255";
    if (qd < 0 || qd > 255) goto tensor_fail;
    /* Kernels compute (x - zero_point) in int32: a zero point outside its
     * type's range would overflow there (found by firmware/fuzz). */
    int64_t zlo = -INT32_MAX, zhi = INT32_MAX;
    if (type == BT_INT8) zlo = -128, zhi = 127;
    else if (type == BT_UINT8) zlo = 0, zhi = 255;
    else if (type == BT_INT16) zlo = -32768, zhi = 32767;
    what = "zero point outside its type";
    for (uint32_t k = 0; k < zp.len; k++) {
      int64_t z = bt_fb_vec_i64(&zp, k);
      if (z < zlo || z > zhi) goto tensor_fail;
    }
    /* NaN/inf/negative scales are meaningless and end as UB float->int
     * conversions in kernels (found by firmware/fuzz). Zero is tolerated:
     * per-channel weights of an all-zero channel can carry it. */
    what = "scale not finite and >= 0";
    for (uint32_t k = 0; k < sc.len; k++) {
      float f = bt_fb_vec_f32(&sc, k);
      if (!(f >= 0.0f && f <= 3.40282347e38f)) goto tensor_fail;
    }
    if (it->tensors) {
      bt_tensor *x = &it->tensors[i];
      x->type = (uint8_t)type;
      x->ndims = (uint8_t)shape.len;
      x->dims = shape.data ? fb->buf + shape.data : fb->buf;  /* never NULL */
      x->bytes = (uint32_t)(n * es);
      int quantized = sc.len && zp.len;
      x->q_count = quantized ? (uint16_t)sc.len : 0;
      x->q_off = quantized ? (int32_t)((int64_t)q.pos - (int64_t)(x->dims - fb->buf)) : 0;
      x->q_dim = (uint8_t)qd;
      x->flags = 0;
      if (data) {
        x->data = (void *)(uintptr_t)data;  /* read-only by contract */
        x->flags |= BT_TENSOR_CONST;
      } else if (bt_fb_u8(&t, BT_TENSOR_IS_VARIABLE, 0)) {
        x->flags |= BT_TENSOR_VARIABLE;
      }
    }
  }
  if (it->tensors) {
    for (i = 0; i < it->num_inputs; i++) it->tensors[bt_ld_i32(it->inputs + 4 * i)].flags |= BT_TENSOR_INPUT | BT_TENSOR_USED;
    for (i = 0; i < it->num_outputs; i++) it->tensors[bt_ld_i32(it->outputs + 4 * i)].flags |= BT_TENSOR_OUTPUT | BT_TENSOR_USED;
  }

  /* Operators: opcode, kernel, index lists. */
  for (i = 0; i < m.ops.len; i++) {
    bt_fb_table op, oc, opts;
    bt_fb_vec ins, outs;
    what = "malformed";
    if ((s = bt_fb_vec_table(&m.ops, i, &op)) != BT_OK ||
        (s = bt_fb_vector(&op, BT_OP_INPUTS, 4, &ins)) != BT_OK ||
        (s = bt_fb_vector(&op, BT_OP_OUTPUTS, 4, &outs)) != BT_OK ||
        (s = bt_fb_subtable(&op, BT_OP_BUILTIN_OPTIONS, &opts)) != BT_OK)
      goto op_fail;
    uint32_t oci = bt_fb_u32(&op, BT_OP_OPCODE_INDEX, 0);
    s = BT_ERR_MODEL_MALFORMED;
    what = "opcode index out of range";
    if (oci >= m.opcodes.len) goto op_fail;
    what = "malformed operator code";
    if ((s = bt_fb_vec_table(&m.opcodes, oci, &oc)) != BT_OK) goto op_fail;
    int32_t code = builtin_code(&oc);
    if (code == 32 /* CUSTOM */) {
      const char *name;
      uint32_t nl;
      bt_fb_string(&oc, BT_OPCODE_CUSTOM_CODE, &name, &nl);
      return bt_seterr(it, BT_ERR_UNSUPPORTED_OP, "unsupported custom op '%.*s' at operator #%u",
                       (int)(nl > 40 ? 40 : nl), name ? name : "", (unsigned)i);
    }
    const bt_op_reg *reg = bt_op_find(code);
    if (!reg)
#ifdef BT_NO_OP_NAMES
      /* Board images carry no name table: the log parser (harness/parse.py) inserts
       * the name from the code, so the user still reads "unsupported op NAME (code N)". */
      return bt_seterr(it, BT_ERR_UNSUPPORTED_OP, "unsupported op (code %d) at operator #%u",
                       (int)code, (unsigned)i);
#else
      return bt_seterr(it, BT_ERR_UNSUPPORTED_OP, "unsupported op %s (code %d) at operator #%u",
                       bt_builtin_name(code), (int)code, (unsigned)i);
#endif
    if ((s = check_index_list(it, &ins, 1, "inputs", i)) != BT_OK) return s;
    if ((s = check_index_list(it, &outs, 0, "outputs", i)) != BT_OK) return s;
    if (it->nodes) {
      bt_node *n = &it->nodes[i];
      n->reg = reg;
      n->data = NULL;
      n->in = ins.data;
      n->out = outs.data;
      n->n_in = (uint8_t)ins.len;
      n->n_out = (uint8_t)outs.len;
      n->opts = opts.pos;
      n->opts_type = bt_fb_u8(&op, BT_OP_BUILTIN_OPTIONS_TYPE, 0);
      for (uint32_t k = 0; k < ins.len; k++) {
        int32_t x = bt_fb_vec_i32(&ins, k);
        if (x >= 0) it->tensors[x].flags |= BT_TENSOR_USED;
      }
      for (uint32_t k = 0; k < outs.len; k++) it->tensors[bt_fb_vec_i32(&outs, k)].flags |= BT_TENSOR_USED;
    }
  }
  return it->nodes ? check_graph(it) : BT_OK;
tensor_fail:
  return bt_seterr(it, s, "tensor %u: %s", (unsigned)i, what);
op_fail:
  return bt_seterr(it, s, "op #%u: %s", (unsigned)i, what);
}

bt_status bt_model_scan(bt_interp *it) {
  /* Before the arena: nothing to fill. */
  it->tensors = NULL;
  it->nodes = NULL;
  return load(it);
}

bt_status bt_model_fill(bt_interp *it) { return load(it); }
