/*
 * shmipc: a C11 client of shm-ipc segments, layout versions 2, 3 and 4. Every step below is a step of docs/FORMAT.md;
 * the section numbers in the comments point there.
 */
#define _GNU_SOURCE /* F_OFD_SETLK, F_OFD_GETLK, syscall() */
#include "shmipc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "shm-ipc segments are little-endian; this client supports little-endian CPUs only"
#endif
#if !defined(__x86_64__) && !defined(__aarch64__)
#warning "shmipc is tested on x86-64 and aarch64 Linux only"
#endif

/* Header field offsets (section 3.1). */
enum {
    OFF_MAGIC = 0,
    OFF_VERSION = 8,
    OFF_HEADER_LENGTH = 12,
    OFF_PAGE_SIZE = 16,
    OFF_PAGE_COUNT = 20,
    OFF_LOCK_TABLE = 24,
    OFF_DATA = 32,
    OFF_FILE_LENGTH = 40,
    OFF_CREATED = 48,
    OFF_CREATOR_PID = 56,
    OFF_COUNTERS = 128,
    COUNTER_STRIDE = 64
};

/*
 * Layout versions 3 and 4: page p's lease word is 8 bytes after its lock word, in the same lock-table entry; layout
 * version 4: its sleepers word 16 bytes after (section 3.2).
 */
#define LEASE_WORD_OFFSET SHMIPC_LEASE_WORD_OFFSET
#define SLEEPERS_WORD_OFFSET SHMIPC_SLEEPERS_WORD_OFFSET

/* Owner slot s is the record lock on byte 2^62 + s of the segment file (section 9). */
#define SLOT_LOCK_BASE (INT64_C(1) << 62)

#define NANOS_PER_MS INT64_C(1000000)
#define DEFAULT_INIT_TIMEOUT_MS 5000
#define DEFAULT_RECOVERY_TIMEOUT_MS 1000
/* A wait longer than this counts as a slow wait (counter 2). */
#define SLOW_WAIT_NS INT64_C(1000000)
/* A holder found alive is asked again after this long (capped by the recovery timeout). */
#define LIVENESS_RECHECK_NS INT64_C(10000000)
/* The default longest single FUTEX_WAIT (section 7.3): the bound on a wake-up nobody sends. */
#define DEFAULT_MAX_SLEEP_US 10000
#define MAX_MAX_SLEEP_US INT64_C(60000000)
/* Waiting: spin with a pause instruction, then yield, then sleep in FUTEX_WAIT. */
#define SPIN_ITERATIONS 1000u
#define YIELD_ITERATIONS 50u
#define INIT_POLL_NS INT64_C(1000000)
/* A waiter that may not set W on a held page backs off this long before it looks again (section 7.3). */
#define LEASE_BACKOFF_NS INT64_C(50000)
#define FILL_CHUNK 65536

struct shmipc_segment {
    unsigned char *base;  /* the whole file, mapped shared */
    int64_t file_length;
    int64_t data_offset;
    int32_t page_size;
    int32_t page_count;
    int32_t page_shift;
    int fd;               /* kept open: it carries the owner slot's lock */
    int slot;
    int layout_version;   /* 2, 3 or 4 (section 3.1) */
    int leases;           /* layout versions 3 and 4: every lock-table entry has a lease word (sections 3.2, 7.6) */
    int sleepers;         /* layout version 4: and a sleepers word (sections 3.2, 7.3, 7.7) */
    unsigned fork_generation;
    int64_t recovery_ns;
    int64_t recheck_ns;
    int64_t max_sleep_ns;
    atomic_int last_dead; /* the last slot a probe found dead: its pages are probed at once (section 10) */
    void (*write_hook)(void *);
    void *write_hook_arg;
    char *path;
    char *name;
};

/* ---------------------------------------------------------------------------------------------------------- */
/* Errors                                                                                                       */
/* ---------------------------------------------------------------------------------------------------------- */

static _Thread_local char error_message[768];
static _Thread_local int32_t error_page = -1;
static _Thread_local int error_slot;

__attribute__((format(printf, 2, 3))) static int fail(int code, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(error_message, sizeof error_message, format, args);
    va_end(args);
    return code;
}

const char *shmipc_last_error(void)
{
    return error_message;
}

int32_t shmipc_error_page(void)
{
    return error_page;
}

int shmipc_error_slot(void)
{
    return error_slot;
}

const char *shmipc_strerror(int code)
{
    switch (code) {
    case SHMIPC_OK: return "ok";
    case SHMIPC_ERR_ARG: return "bad argument";
    case SHMIPC_ERR_NOT_FOUND: return "segment not found";
    case SHMIPC_ERR_EXISTS: return "segment exists";
    case SHMIPC_ERR_INVALID: return "invalid segment";
    case SHMIPC_ERR_NOT_READY: return "segment not ready";
    case SHMIPC_ERR_ACCESS: return "access denied";
    case SHMIPC_ERR_IO: return "system resource error";
    case SHMIPC_ERR_TORN: return "torn page";
    case SHMIPC_ERR_LOST: return "lost ownership";
    case SHMIPC_ERR_NO_SLOT: return "no free owner slot";
    case SHMIPC_ERR_FORKED: return "handle inherited across fork";
    case SHMIPC_ERR_LEASED: return "page leased to another process";
    default: return "unknown error";
    }
}

