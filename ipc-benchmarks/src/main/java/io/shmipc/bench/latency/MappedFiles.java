package io.shmipc.bench.latency;

import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Creates and maps the plain (non-segment) files that the reference and ring-buffer exchanges share. */
final class MappedFiles
{
    private MappedFiles()
    {
    }

    /** Creates {@code path} of {@code length} zero bytes and maps it. */
    static UnsafeBuffer create(final Path path, final int length) throws IOException
    {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
            StandardOpenOption.WRITE))
        {
            channel.truncate(length);
            channel.position(length - 1).write(java.nio.ByteBuffer.wrap(new byte[1]));
            return new UnsafeBuffer(channel.map(FileChannel.MapMode.READ_WRITE, 0, length));
        }
    }

    /** Maps all of the existing file {@code path}. */
    static UnsafeBuffer open(final Path path) throws IOException
    {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            return new UnsafeBuffer(channel.map(FileChannel.MapMode.READ_WRITE, 0, channel.size()));
        }
    }
}
