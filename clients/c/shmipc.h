/*
 * shmipc: a C11 client of shm-ipc segments, layout versions 2, 3 and 4 (docs/FORMAT.md).
 *
 * A segment is a file (by default /dev/shm/NAME) holding a header, one lock word per page and the data pages.
 * Every read is a consistent snapshot of the bytes it covers and every write is atomic, across pages too, with
 * respect to every other reader and writer of the segment, in any process and any language (Java, C, Python).
 *
 *     shmipc_options options;
 *     shmipc_options_init(&options);
 *     shmipc_segment *seg;
 *     if (shmipc_open("quotes", &options, &seg) != SHMIPC_OK) {
 *         fprintf(stderr, "%s\n", shmipc_last_error());
 *         return 1;
 *     }
 *     char buf[64];
 *     int rc = shmipc_read(seg, 0, buf, sizeof buf);   // SHMIPC_OK, or SHMIPC_ERR_TORN
 *     shmipc_close(seg);
 *
 * Every function that can fail returns SHMIPC_OK (0) or a negative shmipc_error; the calling thread's
 * shmipc_last_error() then holds a message naming the bad value and the limit it broke.
 *
 * Threads: a handle may be used by any number of threads at once, except shmipc_close (no thread may be inside a
 * call on the handle, or start one, after it). Reads, writes of up to SHMIPC_STACK_PAGES pages, shmipc_version and
 * shmipc_await_change allocate nothing.
 *
 * Processes: each handle holds its own owner slot (an open-file-description lock on its own descriptor, opened
 * with O_CLOEXEC). After fork() the child must not write through a handle it inherited (shmipc_write refuses with
 * SHMIPC_ERR_FORKED): it calls shmipc_close on it, which closes only the child's copy, and opens the segment again.
 *
 * Leases (layout versions 3 and 4, FORMAT.md section 7.6): a segment a Java program created with leases(true) has a
 * lease word per page. This client reads such a segment as any other; its writes leave alone the pages whose lease
 * is held by another live process's exclusive writer (SHMIPC_ERR_LEASED, nothing written), and void the lease of a
 * dead one. It never creates leased segments nor takes leases.
 *
 * Sleepers (layout version 4, FORMAT.md sections 3.2, 7.3 and 7.7: what Java's leases(true) creates since
 * 2026-12-08): version 3 plus a sleepers word per page. Leases work as in version 3. A waiter on a leased page
 * registers in the page's sleepers word instead of setting W (the leaseholder may take and release the page with
 * plain stores, which would erase W), and sleeps on the futex word even while the page is held; this client wakes
 * such sleepers whenever it frees a leased page or voids a lease (a dead owner's recovery, a dead holder's lease).
 *
 * Signals: a write may be interrupted by a signal handler only if the handler returns; a handler that longjmps out
 * of shmipc_write leaves its pages held until the process exits. A file truncated by another process while mapped
 * raises SIGBUS on access, as with any mapping.
 */
#ifndef SHMIPC_H
#define SHMIPC_H

#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * The layout version this client creates; it reads, writes and waits on this one, SHMIPC_LEASES_LAYOUT_VERSION and
 * SHMIPC_SOLE_LAYOUT_VERSION.
 */
#define SHMIPC_LAYOUT_VERSION 2
/** Version 2 plus a lease word per page (FORMAT.md sections 3.2 and 7.6), created by Java's leases(true) before 4. */
#define SHMIPC_LEASES_LAYOUT_VERSION 3
/**
 * Version 3 plus a sleepers word per page (FORMAT.md sections 3.2, 7.3 and 7.7: the leaseholder may write its pages
 * without a compare-and-swap), created by Java's leases(true) since 2026-12-08.
 */
#define SHMIPC_SOLE_LAYOUT_VERSION 4
/** Layout versions 3 and 4: page p's lease word is at 4096 + p * 128 + SHMIPC_LEASE_WORD_OFFSET (section 3.2). */
#define SHMIPC_LEASE_WORD_OFFSET 8
/** Layout version 4: page p's sleepers word is at 4096 + p * 128 + SHMIPC_SLEEPERS_WORD_OFFSET (section 3.2). */
#define SHMIPC_SLEEPERS_WORD_OFFSET 16
/** "SHMIPC\0\0" read as a little-endian 64-bit integer. */
#define SHMIPC_MAGIC UINT64_C(0x00004350494D4853)
#define SHMIPC_HEADER_LENGTH 4096
#define SHMIPC_LOCK_STRIDE 128
#define SHMIPC_MIN_PAGE_SIZE 64
#define SHMIPC_MAX_PAGE_SIZE (1 << 30)
#define SHMIPC_DEFAULT_PAGE_SIZE 4096
#define SHMIPC_MAX_FILE_LENGTH INT64_C(2147483647)
#define SHMIPC_MAX_NAME_BYTES 255
#define SHMIPC_MAX_OWNER 0x3FFF
/** Writes of up to this many pages allocate nothing; longer ones allocate 8 bytes per page for the call. */
#define SHMIPC_STACK_PAGES 64

