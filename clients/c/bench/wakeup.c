/*
 * The C side of the wake-up benchmark (io.shmipc.bench.wakeup): the same record as the Java side, page 0 holding
 * two little-endian int64s, a counter and the CLOCK_MONOTONIC time of the write; counter -1 ends.
 *   wakeup publish DIR NAME COUNT PERIOD_US   writes COUNT records, one every PERIOD (+-50% jitter), then -1
 *   wakeup subscribe DIR NAME                 waits (shmipc_await_change), prints "NS <latency>" per record
 *   wakeup idle DIR NAME                      waits for a change that never comes
 * A subscriber or idle waiter prints WAITING once it waits.
 */
#define _POSIX_C_SOURCE 200809L
#include "shmipc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static shmipc_segment *open_segment(const char *dir, const char *name)
{
    shmipc_options options;
    shmipc_options_init(&options);
    options.directory = dir;
    options.init_timeout_ms = 30000;
    shmipc_segment *seg;
    if (shmipc_open(name, &options, &seg) != SHMIPC_OK) {
        fprintf(stderr, "wakeup: %s\n", shmipc_last_error());
        exit(1);
    }
    return seg;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: wakeup publish|subscribe|idle DIR NAME [COUNT PERIOD_US]\n");
        return 2;
    }
    shmipc_segment *seg = open_segment(argv[2], argv[3]);
    if (strcmp(argv[1], "publish") == 0 && argc >= 6) {
        long count = atol(argv[4]);
        long period_ns = atol(argv[5]) * 1000L;
        srand((unsigned)now_ns());
        for (long i = 1; i <= count + 1; i++) {
            long pause = period_ns / 2 + (long)(((double)rand() / RAND_MAX) * (double)period_ns);
            struct timespec ts = {pause / 1000000000L, pause % 1000000000L};
            nanosleep(&ts, NULL);
            int64_t record[2] = {i <= count ? i : -1, now_ns()};
            if (shmipc_write(seg, 0, record, sizeof record) != SHMIPC_OK) {
                fprintf(stderr, "wakeup: %s\n", shmipc_last_error());
                return 1;
            }
        }
    } else if (strcmp(argv[1], "subscribe") == 0 || strcmp(argv[1], "idle") == 0) {
        int idle = strcmp(argv[1], "idle") == 0;
        uint64_t seen;
        shmipc_version(seg, 0, &seen);
        printf("WAITING\n");
        fflush(stdout);
        for (;;) {
            shmipc_await_change(seg, 0, seen, idle ? 600000000000LL : 300000000000LL, &seen);
            if (idle) break;
            int64_t record[2];
            if (shmipc_read(seg, 0, record, sizeof record) != SHMIPC_OK) {
                fprintf(stderr, "wakeup: %s\n", shmipc_last_error());
                return 1;
            }
            int64_t now = now_ns();
            if (record[0] == -1) break;
            printf("NS %lld\n", (long long)(now - record[1]));
        }
        printf("DONE\n");
    } else {
        fprintf(stderr, "wakeup: unknown mode %s\n", argv[1]);
        return 2;
    }
    fflush(stdout);
    shmipc_close(seg);
    return 0;
}
