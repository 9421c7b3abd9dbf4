package io.shmipc.tools;

import io.shmipc.layout.LockWord;

/** A page's lock state in words, from its lock word. */
final class PageState
{
    private PageState()
    {
    }

    /**
     * @return {@code free}, {@code held by slot N} (N = 0 when the holder has no owner slot), {@code torn}
     * (free, but a dead writer's half-finished write may be in it), or {@code held by slot N, torn}.
     */
    static String of(final long word)
    {
        final String held = LockWord.isHeld(word) ? "held by slot " + LockWord.owner(word) : "free";
        if (!LockWord.isTorn(word))
        {
            return held;
        }
        return LockWord.isHeld(word) ? held + ", torn" : "torn";
    }
}