/* Lock word bits (FORMAT.md section 3.2). */
#define SHMIPC_SEQ_ONE (UINT64_C(1) << 16)
#define SHMIPC_HELD_BIT SHMIPC_SEQ_ONE
#define SHMIPC_TORN_BIT (UINT64_C(1) << 15)
#define SHMIPC_WAITERS_BIT (UINT64_C(1) << 14)
#define SHMIPC_OWNER_MASK UINT64_C(0x3FFF)

/** Header counters (FORMAT.md section 3.3). */
enum shmipc_counter {
    SHMIPC_COUNTER_READ_RETRIES = 0,
    SHMIPC_COUNTER_WRITE_CONTENDED = 1,
    SHMIPC_COUNTER_SLOW_WAITS = 2,
    SHMIPC_COUNTER_OWNER_RECOVERIES = 3,
    SHMIPC_COUNTER_LOST_OWNERSHIPS = 4,
    SHMIPC_COUNTER_SLEEPS = 5,
    SHMIPC_COUNTER_SLOTS = 8
};

/** Results. The Java exception with the same meaning is in brackets. */
enum shmipc_error {
    SHMIPC_OK = 0,
    /** A bad argument: a name, an offset or length out of range, a null pointer [IllegalArgumentException]. */
    SHMIPC_ERR_ARG = -1,
    /** open: the name does not exist [SegmentNotFoundException]. */
    SHMIPC_ERR_NOT_FOUND = -2,
    /** create: the name exists [SegmentExistsException]. */
    SHMIPC_ERR_EXISTS = -3,
    /** The name is not a usable segment: link, not a regular file, bad header, wrong size [InvalidSegmentException]. */
    SHMIPC_ERR_INVALID = -4,
    /** The header was not published within the init timeout [SegmentNotReadyException]. */
    SHMIPC_ERR_NOT_READY = -5,
    /** Owned by another user, or the mode does not allow reading and writing [SegmentAccessDeniedException]. */
    SHMIPC_ERR_ACCESS = -6,
    /** The system could not give a resource: descriptors, memory, space in the directory [SegmentIOException]. */
    SHMIPC_ERR_IO = -7,
    /** A read covered a page whose writer died mid-write; see shmipc_error_page() [TornPageException]. */
    SHMIPC_ERR_TORN = -8,
    /** A write's release found a page no longer held by that write (FORMAT.md section 7.1); bytes were written. */
    SHMIPC_ERR_LOST = -9,
    /** Every owner slot of the segment is held by a live process. */
    SHMIPC_ERR_NO_SLOT = -10,
    /** A write through a handle inherited across fork(); open the segment again in the child. */
    SHMIPC_ERR_FORKED = -11,
    /**
     * A write covered a page leased to another live process's exclusive writer (layout versions 3 and 4, FORMAT.md
     * section 7.6); nothing was written. shmipc_error_page() and shmipc_error_slot() name the page and the
     * lease holder's owner slot [PageLeasedException].
     */
    SHMIPC_ERR_LEASED = -12
};

/** Options of create and open; initialise with shmipc_options_init, then change what you need. */
typedef struct shmipc_options {
    /** Directory of the segment file; NULL: /dev/shm if it is a directory, else /tmp (as the Java library). */
    const char *directory;
    /** create: bytes per page, a power of two from 64 to 2^30 (default 4096). */
    int32_t page_size;
    /** create: number of pages, at least 1 (default 1). */
    int32_t page_count;
    /** create: file mode, set exactly with fchmod (default 0600: owner only). */
    mode_t mode;
    /** open: how long to wait for a creator that has not published the header yet (default 5000 ms). */
    int64_t init_timeout_ms;
    /** How long a page must stay held by one write before its holder's liveness is asked (default 1000 ms). */
    int64_t recovery_timeout_ms;
    /** open: accept a file owned by another user (default 0: refuse it). */
    int allow_foreign_owner;
    /**
     * The longest single sleep in FUTEX_WAIT, 1 us to 60 s (default 10000 us). A waiter re-checks at least this
     * often: it bounds the delay when the releaser cannot wake it (a JDK 17 process, a killed one).
     */
    int64_t max_sleep_us;
} shmipc_options;

/** An open segment; opaque. */
typedef struct shmipc_segment shmipc_segment;

/** Fills options with the defaults. */
void shmipc_options_init(shmipc_options *options);

/**
 * Creates segment name: fails with SHMIPC_ERR_EXISTS if the name exists (even as a dangling symbolic link).
 * Allocates every byte (a full file system fails here, not with SIGBUS later), publishes the header last and
 * claims an owner slot. On failure nothing is left under the name.
 */
