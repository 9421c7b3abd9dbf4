/*
 * Publishes the record the Java ReaderDemo (io.shmipc.examples.ReaderDemo) and the reader examples follow: a
 * counter and a CLOCK_MONOTONIC timestamp at offset 0 of page 0, every millisecond, then counter -1.
 *   publisher [NAME [COUNT [DIRECTORY]]]      (default: shmipc-demo, 1000 records, /dev/shm)
 */
#define _POSIX_C_SOURCE 200809L
#include "shmipc.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
    const char *name = argc > 1 ? argv[1] : "shmipc-demo";
    long long count = argc > 2 ? atoll(argv[2]) : 1000;
    shmipc_options options;
    shmipc_options_init(&options);                 /* one page of 4 KiB, mode 0600 */
    options.directory = argc > 3 ? argv[3] : NULL;
    shmipc_segment *seg;
    int rc = shmipc_create(name, &options, &seg);
    if (rc == SHMIPC_ERR_EXISTS) rc = shmipc_open(name, &options, &seg);
    if (rc != SHMIPC_OK) {
        fprintf(stderr, "%s\n", shmipc_last_error());
        return 1;
    }
    for (long long i = 1; i <= count + 1; i++) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        int64_t record[2] = {i <= count ? i : -1, (int64_t)now.tv_sec * 1000000000 + now.tv_nsec};
        if (shmipc_write(seg, 0, record, sizeof record) != SHMIPC_OK) {
            fprintf(stderr, "%s\n", shmipc_last_error());
            return 1;
        }
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    shmipc_close(seg);
    return 0;
}
