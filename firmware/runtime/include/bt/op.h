/* Operator (kernel) contract.
 *
 * One file per operator: kernels/ref/<op>.c defines
 *     const bt_op_reg bt_op_<op> = { BT_BUILTIN_<OP>, "<TFLM TAG>", prepare, eval };
 * and kernels/ops.def lists it once: BT_OP(<op>). kernels/registry.c turns
 * that list into the lookup table. A BT_KERNELS=dsp build compiles
 * kernels/dsp/<op>.c INSTEAD of kernels/ref/<op>.c (CMake drops the ref file
 * with the same basename), so an override defines the very same symbol
 * bt_op_<op>; the ref kernel remains callable from a dsp file as a fallback
 * only through its public helpers (see README.md).
 *
 * Life cycle (both run with a bt_ctx describing one operator node):
 *   prepare: once, from bt_interp_init, in operator order. Validate types and
 *            shapes, precompute everything (multipliers, ranges) into op data
 *            from bt_op_data_alloc(), request scratch with bt_request_scratch().
 *            Activation tensors have NO data yet (planned after all prepares);
 *            constant tensors do.
 *   eval:    every bt_interp_invoke. No allocation; data pointers are valid.
 * Return BT_OK or a status; use bt_fail() to attach a message. */
#ifndef BT_OP_H
#define BT_OP_H
#include <stddef.h>
#include <stdint.h>
#include "bt/status.h"
#include "bt/tensor.h"
#include "bt/model.h"

/* 0 when the image is built with BT_FLOAT=OFF (a model without float32 tensors, see
 * CMakeLists.txt): kernels test it before their float32 paths, so `if (BT_HAS_FLOAT
 * && t->type == BT_FLOAT32)` drops those paths and the float helpers at compile time.
 * The model reader rejects float32 tensors in such an image. */
#ifndef BT_HAS_FLOAT
#define BT_HAS_FLOAT 1
#endif
/* 0 when the image is built with BT_QUANT=OFF (a model without int8/uint8/int16
 * tensors, e.g. a float32 model): the same idea for the quantized integer paths,
 * `if (!BT_HAS_QUANT) <float32 only>` drops them and their fixed-point helpers. The
 * model reader rejects int8/uint8/int16 tensors in such an image. */
#ifndef BT_HAS_QUANT
#define BT_HAS_QUANT 1
#endif

struct bt_interp;
struct bt_node;

typedef struct bt_ctx {
  struct bt_interp *it;
  struct bt_node *node;
  uint32_t op_index;       /* position in the subgraph's operator list */
} bt_ctx;

typedef bt_status (*bt_kernel_fn)(bt_ctx *c);

typedef struct bt_op_reg {
  int32_t code;            /* tflite BuiltinOperator (BT_BUILTIN_*) */
  const char *name;        /* TFLM profiler tag, e.g. "FULLY_CONNECTED" */
  bt_kernel_fn prepare;    /* may be NULL */
  bt_kernel_fn eval;
} bt_op_reg;

/* Registry (kernels/registry.c): NULL if no kernel for the code. */
const bt_op_reg *bt_op_find(int32_t builtin_code);

/* ---- tensors of the node --------------------------------------------- */
int bt_num_inputs(const bt_ctx *c);
int bt_num_outputs(const bt_ctx *c);
/* NULL when i is out of range or the input is optional and absent (-1). */
bt_tensor *bt_input(bt_ctx *c, int i);
bt_tensor *bt_output(bt_ctx *c, int i);
/* Raw tensor index of input i (-1 absent / out of range). */
int32_t bt_input_index(const bt_ctx *c, int i);

/* ---- builtin options (the node's builtin_options table) ---------------- */
/* BuiltinOptions union type (tflite BuiltinOptions enum), 0 = none. */
uint8_t bt_opt_type(const bt_ctx *c);
/* Field index = declaration order in schema.fbs for that options table,
 * e.g. FullyConnectedOptions: 0 fused_activation_function, 2 keep_num_dims.
 * Absent table/field or malformed -> def. */
uint8_t bt_opt_u8(const bt_ctx *c, int field, uint8_t def);
int8_t bt_opt_i8(const bt_ctx *c, int field, int8_t def);
int32_t bt_opt_i32(const bt_ctx *c, int field, int32_t def);
float bt_opt_f32(const bt_ctx *c, int field, float def);
int bt_opt_bool(const bt_ctx *c, int field, int def);
/* Vector field of the options table (e.g. ReshapeOptions.new_shape). */
bt_status bt_opt_vec(const bt_ctx *c, int field, uint32_t elem_size, bt_fb_vec *out);
/* Custom options bytes (custom ops), NULL/0 if absent. */
const uint8_t *bt_custom_options(const bt_ctx *c, uint32_t *len);

/* ---- memory --------------------------------------------------------- */
/* Persistent, 8-byte aligned, zeroed, from the arena's persistent (TFLM
 * "tail") region. Prepare only. NULL when the arena is too small: return
 * BT_ERR_ARENA_TOO_SMALL. bt_op_data_alloc also stores the pointer as the
 * node's op data, read back with bt_op_data() in eval. */
void *bt_alloc_persistent(bt_ctx *c, size_t bytes);
void *bt_op_data_alloc(bt_ctx *c, size_t bytes);
void *bt_op_data(const bt_ctx *c);
/* Scratch living only during this node's eval, planned together with the
 * activations (TFLM "head" region), 16-byte aligned. Prepare: request, get
 * an index; eval: bt_scratch(idx). */
bt_status bt_request_scratch(bt_ctx *c, size_t bytes, int *idx);
void *bt_scratch(const bt_ctx *c, int idx);

/* ---- errors ----------------------------------------------------------- */
/* Record "<OP NAME> (op #i): <msg>" as the interpreter error; returns s. */
bt_status bt_fail(bt_ctx *c, bt_status s, const char *msg);

/* ---- fused activations (tflite ActivationFunctionType) ------------------ */
enum { BT_ACT_NONE = 0, BT_ACT_RELU = 1, BT_ACT_RELU_N1_TO_1 = 2, BT_ACT_RELU6 = 3,
       BT_ACT_TANH = 4, BT_ACT_SIGN_BIT = 5 };

/* tflite BuiltinOperator codes of the ops we implement or expect. */
enum {
  BT_BUILTIN_ADD = 0, BT_BUILTIN_AVERAGE_POOL_2D = 1, BT_BUILTIN_CONCATENATION = 2,
  BT_BUILTIN_CONV_2D = 3, BT_BUILTIN_DEPTHWISE_CONV_2D = 4, BT_BUILTIN_DEQUANTIZE = 6,
  BT_BUILTIN_FULLY_CONNECTED = 9, BT_BUILTIN_LOGISTIC = 14, BT_BUILTIN_MAX_POOL_2D = 17,
  BT_BUILTIN_MUL = 18, BT_BUILTIN_RELU = 19, BT_BUILTIN_RELU6 = 21, BT_BUILTIN_RESHAPE = 22,
  BT_BUILTIN_SOFTMAX = 25, BT_BUILTIN_SVDF = 27, BT_BUILTIN_TANH = 28, BT_BUILTIN_PAD = 34,
  BT_BUILTIN_MEAN = 40, BT_BUILTIN_SUB = 41, BT_BUILTIN_QUANTIZE = 114,
  BT_BUILTIN_SQUEEZE = 43, BT_BUILTIN_STRIDED_SLICE = 45, BT_BUILTIN_SHAPE = 77, BT_BUILTIN_PACK = 83,
  BT_BUILTIN_UNIDIRECTIONAL_SEQUENCE_LSTM = 44
};

#endif
