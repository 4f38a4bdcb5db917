using PgFusion.Arrow;

namespace PgFusion.Codegen.Operators.Spill;

/// <summary>
/// One temporary file: written block by block (<see cref="SpillFormat"/>), then read back from the
/// start (again after <see cref="Rewind"/>). A write after reading appends at the end, and the next
/// read starts from the beginning again. Disposing closes and deletes it. <see cref="Close"/> lets
/// the stream and its buffer go while the file stays (a finished sort run or partition, waiting
/// with many others); the next read or write opens it again, with <see cref="BufferBytes"/>.
/// </summary>
internal sealed class SpillFile : IDisposable
{
    public const int DefaultBufferBytes = 1 << 16;

    /// <summary>The smallest stream buffer (a block's header and per-column flags are written a few bytes at a time).</summary>
    public const int MinBufferBytes = 512;

    private readonly SpillSpace space;
    private readonly SpillSpace.Tally owner;
    private FileStream? stream;
    private bool reading;
    private bool disposed;
    private long length;

    public SpillFile(SpillSpace space, string path, SpillSpace.Tally owner, int bufferBytes = DefaultBufferBytes)
    {
        this.space = space;
        this.owner = owner;
        Path = path;
        BufferBytes = Math.Max(MinBufferBytes, bufferBytes);
        stream = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, BufferBytes);
    }

    public string Path { get; }

    public long Rows { get; private set; }

    /// <summary>The bytes of the largest block written (about what reading it back takes in columns).</summary>
    public long LargestBlockBytes { get; private set; }

    /// <summary>The stream buffer's size (held while the file is open); a reader may shrink it before it reopens a closed file.</summary>
    public int BufferBytes { get; set; }

    /// <summary>Whether the stream (and its buffer) is open.</summary>
    public bool IsOpen => stream is not null;

    private FileStream Stream => stream ??= Reopen();

    private FileStream Reopen()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var s = new FileStream(Path, FileMode.Open, FileAccess.ReadWrite, FileShare.None, Math.Max(MinBufferBytes, BufferBytes));
        // a closed file is read from its start next (a write appends: see Write)
        reading = true;
        return s;
    }

    /// <summary>Closes the stream, freeing its buffer; the file and what it holds stay.</summary>
    public void Close()
    {
        if (stream is null) return;
        stream.Dispose();
        stream = null;
    }

    public void Write(Column[] columns, int rows)
    {
        if (rows == 0) return;
        var s = Stream;
        if (reading)
        {
            s.Position = length; // append; the next Read starts at the beginning
            reading = false;
        }
        long bytes = SpillFormat.Write(s, columns, rows);
        length += bytes;
        LargestBlockBytes = Math.Max(LargestBlockBytes, bytes);
        space.AddBytes(owner, bytes);
        Rows += rows;
    }

    /// <summary>
    /// Appends a block as <see cref="Write"/> and returns where it starts, for <see cref="ReadAt"/>
    /// (a window partition's read columns, read back block by block in any order).
    /// </summary>
    public long Append(Column[] columns, int rows)
    {
        long position = length;
        Write(columns, rows);
        return position;
    }

    /// <summary>Reads the block that starts at <paramref name="position"/> (from <see cref="Append"/>) into <paramref name="into"/>; its row count.</summary>
    public int ReadAt(long position, Column[] into)
    {
        var s = Stream;
        if (!reading)
        {
            s.Flush();
            reading = true;
        }
        s.Position = position;
        int rows = SpillFormat.Read(s, into);
        if (rows < 0) throw new InvalidDataException($"pg_fusion spill file {Path} has no block at {position}");
        return rows;
    }

    /// <summary>Reads the next block into <paramref name="into"/>; its row count, or -1 at the end.</summary>
    public int Read(Column[] into)
    {
        stream ??= Reopen(); // a closed file reopens at its start
        if (!reading)
        {
            stream.Flush();
            stream.Position = 0;
            reading = true;
        }
        return SpillFormat.Read(stream, into);
    }

    /// <summary>Reads from the start again (a block nested loop's probe file, once per block).</summary>
    public void Rewind()
    {
        if (!reading || stream is null) return; // the first Read (or a reopen) starts at 0
        stream.Position = 0;
    }

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        stream?.Dispose();
        stream = null;
        try
        {
            File.Delete(Path);
        }
        catch (IOException)
        {
            // Deleting a file we created can only fail if the directory vanished; a restart cleans up.
        }
        space.Forget(this);
    }
}