int shmipc_create(const char *name, const shmipc_options *options, shmipc_segment **out);

/** Opens existing segment name, validating the file and every header field before mapping it; claims a slot. */
int shmipc_open(const char *name, const shmipc_options *options, shmipc_segment **out);

/**
 * Removes the name (a symbolic link is removed, not followed). Mapped users keep working.
 * directory NULL: the default directory. Returns SHMIPC_OK, or SHMIPC_ERR_NOT_FOUND if there was no such name.
 */
int shmipc_unlink(const char *name, const char *directory);

/** Unmaps the segment and closes the descriptor, which releases the owner slot. NULL is ignored. */
void shmipc_close(shmipc_segment *segment);

/**
 * Atomically copies length bytes from src to offset [offset, offset + length) of the data area. In a segment with
 * lease words, fails with SHMIPC_ERR_LEASED, writing nothing, if a page it covers is leased to another live process.
 */
int shmipc_write(shmipc_segment *segment, int64_t offset, const void *src, int64_t length);

/**
 * Copies length bytes from offset into dst: a consistent snapshot. SHMIPC_ERR_TORN if a page is marked torn
 * (nothing useful is in dst then; shmipc_error_page() names the page).
 */
int shmipc_read(shmipc_segment *segment, int64_t offset, void *dst, int64_t length);

/** Stores in *version the number of completed writes to page (modulo 2^47). */
int shmipc_version(const shmipc_segment *segment, int32_t page, uint64_t *version);

/**
 * Waits until page's version differs from seen, for at most timeout_ns (spinning briefly, then sleeping in
 * FUTEX_WAIT). Stores the new version in *version, or seen if the timeout elapsed first; returns SHMIPC_OK.
 */
int shmipc_await_change(shmipc_segment *segment, int32_t page, uint64_t seen, int64_t timeout_ns,
                        uint64_t *version);

/** The raw lock word of page (for tools and tests); 0 for a page out of range. */
uint64_t shmipc_lock_word(const shmipc_segment *segment, int32_t page);

/** The segment's layout version: SHMIPC_LAYOUT_VERSION, SHMIPC_LEASES_LAYOUT_VERSION or SHMIPC_SOLE_LAYOUT_VERSION. */
int shmipc_layout_version(const shmipc_segment *segment);

/** Whether the segment has lease words (layout versions 3 and 4): 1 or 0. */
int shmipc_has_leases(const shmipc_segment *segment);

/**
 * The lease word of page (for tools and tests): the owner slot whose exclusive writer holds the page's lease, or 0
 * if none; always 0 without lease words or for a page out of range. A dead process's lease stays until a writer of
 * the page, or the next claimer of its slot, clears it.
 */
int64_t shmipc_lease_holder(const shmipc_segment *segment, int32_t page);

/**
 * The sleepers word of page (for tools and tests, layout version 4): nonzero while a waiter may be asleep on the
 * leased page (FORMAT.md section 7.3); always 0 in other versions or for a page out of range.
 */
int64_t shmipc_sleepers(const shmipc_segment *segment, int32_t page);

/** The value of header counter index (0 to 7); 0 for an index out of range. */
int64_t shmipc_counter(const shmipc_segment *segment, int index);

int32_t shmipc_page_size(const shmipc_segment *segment);
int32_t shmipc_page_count(const shmipc_segment *segment);
/** page_size * page_count: the number of data bytes. */
int64_t shmipc_capacity(const shmipc_segment *segment);
/** File offset of the first data page, as the header says. */
int64_t shmipc_data_offset(const shmipc_segment *segment);
/** Length of the segment file, as the header says (and the file is). */
int64_t shmipc_file_length(const shmipc_segment *segment);
/** This handle's owner slot, 1 to SHMIPC_MAX_OWNER. */
int shmipc_owner_slot(const shmipc_segment *segment);
/** The segment file's path. */
const char *shmipc_path(const shmipc_segment *segment);

/** The calling thread's message for its last failed call ("" if none). */
const char *shmipc_last_error(void);
/** The page of the calling thread's last SHMIPC_ERR_TORN, SHMIPC_ERR_LOST or SHMIPC_ERR_LEASED (or -1). */
int32_t shmipc_error_page(void);
/** The lease holder's owner slot of the calling thread's last SHMIPC_ERR_LEASED (or 0). */
int shmipc_error_slot(void);
/** A short name of an error code ("torn page", ...). */
const char *shmipc_strerror(int code);

/**
 * Test hook: called by every write through segment after it has taken its pages and copied the first half of its
 * bytes, before the second half (so a test can kill the process with half a write in place). NULL to remove.
 */
void shmipc_set_write_hook(shmipc_segment *segment, void (*hook)(void *arg), void *arg);

#ifdef __cplusplus
}
#endif

#endif /* SHMIPC_H */
