/* One pass over a block of CSV or JSON Lines: validate it strictly and compute every column's
 * statistics.
 *
 * This is the native fast path of trainlab.datasets (see native.py, which loads it with
 * ctypes: no Python headers, so one build serves every Python version). It gives exactly the
 * answer of the Python paths (Arrow's readers, or the strict csv module and msgspec, then
 * stats.py), naming ragged CSV rows and setting aside bad JSON lines itself, or it gives up on
 * the block (status FALLBACK) and the Python paths read it instead. It gives up on anything it
 * does not decide exactly the same way. CSV: invalid UTF-8, a misplaced or unbalanced quote, a lone carriage return, a NUL
 * byte, a long line, a value that may or may not be a number to Arrow (" 5", "+5", "0x1F",
 * "inf", "1e999", "-0"), and a column that mixes numbers with text within its first 64 values
 * (stats.py counts those kinds by regex). JSON Lines: see jsonl_scan below.
 *
 * Per column: the kind (null-only, integer, number, boolean, string, list), the non-null
 * count, min/max/mean/M2 of numbers, UTF-8 lengths of strings (or lengths of arrays), and
 * either the exact counts of each distinct value (at most 2,000), or the 100 most frequent
 * values and a K-minimum-values sketch, or only the sketch (a column whose values are nearly
 * all different). Hashes are those of sketch.py, so sketches from either path merge.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* The rules shared with the Python paths (null and boolean words, limits, the codes of kinds,
 * modes and decline reasons W_*), written from semantics.py: see that file. */
#include "scanner_semantics.h"

#define SKETCH_CAP (4 * SKETCH_K)

enum { OK = 0, FALLBACK = 1, NO_MEMORY = 2 };

typedef struct {
    int64_t count;  /* non-null values */
    int64_t kind;   /* K_NULL (null-only), K_INT, K_FLOAT, K_BOOL or K_STR */
    int64_t mode;   /* M_* */
    int64_t num_n;
    double num_min, num_max, num_mean, num_m2;
    int64_t len_n, len_min, len_max, len_sum, empty;
    int64_t n_entries;
    int64_t n_sketch;
    int64_t *e_count;
    int64_t *e_int;   /* integers and booleans (0/1) */
    double *e_float;
    int64_t *e_off;   /* strings: offset and length in the result's arena */
    int64_t *e_len;
    uint32_t *sketch;
} Column;

typedef struct {
    int64_t status;
    int64_t reason;
    int64_t n_lines, rows_total, rows_valid;
    int64_t blank, first_blank;
    int64_t n_ragged;  /* the records set aside: CSV rows of another width, JSON Lines lines */
    int64_t *ragged_line;    /* their block-relative line */
    int64_t *ragged_actual;  /* CSV: how many values; JSON Lines: where the line starts */
    int64_t ncols;
    Column *cols;
    char *arena;
    int64_t arena_len;
    int64_t *name_off;  /* JSON Lines: each column's name, in the arena */
    int64_t *name_len;
    /* private */
    int64_t arena_cap, ragged_cap;
} Result;

/* What this build is, for native.py to decline a library built from another scanner.c or
 * other rules: the ABI (structs and calls), the rules' fingerprint, the structs' sizes. */
int64_t scanner_abi(void) { return SCANNER_ABI; }
int64_t scanner_rules(void) { return SCANNER_RULES; }
int64_t scanner_result_size(void) { return (int64_t)sizeof(Result); }
int64_t scanner_column_size(void) { return (int64_t)sizeof(Column); }

/* A value: its offset and length in the block, or (offset >= the block's length) in the buffer
 * of quoted values whose doubled quotes were made single. */
typedef struct {
    uint32_t off;
    uint32_t n;
} Span;

typedef struct {
    const char *data;
    const char *unescaped;
    uint32_t n;
} Source;

static inline const char *span_ptr(const Source *src, Span f) {
    return f.off < src->n ? src->data + f.off : src->unescaped + (f.off - src->n);
}

/* -- hashes, as in sketch.py --------------------------------------------------------------- */
static const uint64_t P = HASH_P;
static const uint64_t GOLDEN = HASH_GOLDEN;

static inline uint32_t splitmix32(uint64_t z) {
    z += GOLDEN;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z = z ^ (z >> 31);
    return (uint32_t)(z >> 32);
}

