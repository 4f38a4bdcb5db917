namespace PgFusion.Ipc;

/// <summary>
/// A futex word plus a "sleeping" flag. Waking bumps the word and makes the syscall only when the
/// sleeper announced itself; a sleeper reads the word before checking its condition, so a bump
/// between the check and the wait makes FUTEX_WAIT return at once (no lost wakeup).
/// </summary>
public readonly unsafe struct WakeWord
{
    private readonly uint* word;
    private readonly uint* sleeping;

    public WakeWord(uint* word, uint* sleeping)
    {
        this.word = word;
        this.sleeping = sleeping;
    }

    public uint Sequence => Volatile.Read(ref *word);

    public void Wake()
    {
        Interlocked.Increment(ref *word);
        if (Volatile.Read(ref *sleeping) != 0)
            Futex.WakeAll(word);
    }

    public void Wait(uint seen, int timeoutMs)
    {
        Interlocked.Exchange(ref *sleeping, 1);
        Futex.Wait(word, seen, timeoutMs);
        Volatile.Write(ref *sleeping, 0);
    }
}