/* An errno from open/mmap/ftruncate as one of our codes. */
static int errno_code(int err)
{
    switch (err) {
    case ENOENT: return SHMIPC_ERR_NOT_FOUND;
    case EEXIST: return SHMIPC_ERR_EXISTS;
    case EACCES:
    case EPERM: return SHMIPC_ERR_ACCESS;
    case ELOOP:
    case ENXIO:
    case EISDIR:
    case ENODEV: return SHMIPC_ERR_INVALID;
    default: return SHMIPC_ERR_IO;
    }
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Small helpers                                                                                                */
/* ---------------------------------------------------------------------------------------------------------- */

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void sleep_ns(int64_t ns)
{
    struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000), .tv_nsec = (long)(ns % 1000000000)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* Header fields are little-endian, as is the host (checked above). */
static int32_t get_i32(const unsigned char *p)
{
    int32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static int64_t get_i64(const unsigned char *p)
{
    int64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static void put_i32(unsigned char *p, int32_t v)
{
    memcpy(p, &v, sizeof v);
}

static void put_i64(unsigned char *p, int64_t v)
{
    memcpy(p, &v, sizeof v);
}

static int64_t align4096(int64_t v)
{
    return (v + 4095) & ~INT64_C(4095);
}

static int64_t data_offset_for(int32_t page_count)
{
    return align4096(SHMIPC_HEADER_LENGTH + (int64_t)page_count * SHMIPC_LOCK_STRIDE);
}

static inline _Atomic uint64_t *lock_word(const shmipc_segment *s, int32_t page)
{
    return (_Atomic uint64_t *)(s->base + SHMIPC_HEADER_LENGTH + (size_t)page * SHMIPC_LOCK_STRIDE);
}

/* Layout versions 3 and 4 only: the page's lease word, in the lock word's lock-table entry. */
static inline _Atomic uint64_t *lease_word_of(_Atomic uint64_t *lock)
{
    return (_Atomic uint64_t *)(void *)((unsigned char *)lock + LEASE_WORD_OFFSET);
}

/* Layout version 4 only: the page's sleepers word, in the lock word's lock-table entry. */
static inline _Atomic uint64_t *sleepers_word_of(_Atomic uint64_t *lock)
{
    return (_Atomic uint64_t *)(void *)((unsigned char *)lock + SLEEPERS_WORD_OFFSET);
}

static inline void count(const shmipc_segment *s, int counter)
{
    atomic_fetch_add_explicit((_Atomic int64_t *)(s->base + OFF_COUNTERS + counter * COUNTER_STRIDE), 1,
                              memory_order_relaxed);
}

static inline int owner_of(uint64_t word)
{
    return (int)(word & SHMIPC_OWNER_MASK);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Names, paths, options                                                                                        */
/* ---------------------------------------------------------------------------------------------------------- */

void shmipc_options_init(shmipc_options *options)
{
    memset(options, 0, sizeof *options);
    options->page_size = SHMIPC_DEFAULT_PAGE_SIZE;
    options->page_count = 1;
    options->mode = 0600;
    options->init_timeout_ms = DEFAULT_INIT_TIMEOUT_MS;
    options->recovery_timeout_ms = DEFAULT_RECOVERY_TIMEOUT_MS;
    options->max_sleep_us = DEFAULT_MAX_SLEEP_US;
}

static int check_options(const shmipc_options *o)
{
    if (o->max_sleep_us < 1 || o->max_sleep_us > MAX_MAX_SLEEP_US)
        return fail(SHMIPC_ERR_ARG, "max_sleep_us %lld is outside 1..%lld", (long long)o->max_sleep_us,
                    (long long)MAX_MAX_SLEEP_US);
    if (o->recovery_timeout_ms < 0)
        return fail(SHMIPC_ERR_ARG, "recovery_timeout_ms %lld is negative", (long long)o->recovery_timeout_ms);
    if (o->init_timeout_ms < 0)
        return fail(SHMIPC_ERR_ARG, "init_timeout_ms %lld is negative", (long long)o->init_timeout_ms);
    return SHMIPC_OK;
}

/* Well-formed UTF-8 (no overlong forms, no surrogates, at most U+10FFFF). */
static int valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t len;
        unsigned min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            len = 2, min = 0x80, c &= 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3, min = 0x800, c &= 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4, min = 0x10000, c &= 0x07;
        } else {
            return 0;
        }
        if (i + len > n) return 0;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80) return 0;
            c = (c << 6) | (s[i + k] & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
        i += len;
    }
    return 1;
}

/* Section 1: 1 to 255 bytes of UTF-8, no '/', not "." or "..". (A C string holds no NUL.) */
static int check_name(const char *name)
{
    if (name == NULL) return fail(SHMIPC_ERR_ARG, "segment name is NULL");
    size_t n = strlen(name);
    if (n == 0) return fail(SHMIPC_ERR_ARG, "segment name is empty");
    if (n > SHMIPC_MAX_NAME_BYTES)
        return fail(SHMIPC_ERR_ARG, "segment name is %zu bytes long; the limit is %d (name starts '%.16s...')", n,
                    SHMIPC_MAX_NAME_BYTES, name);
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return fail(SHMIPC_ERR_ARG, "segment name '%s' is not allowed", name);
    if (strchr(name, '/') != NULL)
        return fail(SHMIPC_ERR_ARG, "segment name '%s' contains '/'; a name is one file name", name);
    if (!valid_utf8((const unsigned char *)name, n))
        return fail(SHMIPC_ERR_ARG, "segment name '%s' is not valid UTF-8", name);
    return SHMIPC_OK;
}

static const char *default_directory(void)
{
    struct stat st;
    return stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp";
}

static int make_path(const char *directory, const char *name, char **out)
{
    const char *dir = directory != NULL ? directory : default_directory();
    size_t length = strlen(dir) + 1 + strlen(name) + 1;
    if (length > PATH_MAX) return fail(SHMIPC_ERR_ARG, "path %s/%s is longer than PATH_MAX (%d)", dir, name, PATH_MAX);
    char *path = malloc(length);
    if (path == NULL) return fail(SHMIPC_ERR_IO, "out of memory");
    size_t d = strlen(dir);
    memcpy(path, dir, d);
    path[d] = '/';
    memcpy(path + d + 1, name, strlen(name) + 1);
    *out = path;
    return SHMIPC_OK;
}

/* The layout's limits on a geometry (section 8); NULL if fine, else the problem (static storage). */
static int check_geometry(int32_t page_size, int32_t page_count, const char *where)
{
    if (page_size < SHMIPC_MIN_PAGE_SIZE || page_size > SHMIPC_MAX_PAGE_SIZE || (page_size & (page_size - 1)) != 0)
        return fail(SHMIPC_ERR_INVALID, "%spage size %d is not a power of two from %d to %d", where, page_size,
                    SHMIPC_MIN_PAGE_SIZE, SHMIPC_MAX_PAGE_SIZE);
    if (page_count < 1) return fail(SHMIPC_ERR_INVALID, "%spage count %d is below 1", where, page_count);
    int64_t file_length = data_offset_for(page_count) + (int64_t)page_size * page_count;
    if (file_length > SHMIPC_MAX_FILE_LENGTH)
        return fail(SHMIPC_ERR_INVALID, "%s%d pages of %d bytes need a file of %lld bytes; the limit is %lld", where,
                    page_count, page_size, (long long)file_length, (long long)SHMIPC_MAX_FILE_LENGTH);
    return SHMIPC_OK;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Fork                                                                                                         */
/* ---------------------------------------------------------------------------------------------------------- */

static atomic_uint fork_generation;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void on_fork_child(void)
{
    atomic_fetch_add_explicit(&fork_generation, 1, memory_order_relaxed);
}

static void register_atfork(void)
{
    pthread_atfork(NULL, NULL, on_fork_child);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Futex (section 7.3): the low 32 bits of a lock word, shared (not FUTEX_PRIVATE_FLAG)                         */
/* ---------------------------------------------------------------------------------------------------------- */

static void futex_wait(_Atomic uint64_t *word, uint32_t expected, int64_t timeout_ns)
{
    struct timespec ts = {.tv_sec = (time_t)(timeout_ns / 1000000000), .tv_nsec = (long)(timeout_ns % 1000000000)};
    /* EAGAIN (the word changed), EINTR and ETIMEDOUT are all normal: the caller re-checks. */
    syscall(SYS_futex, (uint32_t *)(void *)word, FUTEX_WAIT, expected, &ts, NULL, 0);
}

static void futex_wake(_Atomic uint64_t *word)
{
    syscall(SYS_futex, (uint32_t *)(void *)word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

/*
 * Section 7.7, wake_sleepers(p): in layout version 4, after this process changed the lock word of a page that was
 * (or may have been) leased: freed it, or took it after voiding its lease. A full fence (that change of the lock
 * word comes before the load of the sleepers word; with the waiter's exchange-then-load of the lock word, one of the
 * two sees the other), then wake the registered sleepers.
 */
static void wake_sleepers(const shmipc_segment *s, _Atomic uint64_t *lw)
{
    if (!s->sleepers) return;
    atomic_thread_fence(memory_order_seq_cst);
    _Atomic uint64_t *sleepers = sleepers_word_of(lw);
    if (atomic_load_explicit(sleepers, memory_order_relaxed) != 0) {
        atomic_store_explicit(sleepers, 0, memory_order_relaxed);
        futex_wake(lw);
    }
}

/*
 * Section 7.3, sleep(): sleep on a word whose current value is *w (the caller found its condition unmet). Sets W
 * with a compare-and-swap if it is clear; if that fails the word changed, and *w is the new value (no sleep).
 * Otherwise sleeps in FUTEX_WAIT for at most timeout_ns and reloads *w. W is never set on a held word (its holder
 * may release it with a plain store, which would erase W): the waiter backs off instead and reloads *w.
 * In layout version 4 a waiter on a leased page never sets W (its sole writer takes and releases it with plain
 * stores, section 7.7): it registers in the page's sleepers word, with an exchange (a full barrier), reloads the
 * word, and sleeps on it if it is still *w, held or not; the sole writer's release, after a full fence, sees the
 * registration and wakes.
 */
static void sleep_on(const shmipc_segment *s, _Atomic uint64_t *lw, uint64_t *w, int64_t timeout_ns)
{
    uint64_t current = *w;
    if (s->sleepers && atomic_load_explicit(lease_word_of(lw), memory_order_acquire) != 0) {
        /* the exchange, a full barrier, comes before the reload (seq_cst: also on a CPU whose exchange is a
           load-linked/store-conditional pair): with the sole writer's store-fence-load, one sees the other */
        atomic_exchange_explicit(sleepers_word_of(lw), 1, memory_order_seq_cst);
        uint64_t now = atomic_load_explicit(lw, memory_order_seq_cst);
        if (now != current) { /* changed: look again, no sleep */
            *w = now;
            return;
        }
        count(s, SHMIPC_COUNTER_SLEEPS);
        futex_wait(lw, (uint32_t)current, timeout_ns > s->max_sleep_ns ? s->max_sleep_ns : timeout_ns);
        *w = atomic_load_explicit(lw, memory_order_acquire);
        return;
    }
    if (!(current & SHMIPC_WAITERS_BIT)) {
        if (current & SHMIPC_HELD_BIT) {
            int64_t nap = timeout_ns < s->max_sleep_ns ? timeout_ns : s->max_sleep_ns;
            sleep_ns(nap < LEASE_BACKOFF_NS ? nap : LEASE_BACKOFF_NS);
            *w = atomic_load_explicit(lw, memory_order_acquire);
            return;
        }
        if (!atomic_compare_exchange_strong_explicit(lw, &current, current | SHMIPC_WAITERS_BIT,
                                                     memory_order_seq_cst, memory_order_acquire)) {
            *w = current;
            return;
        }
        current |= SHMIPC_WAITERS_BIT;
    }
    count(s, SHMIPC_COUNTER_SLEEPS);
    futex_wait(lw, (uint32_t)current, timeout_ns > s->max_sleep_ns ? s->max_sleep_ns : timeout_ns);
    *w = atomic_load_explicit(lw, memory_order_acquire);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Owner slots (section 9)                                                                                      */
/* ---------------------------------------------------------------------------------------------------------- */

static void slot_lock(struct flock *fl, short type, int slot)
{
    memset(fl, 0, sizeof *fl);
    fl->l_type = type;
    fl->l_whence = SEEK_SET;
    fl->l_start = (off_t)(SLOT_LOCK_BASE + slot);
    fl->l_len = 1;
    fl->l_pid = 0; /* required by the OFD commands */
}

/* Section 10: is the slot's last holder dead? Asks the kernel whether anyone holds the slot's lock. */
static int slot_is_dead(const shmipc_segment *s, int slot)
{
    struct flock fl;
    slot_lock(&fl, F_WRLCK, slot);
    if (fcntl(s->fd, F_OFD_GETLK, &fl) != 0) return 0; /* cannot tell: treat as alive */
    return fl.l_type == F_UNLCK;
}

/* Section 10: a page held by a slot already found dead is probed at once, others after the recovery timeout. */
static int64_t first_check_delay(shmipc_segment *s, uint64_t word)
{
    int holder = owner_of(word);
    return holder != 0 && holder == atomic_load_explicit(&s->last_dead, memory_order_relaxed) ? 0 : s->recovery_ns;
}

/* Probes the holder of a held word; owner 0 and this handle's own slot are never dead. Maintains last_dead. */
static int holder_is_dead(shmipc_segment *s, uint64_t word)
{
    int holder = owner_of(word);
    if (holder == 0 || holder == s->slot) return 0;
    int dead = slot_is_dead(s, holder);
    if (dead) {
        atomic_store_explicit(&s->last_dead, holder, memory_order_relaxed);
    } else {
        int expected = holder; /* the slot was claimed again by a live process: forget it */
        atomic_compare_exchange_strong_explicit(&s->last_dead, &expected, 0, memory_order_relaxed,
                                                memory_order_relaxed);
    }
    return dead;
}

/* The dead-owner release (sections 9 and 10): next even sequence, no owner, W cleared, T set. */
static inline uint64_t released_torn(uint64_t held)
{
    return ((held & ~(SHMIPC_OWNER_MASK | SHMIPC_WAITERS_BIT)) + SHMIPC_SEQ_ONE) | SHMIPC_TORN_BIT;
}

/*
 * Section 9: having just claimed `slot`, release as torn every page still held by its dead previous holder; then, in
 * layout versions 3 and 4, clear every lease word naming that slot (its leases died with it). In layout version 4
 * each page released wakes the page's registered sleepers after its CAS (section 7.7). Each lease cleared wakes them
 * too, but that changes no lock word, so a sleeper that registers too late for the wake's load may sleep until its
 * bounded timeout (sections 7.3, 7.7): harmless, not relied on.
 */
static void recover_slot(shmipc_segment *s, int slot)
{
    for (int32_t p = 0; p < s->page_count; p++) {
        _Atomic uint64_t *lw = lock_word(s, p);
        uint64_t w = atomic_load_explicit(lw, memory_order_acquire);
        while ((w & SHMIPC_HELD_BIT) && owner_of(w) == slot) {
            if (atomic_compare_exchange_strong_explicit(lw, &w, released_torn(w), memory_order_seq_cst,
                                                        memory_order_acquire)) {
                count(s, SHMIPC_COUNTER_OWNER_RECOVERIES);
                if (w & SHMIPC_WAITERS_BIT) futex_wake(lw);
                wake_sleepers(s, lw);
                break;
            }
        }
    }
    if (!s->leases) return;
    for (int32_t p = 0; p < s->page_count; p++) {
        uint64_t expected = (uint64_t)slot;
        _Atomic uint64_t *lw = lock_word(s, p);
        if (atomic_compare_exchange_strong_explicit(lease_word_of(lw), &expected, 0, memory_order_seq_cst,
                                                    memory_order_acquire))
            wake_sleepers(s, lw);
    }
}

/* Section 9: claim the lowest free slot with F_OFD_SETLK, then recover what its previous holder left held. */
static int claim_slot(shmipc_segment *s)
{
    for (int slot = 1; slot <= SHMIPC_MAX_OWNER; slot++) {
        struct flock fl;
        slot_lock(&fl, F_WRLCK, slot);
        if (fcntl(s->fd, F_OFD_SETLK, &fl) == 0) {
            s->slot = slot;
            recover_slot(s, slot);
            return SHMIPC_OK;
        }
        if (errno == EINTR) {
            slot--;
            continue;
        }
        if (errno != EAGAIN && errno != EACCES)
            return fail(SHMIPC_ERR_IO, "cannot lock owner slot %d of %s with F_OFD_SETLK: %s (needs Linux 3.15+)",
                        slot, s->path, strerror(errno));
    }
    return fail(SHMIPC_ERR_NO_SLOT, "segment %s: all %d owner slots are held by live processes", s->path,
                SHMIPC_MAX_OWNER);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Create, open, unlink, close (sections 4, 5, 6)                                                               */
/* ---------------------------------------------------------------------------------------------------------- */

static shmipc_segment *new_segment(const char *name, char *path, int fd, const shmipc_options *options)
{
    shmipc_segment *s = calloc(1, sizeof *s);
    char *name_copy = strdup(name);
    if (s == NULL || name_copy == NULL) {
        free(s);
        free(name_copy);
        return NULL;
    }
    pthread_once(&atfork_once, register_atfork);
    s->fd = fd;
    s->path = path;
    s->name = name_copy;
    s->base = MAP_FAILED;
    int64_t recovery_ms = options->recovery_timeout_ms;
    s->recovery_ns = recovery_ms > INT64_MAX / 4 / NANOS_PER_MS ? INT64_MAX / 4 : recovery_ms * NANOS_PER_MS;
    s->max_sleep_ns = options->max_sleep_us * 1000;
    s->recheck_ns = s->recovery_ns < LIVENESS_RECHECK_NS ? s->recovery_ns : LIVENESS_RECHECK_NS;
    s->fork_generation = atomic_load_explicit(&fork_generation, memory_order_relaxed);
    atomic_init(&s->last_dead, 0);
    return s;
}

static void free_segment(shmipc_segment *s)
{
    if (s->base != MAP_FAILED) munmap(s->base, (size_t)s->file_length);
    if (s->fd >= 0) close(s->fd);
    free(s->path);
    free(s->name);
    free(s);
}

static void set_geometry(shmipc_segment *s, int32_t page_size, int32_t page_count)
{
    s->page_size = page_size;
    s->page_count = page_count;
    s->page_shift = __builtin_ctz((unsigned)page_size);
    s->data_offset = data_offset_for(page_count);
    s->file_length = s->data_offset + (int64_t)page_size * page_count;
}

static int64_t free_bytes(const char *directory)
{
    struct statvfs sv;
    if (statvfs(directory, &sv) != 0) return -1;
    return (int64_t)sv.f_bavail * (int64_t)sv.f_frsize;
}

static int no_space(const char *path, const char *name, int64_t length)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash != NULL) *slash = '\0';
    return fail(SHMIPC_ERR_IO,
                "segment '%s' needs %lld bytes but %s has only %lld bytes free (in Docker, /dev/shm defaults to 64 "
                "MiB: raise it with --shm-size or compose's shm_size)",
                name, (long long)length, dir, (long long)free_bytes(dir));
}

/* Section 4 step 2: give the file its length by writing zeros, so a full tmpfs fails now with ENOSPC. */
static int fill_zeros(int fd, int64_t length, const char *path, const char *name)
{
    static const unsigned char zeros[FILL_CHUNK];
    int64_t done = 0;
    while (done < length) {
        size_t n = (size_t)(length - done < FILL_CHUNK ? length - done : FILL_CHUNK);
        ssize_t w = pwrite(fd, zeros, n, (off_t)done);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno == ENOSPC || errno == EDQUOT || errno == EFBIG) return no_space(path, name, length);
            return fail(SHMIPC_ERR_IO, "cannot write segment %s: %s", path, strerror(errno));
        }
        done += w;
    }
    return SHMIPC_OK;
}

/* Removes path only if it is still the file we created (dev, ino): never someone else's file. */
static void unlink_if_ours(const char *path, int fd)
{
    struct stat mine, now;
    if (fstat(fd, &mine) == 0 && lstat(path, &now) == 0 && mine.st_dev == now.st_dev && mine.st_ino == now.st_ino)
        unlink(path);
}

int shmipc_create(const char *name, const shmipc_options *options, shmipc_segment **out)
{
    shmipc_options defaults;
    if (options == NULL) {
        shmipc_options_init(&defaults);
        options = &defaults;
    }
    if (out == NULL) return fail(SHMIPC_ERR_ARG, "out is NULL");
    *out = NULL;
    int rc = check_name(name);
    if (rc == SHMIPC_OK) rc = check_options(options);
    if (rc != SHMIPC_OK) return rc;
    rc = check_geometry(options->page_size, options->page_count, "cannot create: ");
    if (rc != SHMIPC_OK) return SHMIPC_ERR_ARG;
    if ((options->mode & ~(mode_t)0777) != 0)
        return fail(SHMIPC_ERR_ARG, "mode %o has bits outside 0777", (unsigned)options->mode);
    char *path;
    rc = make_path(options->directory, name, &path);
    if (rc != SHMIPC_OK) return rc;

    int64_t length = data_offset_for(options->page_count) + (int64_t)options->page_size * options->page_count;
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", options->directory != NULL ? options->directory : default_directory());
    int64_t available = free_bytes(dir);
    if (available >= 0 && available < length) {
        rc = no_space(path, name, length);
        free(path);
        return rc;
    }

    /* Section 4 step 1: O_EXCL fails on any existing name, a symbolic link included; O_CLOEXEC keeps the slot's
       lock out of exec'd children (section 9). */
    int fd = open(path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        int err = errno;
        rc = err == EEXIST ? fail(SHMIPC_ERR_EXISTS, "segment '%s' already exists: %s", name, path)
                           : fail(errno_code(err) == SHMIPC_ERR_NOT_FOUND ? SHMIPC_ERR_IO : errno_code(err),
                                  "cannot create segment '%s' at %s: %s", name, path, strerror(err));
        free(path);
        return rc;
    }
    shmipc_segment *s = new_segment(name, path, fd, options);
    if (s == NULL) {
        unlink_if_ours(path, fd);
        close(fd);
        free(path);
        return fail(SHMIPC_ERR_IO, "out of memory");
    }
    set_geometry(s, options->page_size, options->page_count);
    /* The umask may have cleared bits the caller asked for: set the mode exactly. */
    if (fchmod(fd, options->mode) != 0) {
        rc = fail(SHMIPC_ERR_IO, "cannot set mode %o on %s: %s", (unsigned)options->mode, path, strerror(errno));
        goto failed;
    }
    rc = fill_zeros(fd, s->file_length, path, name);
    if (rc != SHMIPC_OK) goto failed;
    /* Step 3: map it. */
    s->base = mmap(NULL, (size_t)s->file_length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (s->base == MAP_FAILED) {
        rc = fail(SHMIPC_ERR_IO, "cannot map %s (%lld bytes): %s", path, (long long)s->file_length, strerror(errno));
        goto failed;
    }
    /* Step 4: every field but the magic; the lock table and the counters are zero already. */
    put_i32(s->base + OFF_VERSION, SHMIPC_LAYOUT_VERSION);
    s->layout_version = SHMIPC_LAYOUT_VERSION;
    put_i32(s->base + OFF_HEADER_LENGTH, SHMIPC_HEADER_LENGTH);
    put_i32(s->base + OFF_PAGE_SIZE, s->page_size);
    put_i32(s->base + OFF_PAGE_COUNT, s->page_count);
    put_i64(s->base + OFF_LOCK_TABLE, SHMIPC_HEADER_LENGTH);
    put_i64(s->base + OFF_DATA, s->data_offset);
    put_i64(s->base + OFF_FILE_LENGTH, s->file_length);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    put_i64(s->base + OFF_CREATED, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
    put_i64(s->base + OFF_CREATOR_PID, (int64_t)getpid());
    rc = claim_slot(s); /* step 6, before the first write */
    if (rc != SHMIPC_OK) goto failed;
    /* Step 5: publish. Whoever loads the magic with acquire and sees it sees every field above. */
    atomic_store_explicit((_Atomic uint64_t *)(s->base + OFF_MAGIC), SHMIPC_MAGIC, memory_order_release);
    *out = s;
    return SHMIPC_OK;

failed:
    unlink_if_ours(path, fd);
    free_segment(s);
    return rc;
}

/* Section 5 step 4: every header field against the rules and the file's actual size. */
static int validate_header(const unsigned char *h, int64_t actual_length, const char *where, int32_t *page_size,
                           int32_t *page_count, int32_t *layout_version)
{
    int32_t version = get_i32(h + OFF_VERSION);
    if (version == 1)
        return fail(SHMIPC_ERR_INVALID,
                    "%s has layout version 1; this library reads version %d, %d and %d: recreate the segment", where,
                    SHMIPC_LAYOUT_VERSION, SHMIPC_LEASES_LAYOUT_VERSION, SHMIPC_SOLE_LAYOUT_VERSION);
    if (version != SHMIPC_LAYOUT_VERSION && version != SHMIPC_LEASES_LAYOUT_VERSION &&
        version != SHMIPC_SOLE_LAYOUT_VERSION)
        return fail(SHMIPC_ERR_INVALID,
                    "%s has layout version %d; this library reads version %d, %d and %d (%d is %d with lease words, "
                    "%d is %d with sleepers words)",
                    where, version, SHMIPC_LAYOUT_VERSION, SHMIPC_LEASES_LAYOUT_VERSION, SHMIPC_SOLE_LAYOUT_VERSION,
                    SHMIPC_LEASES_LAYOUT_VERSION, SHMIPC_LAYOUT_VERSION, SHMIPC_SOLE_LAYOUT_VERSION,
                    SHMIPC_LEASES_LAYOUT_VERSION);
    int32_t header_length = get_i32(h + OFF_HEADER_LENGTH);
    if (header_length != SHMIPC_HEADER_LENGTH)
        return fail(SHMIPC_ERR_INVALID, "%s has header length %d, expected %d", where, header_length,
                    SHMIPC_HEADER_LENGTH);
    int32_t size = get_i32(h + OFF_PAGE_SIZE);
    int32_t count = get_i32(h + OFF_PAGE_COUNT);
    char prefix[PATH_MAX + 64];
    snprintf(prefix, sizeof prefix, "%s has a bad header: ", where);
    if (check_geometry(size, count, prefix) != SHMIPC_OK) return SHMIPC_ERR_INVALID;
    int64_t data_offset = data_offset_for(count);
    int64_t file_length = data_offset + (int64_t)size * count;
    int64_t lock_table = get_i64(h + OFF_LOCK_TABLE);
    if (lock_table != SHMIPC_HEADER_LENGTH)
        return fail(SHMIPC_ERR_INVALID, "%s has lock table offset %lld, expected %d", where, (long long)lock_table,
                    SHMIPC_HEADER_LENGTH);
    int64_t data = get_i64(h + OFF_DATA);
    if (data != data_offset)
        return fail(SHMIPC_ERR_INVALID, "%s has data offset %lld, expected %lld", where, (long long)data,
                    (long long)data_offset);
    int64_t length = get_i64(h + OFF_FILE_LENGTH);
    if (length != file_length)
        return fail(SHMIPC_ERR_INVALID, "%s has file length %lld, expected %lld", where, (long long)length,
                    (long long)file_length);
    if (actual_length != file_length)
        return fail(SHMIPC_ERR_INVALID,
                    "%s is %lld bytes long but its header (%d pages of %d bytes) needs %lld: the file was truncated "
                    "or extended",
                    where, (long long)actual_length, count, size, (long long)file_length);
    *page_size = size;
    *page_count = count;
    *layout_version = version;
    return SHMIPC_OK;
}

/* Section 5 steps 3 and 4: wait until the creator has published the header, then validate it. */
static int await_header(shmipc_segment *s, int64_t timeout_ms, const char *where)
{
    int64_t deadline =
        now_ns() + (timeout_ms > INT64_MAX / 4 / NANOS_PER_MS ? INT64_MAX / 4 : timeout_ms * NANOS_PER_MS);
    unsigned char *header = MAP_FAILED;
    int rc;
    for (;;) {
        struct stat st;
        if (fstat(s->fd, &st) != 0) {
            rc = fail(SHMIPC_ERR_IO, "cannot stat %s: %s", where, strerror(errno));
            break;
        }
        if (header == MAP_FAILED && st.st_size >= SHMIPC_HEADER_LENGTH) {
            header = mmap(NULL, SHMIPC_HEADER_LENGTH, PROT_READ, MAP_SHARED, s->fd, 0);
            if (header == MAP_FAILED) {
                rc = fail(SHMIPC_ERR_IO, "cannot map the header of %s: %s", where, strerror(errno));
                break;
            }
        }
        if (header != MAP_FAILED) {
            /* acquire: the fields read below are the ones written before the magic was published */
            uint64_t magic = atomic_load_explicit((_Atomic uint64_t *)(void *)header, memory_order_acquire);
            if (magic == SHMIPC_MAGIC) {
                int32_t page_size = 0, page_count = 0, version = 0;
                if (fstat(s->fd, &st) != 0) {
                    rc = fail(SHMIPC_ERR_IO, "cannot stat %s: %s", where, strerror(errno));
                    break;
                }
                rc = validate_header(header, (int64_t)st.st_size, where, &page_size, &page_count, &version);
                if (rc == SHMIPC_OK) {
                    set_geometry(s, page_size, page_count);
                    s->layout_version = version;
                    s->leases = version == SHMIPC_LEASES_LAYOUT_VERSION || version == SHMIPC_SOLE_LAYOUT_VERSION;
                    s->sleepers = version == SHMIPC_SOLE_LAYOUT_VERSION;
                }
                break;
            }
            if (magic != 0) {
                rc = fail(SHMIPC_ERR_INVALID, "%s is not a segment: magic 0x%016llx, expected 0x%016llx", where,
                          (unsigned long long)magic, (unsigned long long)SHMIPC_MAGIC);
                break;
            }
        }
        if (now_ns() >= deadline) {
            rc = fail(SHMIPC_ERR_NOT_READY,
                      "%s was not initialised within %lld ms (file length %lld, magic %s): it is not a segment, or "
                      "its creator is still initialising it or died doing so; unlink it if it is stale",
                      where, (long long)timeout_ms, (long long)st.st_size, header == MAP_FAILED ? "absent" : "0");
            break;
        }
        sleep_ns(INIT_POLL_NS);
    }
    if (header != MAP_FAILED) munmap(header, SHMIPC_HEADER_LENGTH);
    return rc;
}

int shmipc_open(const char *name, const shmipc_options *options, shmipc_segment **out)
{
    shmipc_options defaults;
    if (options == NULL) {
        shmipc_options_init(&defaults);
        options = &defaults;
    }
    if (out == NULL) return fail(SHMIPC_ERR_ARG, "out is NULL");
    *out = NULL;
    int rc = check_name(name);
    if (rc == SHMIPC_OK) rc = check_options(options);
    if (rc != SHMIPC_OK) return rc;
    char *path;
    rc = make_path(options->directory, name, &path);
    if (rc != SHMIPC_OK) return rc;
    char where[PATH_MAX + 32];
    snprintf(where, sizeof where, "segment '%s' at %s", name, path);

    /* Section 5 step 1: what is under the name, without following a link. */
    struct stat before;
    if (lstat(path, &before) != 0) {
        int err = errno;
        rc = err == ENOENT ? fail(SHMIPC_ERR_NOT_FOUND, "no segment '%s': %s does not exist", name, path)
                           : fail(errno_code(err), "cannot stat %s: %s", where, strerror(err));
        free(path);
        return rc;
    }
    rc = SHMIPC_OK;
    if (S_ISLNK(before.st_mode))
        rc = fail(SHMIPC_ERR_INVALID, "'%s' at %s is a symbolic link; segments are never opened through links", name,
                  path);
    else if (S_ISDIR(before.st_mode))
        rc = fail(SHMIPC_ERR_INVALID, "'%s' at %s is a directory, not a segment", name, path);
    else if (!S_ISREG(before.st_mode))
        rc = fail(SHMIPC_ERR_INVALID, "'%s' at %s is not a regular file (mode 0%o)", name, path,
                  (unsigned)before.st_mode);
    if (rc != SHMIPC_OK) {
        free(path);
        return rc;
    }

    /* O_NOFOLLOW: a link swapped in meanwhile fails with ELOOP. O_NONBLOCK: a FIFO swapped in does not block. */
    int fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        int err = errno;
        if (err == ENOENT)
            rc = fail(SHMIPC_ERR_NOT_FOUND, "no segment '%s': %s was removed while being opened", name, path);
        else if (err == ELOOP)
            rc = fail(SHMIPC_ERR_INVALID, "'%s' at %s was replaced by a symbolic link while being opened", name, path);
        else if (err == EACCES || err == EPERM)
            rc = fail(SHMIPC_ERR_ACCESS,
                      "permission denied opening %s for reading and writing (mode 0%o, owner uid %u; this process's "
                      "effective uid is %u)",
                      where, (unsigned)(before.st_mode & 07777), (unsigned)before.st_uid, (unsigned)geteuid());
        else
            rc = fail(errno_code(err), "cannot open %s: %s", where, strerror(err));
        free(path);
        return rc;
    }

    /* Step 2: the file opened is the one checked in step 1, and ours. */
    struct stat opened;
    if (fstat(fd, &opened) != 0) {
        rc = fail(SHMIPC_ERR_IO, "cannot stat %s: %s", where, strerror(errno));
    } else if (!S_ISREG(opened.st_mode) || opened.st_dev != before.st_dev || opened.st_ino != before.st_ino) {
        rc = fail(SHMIPC_ERR_INVALID, "'%s' at %s was replaced by another file while being opened", name, path);
    } else if (opened.st_uid != geteuid() && !options->allow_foreign_owner) {
        rc = fail(SHMIPC_ERR_ACCESS,
                  "%s is owned by uid %u, not by this process's effective uid %u; refusing it (a file planted by "
                  "another user?). Allow it with allow_foreign_owner if that user is trusted",
                  where, (unsigned)opened.st_uid, (unsigned)geteuid());
    }
    if (rc != SHMIPC_OK) {
        close(fd);
        free(path);
        return rc;
    }

    shmipc_segment *s = new_segment(name, path, fd, options);
    if (s == NULL) {
        close(fd);
        free(path);
        return fail(SHMIPC_ERR_IO, "out of memory");
    }
    rc = await_header(s, options->init_timeout_ms, where);
    if (rc != SHMIPC_OK) {
        free_segment(s);
        return rc;
    }
    s->base = mmap(NULL, (size_t)s->file_length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (s->base == MAP_FAILED) {
        rc = fail(SHMIPC_ERR_IO, "cannot map %s (%lld bytes): %s", where, (long long)s->file_length, strerror(errno));
        free_segment(s);
        return rc;
    }
    rc = claim_slot(s);
    if (rc != SHMIPC_OK) {
        free_segment(s);
        return rc;
    }
    *out = s;
    return SHMIPC_OK;
}

int shmipc_unlink(const char *name, const char *directory)
{
    int rc = check_name(name);
    if (rc != SHMIPC_OK) return rc;
    char *path;
    rc = make_path(directory, name, &path);
    if (rc != SHMIPC_OK) return rc;
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        rc = fail(SHMIPC_ERR_INVALID, "'%s' at %s is a directory, not a segment", name, path);
    } else if (unlink(path) != 0) {
        int err = errno;
        rc = err == ENOENT ? fail(SHMIPC_ERR_NOT_FOUND, "no segment '%s': %s does not exist", name, path)
                           : fail(errno_code(err), "cannot unlink segment '%s' at %s: %s", name, path, strerror(err));
    }
    free(path);
    return rc;
}

void shmipc_close(shmipc_segment *segment)
{
    /* close() of the last descriptor of the open file description releases the slot's lock. */
    if (segment != NULL) free_segment(segment);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Waiting for a held page, with dead-owner recovery (sections 7.3 and 10)                                       */
/* ---------------------------------------------------------------------------------------------------------- */

/*
 * Waits while page p's word (last seen as w) is held. Returns the first free word seen. If the holder is found
 * dead: a writer (writer != 0) takes the page over and returns the held word it set, with *took = 1; a reader
 * releases the page marked torn and returns that free word (T set).
 */
static uint64_t await_page(shmipc_segment *s, int32_t p, uint64_t w, int writer, int *took)
{
    _Atomic uint64_t *lw = lock_word(s, p);
    const int64_t start = now_ns();
    uint64_t watched = w & ~SHMIPC_WAITERS_BIT; /* the write being watched: W changes do not restart the clock */
    int64_t check_at = start + first_check_delay(s, w);
    int slow = 0;
    for (unsigned i = 0;; i++) {
        if (!(w & SHMIPC_HELD_BIT)) return w;
        if (i < SPIN_ITERATIONS) {
            cpu_relax();
            w = atomic_load_explicit(lw, memory_order_acquire);
            continue;
        }
        if (i < SPIN_ITERATIONS + YIELD_ITERATIONS) {
            sched_yield();
            w = atomic_load_explicit(lw, memory_order_acquire);
            continue;
        }
        int64_t now = now_ns();
        if (!slow && now - start > SLOW_WAIT_NS) {
            slow = 1;
            count(s, SHMIPC_COUNTER_SLOW_WAITS);
        }
        if ((w & ~SHMIPC_WAITERS_BIT) != watched) {
            watched = w & ~SHMIPC_WAITERS_BIT;
            check_at = now + first_check_delay(s, w);
        }
        if (now >= check_at) {
            if (holder_is_dead(s, w)) {
                uint64_t next = writer ? (w & ~SHMIPC_OWNER_MASK) | SHMIPC_TORN_BIT | (uint64_t)s->slot
                                       : released_torn(w);
                uint64_t expected = w;
                if (atomic_compare_exchange_strong_explicit(lw, &expected, next, memory_order_seq_cst,
                                                            memory_order_acquire)) {
                    count(s, SHMIPC_COUNTER_OWNER_RECOVERIES);
                    /* layout version 4: the dead holder may have been the page's sole writer; its sleepers, asleep
                       on the word just replaced, wake and look at the page as it now is (section 7.7) */
                    wake_sleepers(s, lw);
                    if (writer) {
                        *took = 1; /* W, if set, stays: this writer's release clears it and wakes */
                        return next;
                    }
                    if (w & SHMIPC_WAITERS_BIT) futex_wake(lw);
                    return next;
                }
                w = expected; /* the word changed: released, recovered by another waiter, or W set */
                continue;
            }
            check_at = now + s->recheck_ns;
        }
        int64_t until_check = check_at - now;
        sleep_on(s, lw, &w, until_check < 1000 ? 1000 : until_check);
    }
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Write (section 7.1)                                                                                          */
/* ---------------------------------------------------------------------------------------------------------- */

static int check_range(const shmipc_segment *s, int64_t offset, int64_t length, const void *buffer,
                       const char *buffer_name)
{
    int64_t capacity = (int64_t)s->page_size * s->page_count;
    if (offset < 0 || length < 0 || offset > capacity || length > capacity - offset)
        return fail(SHMIPC_ERR_ARG, "range [%lld, %lld + %lld) is outside the segment's %lld bytes", (long long)offset,
                    (long long)offset, (long long)length, (long long)capacity);
    if (buffer == NULL && length > 0) return fail(SHMIPC_ERR_ARG, "%s is NULL", buffer_name);
    return SHMIPC_OK;
}

/* Takes a free page: next odd sequence, owner bits replaced by this slot, W and T kept. */
static inline uint64_t locked_value(uint64_t free_word, int slot)
{
    return ((free_word & ~SHMIPC_OWNER_MASK) + SHMIPC_SEQ_ONE) | (uint64_t)slot;
}

/*
 * Releases page p, which this write took as `held`: a compare-and-swap from that exact value (or from it with W
 * added by a waiter) to the next even sequence, owner and W cleared, T cleared if the write covered the page.
 * Returns 0, or -1 if the page was no longer held by this write (lost ownership: nothing is stored).
 */
static int release_page(shmipc_segment *s, int32_t p, uint64_t held, int whole)
{
    _Atomic uint64_t *lw = lock_word(s, p);
    for (;;) {
        uint64_t next = (held & ~(SHMIPC_OWNER_MASK | SHMIPC_WAITERS_BIT)) + SHMIPC_SEQ_ONE;
        if (whole) next &= ~SHMIPC_TORN_BIT;
        uint64_t current = held;
        if (atomic_compare_exchange_strong_explicit(lw, &current, next, memory_order_seq_cst, memory_order_acquire)) {
            if (held & SHMIPC_WAITERS_BIT) futex_wake(lw);
            return 0;
        }
        if (current == (held | SHMIPC_WAITERS_BIT)) {
            held = current; /* a waiter registered meanwhile: benign */
            continue;
        }
        count(s, SHMIPC_COUNTER_LOST_OWNERSHIPS);
        return -1;
    }
}

/* Section 7.6: whether a lease word's holder is dead. A value outside 1..16383 names no slot a process can hold. */
static int lease_holder_is_dead(const shmipc_segment *s, uint64_t holder)
{
    return holder > SHMIPC_MAX_OWNER || slot_is_dead(s, (int)holder);
}

/*
 * Section 7.6, layout versions 3 and 4, before the compare-and-swap that takes free page p (its word loaded before
 * this call): refuses a page leased to another live process (SHMIPC_ERR_LEASED, the page untouched); voids the lease
 * of a dead one, and then sets *voided. The take's compare-and-swap from the word loaded before fails if a lease was
 * granted since then. In layout version 4 the caller wakes the page's sleepers after the compare-and-swap that then
 * takes the page (section 7.7), not here: only a change of the lock word makes a waiter that registers too late for
 * the wake's load find its word changed, and voiding the lease changes none.
 */
static int check_lease(shmipc_segment *s, int32_t p, int *voided)
{
    _Atomic uint64_t *lease = lease_word_of(lock_word(s, p));
    uint64_t holder = atomic_load_explicit(lease, memory_order_acquire);
    if (holder == 0 || holder == (uint64_t)s->slot) return SHMIPC_OK;
    if (!lease_holder_is_dead(s, holder)) {
        error_page = p;
        error_slot = (int)holder;
        return fail(SHMIPC_ERR_LEASED,
                    "page %d of segment '%s' is leased to the exclusive writer of owner slot %d (another live "
                    "process): only it may write the page until it closes the writer or exits; nothing was written",
                    p, s->name, (int)holder);
    }
    if (atomic_compare_exchange_strong_explicit(lease, &holder, 0, memory_order_seq_cst, memory_order_acquire))
        *voided = 1;
    return SHMIPC_OK; /* a dead process's lease is void */
}

/*
 * Takes page p for this write (section 7.1): stores in *held the word this write set and returns SHMIPC_OK; or, in
 * layout versions 3 and 4, returns SHMIPC_ERR_LEASED holding nothing (a page taken over from a dead holder and then
 * found leased is given back torn, as a failed write's). In layout version 4, if this write voided a dead holder's
 * lease it wakes the page's sleepers after the compare-and-swap that finally takes the page (section 7.7).
 */
static int lock_page(shmipc_segment *s, int32_t p, uint64_t *held)
{
    _Atomic uint64_t *lw = lock_word(s, p);
    uint64_t w = atomic_load_explicit(lw, memory_order_acquire);
    int contended = 0;
    int voided = 0; /* this write voided a dead holder's lease of p (section 7.6) */
    if (!(w & SHMIPC_HELD_BIT) && !s->leases) { /* layout version 2: no lease word to look at */
        uint64_t next = locked_value(w, s->slot);
        if (atomic_compare_exchange_strong_explicit(lw, &w, next, memory_order_seq_cst, memory_order_acquire)) {
            *held = next;
            return SHMIPC_OK;
        }
        contended = 1;
        count(s, SHMIPC_COUNTER_WRITE_CONTENDED);
    }
    for (;;) {
        if (w & SHMIPC_HELD_BIT) {
            if (!contended) {
                contended = 1;
                count(s, SHMIPC_COUNTER_WRITE_CONTENDED);
            }
            int took = 0;
            w = await_page(s, p, w, 1, &took);
            if (!took) continue;
            /* after a take-over (section 10): the same check; the take-over's CAS took the page already */
            int rc = s->leases ? check_lease(s, p, &voided) : SHMIPC_OK;
            if (rc != SHMIPC_OK) { /* T, set by the take-over, stays: released torn */
                release_page(s, p, w, 0);
                wake_sleepers(s, lw); /* a leased page freed (section 7.7) */
            } else {
                *held = w;
                if (voided) wake_sleepers(s, lw); /* the lease voided, the page taken (section 7.7) */
            }
            return rc;
        }
        if (s->leases) {
            int rc = check_lease(s, p, &voided);
            if (rc != SHMIPC_OK) {
                /* a lease granted since this write voided one: the grant changed the lock word (this write's CAS
                   failed on it), so the wake, harmless, still follows a change of the word */
                if (voided) wake_sleepers(s, lw);
                return rc;
            }
        }
        uint64_t next = locked_value(w, s->slot);
        if (atomic_compare_exchange_strong_explicit(lw, &w, next, memory_order_seq_cst, memory_order_acquire)) {
            *held = next;
            /* section 7.7: the wake follows the take's change of the lock word, never the voiding alone; a waiter
               that registers too late for this load then finds its word changed and does not sleep */
            if (voided) wake_sleepers(s, lw);
            return SHMIPC_OK;
        }
        if (!contended) {
            contended = 1;
            count(s, SHMIPC_COUNTER_WRITE_CONTENDED);
        }
    }
}

int shmipc_write(shmipc_segment *s, int64_t offset, const void *src, int64_t length)
{
    if (s == NULL) return fail(SHMIPC_ERR_ARG, "segment is NULL");
    int rc = check_range(s, offset, length, src, "src");
    if (rc != SHMIPC_OK) return rc;
    if (s->fork_generation != atomic_load_explicit(&fork_generation, memory_order_relaxed))
        return fail(SHMIPC_ERR_FORKED, "segment '%s': this handle was inherited across fork(); a child writes only "
                    "through handles it opened itself (shmipc_close this one and open the segment again)", s->name);
    if (length == 0) return SHMIPC_OK;
    int32_t first = (int32_t)(offset >> s->page_shift);
    int32_t last = (int32_t)((offset + length - 1) >> s->page_shift);
    int32_t n = last - first + 1;
    uint64_t stack_held[SHMIPC_STACK_PAGES];
    uint64_t *held = stack_held;
    if (n > SHMIPC_STACK_PAGES) {
        held = malloc((size_t)n * sizeof *held);
        if (held == NULL) return fail(SHMIPC_ERR_IO, "out of memory for a write of %d pages", n);
    }
    for (int32_t p = first; p <= last; p++) { /* ascending: no deadlock */
        rc = lock_page(s, p, &held[p - first]);
        if (rc != SHMIPC_OK) { /* a leased page: give back the pages taken, bytes untouched, T as it was */
            for (int32_t q = first; q < p; q++) release_page(s, q, held[q - first], 0);
            if (held != stack_held) free(held);
            return rc;
        }
    }
    /* release fence: the odd sequences become visible before any data store below */
    atomic_thread_fence(memory_order_release);
    unsigned char *dst = s->base + s->data_offset + offset;
    if (s->write_hook == NULL) {
        memcpy(dst, src, (size_t)length);
    } else {
        size_t half = (size_t)length / 2;
        memcpy(dst, src, half);
        s->write_hook(s->write_hook_arg);
        memcpy(dst + half, (const unsigned char *)src + half, (size_t)length - half);
    }
    int32_t lost_page = -1;
    for (int32_t p = first; p <= last; p++) {
        int64_t page_start = (int64_t)p * s->page_size;
        int whole = offset <= page_start && offset + length >= page_start + s->page_size;
        if (release_page(s, p, held[p - first], whole) != 0 && lost_page < 0) lost_page = p;
    }
    if (held != stack_held) free(held);
    if (lost_page >= 0) {
        error_page = lost_page;
        return fail(SHMIPC_ERR_LOST,
                    "write to segment '%s': page %d was no longer held by this write when it released it (another "
                    "process believed this one dead and took it over or released it); the bytes may be mixed with "
                    "another write",
                    s->name, lost_page);
    }
    return SHMIPC_OK;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Read (section 7.2)                                                                                           */
/* ---------------------------------------------------------------------------------------------------------- */

int shmipc_read(shmipc_segment *s, int64_t offset, void *dst, int64_t length)
{
    if (s == NULL) return fail(SHMIPC_ERR_ARG, "segment is NULL");
    int rc = check_range(s, offset, length, dst, "dst");
    if (rc != SHMIPC_OK) return rc;
    if (length == 0) return SHMIPC_OK;
    int32_t first = (int32_t)(offset >> s->page_shift);
    int32_t last = (int32_t)((offset + length - 1) >> s->page_shift);
    const unsigned char *src = s->base + s->data_offset + offset;
    for (;;) {
        uint64_t stamp = 0;
        int restart = 0;
        for (int32_t p = first; p <= last; p++) {
            /* acquire: the copy below cannot be performed before this load */
            uint64_t w = atomic_load_explicit(lock_word(s, p), memory_order_acquire);
            if (w & SHMIPC_HELD_BIT) {
                count(s, SHMIPC_COUNTER_READ_RETRIES); /* this attempt starts again after the wait */
                w = await_page(s, p, w, 0, NULL);
                restart = 1;
            }
            if (w & SHMIPC_TORN_BIT) {
                error_page = p;
                return fail(SHMIPC_ERR_TORN,
                            "page %d of segment '%s' may hold a torn write: its writer died while holding it; write "
                            "the whole page to clear it",
                            p, s->name);
            }
            if (restart) break;
            stamp += w >> 16;
        }
        if (restart) continue;
        memcpy(dst, src, (size_t)length);
        /* acquire fence: the copy's loads complete before the lock words are loaded again */
        atomic_thread_fence(memory_order_acquire);
        uint64_t sum = 0;
        int held = 0;
        for (int32_t p = first; p <= last; p++) {
            uint64_t w = atomic_load_explicit(lock_word(s, p), memory_order_acquire);
            if (w & SHMIPC_HELD_BIT) {
                held = 1;
                break;
            }
            sum += w >> 16;
        }
        if (!held && sum == stamp) return SHMIPC_OK;
        count(s, SHMIPC_COUNTER_READ_RETRIES);
    }
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Versions and waiting for a change (section 7.4)                                                              */
/* ---------------------------------------------------------------------------------------------------------- */

static int check_page(const shmipc_segment *s, int32_t page)
{
    if (s == NULL) return fail(SHMIPC_ERR_ARG, "segment is NULL");
    if (page < 0 || page >= s->page_count)
        return fail(SHMIPC_ERR_ARG, "page %d is outside 0..%d", page, s->page_count - 1);
    return SHMIPC_OK;
}

int shmipc_version(const shmipc_segment *s, int32_t page, uint64_t *version)
{
    int rc = check_page(s, page);
    if (rc != SHMIPC_OK) return rc;
    if (version == NULL) return fail(SHMIPC_ERR_ARG, "version is NULL");
    *version = atomic_load_explicit(lock_word(s, page), memory_order_acquire) >> 17;
    return SHMIPC_OK;
}

int shmipc_await_change(shmipc_segment *s, int32_t page, uint64_t seen, int64_t timeout_ns, uint64_t *version)
{
    int rc = check_page(s, page);
    if (rc != SHMIPC_OK) return rc;
    if (version == NULL) return fail(SHMIPC_ERR_ARG, "version is NULL");
    _Atomic uint64_t *lw = lock_word(s, page);
    uint64_t w = atomic_load_explicit(lw, memory_order_acquire);
    const int64_t deadline = now_ns() + (timeout_ns < 0 ? 0 : timeout_ns > INT64_MAX / 4 ? INT64_MAX / 4 : timeout_ns);
    for (unsigned i = 0;; i++) {
        if ((w >> 17) != seen) {
            *version = w >> 17;
            return SHMIPC_OK;
        }
        if (i < SPIN_ITERATIONS + YIELD_ITERATIONS) {
            if ((i & 63) == 63 && now_ns() >= deadline) break;
            if (i < SPIN_ITERATIONS) cpu_relax();
            else sched_yield();
            w = atomic_load_explicit(lw, memory_order_acquire);
            continue;
        }
        int64_t left = deadline - now_ns();
        if (left <= 0) break;
        sleep_on(s, lw, &w, left);
    }
    *version = seen;
    return SHMIPC_OK;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Accessors                                                                                                    */
/* ---------------------------------------------------------------------------------------------------------- */

uint64_t shmipc_lock_word(const shmipc_segment *s, int32_t page)
{
    if (s == NULL || page < 0 || page >= s->page_count) return 0;
    return atomic_load_explicit(lock_word(s, page), memory_order_acquire);
}

int shmipc_layout_version(const shmipc_segment *s)
{
    return s == NULL ? 0 : s->layout_version;
}

int shmipc_has_leases(const shmipc_segment *s)
{
    return s != NULL && s->leases;
}

int64_t shmipc_sleepers(const shmipc_segment *s, int32_t page)
{
    if (s == NULL || !s->sleepers || page < 0 || page >= s->page_count) return 0;
    return (int64_t)atomic_load_explicit(sleepers_word_of(lock_word(s, page)), memory_order_acquire);
}

int64_t shmipc_lease_holder(const shmipc_segment *s, int32_t page)
{
    if (s == NULL || !s->leases || page < 0 || page >= s->page_count) return 0;
    return (int64_t)atomic_load_explicit(lease_word_of(lock_word(s, page)), memory_order_acquire);
}

int64_t shmipc_counter(const shmipc_segment *s, int index)
{
    if (s == NULL || index < 0 || index >= SHMIPC_COUNTER_SLOTS) return 0;
    return atomic_load_explicit((_Atomic int64_t *)(s->base + OFF_COUNTERS + index * COUNTER_STRIDE),
                                memory_order_acquire);
}

int32_t shmipc_page_size(const shmipc_segment *s)
{
    return s->page_size;
}

int32_t shmipc_page_count(const shmipc_segment *s)
{
    return s->page_count;
}

int64_t shmipc_capacity(const shmipc_segment *s)
{
    return (int64_t)s->page_size * s->page_count;
}

int64_t shmipc_data_offset(const shmipc_segment *s)
{
    return s->data_offset;
}

int64_t shmipc_file_length(const shmipc_segment *s)
{
    return s->file_length;
}

int shmipc_owner_slot(const shmipc_segment *s)
{
    return s->slot;
}

const char *shmipc_path(const shmipc_segment *s)
{
    return s->path;
}

void shmipc_set_write_hook(shmipc_segment *s, void (*hook)(void *arg), void *arg)
{
    s->write_hook = hook;
    s->write_hook_arg = arg;
}