static inline uint64_t load8(const unsigned char *s) {
    uint64_t w;
    memcpy(&w, s, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    return w;
}

/* Continuation bytes marked in each byte lane (0 or 1), summed lane by lane. */
static inline uint64_t continuation_lanes(uint64_t w) {
    return (w & ~(w << 1) & 0x8080808080808080ULL) >> 7;
}

static inline int64_t lanes_total(uint64_t lanes) {  /* each lane at most 255 */
    uint64_t x = (lanes & 0x00FF00FF00FF00FFULL) + ((lanes >> 8) & 0x00FF00FF00FF00FFULL);
    return (int64_t)((x * 0x0001000100010001ULL) >> 48);
}

/* sum(word_k * P**k) mod 2**64 over the bytes read as little-endian 64-bit words (the last
 * padded with zeros), xor the length times GOLDEN: sketch.py's string hash. Also counts the
 * characters. Two words per step (even and odd powers apart), so the multiplications overlap.
 * ``before``: how many bytes before s may be read (the last word of a short string is read
 * as the 8 bytes that end it, shifted, when it can be). */
static inline uint64_t string_hash(const unsigned char *s, int64_t n, int64_t *chars,
                                   int64_t before) {
    if (n <= 0) { *chars = 0; return 0; }
    const uint64_t P2 = P * P;
    int64_t full = (n - 1) / 8, k = 0, cont = 0;  /* full words, then one of 1 to 8 bytes */
    uint64_t h0 = 0, h1 = 0, pw = 1;
    while (k + 2 <= full) {
        uint64_t lanes = 0;
        int64_t stop = k + 2 * 127 <= full ? k + 2 * 127 : full - 1;  /* lanes stay < 256 */
        for (; k < stop; k += 2) {
            uint64_t a = load8(s + 8 * k), b = load8(s + 8 * k + 8);
            h0 += a * pw;
            h1 += b * pw;
            pw *= P2;
            lanes += continuation_lanes(a) + continuation_lanes(b);
        }
        cont += lanes_total(lanes);
    }
    if (k < full) {
        uint64_t a = load8(s + 8 * k);
        h0 += a * pw;
        pw *= P;
        cont += lanes_total(continuation_lanes(a));
    }
    int64_t m = n - 8 * full;
    uint64_t last;
    if (n >= 8 || before >= 8 - n) {
        last = load8(s + n - 8) >> (8 * (8 - m));
    } else {
        last = 0;
        memcpy(&last, s + 8 * full, (size_t)m);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        last = __builtin_bswap64(last);
#endif
    }
    h0 += last * pw;
    cont += lanes_total(continuation_lanes(last));
    *chars = n - cont;
    return (h0 + P * h1) ^ ((uint64_t)n * GOLDEN);
}

uint64_t poly_hash(const unsigned char *s, int64_t n) {
    int64_t chars;
    return string_hash(s, n, &chars, 0);
}

static inline uint64_t double_bits(double d) {
    uint64_t u;
    memcpy(&u, &d, 8);
    return u;
}

/* -- UTF-8 ---------------------------------------------------------------------------------- */
/* The byte offset of the first invalid UTF-8 sequence, or -1: one byte at a time. */
static int64_t utf8_invalid_scalar(const unsigned char *s, int64_t n) {
    int64_t i = 0;
    while (i < n) {
        if (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (!(w & 0x8080808080808080ULL)) { i += 8; continue; }
        }
        unsigned char c = s[i];
        if (c < 0x80) { i++; continue; }
        if (c >= 0xC2 && c <= 0xDF) {
            if (i + 1 >= n || (s[i + 1] & 0xC0) != 0x80) return i;
            i += 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            if (i + 2 >= n) return i;
            unsigned char c1 = s[i + 1];
            if ((c1 & 0xC0) != 0x80 || (s[i + 2] & 0xC0) != 0x80) return i;
            if (c == 0xE0 && c1 < 0xA0) return i;  /* overlong */
            if (c == 0xED && c1 > 0x9F) return i;  /* surrogate */
            i += 3;
        } else if (c >= 0xF0 && c <= 0xF4) {
            if (i + 3 >= n) return i;
            unsigned char c1 = s[i + 1];
            if ((c1 & 0xC0) != 0x80 || (s[i + 2] & 0xC0) != 0x80 || (s[i + 3] & 0xC0) != 0x80)
                return i;
            if (c == 0xF0 && c1 < 0x90) return i;
            if (c == 0xF4 && c1 > 0x8F) return i;
            i += 4;
        } else {
            return i;
        }
    }
    return -1;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <tmmintrin.h>
#include <immintrin.h>
/* The lookup algorithm of Keiser and Lemire, "Validating UTF-8 in less than one instruction
 * per byte" (2021), as in simdjson: the error classes, and the three 16-entry tables (by the
 * previous byte's high and low nibble, and this byte's high nibble) both widths share. */
enum { TOO_SHORT = 1, TOO_LONG = 2, OVERLONG_3 = 4, TOO_LARGE = 8, SURROGATE = 16,
       OVERLONG_2 = 32, TOO_LARGE_1000 = 64, OVERLONG_4 = 64, TWO_CONTS = 128,
       CARRY = TOO_SHORT | TOO_LONG | TWO_CONTS };
#define UTF8_BYTE_1_HIGH \
    TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, \
    TWO_CONTS, TWO_CONTS, TWO_CONTS, TWO_CONTS, TOO_SHORT | OVERLONG_2, TOO_SHORT, \
    TOO_SHORT | OVERLONG_3 | SURROGATE, \
    (char)(TOO_SHORT | TOO_LARGE | TOO_LARGE_1000 | OVERLONG_4)
#define UTF8_BYTE_1_LOW \
    (char)(CARRY | OVERLONG_3 | OVERLONG_2 | OVERLONG_4), (char)(CARRY | OVERLONG_2), \
    (char)CARRY, (char)CARRY, (char)(CARRY | TOO_LARGE), \
    (char)(CARRY | TOO_LARGE | TOO_LARGE_1000), (char)(CARRY | TOO_LARGE | TOO_LARGE_1000), \
    (char)(CARRY | TOO_LARGE | TOO_LARGE_1000), (char)(CARRY | TOO_LARGE | TOO_LARGE_1000), \
    (char)(CARRY | TOO_LARGE | TOO_LARGE_1000), (char)(CARRY | TOO_LARGE | TOO_LARGE_1000), \
    (char)(CARRY | TOO_LARGE | TOO_LARGE_1000), (char)(CARRY | TOO_LARGE | TOO_LARGE_1000), \
    (char)(CARRY | TOO_LARGE | TOO_LARGE_1000 | SURROGATE), \
    (char)(CARRY | TOO_LARGE | TOO_LARGE_1000), (char)(CARRY | TOO_LARGE | TOO_LARGE_1000)
#define UTF8_BYTE_2_HIGH \
    TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, \
    (char)(TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE_1000 | OVERLONG_4), \
    (char)(TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE), \
    (char)(TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE), \
    (char)(TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE), \
    TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT

/* Whether s is valid UTF-8, 16 bytes at a time. */
__attribute__((target("ssse3"))) static int utf8_valid_ssse3(const unsigned char *s, int64_t n) {
    const __m128i byte_1_high = _mm_setr_epi8(UTF8_BYTE_1_HIGH);
    const __m128i byte_1_low = _mm_setr_epi8(UTF8_BYTE_1_LOW);
    const __m128i byte_2_high = _mm_setr_epi8(UTF8_BYTE_2_HIGH);
    const __m128i low4 = _mm_set1_epi8(0x0F);
    __m128i prev = _mm_setzero_si128(), error = _mm_setzero_si128();
    int64_t i = 0;
    for (;;) {
        __m128i input;
        if (i + 16 <= n) {
            input = _mm_loadu_si128((const __m128i *)(s + i));
        } else {  /* the tail, then a chunk of zeros that shows a sequence cut short */
            unsigned char tail[16] = {0};
            if (i < n) memcpy(tail, s + i, (size_t)(n - i));
            input = _mm_loadu_si128((const __m128i *)tail);
        }
        if (!_mm_movemask_epi8(input) && !_mm_movemask_epi8(prev) ) {
            /* ASCII after ASCII: nothing to check */
        } else {
            __m128i prev1 = _mm_alignr_epi8(input, prev, 15);
            __m128i sc = _mm_and_si128(
                _mm_and_si128(
                    _mm_shuffle_epi8(byte_1_high, _mm_and_si128(_mm_srli_epi16(prev1, 4), low4)),
                    _mm_shuffle_epi8(byte_1_low, _mm_and_si128(prev1, low4))),
                _mm_shuffle_epi8(byte_2_high, _mm_and_si128(_mm_srli_epi16(input, 4), low4)));
            __m128i prev2 = _mm_alignr_epi8(input, prev, 14);
            __m128i prev3 = _mm_alignr_epi8(input, prev, 13);
            __m128i third = _mm_subs_epu8(prev2, _mm_set1_epi8((char)(0xE0 - 0x80)));
            __m128i fourth = _mm_subs_epu8(prev3, _mm_set1_epi8((char)(0xF0 - 0x80)));
            __m128i must23 = _mm_and_si128(_mm_or_si128(third, fourth), _mm_set1_epi8((char)0x80));
            error = _mm_or_si128(error, _mm_xor_si128(must23, sc));
        }
        prev = input;
        if (i >= n) break;
        i += 16;
    }
    return _mm_movemask_epi8(_mm_cmpeq_epi8(error, _mm_setzero_si128())) == 0xFFFF;
}
/* The same, 32 bytes at a time. */
#define PREV_N(input, prev, k) \
    _mm256_alignr_epi8(input, _mm256_permute2x128_si256(prev, input, 0x21), 16 - (k))
__attribute__((target("avx2"))) static int utf8_valid_avx2(const unsigned char *s, int64_t n) {
    const __m256i byte_1_high = _mm256_setr_epi8(UTF8_BYTE_1_HIGH, UTF8_BYTE_1_HIGH);
    const __m256i byte_1_low = _mm256_setr_epi8(UTF8_BYTE_1_LOW, UTF8_BYTE_1_LOW);
    const __m256i byte_2_high = _mm256_setr_epi8(UTF8_BYTE_2_HIGH, UTF8_BYTE_2_HIGH);
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    __m256i prev = _mm256_setzero_si256(), error = _mm256_setzero_si256();
    int64_t i = 0;
    for (;;) {
        __m256i input;
        if (i + 32 <= n) {
            input = _mm256_loadu_si256((const __m256i *)(s + i));
        } else {  /* the tail, then a chunk of zeros that shows a sequence cut short */
            unsigned char tail[32] = {0};
            if (i < n) memcpy(tail, s + i, (size_t)(n - i));
            input = _mm256_loadu_si256((const __m256i *)tail);
        }
        if (!_mm256_movemask_epi8(input) && !_mm256_movemask_epi8(prev) ) {
            /* ASCII after ASCII: nothing to check */
        } else {
            __m256i prev1 = PREV_N(input, prev, 1);
            __m256i sc = _mm256_and_si256(
                _mm256_and_si256(
                    _mm256_shuffle_epi8(byte_1_high, _mm256_and_si256(_mm256_srli_epi16(prev1, 4), low4)),
                    _mm256_shuffle_epi8(byte_1_low, _mm256_and_si256(prev1, low4))),
                _mm256_shuffle_epi8(byte_2_high, _mm256_and_si256(_mm256_srli_epi16(input, 4), low4)));
            __m256i prev2 = PREV_N(input, prev, 2);
            __m256i prev3 = PREV_N(input, prev, 3);
            __m256i third = _mm256_subs_epu8(prev2, _mm256_set1_epi8((char)(0xE0 - 0x80)));
            __m256i fourth = _mm256_subs_epu8(prev3, _mm256_set1_epi8((char)(0xF0 - 0x80)));
            __m256i must23 = _mm256_and_si256(_mm256_or_si256(third, fourth), _mm256_set1_epi8((char)0x80));
            error = _mm256_or_si256(error, _mm256_xor_si256(must23, sc));
        }
        prev = input;
        if (i >= n) break;
        i += 32;
    }
    return _mm256_movemask_epi8(_mm256_cmpeq_epi8(error, _mm256_setzero_si256())) == -1;
}
#undef PREV_N
#endif

/* The byte offset of the first invalid UTF-8 sequence, or -1 (not necessarily the first
 * offset when the fast check is used and fails: the scalar pass then finds it). */
static int64_t utf8_invalid_at(const unsigned char *s, int64_t n) {
#if defined(__x86_64__) && defined(__GNUC__)
    static int level = -1;  /* 2: AVX2, 1: SSSE3, 0: neither */
    if (level < 0)
        level = __builtin_cpu_supports("avx2") ? 2 : __builtin_cpu_supports("ssse3") ? 1 : 0;
    if (level == 2) return utf8_valid_avx2(s, n) ? -1 : utf8_invalid_scalar(s, n);
    if (level == 1) return utf8_valid_ssse3(s, n) ? -1 : utf8_invalid_scalar(s, n);
#endif
    return utf8_invalid_scalar(s, n);
}

/* For tests: the index of the first invalid byte (-1: valid), the plain way (fast 0), or valid
 * (-1) or not (0) by SSSE3 (fast 1) or AVX2 (fast 2, where the processor has it). */
int64_t csv_utf8_check(const char *s, int64_t n, int fast) {
#if defined(__x86_64__) && defined(__GNUC__)
    if (fast == 2 && __builtin_cpu_supports("avx2"))
        return utf8_valid_avx2((const unsigned char *)s, n) ? -1 : 0;
    if (fast) return utf8_valid_ssse3((const unsigned char *)s, n) ? -1 : 0;
#endif
    (void)fast;
    return utf8_invalid_scalar((const unsigned char *)s, n);
}


/* For the block planner: the offset of the first byte c in s[0:n], else -1. Through ctypes
 * (which lets go of the GIL) the first read of a freshly copied block's pages, which is what
 * this mostly costs, does not hold up the threads that merge results. */
int64_t find_byte(const char *s, int64_t n, int c) {
    const char *at = n > 0 ? memchr(s, c, (size_t)n) : NULL;
    return at ? at - s : -1;
}

#if defined(__unix__) || defined(__APPLE__)
#include <sys/mman.h>
/* madvise(MADV_DONTNEED) on whole pages of a mapping, through ctypes: without the GIL. */
int drop_pages(char *base, int64_t start, int64_t length) {
    return madvise(base + start, (size_t)length, MADV_DONTNEED);
}
#endif

/* -- values --------------------------------------------------------------------------------- */
/* is_null and is_bool: in scanner_semantics.h. */

static const double POW10[23] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static inline int is_space(unsigned char c) {
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static int lower_eq(const char *s, int64_t n, const char *word) {
    int64_t m = 0;
    while (word[m]) m++;
    if (n != m) return 0;
    for (int64_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c + 32);
        if (c != word[i]) return 0;
    }
    return 1;
}

/* What a non-null CSV value is: K_INT (exactly -?[0-9]{1,18}), K_FLOAT (a plain decimal that
 * parses to a finite, non-zero or positive-zero double), K_BOOL, K_STR (surely not a number
 * to Arrow's casts nor to stats.py's regexes), or K_UNSURE (anything number-like that is
 * neither: spaces around a number, a leading '+', hex, inf/nan words, 19+ digits, ...).
 * A value with a leading zero (semantics.LEADING_ZERO_PATTERN, ``leading_zero`` in the
 * header) is K_UNSURE too: text to stats.py, which counts it for the ``leading_zeros``
 * warning, so a block that has one in a column of numbers goes to the Python paths. */
static int classify_slow(const char *s, int64_t n, int64_t *ival, double *fval, int *bval);

/* The common shapes first: -?[0-9]+ and -?[0-9]+.[0-9]+ with at most 15 digits in all. */
static inline int classify(const char *s, int64_t n, int64_t *ival, double *fval, int *bval) {
    if (leading_zero(s, n)) return K_UNSURE;
    int64_t i = s[0] == '-';
    uint64_t mant = 0;
    int64_t int_end = i;
    while (int_end < n && (unsigned char)(s[int_end] - '0') < 10) {
        mant = mant * 10 + (uint64_t)(s[int_end] - '0');
        int_end++;
    }
    int64_t int_digits = int_end - i;
    if (int_digits && int_digits <= 15) {
        if (int_end == n) {
            if (i && !mant) return classify_slow(s, n, ival, fval, bval);  /* -0 */
            *ival = i ? -(int64_t)mant : (int64_t)mant;
            *fval = (double)*ival;
            return K_INT;
        }
        if (s[int_end] == '.' && int_end + 1 < n) {
            int64_t k = int_end + 1;
            while (k < n && (unsigned char)(s[k] - '0') < 10) {
                mant = mant * 10 + (uint64_t)(s[k] - '0');
                k++;
            }
            int64_t frac = k - int_end - 1;
            if (k == n && frac && int_digits + frac <= 15 && mant) {
                double d = (double)mant / POW10[frac];  /* exact / exact: correctly rounded */
                *fval = i ? -d : d;
                return K_FLOAT;
            }
        }
    }
    return classify_slow(s, n, ival, fval, bval);
}

static int classify_slow(const char *s, int64_t n, int64_t *ival, double *fval, int *bval) {
    unsigned char c0 = (unsigned char)s[0];
    if (c0 >= 0x80 || (((c0 | 0x20) >= 'a' && (c0 | 0x20) <= 'z') && (c0 | 0x20) != 'i' &&
                       (c0 | 0x20) != 'n' && (c0 | 0x20) != 't' && (c0 | 0x20) != 'f'))
        return K_STR;  /* words: no number, bool, inf or nan starts so */
    if (is_bool(s, n, bval)) return K_BOOL;
    int64_t a = 0, b = n;
    while (a < b && is_space((unsigned char)s[a])) a++;
    while (b > a && is_space((unsigned char)s[b - 1])) b--;
    int trimmed = a > 0 || b < n;
    int64_t i = a;
    int neg = 0;
    if (i < b && (s[i] == '-' || s[i] == '+')) { neg = s[i] == '-'; i++; }
    if (i >= b) return K_STR;  /* "-", "  " */
    unsigned char c1 = (unsigned char)s[i];
    if (!((c1 >= '0' && c1 <= '9') || c1 == '.')) {
        if (lower_eq(s + i, b - i, "inf") || lower_eq(s + i, b - i, "infinity") ||
            lower_eq(s + i, b - i, "nan"))
            return K_UNSURE;
        return K_STR;
    }
    if (c1 == '0' && i + 1 < b && (s[i + 1] == 'x' || s[i + 1] == 'X')) return K_UNSURE;
    int digits = 0;
    for (int64_t k = i; k < b; k++) {
        unsigned char c = (unsigned char)s[k];
        if (c >= '0' && c <= '9') digits++;
        else if (!(c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-'))
            return K_STR;  /* "3 apples", "12:30", "1/2", "3f9a": text to Arrow and the regexes */
    }
    if (!digits) return K_STR;  /* ".", ".e" */
    if (trimmed || s[a] == '+') return K_UNSURE;
    /* plain -?[0-9]+ (.[0-9]*)? ([eE][-+]?[0-9]+)? or -?.[0-9]+ ... */
    int64_t k = i;
    uint64_t mant = 0;
    int sig = 0, int_digits = 0, frac_digits = 0, dropped = 0;
    while (k < b && s[k] >= '0' && s[k] <= '9') {
        if (sig < 19) { mant = mant * 10 + (uint64_t)(s[k] - '0'); if (mant) sig++; }
        else dropped++;
        int_digits++;
        k++;
    }
    int is_int = k == b && int_digits > 0;
    if (is_int) {
        if (int_digits > 18) return K_UNSURE;
        if (neg && mant == 0) return K_UNSURE;  /* "-0": -0.0 as a number */
        *ival = neg ? -(int64_t)mant : (int64_t)mant;
        *fval = (double)*ival;
        return K_INT;
    }
    if (k < b && s[k] == '.') {
        k++;
        while (k < b && s[k] >= '0' && s[k] <= '9') {
            if (sig < 19) { mant = mant * 10 + (uint64_t)(s[k] - '0'); if (mant) sig++; frac_digits++; }
            k++;
        }
        if (int_digits == 0 && k == i + 1) return K_STR;  /* ".e5" */
    }
    int64_t exp10 = 0;
    if (k < b && (s[k] == 'e' || s[k] == 'E')) {
        k++;
        int eneg = 0, edigits = 0;
        if (k < b && (s[k] == '+' || s[k] == '-')) { eneg = s[k] == '-'; k++; }
        while (k < b && s[k] >= '0' && s[k] <= '9') {
            if (exp10 < 100000) exp10 = exp10 * 10 + (s[k] - '0');
            edigits++;
            k++;
        }
        if (!edigits) return K_STR;  /* "5e" */
        if (eneg) exp10 = -exp10;
    }
    if (k != b) return K_STR;  /* "1.2.3", "2020-01-02": outside the regex and Arrow's parsers */
    double d;
    int64_t e = exp10 - frac_digits + dropped;
    if (mant == 0) {
        if (neg) return K_UNSURE;  /* -0.0 */
        d = 0.0;
    } else if (sig <= 15 && e >= -22 && e <= 22) {
        d = (double)mant;  /* exact, and one correctly rounded operation (Clinger) */
        d = e < 0 ? d / POW10[-e] : d * POW10[e];
    } else {
        char buf[128];
        int64_t len = b - a;
        if (len >= (int64_t)sizeof(buf)) return K_UNSURE;
        memcpy(buf, s + a, (size_t)len);
        buf[len] = 0;
        char *end;
        d = strtod(buf, &end);
        if (end != buf + len) return K_UNSURE;
        if (!(d - d == 0)) return K_UNSURE;  /* overflow to infinity */
        if (d == 0.0) return K_UNSURE;  /* underflow: keep to Arrow */
        *fval = d;  /* the sign was in buf */
        return K_FLOAT;
    }
    *fval = neg ? -d : d;
    return K_FLOAT;
}

/* For tests: classify one value as the scan does (K_* codes; K_NULL for a null value). */
int csv_classify(const char *s, int64_t n, int64_t *ival, double *fval) {
    int b = 0;
    if (is_null(s, n)) return K_NULL;
    int k = classify(s, n, ival, fval, &b);
    if (k == K_BOOL) *ival = b;
    return k;
}

/* -- K smallest distinct hashes --------------------------------------------------------------- */
typedef struct {
    uint32_t *buf;
    int64_t n;
    int have_bound;
    uint32_t bound;
} Kmv;

/* LSD radix sort, four passes of 8 bits (the buffer is small and this runs often). */
static void radix_sort_u32(uint32_t *a, uint32_t *tmp, int64_t n) {
    for (int shift = 0; shift < 32; shift += 8) {
        int64_t count[257] = {0};
        for (int64_t i = 0; i < n; i++) count[((a[i] >> shift) & 0xff) + 1]++;
        for (int b = 0; b < 256; b++) count[b + 1] += count[b];
        for (int64_t i = 0; i < n; i++) tmp[count[(a[i] >> shift) & 0xff]++] = a[i];
        memcpy(a, tmp, (size_t)n * 4);
    }
}

static void kmv_compact(Kmv *s) {
    uint32_t tmp[SKETCH_CAP];
    radix_sort_u32(s->buf, tmp, s->n);
    int64_t m = 0;
    for (int64_t i = 0; i < s->n; i++)
        if (m == 0 || s->buf[m - 1] != s->buf[i]) s->buf[m++] = s->buf[i];
    if (m > SKETCH_K) m = SKETCH_K;
    s->n = m;
    if (m == SKETCH_K) { s->have_bound = 1; s->bound = s->buf[m - 1]; }
}

static inline void kmv_add(Kmv *s, uint32_t h) {
    if (s->have_bound && h > s->bound) return;
    s->buf[s->n++] = h;
    if (s->n == SKETCH_CAP) kmv_compact(s);
}

/* -- distinct values ------------------------------------------------------------------------ */
typedef struct {
    uint64_t key;   /* integer bits, float bits, 0/1, or the string's polynomial hash */
    const char *p;  /* strings */
    int64_t n;
    int64_t count;
    int64_t first;
} Entry;

/* Open addressing. What each probe reads (the slots, then the keys and counts) is kept in
 * small arrays of their own; the entries' counts are filled in by table_settle. */
typedef struct {
    Entry *e;
    uint64_t *keys;
    int64_t *counts;
    int64_t n, cap;
    int32_t *slots;
    int64_t mask;
} Table;

static int table_init(Table *t) {
    t->n = 0;
    t->cap = 256;
    t->e = malloc((size_t)t->cap * sizeof(Entry));
    t->keys = malloc((size_t)t->cap * sizeof(uint64_t));
    t->counts = malloc((size_t)t->cap * sizeof(int64_t));
    t->mask = 511;
    t->slots = malloc((size_t)(t->mask + 1) * sizeof(int32_t));
    if (!t->e || !t->keys || !t->counts || !t->slots) return 0;
    memset(t->slots, 0xff, (size_t)(t->mask + 1) * sizeof(int32_t));
    return 1;
}

static void table_settle(Table *t) {
    for (int64_t i = 0; i < t->n; i++) t->e[i].count = t->counts[i];
}

static void table_free(Table *t) {
    free(t->e);
    free(t->keys);
    free(t->counts);
    free(t->slots);
    t->e = NULL;
    t->keys = NULL;
    t->counts = NULL;
    t->slots = NULL;
}

static inline uint64_t mix64(uint64_t z) {
    z ^= z >> 33;
    z *= 0xff51afd7ed558ccdULL;
    z ^= z >> 33;
    return z;
}

static int table_grow(Table *t) {
    int64_t size = (t->mask + 1) * 2;
    int32_t *slots = malloc((size_t)size * sizeof(int32_t));
    if (!slots) return 0;
    memset(slots, 0xff, (size_t)size * sizeof(int32_t));
    for (int64_t i = 0; i < t->n; i++) {
        int64_t at = (int64_t)(mix64(t->e[i].key) & (uint64_t)(size - 1));
        while (slots[at] >= 0) at = (at + 1) & (size - 1);
        slots[at] = (int32_t)i;
    }
    free(t->slots);
    t->slots = slots;
    t->mask = size - 1;
    return 1;
}

static inline int bytes_equal(const char *a, const char *b, int64_t n) {
    for (; n >= 8; a += 8, b += 8, n -= 8) {
        uint64_t x, y;
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        if (x != y) return 0;
    }
    for (; n > 0; n--)
        if (*a++ != *b++) return 0;
    return 1;
}

static __attribute__((noinline)) int table_insert(Table *t, int64_t at, uint64_t key,
                                                  const char *p, int64_t n, int64_t index) {
    if (t->n == t->cap) {
        Entry *grown = realloc(t->e, (size_t)t->cap * 2 * sizeof(Entry));
        if (grown) t->e = grown;
        uint64_t *keys = grown ? realloc(t->keys, (size_t)t->cap * 2 * sizeof(uint64_t)) : NULL;
        if (keys) t->keys = keys;
        int64_t *counts = keys ? realloc(t->counts, (size_t)t->cap * 2 * sizeof(int64_t)) : NULL;
        if (!counts) return 0;
        t->counts = counts;
        t->cap *= 2;
    }
    Entry *e = &t->e[t->n];
    e->key = key; e->p = p; e->n = n; e->count = 1; e->first = index;
    t->keys[t->n] = key;
    t->counts[t->n] = 1;
    t->slots[at] = (int32_t)t->n;
    t->n++;
    if (t->n * 2 > t->mask + 1) return table_grow(t);
    return 1;
}

/* Count one value (p: its bytes, for strings; NULL for others); 0 when out of memory. */
static inline __attribute__((always_inline)) int table_add(Table *t, uint64_t key, const char *p,
                                                           int64_t n, int64_t index) {
    int64_t at = (int64_t)(mix64(key) & (uint64_t)t->mask);
    for (;;) {
        int32_t slot = t->slots[at];
        if (slot < 0) return table_insert(t, at, key, p, n, index);
        if (t->keys[slot] == key &&
            (!p || (t->e[slot].n == n && bytes_equal(t->e[slot].p, p, n)))) {
            t->counts[slot]++;
            return 1;
        }
        at = (at + 1) & t->mask;
    }
}

/* Most frequent first, then first seen first (numpy's stable argsort of -count). */
static int cmp_top(const void *a, const void *b) {
    const Entry *x = (const Entry *)a, *y = (const Entry *)b;
    if (x->count != y->count) return x->count > y->count ? -1 : 1;
    return (x->first > y->first) - (x->first < y->first);
}

/* -- the result ------------------------------------------------------------------------------ */
static int arena_put(Result *r, const char *p, int64_t n, int64_t *off) {
    if (r->arena_len + n > r->arena_cap) {
        int64_t cap = r->arena_cap ? r->arena_cap : 1 << 16;
        while (cap < r->arena_len + n) cap *= 2;
        char *grown = realloc(r->arena, (size_t)cap);
        if (!grown) return 0;
        r->arena = grown;
        r->arena_cap = cap;
    }
    memcpy(r->arena + r->arena_len, p, (size_t)n);
    *off = r->arena_len;
    r->arena_len += n;
    return 1;
}

void csv_free(Result *r) {
    if (!r) return;
    if (r->cols) {
        for (int64_t j = 0; j < r->ncols; j++) {
            Column *c = &r->cols[j];
            free(c->e_count); free(c->e_int); free(c->e_float); free(c->e_off); free(c->e_len);
            free(c->sketch);
        }
        free(r->cols);
    }
    free(r->ragged_line);
    free(r->ragged_actual);
    free(r->name_off);
    free(r->name_len);
    free(r->arena);
    free(r);
}

static int add_ragged(Result *r, int64_t line, int64_t actual) {
    if (r->n_ragged == r->ragged_cap) {
        int64_t cap = r->ragged_cap ? r->ragged_cap * 2 : 64;
        int64_t *a = realloc(r->ragged_line, (size_t)cap * 8);
        if (!a) return 0;
        r->ragged_line = a;
        int64_t *b = realloc(r->ragged_actual, (size_t)cap * 8);
        if (!b) return 0;
        r->ragged_actual = b;
        r->ragged_cap = cap;
    }
    r->ragged_line[r->n_ragged] = line;
    r->ragged_actual[r->n_ragged] = actual;
    r->n_ragged++;
    return 1;
}

static Result *give_up(Result *r, int reason) {
    r->status = FALLBACK;
    r->reason = reason;
    return r;
}

/* -- one column's statistics ----------------------------------------------------------------- */
typedef struct {
    uint8_t *cls;
    int64_t *ival;
    double *fval;
    int64_t cap;
} Scratch;

static int column_finish(Result *r, Column *col, int kind, const Span *spans, const Source *src,
                         int64_t rows, int sketch_only, Scratch *sc);

enum { GUESS_WRONG = 1, GUESS_FLOAT = 2 };  /* column_finish without cls: the guess failed */

/* One CSV column: the kind of every value (K_UNSURE: decline), then its statistics. */
static int column_stats(Result *r, Column *col, const Span *spans, const Source *src,
                        int64_t rows, int sketch_only, Scratch *sc) {
    int64_t count = 0, n_int = 0, n_float = 0, n_bool = 0, n_str = 0, sample_numeric = 0;
    int64_t unsure_late = 0;  /* unsure values past the sample: harmless in a text column */
    int64_t sure_text = 0;    /* values that are text to every reader */
    for (int64_t row = 0; row < rows; row++) {
        const char *p = span_ptr(src, spans[row]);
        int64_t len = spans[row].n;
        if (is_null(p, len)) { sc->cls[row] = K_NULL; continue; }
        if (sure_text && count >= TYPE_SAMPLE) {
            /* Surely text (a value Arrow cannot cast, and no number among the first values):
             * later values cannot change that, whatever they look like. */
            sc->cls[row] = K_STR;
            count++;
            n_str++;
            continue;
        }
        int b = 0;
        int k = classify(p, len, &sc->ival[row], &sc->fval[row], &b);
        if (k == K_UNSURE) {
            if (count < TYPE_SAMPLE) return W_UNSURE;
            unsure_late++;  /* text, if the column is: decided below */
            k = K_STR;
        } else if (k == K_STR) {
            sure_text++;
        }
        if (k == K_BOOL) sc->ival[row] = b;
        sc->cls[row] = (uint8_t)k;
        if (count < TYPE_SAMPLE && (k == K_INT || k == K_FLOAT)) sample_numeric++;
        count++;
        n_int += k == K_INT;
        n_float += k == K_FLOAT;
        n_bool += k == K_BOOL;
        n_str += k == K_STR;
    }
    col->count = count;
    if (count == 0) { col->kind = K_NULL; col->mode = M_NONE; return 0; }
    int kind;
    if (unsure_late && !sure_text) return W_UNSURE;  /* numbers or text? only Arrow knows */
    if (n_int == count) kind = K_INT;
    else if (n_int + n_float == count) kind = K_FLOAT;
    else if (n_bool == count) kind = K_BOOL;
    else if (sample_numeric) return W_MIXED;  /* stats.py counts these kinds by regex */
    else kind = K_STR;
    return column_finish(r, col, kind, spans, src, rows, sketch_only, sc);
}

/* One CSV column. Its first TYPE_SAMPLE values nearly always say its kind; the statistics
 * are then computed in the same pass that reads the values (column_finish without cls). If a
 * later value says otherwise, column_stats reads the column again the general way: the
 * answer is the same either way. */
static int column_scan(Result *r, Column *col, const Span *spans, const Source *src,
                       int64_t rows, int sketch_only, Scratch *sc) {
    int64_t count = 0, n_int = 0, n_float = 0, n_bool = 0, n_str = 0, row = 0;
    for (; row < rows && count < TYPE_SAMPLE; row++) {
        const char *p = span_ptr(src, spans[row]);
        int64_t len = spans[row].n, iv;
        double fv;
        int b;
        if (is_null(p, len)) continue;
        int k = classify(p, len, &iv, &fv, &b);
        if (k == K_UNSURE) return W_UNSURE;  /* as column_stats decides */
        count++;
        n_int += k == K_INT;
        n_float += k == K_FLOAT;
        n_bool += k == K_BOOL;
        n_str += k == K_STR;
    }
    int kind;
    if (count == 0 || (n_str && n_int + n_float))
        kind = -1;  /* null-only, or mixed: column_stats says which */
    else if (n_str) kind = K_STR;  /* surely text: later values cannot change it */
    else if (n_bool == count) kind = K_BOOL;
    else if (n_int == count) kind = K_INT;
    else if (n_int + n_float == count) kind = K_FLOAT;
    else kind = -1;
    if (kind >= 0) {
        for (; row < rows; row++)
            count += !is_null(span_ptr(src, spans[row]), spans[row].n);
        col->count = count;
        uint8_t *cls = sc->cls;
        sc->cls = NULL;
        int got = column_finish(r, col, kind, spans, src, rows, sketch_only, sc);
        if (got == GUESS_FLOAT)
            got = column_finish(r, col, K_FLOAT, spans, src, rows, sketch_only, sc);
        sc->cls = cls;
        if (got != GUESS_WRONG && got != GUESS_FLOAT) return got;
        memset(col, 0, sizeof(Column));
    }
    return column_stats(r, col, spans, src, rows, sketch_only, sc);
}

/* The statistics of one column whose kind is known: ``sc->cls[row]`` says which rows hold a
 * value (K_NULL: none), ``sc->ival``/``sc->fval`` hold numbers and booleans, ``spans`` strings.
 * Shared by CSV and JSON Lines. Returns 0, or -1 when out of memory.
 *
 * With ``sc->cls`` NULL (CSV), the kind is a guess from the first values and each value is
 * read here, in the same pass: a null by is_null, a number or boolean by classify. A value
 * of another kind stops it: GUESS_FLOAT (a number in a guessed integer column), else
 * GUESS_WRONG; ``col`` is then to be computed again. ``col->count`` must hold the non-nulls. */
static inline __attribute__((always_inline)) int finish_body(
        Result *r, Column *col, const int kind, const Span *spans, const Source *src, int64_t rows,
        int sketch_only, Scratch *sc, const uint8_t *cls) {
    col->kind = kind;
    int64_t count = col->count;

    /* hashes: for the table's keys and the sketch */
    Table t = {0};
    Kmv kmv = {0};
    int counting = !sketch_only;
    int mode = sketch_only ? M_SKETCH : M_VALUES;
    if (counting && !table_init(&t)) { table_free(&t); return -1; }
    kmv.buf = malloc(SKETCH_CAP * sizeof(uint32_t));
    if (!kmv.buf) { table_free(&t); return -1; }
    int64_t seen = 0, len_min = 0, len_max = 0, len_sum = 0, empty = 0;
    double lo = 0, hi = 0, sum = 0, carry = 0;  /* Neumaier's compensated sum */
    int numeric = kind == K_INT || kind == K_FLOAT;
    for (int64_t row = 0; row < rows; row++) {
        uint64_t key;
        const char *p = NULL;
        int64_t plen = 0;
        int64_t iv = 0;
        int bv = 0;
        double x = 0;
        if (cls) {
            if (cls[row] == K_NULL) continue;
            iv = sc->ival[row];
            x = sc->fval[row];
        } else {
            p = span_ptr(src, spans[row]);
            plen = spans[row].n;
            if (is_null(p, plen)) continue;
            if (kind != K_STR) {
                int k = classify(p, plen, &iv, &x, &bv);
                if (k != kind && !(k == K_INT && kind == K_FLOAT)) {
                    table_free(&t);
                    free(kmv.buf);
                    return k == K_FLOAT && kind == K_INT ? GUESS_FLOAT : GUESS_WRONG;
                }
                iv = k == K_BOOL ? bv : iv;
            }
        }
        if (numeric) {
            if (!seen || x < lo) lo = x;
            if (!seen || x > hi) hi = x;
            double t = sum + x;
            if (t - t == 0)  /* finite; past that, infinity is the answer, as numpy's */
                carry += __builtin_fabs(sum) >= __builtin_fabs(x) ? (sum - t) + x : (x - t) + sum;
            sum = t;
            sc->fval[seen] = x;  /* packed, for the second pass over the deviations */
            key = kind == K_INT ? (uint64_t)iv : double_bits(x);
        } else if (kind == K_BOOL) key = double_bits(iv ? 1.0 : 0.0);
        else {
            p = span_ptr(src, spans[row]);
            plen = spans[row].n;
            int64_t len;
            uint32_t off = spans[row].off;
            key = string_hash((const unsigned char *)p, plen, &len,
                              off < src->n ? off : off - src->n);
            if (!seen || len < len_min) len_min = len;
            if (!seen || len > len_max) len_max = len;
            len_sum += len;
            empty += len == 0;
        }
        if (kind != K_STR) p = NULL;
        if (counting) {
            if (!table_add(&t, key, p, plen, seen)) {
                table_free(&t); free(kmv.buf); return -1;
            }
        } else {
            kmv_add(&kmv, splitmix32(key));
        }
        seen++;
        if (counting && seen == SAMPLE && count >= SAMPLE_MIN_COUNT && t.n >= SAMPLE_DISTINCT) {
            counting = 0;  /* ids, free text: a sketch is all they will get */
            mode = M_SKETCH;
            for (int64_t e = 0; e < t.n; e++) kmv_add(&kmv, splitmix32(t.e[e].key));
        }
    }
    table_settle(&t);
    if (mode == M_VALUES && t.n > BLOCK_VALUES) {
        mode = M_TOP;  /* the sketch of the distinct values is the sketch of all of them */
        for (int64_t e = 0; e < t.n; e++) kmv_add(&kmv, splitmix32(t.e[e].key));
    }
    if (kind == K_STR) {
        col->len_n = count; col->len_min = len_min; col->len_max = len_max;
        col->len_sum = len_sum; col->empty = empty;
    }
    if (numeric) {
        double mean = (sum + carry) / (double)seen, m2 = 0, m2_carry = 0;
        for (int64_t i = 0; i < seen; i++) {
            double d = sc->fval[i] - mean, sq = d * d, t = m2 + sq;
            if (t - t == 0) m2_carry += m2 >= sq ? (m2 - t) + sq : (sq - t) + m2;
            m2 = t;
        }
        col->num_n = seen; col->num_min = lo; col->num_max = hi;
        col->num_mean = mean; col->num_m2 = m2 + m2_carry;
    }
    col->mode = mode;
    if (mode == M_VALUES || mode == M_TOP) {
        int64_t shown = t.n;
        if (mode == M_TOP) {  /* the table is not probed again: sort its entries in place */
            qsort(t.e, (size_t)t.n, sizeof(Entry), cmp_top);
            shown = BLOCK_TOP;
        }
        col->n_entries = shown;
        col->e_count = malloc((size_t)shown * 8);
        if (kind == K_STR) { col->e_off = malloc((size_t)shown * 8); col->e_len = malloc((size_t)shown * 8); }
        else if (kind == K_FLOAT) col->e_float = malloc((size_t)shown * 8);
        else col->e_int = malloc((size_t)shown * 8);
        int ok = col->e_count && (kind == K_STR ? col->e_off && col->e_len
                                                 : kind == K_FLOAT ? col->e_float != NULL
                                                                   : col->e_int != NULL);
        for (int64_t i = 0; ok && i < shown; i++) {
            const Entry *e = &t.e[i];
            col->e_count[i] = e->count;
            if (kind == K_STR) {
                col->e_len[i] = e->n;
                ok = arena_put(r, e->p, e->n, &col->e_off[i]);
            } else if (kind == K_FLOAT) {
                memcpy(&col->e_float[i], &e->key, 8);
            } else if (kind == K_BOOL) {
                col->e_int[i] = e->key == double_bits(1.0);
            } else {
                col->e_int[i] = (int64_t)e->key;
            }
        }
        if (!ok) { table_free(&t); free(kmv.buf); return -1; }
    }
    table_free(&t);
    if (mode == M_TOP || mode == M_SKETCH) {
        kmv_compact(&kmv);
        col->n_sketch = kmv.n;
        col->sketch = kmv.buf;
    } else {
        free(kmv.buf);
    }
    return 0;
}

/* One loop per kind, each compiled for it. */
static int column_finish(Result *r, Column *col, int kind, const Span *spans, const Source *src,
                         int64_t rows, int sketch_only, Scratch *sc) {
    if (sc->cls) return finish_body(r, col, kind, spans, src, rows, sketch_only, sc, sc->cls);
    switch (kind) {
    case K_STR: return finish_body(r, col, K_STR, spans, src, rows, sketch_only, sc, NULL);
    case K_INT: return finish_body(r, col, K_INT, spans, src, rows, sketch_only, sc, NULL);
    case K_FLOAT: return finish_body(r, col, K_FLOAT, spans, src, rows, sketch_only, sc, NULL);
    default: return finish_body(r, col, K_BOOL, spans, src, rows, sketch_only, sc, NULL);
    }
}

/* -- finding the next structural byte -------------------------------------------------------- */
/* The index of the first byte at or after i that is one of a, b, c, d or NUL, else n. Bytes of
 * ordinary text go 16 at a time where SSE2 is there (every x86-64), one at a time elsewhere. */
static inline int64_t next_special(const unsigned char *s, int64_t i, int64_t n,
                                   const unsigned char *table, unsigned char a, unsigned char b,
                                   unsigned char c, unsigned char d) {
#ifdef __SSE2__
    const __m128i va = _mm_set1_epi8((char)a), vb = _mm_set1_epi8((char)b);
    const __m128i vc = _mm_set1_epi8((char)c), vd = _mm_set1_epi8((char)d);
    const __m128i vz = _mm_setzero_si128();
    while (i + 16 <= n) {
        __m128i x = _mm_loadu_si128((const __m128i *)(s + i));
        __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, va), _mm_cmpeq_epi8(x, vb)),
                                   _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, vc),
                                                             _mm_cmpeq_epi8(x, vd)),
                                                _mm_cmpeq_epi8(x, vz)));
        int mask = _mm_movemask_epi8(hit);
        if (mask) return i + __builtin_ctz((unsigned)mask);
        i += 16;
    }
