/*
 * Unit tests of the C client: life cycle, validation of hostile files, the lock protocol under concurrent threads,
 * dead-owner recovery after SIGKILL (by waiting readers and writers, and by slot claim), lost ownership, the W
 * bit and futex wake-ups, fork and O_CLOEXEC, page leases of layout version 3, and of version 4 with its sleepers
 * words (a waiter on a leased page registers there, a sole writer or a recovery wakes it). Run by `make test` and
 * scripts/test-clients.sh, as root or not.
 * Prints one line per test and exits non-zero if any check failed.
 */
#define _GNU_SOURCE
#include "shmipc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;
static int skipped;
static char dir[256];

#define CHECK(cond, ...)                                                                                            \
    do {                                                                                                            \
        if (!(cond)) {                                                                                              \
            failures++;                                                                                             \
            fprintf(stderr, "  FAILED %s:%d: %s: ", __FILE__, __LINE__, #cond);                                     \
            fprintf(stderr, __VA_ARGS__);                                                                           \
            fprintf(stderr, " [last error: %s]\n", shmipc_last_error());                                            \
        }                                                                                                           \
    } while (0)

#define CHECK_RC(expr, expected)                                                                                    \
    do {                                                                                                            \
        int rc_ = (expr);                                                                                           \
        CHECK(rc_ == (expected), "%s returned %d (%s), expected %d (%s)", #expr, rc_, shmipc_strerror(rc_),         \
              (expected), shmipc_strerror(expected));                                                               \
    } while (0)

static shmipc_options opts(void)
{
    shmipc_options o;
    shmipc_options_init(&o);
    o.directory = dir;
    o.init_timeout_ms = 200;
    return o;
}

static shmipc_segment *create_seg(const char *name, int32_t pages, int32_t page_size)
{
    shmipc_options o = opts();
    o.page_count = pages;
    o.page_size = page_size;
    shmipc_segment *s = NULL;
    CHECK_RC(shmipc_create(name, &o, &s), SHMIPC_OK);
    if (s == NULL) {
        fprintf(stderr, "cannot continue without segment %s\n", name);
        exit(1);
    }
    return s;
}

static shmipc_segment *open_seg(const char *name, int64_t recovery_ms)
{
    shmipc_options o = opts();
    o.recovery_timeout_ms = recovery_ms;
    shmipc_segment *s = NULL;
    CHECK_RC(shmipc_open(name, &o, &s), SHMIPC_OK);
    if (s == NULL) {
        fprintf(stderr, "cannot continue without segment %s\n", name);
        exit(1);
    }
    return s;
}

static void path_of(char *out, const char *name)
{
    snprintf(out, PATH_MAX, "%.255s/%.255s", dir, name);
}

/* A mapping of the whole file of our own, to look at and change lock words as another process would. */
static unsigned char *map_file(const char *name, size_t *length)
{
    char path[PATH_MAX];
    path_of(path, name);
    int fd = open(path, O_RDWR);
    struct stat st;
    fstat(fd, &st);
    *length = (size_t)st.st_size;
    unsigned char *m = mmap(NULL, *length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    return m;
}

static _Atomic uint64_t *word_at(unsigned char *map, int page)
{
    return (_Atomic uint64_t *)(map + 4096 + page * 128);
}

/* ---------------------------------------------------------------------------------------------------------- */

static void test_create_open_unlink(void)
{
    shmipc_segment *a = create_seg("life", 3, 1024);
    CHECK(shmipc_page_size(a) == 1024 && shmipc_page_count(a) == 3 && shmipc_capacity(a) == 3072, "geometry");
    CHECK(shmipc_data_offset(a) == 8192 && shmipc_file_length(a) == 8192 + 3072, "offsets %lld %lld",
          (long long)shmipc_data_offset(a), (long long)shmipc_file_length(a));
    CHECK(shmipc_owner_slot(a) >= 1 && shmipc_owner_slot(a) <= SHMIPC_MAX_OWNER, "slot %d", shmipc_owner_slot(a));

    /* The bytes of the header, as FORMAT.md 3.1 lists them. */
    size_t len;
    unsigned char *m = map_file("life", &len);
    CHECK(len == 8192 + 3072, "file length %zu", len);
    CHECK(memcmp(m, "SHMIPC\0\0", 8) == 0, "magic bytes");
    int32_t i32;
    int64_t i64;
    memcpy(&i32, m + 8, 4);
    CHECK(i32 == 2, "layout version %d", i32);
    memcpy(&i32, m + 12, 4);
    CHECK(i32 == 4096, "header length %d", i32);
    memcpy(&i32, m + 16, 4);
    CHECK(i32 == 1024, "page size %d", i32);
    memcpy(&i32, m + 20, 4);
    CHECK(i32 == 3, "page count %d", i32);
    memcpy(&i64, m + 24, 8);
    CHECK(i64 == 4096, "lock table offset");
    memcpy(&i64, m + 32, 8);
    CHECK(i64 == 8192, "data offset");
    memcpy(&i64, m + 40, 8);
    CHECK(i64 == 8192 + 3072, "file length field");
    memcpy(&i64, m + 56, 8);
    CHECK(i64 == getpid(), "creator pid %lld", (long long)i64);
    munmap(m, len);

    char path[PATH_MAX];
    path_of(path, "life");
    struct stat st;
    lstat(path, &st);
    CHECK((st.st_mode & 0777) == 0600, "default mode %o", (unsigned)(st.st_mode & 0777));

    shmipc_segment *b = open_seg("life", 1000);
    CHECK(shmipc_owner_slot(b) != shmipc_owner_slot(a), "each handle has its own slot (OFD locks): %d %d",
          shmipc_owner_slot(a), shmipc_owner_slot(b));
    CHECK_RC(shmipc_write(a, 1000, "hello", 5), SHMIPC_OK);
    char buf[6] = {0};
    CHECK_RC(shmipc_read(b, 1000, buf, 5), SHMIPC_OK);
    CHECK(strcmp(buf, "hello") == 0, "read back '%s'", buf);

    shmipc_options o = opts();
    shmipc_segment *c = NULL;
    CHECK_RC(shmipc_create("life", &o, &c), SHMIPC_ERR_EXISTS);
    CHECK(c == NULL, "no handle on failure");
    CHECK_RC(shmipc_unlink("life", dir), SHMIPC_OK);
    CHECK_RC(shmipc_unlink("life", dir), SHMIPC_ERR_NOT_FOUND);
    CHECK_RC(shmipc_open("life", &o, &c), SHMIPC_ERR_NOT_FOUND);
    /* Mapped users keep working after unlink. */
    CHECK_RC(shmipc_write(a, 0, "x", 1), SHMIPC_OK);
    CHECK_RC(shmipc_read(b, 0, buf, 1), SHMIPC_OK);
    CHECK(buf[0] == 'x', "after unlink");
    shmipc_close(a);
    shmipc_close(b);
}

static void test_mode_is_exact(void)
{
    mode_t old = umask(077);
    shmipc_options o = opts();
    o.mode = 0660;
    shmipc_segment *s = NULL;
    CHECK_RC(shmipc_create("mode", &o, &s), SHMIPC_OK);
    umask(old);
    char path[PATH_MAX];
    path_of(path, "mode");
    struct stat st;
    lstat(path, &st);
    CHECK((st.st_mode & 0777) == 0660, "mode %o despite umask 077", (unsigned)(st.st_mode & 0777));
    shmipc_close(s);
}

static void test_bad_arguments(void)
{
    shmipc_options o = opts();
    shmipc_segment *s = NULL;
    CHECK_RC(shmipc_create("", &o, &s), SHMIPC_ERR_ARG);
    CHECK_RC(shmipc_create("a/b", &o, &s), SHMIPC_ERR_ARG);
    CHECK(strstr(shmipc_last_error(), "'/'") != NULL, "message names the rule: %s", shmipc_last_error());
    CHECK_RC(shmipc_create("..", &o, &s), SHMIPC_ERR_ARG);
    CHECK_RC(shmipc_create("bad\xff", &o, &s), SHMIPC_ERR_ARG);
    char longname[300];
    memset(longname, 'n', 256);
    longname[256] = '\0';
    CHECK_RC(shmipc_create(longname, &o, &s), SHMIPC_ERR_ARG);
    CHECK(strstr(shmipc_last_error(), "256") && strstr(shmipc_last_error(), "255"), "%s", shmipc_last_error());
    o.page_size = 1000;
    CHECK_RC(shmipc_create("geom", &o, &s), SHMIPC_ERR_ARG);
    CHECK(strstr(shmipc_last_error(), "1000") != NULL, "names the value: %s", shmipc_last_error());
    o.page_size = 4096;
    o.page_count = 0;
    CHECK_RC(shmipc_create("geom", &o, &s), SHMIPC_ERR_ARG);
    o.page_count = 600000;
    CHECK_RC(shmipc_create("geom", &o, &s), SHMIPC_ERR_ARG);
    CHECK(strstr(shmipc_last_error(), "2147483647") != NULL, "names the limit: %s", shmipc_last_error());

    shmipc_segment *a = create_seg("ranges", 2, 64);
    char buf[200];
    CHECK_RC(shmipc_write(a, -1, buf, 1), SHMIPC_ERR_ARG);
    CHECK_RC(shmipc_write(a, 100, buf, 29), SHMIPC_ERR_ARG);
    CHECK(strstr(shmipc_last_error(), "128") != NULL, "names the capacity: %s", shmipc_last_error());
    CHECK_RC(shmipc_read(a, 0, buf, 129), SHMIPC_ERR_ARG);
    CHECK_RC(shmipc_read(a, INT64_MAX, buf, INT64_MAX), SHMIPC_ERR_ARG);
    CHECK_RC(shmipc_read(a, 128, buf, 0), SHMIPC_OK);
    CHECK_RC(shmipc_write(a, 0, NULL, 1), SHMIPC_ERR_ARG);
    uint64_t v;
    CHECK_RC(shmipc_version(a, 2, &v), SHMIPC_ERR_ARG);
    CHECK_RC(shmipc_await_change(a, -1, 0, 0, &v), SHMIPC_ERR_ARG);
    shmipc_close(a);
}

static void test_versions_and_torn_bit_rules(void)
{
    shmipc_segment *a = create_seg("versions", 3, 64);
    uint64_t v;
    char buf[192];
    memset(buf, 7, sizeof buf);
    CHECK_RC(shmipc_write(a, 60, buf, 10), SHMIPC_OK); /* pages 0 and 1 */
    shmipc_version(a, 0, &v);
    CHECK(v == 1, "version0 %llu", (unsigned long long)v);
    shmipc_version(a, 1, &v);
    CHECK(v == 1, "version1 %llu", (unsigned long long)v);
    shmipc_version(a, 2, &v);
    CHECK(v == 0, "version2 %llu", (unsigned long long)v);
    uint64_t w = shmipc_lock_word(a, 0);
    CHECK(w == (UINT64_C(2) << 16), "a released word has an even sequence, no owner, no bits: %#llx",
          (unsigned long long)w);
    /* await_change: a change already there returns at once; none within the timeout returns seen. */
    CHECK_RC(shmipc_await_change(a, 0, 0, 0, &v), SHMIPC_OK);
    CHECK(v == 1, "await saw version %llu", (unsigned long long)v);
    CHECK_RC(shmipc_await_change(a, 2, 0, 20000000, &v), SHMIPC_OK);
    CHECK(v == 0, "await timed out with seen, got %llu", (unsigned long long)v);

    /* T set by hand on page 1 (as a dead writer's recovery would): reads refuse it, partial writes keep it,
       a whole-page write clears it. */
    size_t len;
    unsigned char *m = map_file("versions", &len);
    atomic_fetch_or(word_at(m, 1), SHMIPC_TORN_BIT);
    CHECK_RC(shmipc_read(a, 0, buf, 192), SHMIPC_ERR_TORN);
    CHECK(shmipc_error_page() == 1, "torn page %d", shmipc_error_page());
    CHECK_RC(shmipc_read(a, 0, buf, 64), SHMIPC_OK);
    CHECK_RC(shmipc_write(a, 64, buf, 63), SHMIPC_OK);
    CHECK_RC(shmipc_read(a, 64, buf, 1), SHMIPC_ERR_TORN);
    CHECK_RC(shmipc_write(a, 32, buf, 100), SHMIPC_OK); /* covers page 1 [64, 128) whole */
    CHECK_RC(shmipc_read(a, 0, buf, 192), SHMIPC_OK);
    CHECK(!(shmipc_lock_word(a, 1) & SHMIPC_TORN_BIT), "T cleared");

    /* Reserved bytes and nonzero reserved counters are ignored by readers. */
    memset(m + 64, 0xAB, 64);
    memset(m + 640, 0xCD, 4096 - 640);
    memset(m + 128 + 6 * 64, 0xEE, 8);
    memset(m + 4096 + 8, 0x5A, 120);
    munmap(m, len);
    shmipc_segment *b = open_seg("versions", 1000);
    CHECK_RC(shmipc_write(b, 0, buf, 192), SHMIPC_OK);
    CHECK_RC(shmipc_read(b, 0, buf, 192), SHMIPC_OK);
    shmipc_close(b);
    shmipc_close(a);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Hostile files                                                                                                */
/* ---------------------------------------------------------------------------------------------------------- */

static void write_file(const char *name, const unsigned char *bytes, size_t n)
{
    char path[PATH_MAX];
    path_of(path, name);
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
    if (write(fd, bytes, n) != (ssize_t)n) fprintf(stderr, "short write\n");
    close(fd);
}

/* A valid version-2 file of 2 pages of 4096 bytes, built byte by byte from FORMAT.md 3.1. */
static unsigned char *valid_file(size_t *n)
{
    *n = 8192 + 2 * 4096;
    unsigned char *b = calloc(1, *n);
    int32_t i32;
    int64_t i64;
    memcpy(b, "SHMIPC\0\0", 8);
    i32 = 2, memcpy(b + 8, &i32, 4);
    i32 = 4096, memcpy(b + 12, &i32, 4);
    i32 = 4096, memcpy(b + 16, &i32, 4);
    i32 = 2, memcpy(b + 20, &i32, 4);
    i64 = 4096, memcpy(b + 24, &i64, 8);
    i64 = 8192, memcpy(b + 32, &i64, 8);
    i64 = 16384, memcpy(b + 40, &i64, 8);
    return b;
}

static void expect_refused(const char *name, int expected, const char *mentions)
{
    shmipc_options o = opts();
    shmipc_segment *s = NULL;
    int rc = shmipc_open(name, &o, &s);
    CHECK(rc == expected, "open %s returned %d (%s), expected %d (%s)", name, rc, shmipc_strerror(rc), expected,
          shmipc_strerror(expected));
    CHECK(mentions == NULL || strstr(shmipc_last_error(), mentions) != NULL, "message of %s mentions '%s'", name,
          mentions);
    if (s != NULL) shmipc_close(s);
}

static void patched(const char *name, int offset, int width, int64_t value, int expected, const char *mentions)
{
    size_t n;
    unsigned char *b = valid_file(&n);
    memcpy(b + offset, &value, (size_t)width);
    write_file(name, b, n);
    free(b);
    expect_refused(name, expected, mentions);
}

static void test_hostile_files(void)
{
    size_t n;
    unsigned char *b = valid_file(&n);
    write_file("good", b, n);
    shmipc_segment *s = open_seg("good", 1000);
    shmipc_close(s);

    patched("magic", 0, 8, 0x4E4F545345474D54, SHMIPC_ERR_INVALID, "magic");
    patched("v1", 8, 4, 1, SHMIPC_ERR_INVALID, "layout version 1; this library reads version 2, 3 and 4: recreate");
    patched("v5", 8, 4, 5, SHMIPC_ERR_INVALID,
            "layout version 5; this library reads version 2, 3 and 4 (3 is 2 with lease words, 4 is 3 with sleepers "
            "words)");
    patched("v0", 8, 4, 0, SHMIPC_ERR_INVALID, "layout version 0; this library reads version 2, 3 and 4");
    patched("vneg", 8, 4, -3, SHMIPC_ERR_INVALID, "layout version -3; this library reads version 2, 3 and 4");
    patched("hlen", 12, 4, 8192, SHMIPC_ERR_INVALID, "8192");
    patched("psize", 16, 4, 1000, SHMIPC_ERR_INVALID, "1000");
    patched("psmall", 16, 4, 32, SHMIPC_ERR_INVALID, "32");
    patched("pneg", 16, 4, -4096, SHMIPC_ERR_INVALID, "-4096");
    patched("pcount0", 20, 4, 0, SHMIPC_ERR_INVALID, "page count 0");
    patched("pcountneg", 20, 4, -1, SHMIPC_ERR_INVALID, "-1");
    patched("toolarge", 16, 4, 1 << 30, SHMIPC_ERR_INVALID, "2147483647");
    patched("locktable", 24, 8, 8192, SHMIPC_ERR_INVALID, "lock table offset 8192");
    patched("dataoff", 32, 8, 4096, SHMIPC_ERR_INVALID, "data offset 4096");
    patched("flen", 40, 8, 16385, SHMIPC_ERR_INVALID, "16385");
    patched("pcount3", 20, 4, 3, SHMIPC_ERR_INVALID, "file length 16384, expected 20480"); /* fields no longer agree */

    write_file("truncated", b, n - 4096);
    expect_refused("truncated", SHMIPC_ERR_INVALID, "truncated");
    unsigned char *longer = calloc(1, n + 4096);
    memcpy(longer, b, n);
    write_file("extended", longer, n + 4096);
    free(longer);
    expect_refused("extended", SHMIPC_ERR_INVALID, "20480");

    unsigned char zeros[100] = {0};
    write_file("short", zeros, sizeof zeros);
    expect_refused("short", SHMIPC_ERR_NOT_READY, "not initialised");
    unsigned char *unpublished = calloc(1, n);
    memcpy(unpublished + 8, b + 8, 56);
    write_file("unpublished", unpublished, n);
    free(unpublished);
    expect_refused("unpublished", SHMIPC_ERR_NOT_READY, "magic 0");

    char path[PATH_MAX], target[PATH_MAX];
    path_of(path, "link");
    path_of(target, "good");
    CHECK(symlink(target, path) == 0, "symlink");
    expect_refused("link", SHMIPC_ERR_INVALID, "symbolic link");
    path_of(path, "dangling");
    CHECK(symlink("/nonexistent/shmipc", path) == 0, "symlink");
    expect_refused("dangling", SHMIPC_ERR_INVALID, "symbolic link");
    shmipc_options o = opts();
    shmipc_segment *c = NULL;
    CHECK_RC(shmipc_create("dangling", &o, &c), SHMIPC_ERR_EXISTS); /* O_EXCL never follows it */
    path_of(path, "fifo");
    CHECK(mkfifo(path, 0600) == 0, "mkfifo");
    expect_refused("fifo", SHMIPC_ERR_INVALID, "not a regular file");
    path_of(path, "subdir");
    CHECK(mkdir(path, 0700) == 0, "mkdir");
    expect_refused("subdir", SHMIPC_ERR_INVALID, "directory");
    CHECK_RC(shmipc_unlink("subdir", dir), SHMIPC_ERR_INVALID);
    expect_refused("absent", SHMIPC_ERR_NOT_FOUND, "does not exist");

    if (geteuid() == 0) {
        write_file("foreign", b, n);
        path_of(path, "foreign");
        CHECK(chown(path, 54321, 54321) == 0, "chown");
        expect_refused("foreign", SHMIPC_ERR_ACCESS, "owned by uid 54321");
        o.allow_foreign_owner = 1;
        CHECK_RC(shmipc_open("foreign", &o, &c), SHMIPC_OK);
        shmipc_close(c);
    } else {
        write_file("nomode", b, n);
        path_of(path, "nomode");
        chmod(path, 0);
        expect_refused("nomode", SHMIPC_ERR_ACCESS, "permission denied");
        printf("  (skipped the foreign-owner case: only root can give a file to another user)\n");
        skipped++;
    }
    free(b);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Concurrency                                                                                                  */
/* ---------------------------------------------------------------------------------------------------------- */

#define STEP UINT64_C(0x9E3779B97F4A7C15)
#define RANGE_OFFSET (4096 - 1000)
#define RANGE_WORDS ((4096 + 2000) / 8)

struct stress_arg {
    shmipc_segment *seg;
    uint64_t id;
    atomic_int *stop;
    long long writes, reads, torn, errors;
};

static void *stress_thread(void *p)
{
    struct stress_arg *a = p;
    uint64_t buf[RANGE_WORDS];
    while (!atomic_load(a->stop)) {
        if (a->id != 0) {
            uint64_t value = (a->id << 48) | (uint64_t)++a->writes;
            for (int i = 0; i < RANGE_WORDS; i++) buf[i] = value + (uint64_t)i * STEP;
            if (shmipc_write(a->seg, RANGE_OFFSET, buf, sizeof buf) != SHMIPC_OK) a->errors++;
        }
        if (shmipc_read(a->seg, RANGE_OFFSET, buf, sizeof buf) != SHMIPC_OK) {
            a->errors++;
            continue;
        }
        a->reads++;
        for (int i = 1; i < RANGE_WORDS; i++) {
            if (buf[i] - (uint64_t)i * STEP != buf[0]) {
                a->torn++;
                break;
            }
        }
    }
    return NULL;
}

static void test_concurrent_writers_and_readers_never_tear(void)
{
    shmipc_segment *a = create_seg("stress", 4, 4096);
    shmipc_segment *b = open_seg("stress", 1000);
    /* The record starts whole (writer 0, write 0): a reader that runs before either writer's first write reads a
       consistent record, not the file's zeros, which the check below would count as a torn read. */
    uint64_t initial[RANGE_WORDS];
    for (int i = 0; i < RANGE_WORDS; i++) initial[i] = (uint64_t)i * STEP;
    CHECK_RC(shmipc_write(a, RANGE_OFFSET, initial, sizeof initial), SHMIPC_OK);
    atomic_int stop = 0;
    struct stress_arg args[4] = {
        {a, 1, &stop, 0, 0, 0, 0}, {b, 2, &stop, 0, 0, 0, 0}, {a, 0, &stop, 0, 0, 0, 0}, {b, 0, &stop, 0, 0, 0, 0}};
    pthread_t threads[4];
    for (int i = 0; i < 4; i++) pthread_create(&threads[i], NULL, stress_thread, &args[i]);
    struct timespec t = {1, 0};
    nanosleep(&t, NULL);
    atomic_store(&stop, 1);
    long long torn = 0, errors = 0, reads = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(threads[i], NULL);
        torn += args[i].torn;
        errors += args[i].errors;
        reads += args[i].reads;
    }
    CHECK(torn == 0 && errors == 0, "torn %lld errors %lld", torn, errors);
    CHECK(args[0].writes > 100 && args[1].writes > 100 && reads > 100, "progress: writes %lld %lld reads %lld",
          args[0].writes, args[1].writes, reads);
    CHECK(shmipc_counter(a, SHMIPC_COUNTER_LOST_OWNERSHIPS) == 0, "no lost ownership");
    CHECK(shmipc_counter(a, SHMIPC_COUNTER_OWNER_RECOVERIES) == 0, "no recovery between live writers");
    for (int p = 0; p < 4; p++)
        CHECK((shmipc_lock_word(a, p) & (SHMIPC_HELD_BIT | SHMIPC_TORN_BIT | SHMIPC_OWNER_MASK)) == 0,
              "page %d free and clean: %#llx", p, (unsigned long long)shmipc_lock_word(a, p));
    printf("  writes %lld + %lld, reads %lld, read retries %lld, contended %lld, sleeps %lld\n", args[0].writes,
           args[1].writes, reads, (long long)shmipc_counter(a, 0), (long long)shmipc_counter(a, 1),
           (long long)shmipc_counter(a, 5));
    shmipc_close(a);
    shmipc_close(b);
}

struct waiter_arg {
    shmipc_segment *seg;
    uint64_t seen;
    uint64_t got;
};

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *await_thread(void *p)
{
    struct waiter_arg *a = p;
    shmipc_await_change(a->seg, 0, a->seen, INT64_C(60000000000), &a->got);
    return NULL;
}

static void test_await_change_sleeps_and_is_woken(void)
{
    shmipc_segment *a = create_seg("await", 1, 64);
    /* The waiter may sleep 60 s at a time, as long as its timeout: only a FUTEX_WAKE ends its sleep early. */
    shmipc_options o = opts();
    o.max_sleep_us = 60000000;
    shmipc_segment *b = NULL;
    CHECK_RC(shmipc_open("await", &o, &b), SHMIPC_OK);
    struct waiter_arg w = {b, 0, 0};
    pthread_t t;
    pthread_create(&t, NULL, await_thread, &w);
    /* Wait until the waiter is asleep: it has set W on the free word. */
    for (int i = 0; i < 10000 && !(shmipc_lock_word(a, 0) & SHMIPC_WAITERS_BIT); i++) {
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    CHECK(shmipc_lock_word(a, 0) & SHMIPC_WAITERS_BIT, "the waiter set W on a free word");
    CHECK(shmipc_counter(a, SHMIPC_COUNTER_SLEEPS) >= 1, "a sleep was counted");
    int64_t woken = monotonic_ms();
    CHECK_RC(shmipc_write(a, 0, "z", 1), SHMIPC_OK);
    pthread_join(t, NULL);
    /* Not a performance figure: without the wake the waiter would return only after its 60 s sleep. */
    CHECK(monotonic_ms() - woken < 30000, "woken by the writer's FUTEX_WAKE, not by its 60 s timeout");
    CHECK(w.got == 1, "the waiter returned version %llu", (unsigned long long)w.got);
    CHECK(!(shmipc_lock_word(a, 0) & SHMIPC_WAITERS_BIT), "the release cleared W: %#llx",
          (unsigned long long)shmipc_lock_word(a, 0));
    shmipc_close(a);
    shmipc_close(b);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Dead owners, lost ownership                                                                                  */
/* ---------------------------------------------------------------------------------------------------------- */

static int hook_pipe[2];

static void pause_hook(void *arg)
{
    int slot = shmipc_owner_slot(arg);
    if (write(hook_pipe[1], &slot, sizeof slot) != sizeof slot) _exit(9);
    for (;;) pause();
}

/* Starts a child process that opens name, writes [offset, offset + length) of value and is SIGKILLed halfway. */
static int kill_writer_mid_write(const char *name, int64_t offset, int64_t length, int value)
{
    if (pipe(hook_pipe) != 0) return -1;
    pid_t pid = fork();
    if (pid == 0) {
        shmipc_options o = opts();
        shmipc_segment *s;
        if (shmipc_open(name, &o, &s) != SHMIPC_OK) _exit(8);
        unsigned char *buf = malloc((size_t)length);
        memset(buf, value, (size_t)length);
        shmipc_set_write_hook(s, pause_hook, s);
        shmipc_write(s, offset, buf, length);
        _exit(7);
    }
    int slot = -1;
    if (read(hook_pipe[0], &slot, sizeof slot) != sizeof slot) slot = -1;
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    close(hook_pipe[0]);
    close(hook_pipe[1]);
    return slot;
}

static void test_reader_recovers_a_killed_writer(void)
{
    shmipc_segment *reader = create_seg("dead-r", 3, 4096);
    unsigned char buf[3 * 4096];
    int slot = kill_writer_mid_write("dead-r", 0, 3 * 4096, 0x11);
    CHECK(slot > 0 && slot != shmipc_owner_slot(reader), "child slot %d", slot);
    for (int p = 0; p < 3; p++)
        CHECK((shmipc_lock_word(reader, p) & SHMIPC_OWNER_MASK) == (uint64_t)slot &&
                  (shmipc_lock_word(reader, p) & SHMIPC_HELD_BIT),
              "page %d held by the dead child", p);
    /* The reader waits the recovery timeout (1 s default here), probes, releases page 0 torn. */
    CHECK_RC(shmipc_read(reader, 0, buf, sizeof buf), SHMIPC_ERR_TORN);
    CHECK(shmipc_error_page() == 0, "page %d", shmipc_error_page());
    CHECK(shmipc_counter(reader, SHMIPC_COUNTER_OWNER_RECOVERIES) == 1, "one recovery");
    /* Only the waited page was released; the others stay held by the dead slot ... */
    CHECK(shmipc_lock_word(reader, 1) & SHMIPC_HELD_BIT, "page 1 still held");
    /* ... until a wait on them, which probes at once: the slot is known dead. */
    CHECK_RC(shmipc_read(reader, 4096, buf, 2 * 4096), SHMIPC_ERR_TORN);
    CHECK(shmipc_error_page() == 1, "page %d", shmipc_error_page());
    CHECK_RC(shmipc_read(reader, 2 * 4096, buf, 4096), SHMIPC_ERR_TORN);
    CHECK(shmipc_counter(reader, SHMIPC_COUNTER_OWNER_RECOVERIES) == 3, "three recoveries");
    /* A full rewrite clears the marks; the bytes are exactly that write. */
    memset(buf, 0x22, sizeof buf);
    CHECK_RC(shmipc_write(reader, 0, buf, sizeof buf), SHMIPC_OK);
    memset(buf, 0, sizeof buf);
    CHECK_RC(shmipc_read(reader, 0, buf, sizeof buf), SHMIPC_OK);
    int uniform = 1;
    for (size_t i = 0; i < sizeof buf; i++) uniform &= buf[i] == 0x22;
    CHECK(uniform, "rewritten bytes");
    shmipc_close(reader);
}

static void test_writer_takes_a_killed_writers_page_over(void)
{
    shmipc_segment *a = create_seg("dead-w", 2, 4096);
    shmipc_segment *w = open_seg("dead-w", 50);
    int slot = kill_writer_mid_write("dead-w", 0, 100, 0x33);
    CHECK(slot > 0, "child slot %d", slot);
    unsigned char buf[4096];
    memset(buf, 0x44, sizeof buf);
    /* A partial write takes page 0 over (T set) and leaves it torn. */
    CHECK_RC(shmipc_write(w, 10, buf, 10), SHMIPC_OK);
    CHECK(shmipc_counter(w, SHMIPC_COUNTER_OWNER_RECOVERIES) == 1, "a takeover");
    uint64_t word = shmipc_lock_word(w, 0);
    CHECK(!(word & SHMIPC_HELD_BIT) && (word & SHMIPC_TORN_BIT) && (word & SHMIPC_OWNER_MASK) == 0,
          "released, still torn: %#llx", (unsigned long long)word);
    CHECK_RC(shmipc_read(a, 0, buf, 1), SHMIPC_ERR_TORN);
    CHECK_RC(shmipc_write(w, 0, buf, 4096), SHMIPC_OK);
    CHECK_RC(shmipc_read(a, 0, buf, 4096), SHMIPC_OK);
    CHECK(buf[0] == 0x44 && buf[4095] == 0x44, "clean after a whole write");
    shmipc_close(w);
    shmipc_close(a);
}

static void test_claiming_a_dead_slot_releases_its_pages(void)
{
    shmipc_segment *a = create_seg("dead-slot", 2, 4096);
    int slot = kill_writer_mid_write("dead-slot", 4000, 200, 0x55);
    /* The next handle claims the lowest free slot, the dead child's, and releases its pages at once. */
    shmipc_segment *b = open_seg("dead-slot", 1000000);
    CHECK(shmipc_owner_slot(b) == slot, "claimed slot %d, the dead one was %d", shmipc_owner_slot(b), slot);
    CHECK(shmipc_counter(b, SHMIPC_COUNTER_OWNER_RECOVERIES) == 2, "two pages recovered at claim: %lld",
          (long long)shmipc_counter(b, SHMIPC_COUNTER_OWNER_RECOVERIES));
    for (int p = 0; p < 2; p++) {
        uint64_t word = shmipc_lock_word(b, p);
        CHECK(!(word & SHMIPC_HELD_BIT) && (word & SHMIPC_TORN_BIT) && word >> 16 == 2, "page %d: %#llx", p,
              (unsigned long long)word);
    }
    char buf[8];
    CHECK_RC(shmipc_read(a, 4090, buf, 8), SHMIPC_ERR_TORN); /* at once: no wait */
    shmipc_close(b);
    shmipc_close(a);
}

static void test_a_live_slow_writer_is_never_taken_over(void)
{
    /* A handle of this process holds page 0 (through a raw lock of its word) for 300 ms, 6 times the other's
       recovery timeout: its slot's lock is alive, so the waiter must wait, not take over. */
    shmipc_segment *holder = create_seg("slow", 1, 64);
    shmipc_segment *waiter = open_seg("slow", 50);
    size_t len;
    unsigned char *m = map_file("slow", &len);
    uint64_t held = (SHMIPC_SEQ_ONE) | (uint64_t)shmipc_owner_slot(holder);
    atomic_store(word_at(m, 0), held);
    pid_t pid = fork();
    if (pid == 0) {
        struct timespec t = {0, 300000000};
        nanosleep(&t, NULL);
        atomic_store(word_at(m, 0), UINT64_C(2) << 16); /* the holder releases */
        _exit(0);
    }
    char buf[1];
    CHECK_RC(shmipc_read(waiter, 0, buf, 1), SHMIPC_OK);
    waitpid(pid, NULL, 0);
    CHECK(shmipc_counter(waiter, SHMIPC_COUNTER_OWNER_RECOVERIES) == 0, "no takeover of a live holder");
    CHECK(shmipc_counter(waiter, SHMIPC_COUNTER_SLOW_WAITS) == 1, "one slow wait");
    munmap(m, len);
    shmipc_close(waiter);
    shmipc_close(holder);
}

static unsigned char *hook_map;
static int hook_action;

static void interfere_hook(void *arg)
{
    (void)arg;
    _Atomic uint64_t *w = word_at(hook_map, 0);
    uint64_t cur = atomic_load(w);
    if (hook_action == 1) /* a waiter registers: benign */
        atomic_store(w, cur | SHMIPC_WAITERS_BIT);
    else /* another process believed this writer dead and took the page over as slot 999 */
        atomic_store(w, (cur & ~SHMIPC_OWNER_MASK) | SHMIPC_TORN_BIT | 999);
}

static void test_release_keeps_a_waiters_bit_benign_and_detects_lost_ownership(void)
{
    shmipc_segment *a = create_seg("lost", 2, 64);
    size_t len;
    hook_map = map_file("lost", &len);
    shmipc_set_write_hook(a, interfere_hook, NULL);
    char buf[100] = {0};

    hook_action = 1;
    CHECK_RC(shmipc_write(a, 0, buf, 100), SHMIPC_OK);
    CHECK(shmipc_lock_word(a, 0) == (UINT64_C(2) << 16), "released with W cleared: %#llx",
          (unsigned long long)shmipc_lock_word(a, 0));

    hook_action = 2;
    CHECK_RC(shmipc_write(a, 0, buf, 100), SHMIPC_ERR_LOST);
    CHECK(shmipc_error_page() == 0, "lost page %d", shmipc_error_page());
    uint64_t taken = (UINT64_C(3) << 16) | SHMIPC_TORN_BIT | 999;
    CHECK(shmipc_lock_word(a, 0) == taken, "the taker's word was not overwritten: %#llx",
          (unsigned long long)shmipc_lock_word(a, 0));
    CHECK(shmipc_lock_word(a, 1) == (UINT64_C(4) << 16), "the other page was released: %#llx",
          (unsigned long long)shmipc_lock_word(a, 1));
    CHECK(shmipc_counter(a, SHMIPC_COUNTER_LOST_OWNERSHIPS) == 1, "counted");
    munmap(hook_map, len);
    shmipc_close(a);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Layout version 3: page leases (FORMAT.md section 7.6)                                                        */
/* ---------------------------------------------------------------------------------------------------------- */

/*
 * A layout-version-3 (or 4) segment as a Java program with leases(true) makes it: a fresh version-2 file whose
 * version field says 3 (or 4; the lease words, bytes 8 to 15 of each lock-table entry, and the sleepers words, bytes
 * 16 to 23, start at 0, as in a new file of that version). The creating handle is closed, so the handles the tests
 * open see the new version.
 */
static void make_version(const char *name, int32_t pages, int32_t page_size, int32_t version)
{
    shmipc_unlink(name, dir); /* the same case runs for version 3 and for version 4 */
    shmipc_segment *creator = create_seg(name, pages, page_size);
    shmipc_close(creator);
    size_t len;
    unsigned char *m = map_file(name, &len);
    memcpy(m + 8, &version, 4);
    munmap(m, len);
}

static int32_t lease_version = SHMIPC_LEASES_LAYOUT_VERSION; /* what make_leased makes: 3, or 4 for a _v4 case */

static void make_leased(const char *name, int32_t pages, int32_t page_size)
{
    make_version(name, pages, page_size, lease_version);
}

static _Atomic uint64_t *lease_at(unsigned char *map, int page)
{
    return (_Atomic uint64_t *)(map + 4096 + page * 128 + 8);
}

static int page_bytes_are(unsigned char *map, int64_t data_offset, int page, int page_size, unsigned char value)
{
    for (int i = 0; i < page_size; i++)
        if (map[data_offset + (int64_t)page * page_size + i] != value) return 0;
    return 1;
}

static void test_leased_segments_open_and_read_and_write_unleased_pages(void)
{
    make_leased("v3", 2, 4096);
    shmipc_segment *a = open_seg("v3", 1000);
    CHECK(shmipc_has_leases(a), "a version-3 segment has lease words");
    CHECK(shmipc_lease_holder(a, 0) == 0 && shmipc_lease_holder(a, 1) == 0, "no page leased");
    unsigned char buf[8192];
    memset(buf, 0x31, sizeof buf);
    CHECK_RC(shmipc_write(a, 0, buf, sizeof buf), SHMIPC_OK);
    memset(buf, 0, sizeof buf);
    CHECK_RC(shmipc_read(a, 0, buf, sizeof buf), SHMIPC_OK);
    CHECK(buf[0] == 0x31 && buf[8191] == 0x31, "read back");
    uint64_t v;
    shmipc_version(a, 1, &v);
    CHECK(v == 1, "version %llu", (unsigned long long)v);
    CHECK(shmipc_lease_holder(a, 0) == 0, "writing an unleased page leases nothing");
    shmipc_segment *v2 = create_seg("v2", 1, 64);
    CHECK(!shmipc_has_leases(v2) && shmipc_lease_holder(v2, 0) == 0, "a version-2 segment has none");
    shmipc_close(v2);
    shmipc_close(a);
}

static void test_a_page_leased_to_a_live_process_is_refused_untouched(void)
{
    make_leased("leased", 3, 4096);
    /* The leaseholder: a live slot (each handle holds its own OFD lock, which a probe from another handle sees). */
    shmipc_segment *holder = open_seg("leased", 1000);
    shmipc_segment *w = open_seg("leased", 1000);
    int slot = shmipc_owner_slot(holder);
    unsigned char buf[3 * 4096];
    memset(buf, 0x11, sizeof buf);
    CHECK_RC(shmipc_write(w, 0, buf, sizeof buf), SHMIPC_OK);
    size_t len;
    unsigned char *m = map_file("leased", &len);
    int64_t data = shmipc_data_offset(w);
    atomic_store(lease_at(m, 1), (uint64_t)slot);
    CHECK(shmipc_lease_holder(w, 1) == slot, "lease holder %lld", (long long)shmipc_lease_holder(w, 1));

    /* Reads of a leased page work as any. */
    memset(buf, 0, sizeof buf);
    CHECK_RC(shmipc_read(w, 0, buf, sizeof buf), SHMIPC_OK);
    CHECK(buf[4096] == 0x11 && buf[3 * 4096 - 1] == 0x11, "read the leased page");

    /* A write of the leased page alone: refused, naming page and slot; its word and bytes unchanged. */
    uint64_t words[3];
    for (int p = 0; p < 3; p++) words[p] = shmipc_lock_word(w, p);
    memset(buf, 0x22, sizeof buf);
    CHECK_RC(shmipc_write(w, 4096, buf, 4096), SHMIPC_ERR_LEASED);
    CHECK(shmipc_error_page() == 1 && shmipc_error_slot() == slot, "error page %d slot %d (holder %d)",
          shmipc_error_page(), shmipc_error_slot(), slot);
    char mention[64];
    snprintf(mention, sizeof mention, "owner slot %d", slot);
    CHECK(strstr(shmipc_last_error(), "page 1 ") != NULL && strstr(shmipc_last_error(), mention) != NULL,
          "message names the page and the slot");
    CHECK(shmipc_lock_word(w, 1) == words[1], "page 1's lock word unchanged: %#llx, was %#llx",
          (unsigned long long)shmipc_lock_word(w, 1), (unsigned long long)words[1]);
    CHECK(page_bytes_are(m, data, 1, 4096, 0x11), "page 1's bytes unchanged");

    /* A write across pages 0 to 2, refused at page 1: page 0 was taken and is given back unwritten and not torn,
       page 1 is untouched, page 2 was never taken. */
    CHECK_RC(shmipc_write(w, 100, buf, 3 * 4096 - 200), SHMIPC_ERR_LEASED);
    CHECK(shmipc_error_page() == 1, "error page %d", shmipc_error_page());
    uint64_t w0 = shmipc_lock_word(w, 0);
    CHECK(w0 == words[0] + 2 * SHMIPC_SEQ_ONE, "page 0 given back (one more version, no owner, no T): %#llx",
          (unsigned long long)w0);
    CHECK(shmipc_lock_word(w, 1) == words[1] && shmipc_lock_word(w, 2) == words[2], "pages 1 and 2 unchanged");
    CHECK(page_bytes_are(m, data, 0, 4096, 0x11) && page_bytes_are(m, data, 1, 4096, 0x11) &&
              page_bytes_are(m, data, 2, 4096, 0x11),
          "no byte written");
    CHECK(atomic_load(lease_at(m, 1)) == (uint64_t)slot, "the lease stays");

    /* The leaseholder's own slot writes it; the other pages stay writable by anyone. */
    CHECK_RC(shmipc_write(holder, 4096, buf, 4096), SHMIPC_OK);
    CHECK_RC(shmipc_write(w, 0, buf, 4096), SHMIPC_OK);
    CHECK(page_bytes_are(m, data, 1, 4096, 0x22) && page_bytes_are(m, data, 0, 4096, 0x22), "written");
    CHECK(shmipc_counter(w, SHMIPC_COUNTER_OWNER_RECOVERIES) == 0, "no recovery");
    munmap(m, len);
    shmipc_close(w);
    shmipc_close(holder);
}

static void test_a_dead_processs_lease_is_cleared_by_the_next_writer(void)
{
    make_leased("lease-dead", 2, 4096);
    shmipc_segment *w = open_seg("lease-dead", 1000);
    shmipc_segment *gone = open_seg("lease-dead", 1000);
    int dead = shmipc_owner_slot(gone);
    shmipc_close(gone); /* its slot's lock is gone: whoever held that slot is dead */
    size_t len;
    unsigned char *m = map_file("lease-dead", &len);
    atomic_store(lease_at(m, 0), (uint64_t)dead);
    atomic_store(lease_at(m, 1), UINT64_C(20000)); /* names no slot a process can hold: void too */
    unsigned char buf[8192];
    memset(buf, 0x44, sizeof buf);
    CHECK_RC(shmipc_write(w, 0, buf, sizeof buf), SHMIPC_OK);
    CHECK(atomic_load(lease_at(m, 0)) == 0 && atomic_load(lease_at(m, 1)) == 0, "leases cleared: %llu %llu",
          (unsigned long long)atomic_load(lease_at(m, 0)), (unsigned long long)atomic_load(lease_at(m, 1)));
    CHECK(page_bytes_are(m, shmipc_data_offset(w), 0, 4096, 0x44) &&
              page_bytes_are(m, shmipc_data_offset(w), 1, 4096, 0x44),
          "written");
    munmap(m, len);
    shmipc_close(w);
}

static void test_claiming_a_dead_slot_clears_its_leases(void)
{
    make_leased("lease-claim", 3, 4096);
    shmipc_segment *keep = open_seg("lease-claim", 1000);
    shmipc_segment *gone = open_seg("lease-claim", 1000);
    int dead = shmipc_owner_slot(gone);
    shmipc_close(gone);
    size_t len;
    unsigned char *m = map_file("lease-claim", &len);
    atomic_store(lease_at(m, 0), (uint64_t)dead);
    atomic_store(lease_at(m, 1), (uint64_t)shmipc_owner_slot(keep));
    atomic_store(lease_at(m, 2), (uint64_t)dead);
    shmipc_segment *fresh = open_seg("lease-claim", 1000); /* claims the lowest free slot: the dead one */
    CHECK(shmipc_owner_slot(fresh) == dead, "claimed slot %d, the dead one was %d", shmipc_owner_slot(fresh), dead);
    CHECK(atomic_load(lease_at(m, 0)) == 0 && atomic_load(lease_at(m, 2)) == 0, "the dead slot's leases cleared");
    CHECK(atomic_load(lease_at(m, 1)) == (uint64_t)shmipc_owner_slot(keep), "a live slot's lease stays");
    for (int p = 0; p < 3; p++)
        CHECK(shmipc_lock_word(fresh, p) == 0, "page %d's lock word untouched: %#llx", p,
              (unsigned long long)shmipc_lock_word(fresh, p));
    munmap(m, len);
    shmipc_close(fresh);
    shmipc_close(keep);
}

/* The lease rules of layout version 3 hold unchanged in version 4 (FORMAT.md: version 4 is version 3 plus one word). */
static void test_a_page_leased_to_a_live_process_is_refused_untouched_v4(void)
{
    lease_version = SHMIPC_SOLE_LAYOUT_VERSION;
    test_a_page_leased_to_a_live_process_is_refused_untouched();
    lease_version = SHMIPC_LEASES_LAYOUT_VERSION;
}

static void test_a_dead_processs_lease_is_cleared_by_the_next_writer_v4(void)
{
    lease_version = SHMIPC_SOLE_LAYOUT_VERSION;
    test_a_dead_processs_lease_is_cleared_by_the_next_writer();
    lease_version = SHMIPC_LEASES_LAYOUT_VERSION;
}

static void test_claiming_a_dead_slot_clears_its_leases_v4(void)
{
    lease_version = SHMIPC_SOLE_LAYOUT_VERSION;
    test_claiming_a_dead_slot_clears_its_leases();
    lease_version = SHMIPC_LEASES_LAYOUT_VERSION;
}

static void test_a_page_taken_over_and_found_leased_is_given_back_torn(void)
{
    make_leased("lease-over", 2, 4096);
    shmipc_segment *holder = open_seg("lease-over", 1000);
    shmipc_segment *w = open_seg("lease-over", 50);
    int dead = kill_writer_mid_write("lease-over", 0, 100, 0x33); /* page 0 held by a dead slot */
    CHECK(dead > 0, "child slot %d", dead);
    size_t len;
    unsigned char *m = map_file("lease-over", &len);
    /* The dead writer took the page before a live process's lease was granted (FORMAT.md section 7.6). */
    atomic_store(lease_at(m, 0), (uint64_t)shmipc_owner_slot(holder));
    unsigned char buf[4096];
    memset(buf, 0x55, sizeof buf);
    CHECK_RC(shmipc_write(w, 0, buf, sizeof buf), SHMIPC_ERR_LEASED);
    CHECK(shmipc_error_page() == 0 && shmipc_error_slot() == shmipc_owner_slot(holder), "page %d slot %d",
          shmipc_error_page(), shmipc_error_slot());
    CHECK(shmipc_counter(w, SHMIPC_COUNTER_OWNER_RECOVERIES) == 1, "taken over first");
    uint64_t word = shmipc_lock_word(w, 0);
    CHECK(!(word & SHMIPC_HELD_BIT) && (word & SHMIPC_TORN_BIT) && (word & SHMIPC_OWNER_MASK) == 0,
          "given back torn: %#llx", (unsigned long long)word);
    CHECK(m[shmipc_data_offset(w)] == 0x33, "this write wrote nothing: %#x", m[shmipc_data_offset(w)]);
    CHECK(atomic_load(lease_at(m, 0)) == (uint64_t)shmipc_owner_slot(holder), "the live lease stays");
    munmap(m, len);
    shmipc_close(w);
    shmipc_close(holder);
}

struct lease_waiter {
    shmipc_segment *seg;
    int kind; /* 0: read page 0, 1: await_change page 0, 2: write page 0, 3: read page 1 */
    int rc;
    uint64_t version;
};

static void *lease_wait_thread(void *p)
{
    struct lease_waiter *a = p;
    unsigned char b[1] = {0x66};
    if (a->kind == 0) a->rc = shmipc_read(a->seg, 0, b, 1);
    else if (a->kind == 1) a->rc = shmipc_await_change(a->seg, 0, 0, INT64_C(60000000000), &a->version);
    else if (a->kind == 2) a->rc = shmipc_write(a->seg, 0, b, 1);
    else a->rc = shmipc_read(a->seg, 64, b, 1);
    return NULL;
}

static void test_waiters_never_set_w_on_a_held_page(void)
{
    make_leased("lease-wait", 2, 64);
    shmipc_segment *holder = open_seg("lease-wait", 1000);
    shmipc_segment *waiter = open_seg("lease-wait", 1000);
    size_t len;
    unsigned char *m = map_file("lease-wait", &len);
    uint64_t slot = (uint64_t)shmipc_owner_slot(holder);
    /* Page 0: held by its live leaseholder. Page 1: held, not leased. Either holder may release with a plain store. */
    atomic_store(lease_at(m, 0), slot);
    atomic_store(word_at(m, 0), SHMIPC_SEQ_ONE | slot);
    atomic_store(word_at(m, 1), SHMIPC_SEQ_ONE | slot);
    struct lease_waiter waiters[4] = {{waiter, 0, 99, 0}, {waiter, 1, 99, 0}, {waiter, 2, 99, 0}, {waiter, 3, 99, 0}};
    pthread_t threads[4];
    for (int i = 0; i < 4; i++) pthread_create(&threads[i], NULL, lease_wait_thread, &waiters[i]);
    /* Long past the spins and yields: a waiter allowed to sleep on a held word would have set W by now. */
    struct timespec t = {0, 300000000};
    nanosleep(&t, NULL);
    CHECK(atomic_load(word_at(m, 0)) == (SHMIPC_SEQ_ONE | slot), "no W on the held leased page: %#llx",
          (unsigned long long)atomic_load(word_at(m, 0)));
    CHECK(atomic_load(word_at(m, 1)) == (SHMIPC_SEQ_ONE | slot), "no W on the held unleased page: %#llx",
          (unsigned long long)atomic_load(word_at(m, 1)));
    /* The holders release with a plain store and wake nobody: the waiters notice by polling. */
    int64_t released = monotonic_ms();
    atomic_store(word_at(m, 0), UINT64_C(2) << 16);
    atomic_store(word_at(m, 1), UINT64_C(2) << 16);
    for (int i = 0; i < 4; i++) pthread_join(threads[i], NULL);
    CHECK(monotonic_ms() - released < 30000, "the waiters saw the release");
    CHECK(waiters[0].rc == SHMIPC_OK, "read after the release: %d", waiters[0].rc);
    CHECK(waiters[1].rc == SHMIPC_OK && waiters[1].version == 1, "await_change: %d version %llu", waiters[1].rc,
          (unsigned long long)waiters[1].version);
    CHECK(waiters[2].rc == SHMIPC_ERR_LEASED, "the waiting writer is refused once the page is free: %d",
          waiters[2].rc);
    CHECK(waiters[3].rc == SHMIPC_OK, "read of page 1: %d", waiters[3].rc);
    CHECK(atomic_load(word_at(m, 0)) == (UINT64_C(2) << 16), "the leased page untouched by the waiters: %#llx",
          (unsigned long long)atomic_load(word_at(m, 0)));
    munmap(m, len);
    shmipc_close(waiter);
    shmipc_close(holder);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Layout version 4: sleepers words and sole writers (FORMAT.md sections 3.2, 7.3 and 7.7)                      */
/* ---------------------------------------------------------------------------------------------------------- */

static _Atomic uint64_t *sleepers_at(unsigned char *map, int page)
{
    return (_Atomic uint64_t *)(map + 4096 + page * 128 + SHMIPC_SLEEPERS_WORD_OFFSET);
}

static void nap_us(long us)
{
    struct timespec t = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&t, NULL);
}

/* A handle whose waits end early only by a FUTEX_WAKE: one sleep may last 60 s, a liveness probe comes after 60 s. */
static shmipc_segment *open_sleepy(const char *name)
{
    shmipc_options o = opts();
    o.max_sleep_us = 60000000;
    o.recovery_timeout_ms = 60000;
    shmipc_segment *s = NULL;
    CHECK_RC(shmipc_open(name, &o, &s), SHMIPC_OK);
    if (s == NULL) exit(1);
    return s;
}

static void test_v4_segment_opens_reads_and_writes_unleased_pages(void)
{
    make_version("v4", 2, 4096, SHMIPC_SOLE_LAYOUT_VERSION);
    shmipc_segment *a = open_seg("v4", 1000);
    CHECK(shmipc_layout_version(a) == 4, "layout version %d", shmipc_layout_version(a));
    CHECK(shmipc_has_leases(a), "a version-4 segment has lease words");
    CHECK(shmipc_lease_holder(a, 0) == 0 && shmipc_lease_holder(a, 1) == 0, "no page leased");
    CHECK(shmipc_sleepers(a, 0) == 0 && shmipc_sleepers(a, 1) == 0, "no sleepers");
    unsigned char buf[8192];
    memset(buf, 0x41, sizeof buf);
    CHECK_RC(shmipc_write(a, 0, buf, sizeof buf), SHMIPC_OK);
    memset(buf, 0, sizeof buf);
    CHECK_RC(shmipc_read(a, 0, buf, sizeof buf), SHMIPC_OK);
    CHECK(buf[0] == 0x41 && buf[8191] == 0x41, "read back");
    uint64_t v = 0;
    shmipc_version(a, 1, &v);
    CHECK(v == 1, "version %llu", (unsigned long long)v);
    CHECK(shmipc_lock_word(a, 0) == (UINT64_C(2) << 16), "released: %#llx", (unsigned long long)shmipc_lock_word(a, 0));
    CHECK(shmipc_lease_holder(a, 0) == 0 && shmipc_sleepers(a, 0) == 0, "a write leases nothing, registers nothing");
    /* A waiter on an unleased page of a version-4 segment uses W, as in version 2. */
    shmipc_segment *b = open_sleepy("v4");
    CHECK(shmipc_layout_version(b) == 4, "reopened: %d", shmipc_layout_version(b));
    shmipc_close(b);
    shmipc_segment *v2 = create_seg("v4-v2", 1, 64);
    CHECK(shmipc_layout_version(v2) == 2 && shmipc_sleepers(v2, 0) == 0, "this client creates version 2");
    shmipc_close(v2);
    shmipc_close(a);
}

struct sole_waiter {
    shmipc_segment *seg;
    int kind; /* 0: await_change(page, seen), 1: read one byte of page */
    int32_t page;
    uint64_t seen;
    int rc;
    uint64_t version;
    unsigned char byte;
    atomic_int done;
};

static void *sole_wait_thread(void *p)
{
    struct sole_waiter *a = p;
    if (a->kind == 0) a->rc = shmipc_await_change(a->seg, a->page, a->seen, INT64_C(60000000000), &a->version);
    else a->rc = shmipc_read(a->seg, (int64_t)a->page * shmipc_page_size(a->seg), &a->byte, 1);
    atomic_store(&a->done, 1);
    return NULL;
}

/* Samples a lock word until told to stop, OR-ing every value seen: did any waiter ever set W on it? */
struct word_watch {
    _Atomic uint64_t *word;
    atomic_int stop;
    uint64_t seen;
    long samples;
};

static void *watch_thread(void *p)
{
    struct word_watch *a = p;
    while (!atomic_load(&a->stop)) {
        a->seen |= atomic_load(a->word);
        a->samples++;
        nap_us(50);
    }
    return NULL;
}

/* Waits (at most 10 s) until page's sleepers word is 1 and at least `sleeps` sleeps were counted. */
static int await_sleepers(shmipc_segment *seg, _Atomic uint64_t *sleepers, int64_t sleeps)
{
    for (int i = 0; i < 10000; i++) {
        if (atomic_load(sleepers) == 1 && shmipc_counter(seg, SHMIPC_COUNTER_SLEEPS) >= sleeps) return 1;
        nap_us(1000);
    }
    return 0;
}

/* A sole writer (FORMAT.md 7.7), as Java's ExclusiveWriter on JDK 22+ writes a page it holds the lease of. */
static uint64_t sole_take(_Atomic uint64_t *lock, uint64_t even, uint64_t own)
{
    uint64_t held = ((even & ~(SHMIPC_OWNER_MASK | SHMIPC_WAITERS_BIT)) + SHMIPC_SEQ_ONE) | own;
    atomic_store_explicit(lock, held, memory_order_relaxed);  /* a plain store: no compare-and-swap */
    atomic_thread_fence(memory_order_release);                  /* the odd word before any byte of the data */
    return held;
}

static uint64_t sole_release(_Atomic uint64_t *lock, _Atomic uint64_t *sleepers, uint64_t held, unsigned char *data,
                             size_t n, unsigned char value)
{
    memset(data, value, n);
    uint64_t even = (held & ~(SHMIPC_OWNER_MASK | SHMIPC_WAITERS_BIT | SHMIPC_TORN_BIT)) + SHMIPC_SEQ_ONE;
    atomic_store_explicit(lock, even, memory_order_release);   /* the data before the even word */
    atomic_thread_fence(memory_order_seq_cst);                  /* the even word before the sleepers' load */
    if (atomic_load_explicit(sleepers, memory_order_relaxed) != 0) {
        atomic_store_explicit(sleepers, 0, memory_order_relaxed);
        syscall(SYS_futex, (uint32_t *)(void *)lock, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
    }
    return even;
}

static void test_v4_waiters_on_a_leased_page_register_as_sleepers_and_the_sole_writer_wakes_them(void)
{
    make_version("sole-wait", 1, 64, SHMIPC_SOLE_LAYOUT_VERSION);
    shmipc_segment *holder = open_seg("sole-wait", 1000); /* the leaseholder: a live slot */
    shmipc_segment *waiter = open_sleepy("sole-wait");
    size_t len;
    unsigned char *m = map_file("sole-wait", &len);
    unsigned char *data = m + shmipc_data_offset(waiter);
    uint64_t own = (uint64_t)shmipc_owner_slot(holder);
    _Atomic uint64_t *lock = word_at(m, 0), *sleepers = sleepers_at(m, 0);
    atomic_store(lease_at(m, 0), own);
    struct word_watch watch = {lock, 0, 0, 0};
    pthread_t watcher;
    pthread_create(&watcher, NULL, watch_thread, &watch);
    uint64_t even = atomic_load(lock);

    /* 1. await_change on the leased page, free and idle: the waiter registers and sleeps on the free word. */
    struct sole_waiter a = {waiter, 0, 0, 0, 99, 0, 0, 0};
    pthread_t ta;
    pthread_create(&ta, NULL, sole_wait_thread, &a);
    CHECK(await_sleepers(waiter, sleepers, 1), "the waiter registered (sleepers %llu) and slept (%lld sleeps)",
          (unsigned long long)atomic_load(sleepers), (long long)shmipc_counter(waiter, SHMIPC_COUNTER_SLEEPS));
    nap_us(20000);
    CHECK(atomic_load(sleepers) == 1 && !atomic_load(&a.done), "asleep, registered: sleepers %llu",
          (unsigned long long)atomic_load(sleepers));
    CHECK(atomic_load(lock) == even, "no W on the leased page: %#llx", (unsigned long long)atomic_load(lock));
    int64_t woken = monotonic_ms();
    even = sole_release(lock, sleepers, sole_take(lock, even, own), data, 64, 0x5A);
    pthread_join(ta, NULL);
    /* Not a performance figure: without the wake the waiter would return only after its 60 s sleep. */
    CHECK(monotonic_ms() - woken < 30000, "woken by the sole writer's FUTEX_WAKE, not by its 60 s timeout");
    CHECK(a.rc == SHMIPC_OK && a.version == 1, "await_change: %d version %llu", a.rc, (unsigned long long)a.version);
    CHECK(atomic_load(sleepers) == 0, "the sole writer cleared the sleepers word");

    /* 2. A reader and await_change on the page while the sole writer holds it: both sleep on the held word. */
    uint64_t held = sole_take(lock, even, own);
    int64_t sleeps = shmipc_counter(waiter, SHMIPC_COUNTER_SLEEPS);
    struct sole_waiter b = {waiter, 1, 0, 0, 99, 0, 0, 0}, c = {waiter, 0, 0, 1, 99, 0, 0, 0};
    pthread_t tb, tc;
    pthread_create(&tb, NULL, sole_wait_thread, &b);
    pthread_create(&tc, NULL, sole_wait_thread, &c);
    CHECK(await_sleepers(waiter, sleepers, sleeps + 2), "both registered (sleepers %llu) and slept (%lld sleeps)",
          (unsigned long long)atomic_load(sleepers), (long long)shmipc_counter(waiter, SHMIPC_COUNTER_SLEEPS));
    nap_us(20000);
    CHECK(atomic_load(sleepers) == 1 && !atomic_load(&b.done) && !atomic_load(&c.done), "asleep, registered");
    CHECK(atomic_load(lock) == held, "no W on the held leased page: %#llx", (unsigned long long)atomic_load(lock));
    woken = monotonic_ms();
    even = sole_release(lock, sleepers, held, data, 64, 0x6B);
    pthread_join(tb, NULL);
    pthread_join(tc, NULL);
    CHECK(monotonic_ms() - woken < 30000, "woken by the sole writer's FUTEX_WAKE, not by their 60 s timeouts");
    CHECK(b.rc == SHMIPC_OK && b.byte == 0x6B, "read: %d byte %#x", b.rc, b.byte);
    CHECK(c.rc == SHMIPC_OK && c.version == 2, "await_change: %d version %llu", c.rc, (unsigned long long)c.version);
    CHECK(atomic_load(sleepers) == 0, "the sole writer cleared the sleepers word");

    atomic_store(&watch.stop, 1);
    pthread_join(watcher, NULL);
    CHECK(watch.samples > 0 && !(watch.seen & SHMIPC_WAITERS_BIT), "W never seen in %ld samples", watch.samples);
    CHECK(atomic_load(lock) == even && even == (UINT64_C(4) << 16), "the sole writer's word: %#llx",
          (unsigned long long)atomic_load(lock));
    CHECK(shmipc_counter(waiter, SHMIPC_COUNTER_OWNER_RECOVERIES) == 0, "no recovery");
    munmap(m, len);
    shmipc_close(waiter);
    shmipc_close(holder);
}

static void test_v4_recoveries_and_voided_leases_wake_the_sleepers(void)
{
    make_version("sole-dead", 3, 64, SHMIPC_SOLE_LAYOUT_VERSION);
    shmipc_segment *waiter = open_sleepy("sole-dead");
    shmipc_segment *recoverer = open_seg("sole-dead", 50);
    shmipc_segment *gone = open_seg("sole-dead", 1000);
    uint64_t dead = (uint64_t)shmipc_owner_slot(gone);
    shmipc_close(gone); /* its slot's lock is gone: a sole writer that died */
    size_t len;
    unsigned char *m = map_file("sole-dead", &len);
    for (int p = 0; p < 3; p++) atomic_store(lease_at(m, p), dead);
    atomic_store(word_at(m, 0), SHMIPC_SEQ_ONE | dead); /* pages 0 and 1: held by the dead sole writer */
    atomic_store(word_at(m, 1), SHMIPC_SEQ_ONE | dead);
    struct sole_waiter w0 = {waiter, 1, 0, 0, 99, 0, 0, 0}, w1 = {waiter, 1, 1, 0, 99, 0, 0, 0},
                       w2 = {waiter, 0, 2, 0, 99, 0, 0, 0};
    pthread_t t0, t1, t2;
    pthread_create(&t0, NULL, sole_wait_thread, &w0);
    pthread_create(&t1, NULL, sole_wait_thread, &w1);
    pthread_create(&t2, NULL, sole_wait_thread, &w2);
    CHECK(await_sleepers(waiter, sleepers_at(m, 0), 3) && await_sleepers(waiter, sleepers_at(m, 1), 3) &&
              await_sleepers(waiter, sleepers_at(m, 2), 3),
          "the three waiters registered and slept");

    /* Section 10: a reader finds page 0's holder dead and releases it torn; the sleeper there wakes. */
    int64_t woken = monotonic_ms();
    unsigned char byte;
    CHECK_RC(shmipc_read(recoverer, 0, &byte, 1), SHMIPC_ERR_TORN);
    pthread_join(t0, NULL);
    CHECK(monotonic_ms() - woken < 30000, "woken by the recovery, not by its 60 s timeout");
    CHECK(w0.rc == SHMIPC_ERR_TORN, "the sleeper's read: %d", w0.rc);
    CHECK(atomic_load(sleepers_at(m, 0)) == 0, "sleepers cleared");

    /* Section 7.6: a writer voids page 2's dead lease; the sleeper there (no W: the page was leased) wakes. The
       wake follows the take's compare-and-swap (section 7.7): once the write returns the sleepers word is 0. */
    woken = monotonic_ms();
    CHECK_RC(shmipc_write(recoverer, 2 * 64, "x", 1), SHMIPC_OK);
    CHECK(atomic_load(sleepers_at(m, 2)) == 0, "the voiding write cleared the sleepers word: %llu",
          (unsigned long long)atomic_load(sleepers_at(m, 2)));
    pthread_join(t2, NULL);
    CHECK(monotonic_ms() - woken < 30000, "woken by the voiding, not by its 60 s timeout");
    CHECK(w2.rc == SHMIPC_OK && w2.version == 1, "await_change: %d version %llu", w2.rc,
          (unsigned long long)w2.version);
    CHECK(atomic_load(lease_at(m, 2)) == 0, "the dead lease voided");
    CHECK(!atomic_load(&w1.done), "page 1's sleeper still asleep");

    /* Section 9: a new handle claims the dead slot, releases page 1 torn and clears its leases; the sleeper wakes,
       by the release's change of the lock word (clearing a lease alone changes none, and may leave a sleeper
       asleep until its bounded timeout: not relied on here). */
    woken = monotonic_ms();
    shmipc_segment *fresh = open_seg("sole-dead", 1000);
    CHECK(shmipc_owner_slot(fresh) == (int)dead, "claimed slot %d, the dead one was %d", shmipc_owner_slot(fresh),
          (int)dead);
    pthread_join(t1, NULL);
    CHECK(monotonic_ms() - woken < 30000, "woken by the claim, not by its 60 s timeout");
    CHECK(w1.rc == SHMIPC_ERR_TORN, "the sleeper's read: %d", w1.rc);
    CHECK(atomic_load(sleepers_at(m, 1)) == 0 && atomic_load(lease_at(m, 0)) == 0 && atomic_load(lease_at(m, 1)) == 0,
          "sleepers and leases cleared");
    munmap(m, len);
    shmipc_close(fresh);
    shmipc_close(recoverer);
    shmipc_close(waiter);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Slots, fork, O_CLOEXEC                                                                                       */
/* ---------------------------------------------------------------------------------------------------------- */

static void test_closing_one_handle_keeps_the_others_slot(void)
{
    shmipc_segment *a = create_seg("ofd", 1, 64);
    shmipc_segment *b = open_seg("ofd", 1000);
    shmipc_segment *c = open_seg("ofd", 1000);
    int slot_b = shmipc_owner_slot(b);
    shmipc_close(c); /* with process-wide (F_SETLK) locks this would drop b's slot too */
    shmipc_segment *d = open_seg("ofd", 1000);
    CHECK(shmipc_owner_slot(d) != slot_b, "b's slot %d is still held (d got %d)", slot_b, shmipc_owner_slot(d));
    shmipc_close(d);
    shmipc_close(b);
    shmipc_close(a);
}

static void test_descriptor_is_close_on_exec(void)
{
    shmipc_segment *a = create_seg("cloexec", 1, 64);
    DIR *fds = opendir("/proc/self/fd");
    int found = 0;
    struct dirent *e;
    while ((e = readdir(fds)) != NULL) {
        char link[PATH_MAX], target[PATH_MAX];
        snprintf(link, sizeof link, "/proc/self/fd/%s", e->d_name);
        ssize_t n = readlink(link, target, sizeof target - 1);
        if (n <= 0) continue;
        target[n] = '\0';
        if (strcmp(target, shmipc_path(a)) == 0) {
            found = 1;
            CHECK(fcntl(atoi(e->d_name), F_GETFD) & FD_CLOEXEC, "FD_CLOEXEC on fd %s", e->d_name);
        }
    }
    closedir(fds);
    CHECK(found, "found the segment's descriptor");
    shmipc_close(a);
}

static void test_forked_child_cannot_write_through_inherited_handle(void)
{
    shmipc_segment *a = create_seg("fork", 1, 64);
    pid_t pid = fork();
    if (pid == 0) {
        int rc = shmipc_write(a, 0, "c", 1);
        char buf[1];
        int read_rc = shmipc_read(a, 0, buf, 1);
        shmipc_close(a); /* closes the child's copy only */
        _exit(rc == SHMIPC_ERR_FORKED && read_rc == SHMIPC_OK ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child: write refused, read allowed");
    CHECK_RC(shmipc_write(a, 0, "p", 1), SHMIPC_OK);
    shmipc_segment *b = open_seg("fork", 1000);
    CHECK(shmipc_owner_slot(b) != shmipc_owner_slot(a), "the parent's slot survived the child's close");
    shmipc_close(b);
    shmipc_close(a);
}

/* ---------------------------------------------------------------------------------------------------------- */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

#define RUN(test)                                                                                                   \
    do {                                                                                                            \
        int before_ = failures;                                                                                     \
        test();                                                                                                     \
        printf("%s %s\n", failures == before_ ? "ok  " : "FAIL", #test);                                            \
        fflush(stdout);                                                                                             \
    } while (0)

int main(void)
{
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(dir, sizeof dir, "%s/shmipc-ctest-XXXXXX", base);
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_create_open_unlink);
    RUN(test_mode_is_exact);
    RUN(test_bad_arguments);
    RUN(test_versions_and_torn_bit_rules);
    RUN(test_hostile_files);
    RUN(test_concurrent_writers_and_readers_never_tear);
    RUN(test_await_change_sleeps_and_is_woken);
    RUN(test_reader_recovers_a_killed_writer);
    RUN(test_writer_takes_a_killed_writers_page_over);
    RUN(test_claiming_a_dead_slot_releases_its_pages);
    RUN(test_a_live_slow_writer_is_never_taken_over);
    RUN(test_release_keeps_a_waiters_bit_benign_and_detects_lost_ownership);
    RUN(test_leased_segments_open_and_read_and_write_unleased_pages);
    RUN(test_a_page_leased_to_a_live_process_is_refused_untouched);
    RUN(test_a_dead_processs_lease_is_cleared_by_the_next_writer);
    RUN(test_claiming_a_dead_slot_clears_its_leases);
    RUN(test_a_page_taken_over_and_found_leased_is_given_back_torn);
    RUN(test_waiters_never_set_w_on_a_held_page);
    RUN(test_v4_segment_opens_reads_and_writes_unleased_pages);
    RUN(test_a_page_leased_to_a_live_process_is_refused_untouched_v4);
    RUN(test_a_dead_processs_lease_is_cleared_by_the_next_writer_v4);
    RUN(test_claiming_a_dead_slot_clears_its_leases_v4);
    RUN(test_v4_waiters_on_a_leased_page_register_as_sleepers_and_the_sole_writer_wakes_them);
    RUN(test_v4_recoveries_and_voided_leases_wake_the_sleepers);
    RUN(test_closing_one_handle_keeps_the_others_slot);
    RUN(test_descriptor_is_close_on_exec);
    RUN(test_forked_child_cannot_write_through_inherited_handle);
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    printf("%s: %d failed check(s), %d case(s) skipped\n", failures == 0 ? "PASSED" : "FAILED", failures, skipped);
    return failures == 0 ? 0 : 1;
}
