package io.shmipc;

import io.shmipc.testing.JavaProcess;
import io.shmipc.testing.RaceWorker;
import io.shmipc.testing.TestDirectory;
import org.junit.jupiter.api.RepeatedTest;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** Several processes race openOrCreate on one name: exactly one creates, all end up on the same segment. */
class OpenOrCreateRaceTest
{
    private static final int PROCESSES = 4;

    @RepeatedTest(3)
    void exactlyOneProcessCreates()
    {
        try (TestDirectory dir = TestDirectory.create())
        {
            // JVM start-up takes well under 2 s on this machine; they all call openOrCreate at the same instant.
            final long start = System.currentTimeMillis() + 2_000;
            final List<JavaProcess> workers = new ArrayList<>();
            try
            {
                for (int id = 1; id <= PROCESSES; id++)
                {
                    workers.add(JavaProcess.start(RaceWorker.class, dir.path().toString(), "race", String.valueOf(id),
                        String.valueOf(PROCESSES), String.valueOf(start)));
                }
                int creators = 0;
                for (final JavaProcess worker : workers)
                {
                    assertEquals(0, worker.waitFor(60), worker.describe());
                    final String created = worker.lastLineStartingWith("created=");
                    assertNotNull(created, worker.describe());
                    creators += created.equals("created=true") ? 1 : 0;
                    assertEquals("seen=" + PROCESSES, worker.lastLineStartingWith("seen="),
                        "every process sees every other's write on the same segment: " + worker.describe());
                }
                assertEquals(1, creators, "exactly one creator");
            }
            finally
            {
                workers.forEach(JavaProcess::close);
            }
        }
    }
}