#else
    (void)a; (void)b; (void)c; (void)d;
#endif
    while (i < n && !table[s[i]]) i++;
    return i;
}

/* The bytes that end an unquoted CSV value (the delimiter, \n, \r, NUL) as a bit mask, one
 * 64-byte window at a time: each window is read once, however many values it holds. */
typedef struct {
    int64_t base;   /* the window is [base, base + 64) */
    uint64_t bits;  /* bit k: byte base + k ends a value; bit n - base marks the end */
} Marks;

static inline uint64_t window_marks(const unsigned char *s, int64_t at, int64_t n,
                                    const unsigned char *table, unsigned char delimiter) {
    uint64_t bits = 0;
#ifdef __SSE2__
    if (at + 64 <= n) {
        const __m128i vd = _mm_set1_epi8((char)delimiter), vn = _mm_set1_epi8('\n');
        const __m128i vr = _mm_set1_epi8('\r'), vz = _mm_setzero_si128();
        for (int k = 0; k < 4; k++) {
            __m128i x = _mm_loadu_si128((const __m128i *)(s + at + 16 * k));
            __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, vd), _mm_cmpeq_epi8(x, vn)),
                                       _mm_or_si128(_mm_cmpeq_epi8(x, vr), _mm_cmpeq_epi8(x, vz)));
            bits |= (uint64_t)(unsigned)_mm_movemask_epi8(hit) << (16 * k);
        }
        return bits;
    }
