using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using PgFusion.TestSupport.Slt;
using Xunit;

namespace PgFusion.Ipc.Tests;

/// <summary>
/// The backend's check of DONE's spill section (native/pg_hooks/done_spill.c, docs/ipc.md 5.4),
/// compiled with the C compiler beside a small driver and fed sections the worker writes
/// (<see cref="DoneSpillSection"/>) and damaged copies of them: a well-formed section is taken
/// entry by entry, a damaged one is reported with the field and its offset in DONE (scan.c turns
/// that into a WARNING and EXPLAIN shows the totals only), never read past its end.
/// </summary>
public sealed class DoneSpillCheckTests
{
    private static readonly Lazy<string> Driver = new(Compile);

    /// <summary>Where the section starts in the DONE message of these tests.</summary>
    private const ulong Offset = 100;

    private static byte[] Section(params DoneSpillEntry[] entries)
    {
        var w = new ArrayBufferWriter<byte>();
        DoneSpillSection.Write(w, entries);
        return w.WrittenSpan.ToArray();
    }

    private static readonly DoneSpillEntry[] TwoEntries = [new(3, 1, 7, 0x1_0000_0042), new(5, 11, 16, 4096)];

    [Fact]
    public void A_section_the_worker_writes_is_taken_entry_by_entry()
    {
        Assert.Equal("valid 2\n1 7 4294967362 3\n11 16 4096 5\n", Check(Section(TwoEntries), 23, 0x1_0000_0042 + 4096));
        Assert.Equal("valid 0\n", Check(Section(), 0, 0));
    }

    [Fact]
    public void A_DONE_without_the_section_is_an_older_worker_not_an_error() =>
        Assert.Equal("absent\n", Check([], 0, 0));

    [Fact]
    public void A_version_1_section_reads_as_node_0()
    {
        var s = Section(TwoEntries);
        BinaryPrimitives.WriteUInt32LittleEndian(s, 1);
        Assert.Equal("valid 2\n1 7 4294967362 0\n11 16 4096 0\n", Check(s, 23, 0x1_0000_0042 + 4096));
    }

    public static TheoryData<string, string> Damages => new()
    {
        { "cut", "malformed: header cut short: 10 of 16 bytes at offset 100" },
        { "version", "malformed: version 7 at offset 100 (this backend reads 1 and 2)" },
        { "entry_size", "malformed: entry_size 8 at offset 108 is below the 24 bytes of an entry" },
        { "count", "malformed: count 3 at offset 104: 3 entries of 24 bytes need 72 bytes, DONE has 48 after the header" },
        { "entries cut", "malformed: count 2 at offset 104: 2 entries of 24 bytes need 48 bytes, DONE has 47 after the header" },
        { "op", "malformed: entry 1 at offset 140: op 16 is not an operator kind (1..15)" },
        { "op 0", "malformed: entry 0 at offset 116: op 0 is not an operator kind (1..15)" },
        { "files", "malformed: entry 0 at offset 120: files is 0 (the worker sends only operators that created files)" },
        { "totals", "malformed: the 2 entries add up to 23 files and 4294971458 bytes, DONE's totals are 24 files and 4294971458 bytes" },
    };

    [Theory]
    [MemberData(nameof(Damages))]
    public void A_damaged_section_is_reported_with_its_field_and_offset(string damage, string expected)
    {
        var s = Section(TwoEntries);
        uint files = 23;
        ulong bytes = 0x1_0000_0042 + 4096;
        switch (damage)
        {
            case "cut": s = s[..10]; break;
            case "version": BinaryPrimitives.WriteUInt32LittleEndian(s, 7); break;
            case "entry_size": BinaryPrimitives.WriteUInt32LittleEndian(s.AsSpan(8), 8); break;
            case "count": BinaryPrimitives.WriteUInt32LittleEndian(s.AsSpan(4), 3); break;
            case "entries cut": s = s[..^1]; break;
            case "op": BinaryPrimitives.WriteUInt32LittleEndian(s.AsSpan(16 + 24), 16); break;
            case "op 0": BinaryPrimitives.WriteUInt32LittleEndian(s.AsSpan(16), 0); break;
            case "files": BinaryPrimitives.WriteUInt32LittleEndian(s.AsSpan(16 + 4), 0); break;
            case "totals": files = 24; break;
        }
        Assert.Equal(expected + "\n", Check(s, files, bytes));
    }

