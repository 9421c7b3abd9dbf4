/*
 * A C11 client of the shm-ipc segment format, written from docs/FORMAT.md alone (shm_open, mmap, C11 atomics).
 * CInteropTest compiles and runs it against segments made by the Java library, to prove the document is enough.
 *
 *   interop check NAME                              validate the header, print its fields
 *   interop stress NAME OFFSET WORDS MILLIS ID       alternately write the stress pattern as writer ID and read and
 *                                                   check the range; print "writes=N reads=M torn=T max1=.. max2=.."
 *
 * The stress pattern (see StressPattern.java): word i of the range holds value + i * STEP, value = id << 48 | seq.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAGIC 0x00004350494D4853ULL
#define SEQ_ONE (1ULL << 16)
#define HELD SEQ_ONE
#define TORN (1ULL << 15)
#define OWNER_MASK 0x3FFFULL /* layout version 2: bit 14 is W (waiters), kept by this client, which never wakes */
#define STEP 0x9E3779B97F4A7C15ULL

struct segment {
    uint8_t *base;
    int32_t page_size;
    int32_t page_count;
    int64_t data_offset;
    int64_t file_length;
};

static int fail(const char *what) {
    fprintf(stderr, "error: %s: %s\n", what, strerror(errno));
    return 1;
}

static _Atomic uint64_t *lock_word(const struct segment *s, int page) {
    return (_Atomic uint64_t *)(s->base + 4096 + (size_t)page * 128);
}

static int32_t get_i32(const uint8_t *p) { int32_t v; memcpy(&v, p, 4); return v; }  /* little-endian host */
static int64_t get_i64(const uint8_t *p) { int64_t v; memcpy(&v, p, 8); return v; }

static int open_segment(const char *name, struct segment *s) {
    char shm_name[300];
    snprintf(shm_name, sizeof shm_name, "/%s", name);
    int fd = shm_open(shm_name, O_RDWR | O_NOFOLLOW, 0);
    if (fd < 0) return fail("shm_open");
    struct stat st;
    if (fstat(fd, &st) != 0) return fail("fstat");
    if (!S_ISREG(st.st_mode) || st.st_size < 4096) { fprintf(stderr, "error: not a segment\n"); return 1; }
    s->base = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (s->base == MAP_FAILED) return fail("mmap");
    /* acquire: the header fields below were written before the magic was published */
    uint64_t magic = atomic_load_explicit((_Atomic uint64_t *)s->base, memory_order_acquire);
    if (magic != MAGIC) { fprintf(stderr, "error: magic %#llx\n", (unsigned long long)magic); return 1; }
    if (get_i32(s->base + 8) != 2 || get_i32(s->base + 12) != 4096) { fprintf(stderr, "error: version\n"); return 1; }
    s->page_size = get_i32(s->base + 16);
    s->page_count = get_i32(s->base + 20);
    s->data_offset = get_i64(s->base + 32);
    s->file_length = get_i64(s->base + 40);
    int64_t expected_data = (4096 + (int64_t)s->page_count * 128 + 4095) / 4096 * 4096;
    if (get_i64(s->base + 24) != 4096 || s->data_offset != expected_data ||
        s->file_length != s->data_offset + (int64_t)s->page_size * s->page_count || s->file_length != st.st_size) {
        fprintf(stderr, "error: inconsistent header\n");
        return 1;
    }
    return 0;
}

static void seg_write(const struct segment *s, int32_t off, const void *src, int32_t n) {
    int first = off / s->page_size, last = (off + n - 1) / s->page_size;
    for (int p = first; p <= last; p++) {                  /* ascending: no deadlock */
        _Atomic uint64_t *lw = lock_word(s, p);
        for (;;) {
            uint64_t w = atomic_load_explicit(lw, memory_order_acquire);
            if (w & HELD) { sched_yield(); continue; }
            /* even -> odd; owner 0: this client takes no owner slot */
            if (atomic_compare_exchange_strong_explicit(lw, &w, w + SEQ_ONE, memory_order_seq_cst,
                                                        memory_order_acquire)) break;
        }
    }
    atomic_thread_fence(memory_order_release);             /* odd sequences before the data stores */
    memcpy(s->base + s->data_offset + off, src, (size_t)n);
    for (int p = first; p <= last; p++) {
        _Atomic uint64_t *lw = lock_word(s, p);
        uint64_t w = atomic_load_explicit(lw, memory_order_relaxed);
        uint64_t next = (w & ~OWNER_MASK) + SEQ_ONE;
        int64_t page_start = (int64_t)p * s->page_size;
        if (off <= page_start && (int64_t)off + n >= page_start + s->page_size) next &= ~TORN;
        atomic_store_explicit(lw, next, memory_order_release); /* data stores before the even sequence */
    }
}