#else
    (void)delimiter;
#endif
    int64_t end = at + 64 < n ? at + 64 : n;
    for (int64_t k = at; k < end; k++) bits |= (uint64_t)table[s[k]] << (k - at);
    if (end == n && n - at < 64) bits |= 1ULL << (n - at);
    return bits;
}

/* The first byte at or after i that ends an unquoted value, else n. */
static inline int64_t next_mark(Marks *m, const unsigned char *s, int64_t i, int64_t n,
                                const unsigned char *table, unsigned char delimiter) {
    for (;;) {
        uint64_t off = (uint64_t)(i - m->base);
        if (off < 64) {
            uint64_t x = m->bits & (~0ULL << off);
            if (x) return m->base + __builtin_ctzll(x);
            i = m->base + 64;
        }
        if (i >= n) return n;
        m->base = i;
        m->bits = window_marks(s, i, n, table, delimiter);
    }
}

static int64_t count_newlines(const unsigned char *s, int64_t n) {
    int64_t count = 0, i = 0;
#ifdef __SSE2__
    /* per byte lane, minus one per newline (a compare gives -1), summed every 255 rounds */
    const __m128i nl = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();
    while (i + 16 <= n) {
        __m128i lanes = zero;
        for (int round = 0; round < 255 && i + 16 <= n; round++, i += 16)
            lanes = _mm_sub_epi8(lanes, _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(s + i)), nl));
        __m128i sums = _mm_sad_epu8(lanes, zero);
        count += _mm_cvtsi128_si32(sums) + _mm_cvtsi128_si32(_mm_unpackhi_epi64(sums, sums));
    }
