package io.shmipc.examples;

/**
 * The record the writer/reader demo exchanges, at offset 0 of page 0: a 16-byte write, atomic as a whole.
 * <pre>
 *   0        8        16
 *   +--------+--------+
 *   |counter |nanoTime|   counter -1 means "writer finished"
 *   +--------+--------+
 * </pre>
 * {@code System.nanoTime()} is {@code CLOCK_MONOTONIC} on Linux: comparable between processes, and containers, on
 * one host.
 */
final class CounterRecord
{
    static final int COUNTER_OFFSET = 0;
    static final int TIMESTAMP_OFFSET = 8;
    static final int LENGTH = 16;
    static final long DONE = -1;

    private CounterRecord()
    {
    }
}
