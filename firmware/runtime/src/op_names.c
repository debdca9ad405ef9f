/* tflite BuiltinOperator names (schema.fbs enum, codes 0..209), for the
 * "unsupported op NAME" error. Registered ops carry their own name (bt_op_reg.name),
 * so this table only serves ops without a kernel. It is stored compactly because as
 * a pointer table it was the largest single piece of a small image (3.3 kB):
 * `words` holds each distinct '_'-separated word once, `name_words` spells name k as
 * 1-based word numbers ending in 0 (the k-th such run; a gap in the enum is an empty
 * run). tests/runtime/test_footprint.py checks both arrays against the schema enum of
 * the tflite-micro wheel and prints regenerated arrays when it changes.
 * Board images are built with -DBT_NO_OP_NAMES (runtime/CMakeLists.txt): the table and
 * bt_builtin_name are left out, the firmware's error carries only the code and
 * harness/parse.py inserts the name when it reads the log. Host builds keep it. */
#include "bt/model.h"

#ifndef BT_NO_OP_NAMES
static const char words[] =
  "ADD\0AVERAGE\0POOL\0" "2D\0CONCATENATION\0CONV\0DEPTHWISE\0DEPTH\0TO\0SPACE\0DEQUANTIZE\0"
  "EMBEDDING\0LOOKUP\0FLOOR\0FULLY\0CONNECTED\0HASHTABLE\0L2\0NORMALIZATION\0LOCAL\0RESPONSE\0"
  "LOGISTIC\0LSH\0PROJECTION\0LSTM\0MAX\0MUL\0RELU\0N1\0" "1\0RELU6\0RESHAPE\0RESIZE\0BILINEAR\0"
  "RNN\0SOFTMAX\0SVDF\0TANH\0CONCAT\0EMBEDDINGS\0SKIP\0GRAM\0CALL\0CUSTOM\0SPARSE\0PAD\0"
  "UNIDIRECTIONAL\0SEQUENCE\0GATHER\0BATCH\0ND\0TRANSPOSE\0MEAN\0SUB\0DIV\0SQUEEZE\0STRIDED\0"
  "SLICE\0BIDIRECTIONAL\0EXP\0TOPK\0V2\0SPLIT\0LOG\0DELEGATE\0CAST\0PRELU\0MAXIMUM\0ARG\0"
  "MINIMUM\0LESS\0NEG\0PADV2\0GREATER\0EQUAL\0SELECT\0SIN\0DENSE\0TILE\0EXPAND\0DIMS\0NOT\0SUM\0"
  "SQRT\0RSQRT\0SHAPE\0POW\0MIN\0FAKE\0QUANT\0REDUCE\0PROD\0PACK\0LOGICAL\0OR\0ONE\0HOT\0AND\0"
  "UNPACK\0ANY\0SQUARE\0ZEROS\0LIKE\0FILL\0MOD\0RANGE\0NEAREST\0NEIGHBOR\0LEAKY\0SQUARED\0"
  "DIFFERENCE\0MIRROR\0ABS\0V\0UNIQUE\0CEIL\0REVERSE\0N\0COS\0WHERE\0RANK\0ELU\0MATRIX\0DIAG\0"
  "QUANTIZE\0SET\0ROUND\0HARD\0SWISH\0IF\0WHILE\0NON\0SUPPRESSION\0V4\0V5\0SCATTER\0DENSIFY\0"
  "SEGMENT\0MATMUL\0PLACEHOLDER\0FOR\0OP\0CODES\0CUMSUM\0ONCE\0BROADCAST\0RFFT2D\0" "3D\0IMAG\0"
  "REAL\0COMPLEX\0FIND\0IMPORT\0SIZE\0ALL\0VAR\0HANDLE\0READ\0VARIABLE\0ASSIGN\0ARGS\0RANDOM\0"
  "STANDARD\0NORMAL\0BUCKETIZE\0UNIFORM\0MULTINOMIAL\0GELU\0DYNAMIC\0UPDATE\0" "0\0UNSORTED\0"
  "ATAN2\0SIGN\0BITCAST\0BITWISE\0XOR\0RIGHT\0SHIFT\0STABLEHLO\0DIVIDE\0MULTIPLY\0CLAMP\0"
  "CONCATENATE\0IN\0DIM\0CONVOLUTION\0COSINE\0EXPONENTIAL\0NEGATE\0POWER\0REMAINDER\0SUBTRACT\0"
  "COMPARE\0CONVERT\0IOTA\0DOT\0GENERAL\0WINDOW\0SORT\0DILATE\0RNG\0BIT\0GENERATOR\0COMPOSITE\0"
  "LEFT\0CBRT\0CASE\0";