#endif
    for (; i < n; i++) count += s[i] == '\n';
    return count;
}

/* -- the block ------------------------------------------------------------------------------- */
/* Scan one block of CSV (records only, no header). sketch_only[j] != 0: column j only needs a
 * distinct-count sketch. Returns NULL when out of memory; else a Result to read and csv_free. */
Result *csv_scan(const char *data, int64_t n, int delimiter, int64_t ncols,
                 const uint8_t *sketch_only, int64_t long_line) {
    Result *r = calloc(1, sizeof(Result));
    if (!r) return NULL;
    r->ncols = ncols;
    r->first_blank = -1;
    if (n >= ((int64_t)1 << 31) || ncols < 1) return give_up(r, W_LONG);
    if (utf8_invalid_at((const unsigned char *)data, n) >= 0) return give_up(r, W_UTF8);

    unsigned char special[256] = {0}, qspecial[256] = {0};
    special[(unsigned char)delimiter] = special['\n'] = special['\r'] = special[0] = 1;
    qspecial['"'] = qspecial['\n'] = qspecial['\r'] = qspecial[0] = 1;

    /* Column-major values: every record but the last ends with a newline, and so does every
     * row of it (sized exactly, the memory is reused from block to block by malloc). */
    const unsigned char *s = (const unsigned char *)data;
    int64_t max_rows = count_newlines(s, n) + 1;
    Span *spans = malloc((size_t)(max_rows * ncols) * sizeof(Span));
    char *unescaped = NULL;  /* quoted values with doubled quotes, made whole */
    int64_t un_len = 0, rows = 0, line = 0, i = 0;
    Marks marks = {-128, 0};
#define DONE() do { free(spans); free(unescaped); } while (0)
#define FAIL(reason) do { DONE(); return give_up(r, reason); } while (0)
#define OOM() do { DONE(); csv_free(r); return NULL; } while (0)
    if (!spans) OOM();
    while (i < n) {
        int64_t rec_start = i, rec_line = line, nf = 0;
        if (s[i] == '\n' || (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')) {
            r->blank++;
            if (r->first_blank < 0) r->first_blank = line;
            i += s[i] == '\r' ? 2 : 1;
            line++;
            continue;
        }
        for (;;) {  /* one value per turn */
            int64_t start, len;
            if (i < n && s[i] == '"') {
                start = ++i;
                int escapes = 0;
                for (;;) {
                    i = next_special(s, i, n, qspecial, '"', '\n', '\r', '"');
                    if (i >= n) FAIL(W_QUOTE);  /* unbalanced: the strict reader names the lines */
                    if (s[i] == '"') {
                        if (i + 1 < n && s[i + 1] == '"') { escapes = 1; i += 2; continue; }
                        break;
                    }
                    if (s[i] == '\n') { line++; i++; continue; }
                    FAIL(s[i] == '\r' ? W_CR : W_NUL);
                }
                len = i - start;
                i++;  /* the closing quote */
                if (i < n && s[i] != (unsigned char)delimiter && s[i] != '\n' &&
                    !(s[i] == '\r' && i + 1 < n && s[i + 1] == '\n'))
                    FAIL(W_QUOTE);  /* "ab"c */
                if (escapes) {
                    if (!unescaped && !(unescaped = malloc((size_t)n))) OOM();
                    char *out = unescaped + un_len;
                    int64_t m = 0;
                    for (int64_t k = start; k < start + len; k++) {
                        out[m++] = data[k];
                        if (data[k] == '"') k++;
                    }
                    start = n + un_len;
                    len = m;
                    un_len += m;
                }
            } else {
                start = i;
                i = next_mark(&marks, s, i, n, special, (unsigned char)delimiter);
                if (i < n && s[i] == 0) FAIL(W_NUL);
                if (i < n && s[i] == '\r' && !(i + 1 < n && s[i + 1] == '\n')) FAIL(W_CR);
                len = i - start;
            }
            /* in place: a ragged record's values are written over by the next record */
            if (nf < ncols) spans[nf * max_rows + rows] = (Span){(uint32_t)start, (uint32_t)len};
            nf++;
            if (i >= n) break;
            if (s[i] == (unsigned char)delimiter) { i++; continue; }
            i += s[i] == '\r' ? 2 : 1;  /* \n or \r\n */
            line++;
            break;
        }
        if (i - rec_start > long_line) FAIL(W_LONG);
        r->rows_total++;
        if (nf != ncols) {
            if (!add_ragged(r, rec_line, nf)) OOM();
            continue;
        }
        rows++;
    }
    r->n_lines = line + (n > 0 && s[n - 1] != '\n' ? 1 : 0);
    r->rows_valid = rows;

    Source src = {data, unescaped, (uint32_t)n};
    r->cols = calloc((size_t)ncols, sizeof(Column));
    Scratch sc = {0};
    sc.cls = malloc((size_t)(rows ? rows : 1));
    sc.ival = malloc((size_t)(rows ? rows : 1) * 8);
    sc.fval = malloc((size_t)(rows ? rows : 1) * 8);
    int why = (!r->cols || !sc.cls || !sc.ival || !sc.fval) ? -1 : 0;
    for (int64_t j = 0; !why && j < ncols; j++)
        why = column_scan(r, &r->cols[j], spans + j * max_rows, &src, rows,
                           sketch_only && sketch_only[j], &sc);
    free(sc.cls); free(sc.ival); free(sc.fval);
    if (why < 0) OOM();
    DONE();
    if (why) return give_up(r, why);
    r->status = OK;
    return r;
#undef DONE
#undef FAIL
#undef OOM
}

/* == JSON Lines ================================================================================
 * One record per line, each a JSON object. The scanner takes the common shape: keys without
 * escapes, values that are strings, numbers, booleans, null, or arrays of those (one kind of
 * scalar per array, integers and other numbers together). Anything else (nested objects,
 * arrays of arrays, a repeated key, a field holding several kinds, -0, an integer over 18
 * digits) is not taken. Such a line, and every bad one (malformed JSON, NaN, two objects on a
 * line, a line that is not an object), is set aside (ragged_line, ragged_actual: its line and
 * where it starts) and the rest of the block is scanned: native.py reads each of them with
 * msgspec, which words the error, or declines the block if one is a good record after all.
 */
#define MAX_FIELDS 512

typedef struct {
    const char *key;
    int64_t key_len;
    int64_t last_row;
    int64_t count, n_int, n_float, n_bool, n_str, n_list;
    uint8_t *cls;
    int64_t *ival;
    double *fval;
    Span *spans;
} JCol;

typedef struct {
    const unsigned char *s;
    int64_t n;
    char *unescaped;  /* decoded strings with escapes, addressed past the block (Source) */
    int64_t un_len;
} JIn;

static inline int64_t json_ws(const unsigned char *s, int64_t i, int64_t end) {
    while (i < end && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r')) i++;
    return i;
}

static int hex4(const unsigned char *s, uint32_t *out) {
    uint32_t v = 0;
    for (int k = 0; k < 4; k++) {
        unsigned char c = s[k];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (uint32_t)(c - '0');
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') v |= (uint32_t)((c | 0x20) - 'a' + 10);
        else return 0;
    }
    *out = v;
    return 1;
}

/* A string from the quote at i: its span (decoded into in->unescaped when it has escapes) and
 * the index after the closing quote; -1 for anything the scanner does not take. */
static int64_t json_string(JIn *in, int64_t i, int64_t end, Span *out, int allow_escapes) {
    const unsigned char *s = in->s;
    int64_t start = ++i;
    int escapes = 0;
    for (;;) {
#ifdef __SSE2__
        {   /* 16 bytes at a time up to a quote, a backslash or a control character */
            const __m128i quote = _mm_set1_epi8('"'), slash = _mm_set1_epi8('\\');
            const __m128i below = _mm_set1_epi8(0x1F);
            while (i + 16 <= end) {
                __m128i x = _mm_loadu_si128((const __m128i *)(s + i));
                __m128i hit = _mm_or_si128(
                    _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, slash)),
                    _mm_cmpeq_epi8(_mm_max_epu8(x, below), below));
                int mask = _mm_movemask_epi8(hit);
                if (mask) { i += __builtin_ctz((unsigned)mask); break; }
                i += 16;
            }
        }
#endif
        while (i < end && s[i] != '"' && s[i] != '\\' && s[i] >= 0x20) i++;
        if (i >= end || s[i] < 0x20) return -1;  /* unterminated, or a raw control character */
        if (s[i] == '"') break;
        if (!allow_escapes) return -1;
        escapes = 1;
        if (i + 1 >= end) return -1;
        unsigned char e = s[i + 1];
        if (e == 'u') {
            uint32_t cp;
            if (i + 6 > end || !hex4(s + i + 2, &cp)) return -1;
            if (cp >= 0xD800 && cp <= 0xDBFF) {  /* a surrogate pair, or decline */
                uint32_t low;
                if (i + 12 > end || s[i + 6] != '\\' || s[i + 7] != 'u' || !hex4(s + i + 8, &low) ||
                    low < 0xDC00 || low > 0xDFFF)
                    return -1;
                i += 12;
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                return -1;
            } else {
                i += 6;
            }
        } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' ||
                   e == 'r' || e == 't') {
            i += 2;
        } else {
            return -1;
        }
    }
    int64_t len = i - start;
    if (!escapes) {
        *out = (Span){(uint32_t)start, (uint32_t)len};
        return i + 1;
    }
    char *o = in->unescaped + in->un_len;
    int64_t m = 0;
    for (int64_t k = start; k < i;) {
        if (s[k] != '\\') { o[m++] = (char)s[k++]; continue; }
        unsigned char e = s[k + 1];
        if (e != 'u') {
            o[m++] = e == 'b' ? '\b' : e == 'f' ? '\f' : e == 'n' ? '\n' : e == 'r' ? '\r'
                   : e == 't' ? '\t' : (char)e;
            k += 2;
            continue;
        }
        uint32_t cp = 0;
        hex4(s + k + 2, &cp);
        k += 6;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t low = 0;
            hex4(s + k + 2, &low);
            k += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        if (cp < 0x80) o[m++] = (char)cp;
        else if (cp < 0x800) { o[m++] = (char)(0xC0 | (cp >> 6)); o[m++] = (char)(0x80 | (cp & 0x3F)); }
        else if (cp < 0x10000) {
            o[m++] = (char)(0xE0 | (cp >> 12)); o[m++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            o[m++] = (char)(0x80 | (cp & 0x3F));
        } else {
            o[m++] = (char)(0xF0 | (cp >> 18)); o[m++] = (char)(0x80 | ((cp >> 12) & 0x3F));
            o[m++] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[m++] = (char)(0x80 | (cp & 0x3F));
        }
    }
    *out = (Span){(uint32_t)(in->n + in->un_len), (uint32_t)m};
    in->un_len += m;
    return i + 1;
}

