package io.shmipc.bench.latency;

import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The set-up of an exchange over one small mapped file that both processes map: the ponger creates it under the run
 * directory, the pinger opens it; each side's exchange is built from the mapping and its role.
 */
final class MappedFileKind implements ExchangeKind
{
    /** Builds one side's exchange over the shared mapping. */
    @FunctionalInterface
    interface Side
    {
        /**
         * @param file   the whole file, mapped.
         * @param pinger whether this is the pinger's side (the ponger's otherwise).
         * @param idle   how to wait.
         * @return the exchange.
         */
        Exchange create(UnsafeBuffer file, boolean pinger, IdleStrategy idle);
    }

    private final String fileName;
    private final int length;
    private final Side side;
    private UnsafeBuffer file;

    /**
     * @param fileName the file's name under the run directory.
     * @param length   its length in bytes.
     * @param side     builds each side's exchange.
     */
    MappedFileKind(final String fileName, final int length, final Side side)
    {
        this.fileName = fileName;
        this.length = length;
        this.side = side;
    }

    @Override
    public String listen(final Path dir) throws IOException
    {
        file = MappedFiles.create(dir.resolve(fileName), length);
        return "";
    }

    @Override
    public Exchange accept(final IdleStrategy idle)
    {
        return side.create(file, false, idle);
    }

    @Override
    public Exchange connect(final Path dir, final String info, final IdleStrategy idle) throws IOException
    {
        return side.create(MappedFiles.open(dir.resolve(fileName)), true, idle);
    }
}
