/*
 * shmipc-interop: the C side of the cross-language tests (ipc-core's io.shmipc.interop tests, and
 * clients/python/tests). The Python tool (clients/python/tests/interop_tool.py) and the Java one
 * (io.shmipc.interop.JavaTool) take the same commands and print the same lines.
 *
 *   create   DIR NAME PAGES PAGE_SIZE              create; print "OK slot=S"
 *   open     DIR NAME INIT_MS [allow-foreign]      open; print "OK pageSize=.. pageCount=.. slot=S"
 *   info     DIR NAME                              print "pageSize=.. pageCount=.. dataOffset=.. fileLength=.." and
 *                                                  a line "versions=v0,v1,..."; for a segment with lease words
 *                                                  (layout versions 3, 4) a third line "leases=h0,h1,..." (each
 *                                                  page's lease holder slot, 0 for none)
 *   fill     DIR NAME OFFSET LENGTH BYTE [REC_MS]  one write of LENGTH bytes of value BYTE (recovery timeout
 *                                                  REC_MS, default 1000); print "OK"
 *   check    DIR NAME OFFSET LENGTH BYTE [REC_MS]  one read; "OK" if every byte is BYTE,
 *                                                  "MISMATCH at=I byte=B" if not
 *   hold     DIR NAME OFFSET LENGTH BYTE           a write that stops after half its bytes, prints "PAUSED slot=S"
 *                                                  and sleeps until killed
 *   stress   DIR NAME OFFSET WORDS MILLIS ID [go]  write the stress pattern as writer ID and read it back, in
 *                                                  turns, for MILLIS and then until another writer's value was
 *                                                  read (at most LINGER_MS more); print "writes=.. reads=..
 *                                                  torn=.. max1=.. .. max7=..". With "go": print "READY" once
 *                                                  the segment is open and start when a line arrives on stdin,
 *                                                  so that a harness starts all writers together
 *   counters DIR NAME                              print "counters=c0,c1,...,c7"
 *   unlink   DIR NAME                              print "OK"
 *
 * Failures print "ERROR <kind> <message>" and exit with 3; kind is one of arg, not-found, exists, invalid,
 * not-ready, access, io, torn, lost, no-slot, forked, leased. A torn page prints "ERROR torn page=P <message>"; a
 * write refused because a page is leased to another live process's exclusive writer (layout versions 3, 4) prints
 * "ERROR leased page=P slot=S <message>", S the lease holder's owner slot.
 *
 * The stress pattern: word i of the range holds value + i * STEP (modulo 2^64), value = ID << 48 | sequence. A
 * snapshot that mixes two writes breaks it wherever the seam falls.
 */
#define _POSIX_C_SOURCE 200809L
#include "shmipc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define STEP UINT64_C(0x9E3779B97F4A7C15)
#define MAX_WRITERS 8
/* how long a stress run goes on past MILLIS while it has read no other writer's value */
#define LINGER_MS 30000

static const char *kind(int code)
{
    switch (code) {
    case SHMIPC_ERR_ARG: return "arg";
    case SHMIPC_ERR_NOT_FOUND: return "not-found";
    case SHMIPC_ERR_EXISTS: return "exists";
    case SHMIPC_ERR_INVALID: return "invalid";
    case SHMIPC_ERR_NOT_READY: return "not-ready";
    case SHMIPC_ERR_ACCESS: return "access";
    case SHMIPC_ERR_IO: return "io";
    case SHMIPC_ERR_TORN: return "torn";
    case SHMIPC_ERR_LOST: return "lost";
    case SHMIPC_ERR_NO_SLOT: return "no-slot";
    case SHMIPC_ERR_FORKED: return "forked";
    case SHMIPC_ERR_LEASED: return "leased";
    default: return "unknown";
    }
}