/* A scalar at i: its kind (K_NULL, K_INT, K_FLOAT, K_BOOL, K_STR; -1: decline) and value. */
static int json_scalar(JIn *in, int64_t *i_io, int64_t end, int64_t *ival, double *fval,
                       Span *span) {
    const unsigned char *s = in->s;
    int64_t i = *i_io;
    unsigned char c = s[i];
    if (c == '"') {
        int64_t next = json_string(in, i, end, span, 1);
        if (next < 0) return -1;
        *i_io = next;
        return K_STR;
    }
    if (c == 't' && i + 4 <= end && !memcmp(s + i, "true", 4)) { *i_io = i + 4; *ival = 1; return K_BOOL; }
    if (c == 'f' && i + 5 <= end && !memcmp(s + i, "false", 5)) { *i_io = i + 5; *ival = 0; return K_BOOL; }
    if (c == 'n' && i + 4 <= end && !memcmp(s + i, "null", 4)) { *i_io = i + 4; return K_NULL; }
    /* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? exactly, then read as CSV values are */
    int64_t k = i;
    if (k < end && s[k] == '-') k++;
    if (k >= end || s[k] < '0' || s[k] > '9') return -1;
    if (s[k] == '0') k++;
    else while (k < end && s[k] >= '0' && s[k] <= '9') k++;
    if (k < end && s[k] == '.') {
        k++;
        if (k >= end || s[k] < '0' || s[k] > '9') return -1;
        while (k < end && s[k] >= '0' && s[k] <= '9') k++;
    }
    if (k < end && (s[k] == 'e' || s[k] == 'E')) {
        k++;
        if (k < end && (s[k] == '+' || s[k] == '-')) k++;
        if (k >= end || s[k] < '0' || s[k] > '9') return -1;
        while (k < end && s[k] >= '0' && s[k] <= '9') k++;
    }
    int b;
    int kind = classify((const char *)s + i, k - i, ival, fval, &b);
    if (kind != K_INT && kind != K_FLOAT) return -1;  /* -0, 19+ digits, 1e999 */
    *i_io = k;
    return kind;
}