/* returns 0 with a snapshot in dst, or -1 if a page is marked torn */
static int seg_read(const struct segment *s, int32_t off, void *dst, int32_t n) {
    int first = off / s->page_size, last = (off + n - 1) / s->page_size;
    for (;;) {
        uint64_t stamp = 0;
        for (int p = first; p <= last; p++) {
            uint64_t w = atomic_load_explicit(lock_word(s, p), memory_order_acquire);
            while (w & HELD) { sched_yield(); w = atomic_load_explicit(lock_word(s, p), memory_order_acquire); }
            if (w & TORN) return -1;
            stamp += w >> 16;
        }
        memcpy(dst, s->base + s->data_offset + off, (size_t)n);
        atomic_thread_fence(memory_order_acquire);         /* the copy's loads before the re-reads */
        uint64_t sum = 0;
        int held = 0;
        for (int p = first; p <= last; p++) {
            uint64_t w = atomic_load_explicit(lock_word(s, p), memory_order_acquire);
            if (w & HELD) { held = 1; break; }
            sum += w >> 16;
        }
        if (!held && sum == stamp) return 0;
    }
}

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: interop check|stress NAME ...\n"); return 2; }
    struct segment s = {0};
    if (open_segment(argv[2], &s) != 0) return 1;
    if (strcmp(argv[1], "check") == 0) {
        printf("pageSize=%d pageCount=%d dataOffset=%lld fileLength=%lld\n", s.page_size, s.page_count,
               (long long)s.data_offset, (long long)s.file_length);
        for (int p = 0; p < s.page_count; p++)
            printf("version%d=%llu\n", p,
                   (unsigned long long)(atomic_load_explicit(lock_word(&s, p), memory_order_acquire) >> 17));
        return 0;
    }
    if (strcmp(argv[1], "stress") != 0 || argc < 7) { fprintf(stderr, "usage\n"); return 2; }
    int32_t offset = atoi(argv[3]), words = atoi(argv[4]);
    long long millis = atoll(argv[5]);
    uint64_t id = (uint64_t)atoll(argv[6]);
    uint64_t *buf = malloc((size_t)words * 8);
    uint64_t max[8] = {0};
    long long writes = 0, reads = 0, torn = 0;
    long long end = now_ms() + millis;
    while (now_ms() < end) {
        for (int k = 0; k < 64; k++) {
            uint64_t value = (id << 48) | (uint64_t)(writes + 1);
            for (int i = 0; i < words; i++) buf[i] = value + (uint64_t)i * STEP;
            seg_write(&s, offset, buf, words * 8);
            writes++;
            if (seg_read(&s, offset, buf, words * 8) != 0) { fprintf(stderr, "torn page\n"); return 1; }
            reads++;
            uint64_t v = buf[0];
            int ok = 1;
            for (int i = 1; i < words; i++) if (buf[i] - (uint64_t)i * STEP != v) { ok = 0; break; }
            if (!ok) { torn++; continue; }
            int w = (int)(v >> 48);
            if (w < 8 && (v & 0xFFFFFFFFFFFFULL) > max[w]) max[w] = v & 0xFFFFFFFFFFFFULL;
        }
    }
    printf("writes=%lld reads=%lld torn=%lld", writes, reads, torn);
    for (int w = 1; w < 8; w++) printf(" max%d=%llu", w, (unsigned long long)max[w]);
    printf("\n");
    return 0;
}
