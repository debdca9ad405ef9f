/* Lookup table built from ops.def (filtered by CMake to the ops whose kernel
 * file exists and, with BT_OPS, to the ops the model uses: bt_ops_present.def).
 * A linear scan over a few pointers is smaller than any index and runs once per
 * operator at init. The NULL end marker keeps an empty selection valid C. */
#include <stddef.h>
#include "bt/op.h"

#define BT_OP(name) extern const bt_op_reg bt_op_##name;
#include "bt_ops_present.def"
#undef BT_OP

static const bt_op_reg *const table[] = {
#define BT_OP(name) &bt_op_##name,
#include "bt_ops_present.def"
#undef BT_OP
    NULL};

const bt_op_reg *bt_op_find(int32_t builtin_code) {
  for (const bt_op_reg *const *r = table; *r; r++)
    if ((*r)->code == builtin_code) return *r;
  return NULL;
}
