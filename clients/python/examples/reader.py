"""Follows the Java WriterDemo (io.shmipc.examples.WriterDemo): page 0 holds a 16-byte record, a counter and a
CLOCK_MONOTONIC timestamp in nanoseconds, little-endian; counter -1 means the publisher is done.

    PYTHONPATH=clients/python python3 clients/python/examples/reader.py [NAME [DIRECTORY]]
"""
import struct
import sys

import shmipc

name = sys.argv[1] if len(sys.argv) > 1 else "shmipc-demo"
directory = sys.argv[2] if len(sys.argv) > 2 else None  # default: /dev/shm

with shmipc.open(name, directory=directory) as seg:
    seen = -1
    while True:
        seen = seg.await_change(0, seen, timeout=5.0)               # sleeps until page 0 is written
        counter, nanos = struct.unpack("<qq", seg.read(0, 16))      # one consistent snapshot
        if counter == -1:
            break
        print(f"counter={counter} nanos={nanos}", flush=True)