    private static byte[] Memory(ulong peak, params DoneMemoryEntry[] entries)
    {
        var w = new ArrayBufferWriter<byte>();
        DoneMemorySection.Write(w, peak, entries);
        return w.WrittenSpan.ToArray();
    }

    private static readonly DoneMemoryEntry[] TwoPeaks = [new(2, 4_000_000), new(3, 0x1_0000_0007)];

    [Fact]
    public void A_memory_section_after_the_spill_section_is_taken_entry_by_entry()
    {
        Assert.Equal("valid 2\n1 7 4294967362 3\n11 16 4096 5\nmemory valid 2 4294967400\n2 4000000\n3 4294967303\n",
            Check([.. Section(TwoEntries), .. Memory(0x1_0000_0068, TwoPeaks)], 23, 0x1_0000_0042 + 4096));
        Assert.Equal("valid 0\nmemory valid 0 0\n", Check([.. Section(), .. Memory(0)], 0, 0));
    }

    public static TheoryData<string, string> MemoryDamages => new()
    {
        { "cut", "memory malformed: memory header cut short: 20 of 24 bytes at offset 164" },
        { "version", "memory malformed: memory version 2 at offset 164 (this backend reads 1)" },
        { "entry_size", "memory malformed: memory entry_size 8 at offset 172 is below the 16 bytes of an entry" },
        { "entries cut", "memory malformed: memory count 2 at offset 168: 2 entries of 16 bytes need 32 bytes, DONE has 31 after the header" },
    };

    [Theory]
    [MemberData(nameof(MemoryDamages))]
    public void A_damaged_memory_section_is_reported_with_its_field_and_offset(string damage, string expected)
    {
        var m = Memory(0x1_0000_0068, TwoPeaks);
        switch (damage)
        {
            case "cut": m = m[..20]; break;
            case "version": BinaryPrimitives.WriteUInt32LittleEndian(m, 2); break;
            case "entry_size": BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(8), 8); break;
            case "entries cut": m = m[..^1]; break;
        }
        // the spill section before it (2 entries: 16 + 48 bytes from offset 100, so the memory section starts at 164) stays valid
        Assert.Equal("valid 2\n1 7 4294967362 3\n11 16 4096 5\n" + expected + "\n", Check([.. Section(TwoEntries), .. m], 23, 0x1_0000_0042 + 4096));
    }

    private static string Check(byte[] section, uint files, ulong bytes)
    {
        var input = new byte[20 + section.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(input, files);
        BinaryPrimitives.WriteUInt64LittleEndian(input.AsSpan(4), bytes);
        BinaryPrimitives.WriteUInt64LittleEndian(input.AsSpan(12), Offset);
        section.CopyTo(input, 20);
        using var p = Process.Start(new ProcessStartInfo(Driver.Value)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        p.StandardInput.BaseStream.Write(input);
        p.StandardInput.Close();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        return output;
    }

    /// <summary>Builds the driver with done_spill.c from the repository (cc, as the extension's Makefile uses).</summary>
    private static string Compile()
    {
        string root = SltCorpus.RepositoryRoot();
        string native = Path.Combine(root, "native", "pg_hooks");
        string exe = Path.Combine(Path.GetTempPath(), $"pgfusion-done-spill-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var cc = Process.Start(new ProcessStartInfo("cc",
            ["-std=c11", "-Wall", "-Werror", "-I", native, "-o", exe,
             Path.Combine(root, "tests", "PgFusion.Ipc.Tests", "Native", "done_spill_driver.c"), Path.Combine(native, "done_spill.c")])
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        string errors = cc.StandardError.ReadToEnd();
        cc.WaitForExit();
        Assert.True(cc.ExitCode == 0, $"cc failed: {errors}");
        return exe;
    }
}