static int error(int code)
{
    if (code == SHMIPC_ERR_TORN)
        printf("ERROR torn page=%d %s\n", shmipc_error_page(), shmipc_last_error());
    else if (code == SHMIPC_ERR_LEASED)
        printf("ERROR leased page=%d slot=%d %s\n", shmipc_error_page(), shmipc_error_slot(), shmipc_last_error());
    else
        printf("ERROR %s %s\n", kind(code), shmipc_last_error());
    fflush(stdout);
    return 3;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void pause_forever(void *arg)
{
    shmipc_segment *seg = arg;
    printf("PAUSED slot=%d\n", shmipc_owner_slot(seg));
    fflush(stdout);
    for (;;) pause();
}

static int usage(void)
{
    fprintf(stderr, "usage: shmipc-interop create|open|info|fill|check|hold|stress|counters|unlink DIR NAME ...\n");
    return 2;
}

static int saw_another(const uint64_t *max, uint64_t id)
{
    for (unsigned w = 1; w < MAX_WRITERS; w++) {
        if (w != id && max[w] > 0) return 1;
    }
    return 0;
}

static int stress(shmipc_segment *seg, int64_t offset, int words, long long millis, uint64_t id, int go)
{
    uint64_t *buf = malloc((size_t)words * 8);
    if (buf == NULL) return 2;
    uint64_t max[MAX_WRITERS] = {0};
    long long writes = 0, reads = 0, torn = 0;
    if (go) {
        char line[16];
        printf("READY\n");
        fflush(stdout);
        if (fgets(line, sizeof line, stdin) == NULL) {
            free(buf);
            return 2;
        }
    }
    long long end = now_ms() + millis;
    unsigned seed = (unsigned)(id * 2654435761u);
    for (long long now = now_ms(); now < end || (!saw_another(max, id) && now < end + LINGER_MS); now = now_ms()) {
        for (int k = 0; k < 16; k++) {
            uint64_t value = (id << 48) | (uint64_t)(writes + 1);
            for (int i = 0; i < words; i++) buf[i] = value + (uint64_t)i * STEP;
            int rc = shmipc_write(seg, offset, buf, (int64_t)words * 8);
            if (rc != SHMIPC_OK) return error(rc);
            writes++;
            /* every other read covers a random part of the range */
            int first = 0, n = words;
            if (reads & 1) {
                seed = seed * 1103515245u + 12345u;
                first = (int)((seed >> 8) % (unsigned)words);
                seed = seed * 1103515245u + 12345u;
                n = 1 + (int)((seed >> 8) % (unsigned)(words - first));
            }
            rc = shmipc_read(seg, offset + (int64_t)first * 8, buf, (int64_t)n * 8);
            if (rc != SHMIPC_OK) return error(rc);
            reads++;
            uint64_t v = buf[0] - (uint64_t)first * STEP;
            int ok = 1;
            for (int i = 1; i < n; i++) {
                if (buf[i] - (uint64_t)(first + i) * STEP != v) {
                    ok = 0;
                    break;
                }
            }
            if (!ok) {
                torn++;
                continue;
            }
            unsigned w = (unsigned)(v >> 48);
            uint64_t sequence = v & UINT64_C(0xFFFFFFFFFFFF);
            if (w < MAX_WRITERS && sequence > max[w]) max[w] = sequence;
        }
    }
    printf("writes=%lld reads=%lld torn=%lld", writes, reads, torn);
    for (int w = 1; w < MAX_WRITERS; w++) printf(" max%d=%llu", w, (unsigned long long)max[w]);
    printf("\n");
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) return usage();
    const char *cmd = argv[1];
    shmipc_options options;
    shmipc_options_init(&options);
    options.directory = argv[2];
    const char *name = argv[3];
    shmipc_segment *seg = NULL;
    int rc;

    if (strcmp(cmd, "unlink") == 0) {
        rc = shmipc_unlink(name, options.directory);
        if (rc != SHMIPC_OK) return error(rc);
        printf("OK\n");
        return 0;
    }
    if (strcmp(cmd, "create") == 0) {
        if (argc < 6) return usage();
        options.page_count = atoi(argv[4]);
        options.page_size = atoi(argv[5]);
        rc = shmipc_create(name, &options, &seg);
        if (rc != SHMIPC_OK) return error(rc);
        printf("OK slot=%d\n", shmipc_owner_slot(seg));
        shmipc_close(seg);
        return 0;
    }
    if (strcmp(cmd, "open") == 0) {
        if (argc < 5) return usage();
        options.init_timeout_ms = atoll(argv[4]);
        options.allow_foreign_owner = argc > 5 && strcmp(argv[5], "allow-foreign") == 0;
        rc = shmipc_open(name, &options, &seg);
        if (rc != SHMIPC_OK) return error(rc);
        printf("OK pageSize=%d pageCount=%d slot=%d\n", shmipc_page_size(seg), shmipc_page_count(seg),
               shmipc_owner_slot(seg));
        shmipc_close(seg);
        return 0;
    }
    if ((strcmp(cmd, "check") == 0 || strcmp(cmd, "fill") == 0) && argc > 7)
        options.recovery_timeout_ms = atoll(argv[7]);
    rc = shmipc_open(name, &options, &seg);
    if (rc != SHMIPC_OK) return error(rc);

    int status = 0;
    if (strcmp(cmd, "info") == 0) {
        int32_t pages = shmipc_page_count(seg);
        printf("pageSize=%d pageCount=%d dataOffset=%lld fileLength=%lld\n", shmipc_page_size(seg), pages,
               (long long)shmipc_data_offset(seg), (long long)shmipc_file_length(seg));
        printf("versions=");
        for (int32_t p = 0; p < pages; p++) {
            uint64_t v;
            shmipc_version(seg, p, &v);
            printf(p == 0 ? "%llu" : ",%llu", (unsigned long long)v);
        }
        printf("\n");
        if (shmipc_has_leases(seg)) {
            printf("leases=");
            for (int32_t p = 0; p < pages; p++)
                printf(p == 0 ? "%lld" : ",%lld", (long long)shmipc_lease_holder(seg, p));
            printf("\n");
        }
    } else if (strcmp(cmd, "counters") == 0) {
        printf("counters=");
        for (int i = 0; i < SHMIPC_COUNTER_SLOTS; i++)
            printf(i == 0 ? "%lld" : ",%lld", (long long)shmipc_counter(seg, i));
        printf("\n");
    } else if ((strcmp(cmd, "fill") == 0 || strcmp(cmd, "hold") == 0 || strcmp(cmd, "check") == 0) && argc > 6) {
        int64_t offset = atoll(argv[4]);
        int64_t length = atoll(argv[5]);
        int value = atoi(argv[6]);
        unsigned char *buf = malloc(length > 0 ? (size_t)length : 1);
        if (buf == NULL) return 2;
        if (strcmp(cmd, "check") == 0) {
            rc = shmipc_read(seg, offset, buf, length);
            if (rc != SHMIPC_OK) {
                status = error(rc);
            } else {
                int64_t bad = -1;
                for (int64_t i = 0; i < length && bad < 0; i++)
                    if (buf[i] != (unsigned char)value) bad = i;
                if (bad < 0) printf("OK\n");
                else printf("MISMATCH at=%lld byte=%d\n", (long long)bad, buf[bad]);
            }
        } else {
            memset(buf, value, (size_t)length);
            if (strcmp(cmd, "hold") == 0) shmipc_set_write_hook(seg, pause_forever, seg);
            rc = shmipc_write(seg, offset, buf, length);
            if (rc != SHMIPC_OK) status = error(rc);
            else printf("OK\n");
        }
        free(buf);
    } else if (strcmp(cmd, "stress") == 0 && argc > 7) {
        status = stress(seg, atoll(argv[4]), atoi(argv[5]), atoll(argv[6]), (uint64_t)atoll(argv[7]),
                        argc > 8 && strcmp(argv[8], "go") == 0);
    } else {
        status = usage();
    }
    fflush(stdout);
    shmipc_close(seg);
    return status;
}
