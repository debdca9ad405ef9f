/* Lookup table built from ops.def (filtered by CMake to the ops whose kernel
 * file exists: bt_ops_present.def). A linear scan over a few pointers is
 * smaller than any index and runs once per operator at init. */
#include "bt/op.h"

#define BT_OP(name) extern const bt_op_reg bt_op_##name;
#include "bt_ops_present.def"
#undef BT_OP

static const bt_op_reg *const table[] = {
#define BT_OP(name) &bt_op_##name,
#include "bt_ops_present.def"
#undef BT_OP
};

const bt_op_reg *bt_op_find(int32_t builtin_code) {
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (table[i]->code == builtin_code) return table[i];
  return NULL;
}
