/*
 * Follows the Java WriterDemo (io.shmipc.examples.WriterDemo): page 0 holds a 16-byte record, a counter and a
 * CLOCK_MONOTONIC timestamp in nanoseconds, little-endian; counter -1 means the publisher is done.
 *   reader [NAME [DIRECTORY]]        (default: shmipc-demo in /dev/shm)
 */
#include "shmipc.h"
#include <stdio.h>

int main(int argc, char **argv)
{
    shmipc_options options;
    shmipc_options_init(&options);
    options.directory = argc > 2 ? argv[2] : NULL;
    shmipc_segment *seg;
    if (shmipc_open(argc > 1 ? argv[1] : "shmipc-demo", &options, &seg) != SHMIPC_OK) {
        fprintf(stderr, "%s\n", shmipc_last_error());
        return 1;
    }
    uint64_t seen = UINT64_MAX;
    for (;;) {
        shmipc_await_change(seg, 0, seen, 5000000000, &seen);          /* sleeps until page 0 is written */
        int64_t record[2];                                            /* one consistent snapshot */
        if (shmipc_read(seg, 0, record, sizeof record) != SHMIPC_OK) {
            fprintf(stderr, "%s\n", shmipc_last_error());
            return 1;
        }
        if (record[0] == -1) break;
        printf("counter=%lld nanos=%lld\n", (long long)record[0], (long long)record[1]);
        fflush(stdout);
    }
    shmipc_close(seg);
    return 0;
}
