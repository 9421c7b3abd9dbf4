package io.shmipc.segment;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The safe close of JDK 17 to 21 unmaps only when no thread has a frame of a class in
 * {@link Quiescence#MAPPING_USERS}: a class that touches the mapping and is missing there could be inside a call
 * when the mapping goes, and crash the JVM. The list is checked against the sources of the packages that act on a
 * caller's behalf ({@code io.shmipc}, {@code io.shmipc.lock}): every class that holds or extends a {@code SegmentAccess}
 * (a {@code SharedMemory} is one), or reads or writes memory through Agrona's buffers or {@code UnsafeApi}, must be in it (the segment package opens and closes
 * mappings itself, under the attachment's lock, and is not a caller's path).
 */
class QuiescenceTest
{
    private static final Path SOURCES = Path.of("src", "main", "java", "io", "shmipc");
    private static final Pattern TOUCHES_MEMORY = Pattern.compile(
        "\\bUnsafeApi\\.|\\bAtomicBuffer\\b|\\bUnsafeBuffer\\b|\\bfinal SegmentAccess \\w+;" +
        "|\\bextends SegmentAccess\\b|\\bfinal SharedMemory \\w+;");

    @Test
    void everyClassThatTouchesAMappingOnACallersBehalfIsListed() throws IOException
    {
        final TreeSet<String> touching = new TreeSet<>();
        for (final String pkg : List.of("", "lock"))
        {
            final Path dir = pkg.isEmpty() ? SOURCES : SOURCES.resolve(pkg);
            try (Stream<Path> files = Files.list(dir))
            {
                for (final Path file : files.filter(f -> f.toString().endsWith(".java")).toList())
                {
                    if (TOUCHES_MEMORY.matcher(Files.readString(file)).find())
                    {
                        final String simple = file.getFileName().toString().replace(".java", "");
                        touching.add("io.shmipc." + (pkg.isEmpty() ? "" : pkg + ".") + simple);
                    }
                }
            }
        }
        assertTrue(touching.contains("io.shmipc.lock.PageLocks") && touching.contains("io.shmipc.SharedMemory"),
            "the scan finds the known users: " + touching);
        final TreeSet<String> missing = new TreeSet<>(touching);
        missing.removeAll(Quiescence.MAPPING_USERS);
        assertEquals(new TreeSet<>(), missing, "classes that touch a mapping but are not in Quiescence.MAPPING_USERS");
    }

    @Test
    void aStackWithAFrameOfAListedClassIsInside()
    {
        for (final String type : Quiescence.MAPPING_USERS)
        {
            assertTrue(Quiescence.isInside(new StackTraceElement[]{
                new StackTraceElement("java.lang.Thread", "run", null, 1),
                new StackTraceElement(type, "anything", null, 1)}), type);
        }
        assertFalse(Quiescence.isInside(new StackTraceElement[]{
            new StackTraceElement("java.lang.Thread", "run", null, 1)}));
    }
}