static int jcol_arrays(JCol *c, int64_t max_rows) {
    c->cls = calloc((size_t)max_rows, 1);  /* K_NULL: absent until set */
    c->ival = malloc((size_t)max_rows * 8);
    c->fval = malloc((size_t)max_rows * 8);
    c->spans = malloc((size_t)max_rows * sizeof(Span));
    return c->cls && c->ival && c->fval && c->spans;
}

/* Scan one block of JSON Lines. sketch_names/sketch_lens: the fields that only need a
 * distinct-count sketch (n_sketch of them). Returns NULL when out of memory. */
Result *jsonl_scan(const char *data, int64_t n, const char *const *sketch_names,
                   const int64_t *sketch_lens, int64_t n_sketch, int64_t long_line) {
    Result *r = calloc(1, sizeof(Result));
    if (!r) return NULL;
    r->first_blank = -1;
    if (n >= ((int64_t)1 << 31)) return give_up(r, W_LONG);
    if (utf8_invalid_at((const unsigned char *)data, n) >= 0) return give_up(r, W_UTF8);
    const unsigned char *s = (const unsigned char *)data;
    int64_t max_rows = count_newlines(s, n) + 1;
    JCol *cols = calloc(MAX_FIELDS, sizeof(JCol));
    JIn in = {s, n, NULL, 0};
    int64_t ncols = 0, rows = 0, line = 0, i = 0, hint = 0;
    int64_t touched[MAX_FIELDS];  /* the fields the current line has set */
    int why = 0;
    in.unescaped = malloc((size_t)n + 1);  /* decoded strings; pages touched only if used */
    if (!cols || !in.unescaped) { free(cols); free(in.unescaped); csv_free(r); return NULL; }
    for (; i < n && !why; line++) {
        const unsigned char *nl = memchr(s + i, '\n', (size_t)(n - i));
        int64_t end = nl ? nl - s : n, next = nl ? end + 1 : n;
        if (end - i > long_line) { why = W_LONG; break; }
        int64_t k = json_ws(s, i, end);
        if (k == end) {  /* a blank line */
            r->blank++;
            if (r->first_blank < 0) r->first_blank = line;
            i = next;
            continue;
        }
        int64_t ncols_before = ncols, n_touched = 0;
        if (s[k] != '{') { why = W_JSON; goto bad_line; }
        k = json_ws(s, k + 1, end);
        if (k < end && s[k] == '}') {
            k++;
        } else {
            for (;;) {
                if (k >= end || s[k] != '"') { why = W_JSON; break; }
                Span key;
                int64_t after = json_string(&in, k, end, &key, 0);
                if (after < 0) { why = W_ESCAPE; break; }
                const char *kp = data + key.off;
                /* the field: usually the one after the last, in the same order every line */
                int64_t f = -1;
                for (int64_t t = 0; t < ncols; t++) {
                    int64_t c = (hint + t) % ncols;
                    if (cols[c].key_len == key.n && !memcmp(cols[c].key, kp, key.n)) { f = c; break; }
                }
                if (f < 0) {
                    if (ncols == MAX_FIELDS) { why = W_FIELDS; break; }
                    f = ncols++;
                    cols[f].key = kp;
                    cols[f].key_len = key.n;
                    cols[f].last_row = -1;
                    if (!jcol_arrays(&cols[f], max_rows)) { why = -1; break; }
                }
                JCol *c = &cols[f];
                hint = f + 1;
                if (c->last_row == rows) { why = W_JSON; break; }  /* a repeated key */
                c->last_row = rows;
                touched[n_touched++] = f;
                k = json_ws(s, after, end);
                if (k >= end || s[k] != ':') { why = W_JSON; break; }
                k = json_ws(s, k + 1, end);
                if (k >= end) { why = W_JSON; break; }
                if (s[k] == '[') {
                    int64_t items = 0;
                    int elem = K_NULL;
                    k = json_ws(s, k + 1, end);
                    if (k < end && s[k] == ']') {
                        k++;
                    } else {
                        for (;;) {
                            if (k >= end || s[k] == '[' || s[k] == '{') { why = W_NESTED; break; }
                            int64_t iv; double fv; Span sp;
                            int kind = json_scalar(&in, &k, end, &iv, &fv, &sp);
                            if (kind < 0) { why = W_JSON; break; }
                            int num = kind == K_INT || kind == K_FLOAT;
                            int prev_num = elem == K_INT || elem == K_FLOAT;
                            if (kind != K_NULL && elem != K_NULL && kind != elem && !(num && prev_num)) {
                                why = W_MIXED;  /* Arrow types an array by one kind */
                                break;
                            }
                            if (kind != K_NULL) elem = kind;
                            items++;
                            k = json_ws(s, k, end);
                            if (k < end && s[k] == ',') { k = json_ws(s, k + 1, end); continue; }
                            if (k < end && s[k] == ']') { k++; break; }
                            why = W_JSON;
                            break;
                        }
                        if (why) break;
                    }
                    c->cls[rows] = K_LIST;
                    c->ival[rows] = items;
                    c->n_list++;
                    c->count++;
                } else if (s[k] == '{') {
                    why = W_NESTED;
                    break;
                } else {
                    int64_t iv = 0; double fv = 0; Span sp = {0, 0};
                    int kind = json_scalar(&in, &k, end, &iv, &fv, &sp);
                    if (kind < 0) { why = W_JSON; break; }
                    if (kind != K_NULL) {
                        c->cls[rows] = (uint8_t)kind;
                        c->ival[rows] = iv;
                        c->fval[rows] = kind == K_INT ? (double)iv : fv;
                        c->spans[rows] = sp;
                        c->count++;
                        c->n_int += kind == K_INT;
                        c->n_float += kind == K_FLOAT;
                        c->n_bool += kind == K_BOOL;
                        c->n_str += kind == K_STR;
                    }
                }
                k = json_ws(s, k, end);
                if (k < end && s[k] == ',') { k = json_ws(s, k + 1, end); continue; }
                if (k < end && s[k] == '}') { k++; break; }
                why = W_JSON;
                break;
            }
        }
        if (!why && json_ws(s, k, end) != end) why = W_JSON;  /* {..}{..}, or trailing data */
    bad_line:
        if (why > 0 && why != W_FIELDS) {
            /* Not a record this scanner takes: undo what the line set, and name it for the
             * caller, who reads it with msgspec (an error there, or the block goes to the
             * Python paths if it is a record of another shape). */
            for (int64_t t = 0; t < n_touched; t++) {
                JCol *c = &cols[touched[t]];
                int kind = c->cls[rows];
                c->last_row = -1;
                if (kind == K_NULL) continue;
                c->cls[rows] = K_NULL;
                c->count--;
                c->n_int -= kind == K_INT;
                c->n_float -= kind == K_FLOAT;
                c->n_bool -= kind == K_BOOL;
                c->n_str -= kind == K_STR;
                c->n_list -= kind == K_LIST;
            }
            for (int64_t f = ncols_before; f < ncols; f++) {  /* fields only this line had */
                free(cols[f].cls); free(cols[f].ival); free(cols[f].fval); free(cols[f].spans);
                memset(&cols[f], 0, sizeof(JCol));
            }
            ncols = ncols_before;
            if (!add_ragged(r, line, i)) { why = -1; break; }
            why = 0;
            i = next;
            continue;
        }
        if (why) break;
        rows++;
        i = next;
    }
    r->n_lines = line;
    r->rows_valid = rows;
    r->rows_total = rows + r->n_ragged;
    r->ncols = ncols;
    if (!why) {
        r->cols = calloc((size_t)(ncols ? ncols : 1), sizeof(Column));
        r->name_off = malloc((size_t)(ncols ? ncols : 1) * 8);
        r->name_len = malloc((size_t)(ncols ? ncols : 1) * 8);
        if (!r->cols || !r->name_off || !r->name_len) why = -1;
    }
    Source src = {data, in.unescaped, (uint32_t)n};
    for (int64_t f = 0; f < ncols && !why; f++) {
        JCol *c = &cols[f];
        Column *col = &r->cols[f];
        r->name_len[f] = c->key_len;
        if (!arena_put(r, c->key, c->key_len, &r->name_off[f])) { why = -1; break; }
        int sketch_only = 0;
        for (int64_t t = 0; t < n_sketch; t++)
            if (sketch_lens[t] == c->key_len && !memcmp(sketch_names[t], c->key, (size_t)c->key_len))
                sketch_only = 1;
        col->count = c->count;
        if (c->count == 0) { col->kind = K_NULL; continue; }
        if (c->n_list) {
            if (c->n_list != c->count) { why = W_MIXED; break; }
            col->kind = K_LIST;
            int64_t m = 0;
            for (int64_t row = 0; row < rows; row++) {
                if (c->cls[row] != K_LIST) continue;
                int64_t len = c->ival[row];
                if (!m || len < col->len_min) col->len_min = len;
                if (!m || len > col->len_max) col->len_max = len;
                col->len_sum += len;
                m++;
            }
            col->len_n = m;
            continue;
        }
        int kind;
        if (c->n_int == c->count) kind = K_INT;
        else if (c->n_int + c->n_float == c->count) kind = K_FLOAT;
        else if (c->n_bool == c->count) kind = K_BOOL;
        else if (c->n_str == c->count) kind = K_STR;
        else { why = W_MIXED; break; }  /* several kinds: the Python paths count each */
        Scratch sc = {c->cls, c->ival, c->fval, 0};
        int failed = column_finish(r, col, kind, c->spans, &src, rows, sketch_only, &sc);
        if (failed) why = -1;
    }
    for (int64_t f = 0; f < ncols; f++) {
        free(cols[f].cls); free(cols[f].ival); free(cols[f].fval); free(cols[f].spans);
    }
    free(cols);
    free(in.unescaped);
    if (why < 0) { csv_free(r); return NULL; }
    if (why) return give_up(r, why);
    r->status = OK;
    return r;
}
