using System.Buffers.Binary;

namespace PgFusion.Arrow.Ipc;

/// <summary>
/// Writes the Arrow IPC streaming format: the Schema message, one RecordBatch message per
/// <see cref="WriteBatch"/>, and the end-of-stream marker on <see cref="Finish"/>. Each message
/// is the continuation marker 0xFFFFFFFF, an int32 metadata length, the FlatBuffers Message
/// padded with zeros, then the body. The padding makes every body start 64 bytes into the stream
/// from a multiple of 64 and every buffer in a body is 64-byte aligned and padded, so a reader
/// that maps the stream can use the buffers in place. No compression, no dictionaries.
/// </summary>
public sealed class ArrowStreamWriter : IDisposable
{
    private const uint Continuation = 0xFFFFFFFF;

    private readonly Stream _output;
    private readonly bool _leaveOpen;
    private readonly FlatBufferBuilder _builder = new();
    private readonly ArrowBody _body = new();
    private readonly ArrowColumnEncoder _encoder;
    private bool _schemaWritten;
    private bool _finished;

    public ArrowStreamWriter(Stream output, ArrowSchema schema, ArrowIpcOptions? options = null, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(schema);
        _output = output;
        _leaveOpen = leaveOpen;
        Schema = schema;
        _encoder = new ArrowColumnEncoder(_body, options ?? ArrowIpcOptions.Default);
    }

    public ArrowSchema Schema { get; }

    /// <summary>Bytes written so far; message alignment is computed from it.</summary>
    public long BytesWritten { get; private set; }

    /// <summary>Writes the live rows of <paramref name="batch"/> (its selection vector applies) as one RecordBatch message.</summary>
    public void WriteBatch(RecordBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ObjectDisposedException.ThrowIf(_finished, this);
        if (batch.Columns.Count != Schema.Fields.Count)
            throw new ArrowIpcException("XX000", $"Arrow IPC: the batch has {batch.Columns.Count} columns, the schema {Schema.Fields.Count} fields");
        WriteSchemaOnce();

        var rows = new ArrowColumnEncoder.Rows(batch.Selection, batch.LiveRows);
        _body.Clear();
        for (int c = 0; c < batch.Columns.Count; c++)
        {
            var column = batch.Columns[c];
            if (column.Length < batch.Length)
                throw new ArrowIpcException("XX000", $"Arrow IPC: column {c} \"{Schema.Fields[c].Name}\" has {column.Length} rows, the batch {batch.Length}");
            _encoder.Encode(c, Schema.Fields[c], column, rows);
        }
        var metadata = ArrowMessages.RecordBatch(_builder, rows.Count, _body.Nodes, _body.Buffers, _body.Length);
        WriteMessage(metadata, _body.Bytes);
    }

    /// <summary>Writes the schema if no batch did, then the end-of-stream marker (0xFFFFFFFF, then a 0 length), and flushes.</summary>
    public void Finish()
    {
        if (_finished) return;
        WriteSchemaOnce();
        Span<byte> eos = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(eos, Continuation);
        BinaryPrimitives.WriteInt32LittleEndian(eos[4..], 0);
        Write(eos);
        _output.Flush();
        _finished = true;
    }

    /// <summary>Closes the output unless leaveOpen; does not write the end-of-stream marker (call <see cref="Finish"/>).</summary>
    public void Dispose()
    {
        _finished = true;
        if (!_leaveOpen) _output.Dispose();
    }

    private void WriteSchemaOnce()
    {
        if (_schemaWritten) return;
        WriteMessage(ArrowMessages.Schema(_builder, Schema), []);
        _schemaWritten = true;
    }

    private void WriteMessage(ReadOnlySpan<byte> metadata, ReadOnlySpan<byte> body)
    {
        // Pad the metadata so the body starts at a multiple of 64 (a multiple of 8 is required).
        int padding = (int)(-(BytesWritten + 8 + metadata.Length) & (ArrowBody.Alignment - 1));
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(prefix, Continuation);
        BinaryPrimitives.WriteInt32LittleEndian(prefix[4..], metadata.Length + padding);
        Write(prefix);
        Write(metadata);
        Span<byte> zeros = stackalloc byte[ArrowBody.Alignment];
        zeros.Clear();
        Write(zeros[..padding]);
        Write(body);
    }

    private void Write(ReadOnlySpan<byte> bytes)
    {
        _output.Write(bytes);
        BytesWritten += bytes.Length;
    }
}
