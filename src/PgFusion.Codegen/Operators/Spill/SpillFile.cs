using PgFusion.Arrow;

namespace PgFusion.Codegen.Operators.Spill;

/// <summary>
/// One temporary file: written block by block (<see cref="SpillFormat"/>), then read back from the
/// start (again after <see cref="Rewind"/>). A write after reading appends at the end, and the next
/// read starts from the beginning again. Disposing closes and deletes it.
/// </summary>
internal sealed class SpillFile : IDisposable
{
    private const int BufferBytes = 1 << 16;
    private readonly SpillSpace space;
    private readonly SpillSpace.Tally owner;
    private FileStream? stream;
    private bool reading;
    private bool disposed;

    public SpillFile(SpillSpace space, string path, SpillSpace.Tally owner)
    {
        this.space = space;
        this.owner = owner;
        Path = path;
        stream = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, BufferBytes);
    }

    public string Path { get; }

    public long Rows { get; private set; }

    public void Write(Column[] columns, int rows)
    {
        if (rows == 0) return;
        if (reading)
        {
            stream!.Position = stream.Length; // append; the next Read starts at the beginning
            reading = false;
        }
        space.AddBytes(owner, SpillFormat.Write(stream!, columns, rows));
        Rows += rows;
    }

    /// <summary>
    /// Appends a block as <see cref="Write"/> and returns where it starts, for <see cref="ReadAt"/>
    /// (a window partition's read columns, read back block by block in any order).
    /// </summary>
    public long Append(Column[] columns, int rows)
    {
        if (reading)
        {
            stream!.Position = stream.Length;
            reading = false;
        }
        long position = stream!.Position;
        Write(columns, rows);
        return position;
    }

    /// <summary>Reads the block that starts at <paramref name="position"/> (from <see cref="Append"/>) into <paramref name="into"/>; its row count.</summary>
    public int ReadAt(long position, Column[] into)
    {
        if (!reading)
        {
            stream!.Flush();
            reading = true;
        }
        stream!.Position = position;
        int rows = SpillFormat.Read(stream, into);
        if (rows < 0) throw new InvalidDataException($"pg_fusion spill file {Path} has no block at {position}");
        return rows;
    }

    /// <summary>Reads the next block into <paramref name="into"/>; its row count, or -1 at the end.</summary>
    public int Read(Column[] into)
    {
        if (!reading)
        {
            stream!.Flush();
            stream.Position = 0;
            reading = true;
        }
        return SpillFormat.Read(stream!, into);
    }

    /// <summary>Reads from the start again (a block nested loop's probe file, once per block).</summary>
    public void Rewind()
    {
        if (!reading) return; // the first Read flushes and starts at 0
        stream!.Position = 0;
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