static const unsigned char name_words[] = {
  1, 0, 2, 3, 4, 0, 5, 0, 6, 4, 0, 7, 6, 4, 0, 8, 9, 10, 0, 11, 0, 12, 13, 0, 14, 0, 15, 16, 0,
  17, 13, 0, 18, 19, 0, 18, 3, 4, 0, 20, 21, 19, 0, 22, 0, 23, 24, 0, 25, 0, 26, 3, 4, 0, 27,
  0, 28, 0, 28, 29, 9, 30, 0, 31, 0, 32, 0, 33, 34, 0, 35, 0, 36, 0, 10, 9, 8, 0, 37, 0, 38, 0,
  39, 40, 0, 41, 42, 0, 43, 0, 44, 0, 12, 13, 45, 0, 46, 0, 47, 48, 35, 0, 49, 0, 50, 9, 10,
  51, 0, 10, 9, 50, 51, 0, 52, 0, 53, 0, 54, 0, 55, 0, 56, 0, 47, 48, 25, 0, 57, 58, 0, 59, 48,
  35, 0, 60, 0, 61, 62, 0, 63, 0, 64, 36, 0, 65, 0, 59, 48, 25, 0, 66, 0, 67, 0, 68, 0, 69, 26,
  0, 70, 0, 71, 0, 72, 0, 73, 0, 74, 0, 74, 75, 0, 71, 75, 0, 76, 0, 58, 0, 77, 0, 52, 6, 0,
  45, 9, 78, 0, 79, 0, 80, 81, 0, 75, 0, 82, 75, 0, 64, 0, 83, 0, 84, 0, 85, 0, 86, 0, 87, 0,
  69, 88, 0, 89, 90, 0, 91, 92, 0, 91, 26, 0, 93, 0, 94, 95, 0, 96, 97, 0, 94, 98, 0, 94, 82,
  0, 99, 0, 91, 88, 0, 14, 55, 0, 91, 100, 0, 101, 0, 102, 103, 0, 104, 0, 14, 105, 0, 106, 0,
  33, 107, 108, 0, 109, 28, 0, 110, 111, 0, 112, 46, 0, 113, 0, 63, 114, 0, 115, 0, 116, 0,
  117, 62, 0, 1, 118, 0, 49, 51, 0, 119, 0, 120, 0, 121, 0, 122, 0, 117, 48, 0, 123, 124, 0,
  125, 0, 123, 126, 124, 0, 127, 0, 128, 129, 0, 130, 0, 131, 0, 132, 26, 133, 134, 0, 132, 26,
  133, 135, 0, 136, 51, 0, 76, 62, 0, 137, 0, 138, 83, 0, 50, 139, 0, 140, 141, 74, 142, 143,
  0, 144, 0, 43, 145, 0, 146, 9, 0, 147, 0, 6, 148, 0, 149, 0, 150, 0, 151, 113, 0, 17, 0, 17,
  152, 0, 17, 153, 0, 17, 154, 0, 91, 155, 0, 6, 148, 52, 0, 156, 157, 0, 158, 159, 0, 160,
  159, 0, 146, 161, 0, 162, 163, 164, 0, 165, 0, 162, 166, 0, 167, 0, 168, 0, 169, 170, 58, 0,
  28, 171, 9, 30, 0, 172, 138, 92, 0, 172, 138, 26, 0, 172, 138, 83, 0, 173, 0, 172, 138, 88,
  0, 174, 0, 175, 0, 176, 177, 0, 178, 179, 0, 180, 22, 0, 180, 1, 0, 180, 181, 0, 180, 182, 0,
  180, 68, 0, 180, 32, 0, 180, 183, 0, 180, 184, 0, 180, 146, 185, 186, 0, 180, 187, 0, 180,
  58, 0, 180, 44, 43, 0, 180, 91, 0, 180, 113, 0, 180, 98, 0, 180, 188, 0, 180, 189, 0, 180,
  14, 0, 180, 64, 0, 180, 70, 0, 180, 190, 0, 180, 95, 0, 180, 191, 0, 180, 192, 0, 180, 85, 0,
  180, 76, 0, 180, 193, 0, 180, 38, 0, 180, 136, 0, 180, 194, 0, 180, 195, 0, 180, 169, 58, 0,
  180, 169, 170, 58, 0, 180, 46, 0, 180, 196, 0, 180, 197, 198, 0, 180, 91, 199, 0, 180, 200,
  0, 180, 131, 0, 180, 49, 0, 180, 52, 0, 201, 0, 180, 202, 203, 204, 0, 91, 199, 0, 180, 205,
  0, 180, 179, 206, 0, 180, 207, 0, 180, 208, 0,
};

/* The longest name (PLACEHOLDER_FOR_GREATER_OP_CODES) has 32 chars. Static, so not
 * reentrant: it serves one error message at a time. */
static char name_buf[48];

static const char *nth_word(unsigned n) { /* n >= 1 */
  const char *w = words;
  while (--n)
    while (*w++) {}
  return w;
}

const char *bt_builtin_name(int32_t code) {
  if (code >= 0) {
    size_t i = 0;
    for (int32_t k = 0; k < code && i < sizeof name_words; i++)
      if (!name_words[i]) k++;
    size_t len = 0;
    for (; i < sizeof name_words && name_words[i]; i++) {
      const char *w = nth_word(name_words[i]);
      if (len) name_buf[len++] = '_';
      while (*w && len < sizeof name_buf - 1) name_buf[len++] = *w++;
    }
    if (len) {
      name_buf[len] = '\0';
      return name_buf;
    }
  }
  return "UNKNOWN";
}
#endif
