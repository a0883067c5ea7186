using System.Buffers.Binary;

namespace Mae.Cluster.Storage.Formats;

/// <summary>
/// Writes an N×D matrix (or N rows of any fixed shape, such as N×T×D) as a .npy file (format 1.0, C order, '&lt;f4' or '&lt;f2') row batch by row batch, so
/// embeddings never have to be held whole. With the row count given up front the destination may be any
/// writable stream (the header goes first); without it the destination must be seekable, and
/// <see cref="CompleteAsync"/> rewrites the header in place with the count written. Either way the bytes are
/// those numpy's <c>np.save</c> would write. The destination is not disposed.
/// </summary>
public sealed class NpyWriter
{
    private const int ChunkBytes = 64 * 1024;

    private readonly Stream _destination;
    private readonly NpyElementType _elementType;
    private readonly long? _declaredRows;
    private readonly int[] _rowShape;
    private readonly byte[] _chunk = new byte[ChunkBytes];
    private long _headerPosition = -1;
    private bool _completed;

    /// <param name="destination">Where to write; must be seekable when <paramref name="rows"/> is null.</param>
    /// <param name="elementType">Element type of the file; float32 input is converted.</param>
    /// <param name="columns">D, the row length (embedding dimension), at least 1.</param>
    /// <param name="rows">N if known up front; <see cref="CompleteAsync"/> then checks that exactly N rows came.</param>
    public NpyWriter(Stream destination, NpyElementType elementType, int columns, long? rows = null)
        : this(destination, elementType, [columns], rows)
    {
    }

    /// <param name="destination">Where to write; must be seekable when <paramref name="rows"/> is null.</param>
    /// <param name="elementType">Element type of the file; float32 input is converted.</param>
    /// <param name="rowShape">The shape of one row, each dimension at least 1: [D] for a matrix, [T, D] for N×T×D.</param>
    /// <param name="rows">N if known up front; <see cref="CompleteAsync"/> then checks that exactly N rows came.</param>
    public NpyWriter(Stream destination, NpyElementType elementType, int[] rowShape, long? rows = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(rowShape);
        if (rowShape.Length == 0 || rowShape.Any(d => d < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(rowShape), string.Join('×', rowShape), "A row needs one or more dimensions, each at least 1.");
        }
        var columns = checked(rowShape.Aggregate(1, (product, d) => product * d));
        if (rows is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(rows), rows, "The row count cannot be negative.");
        }

        if (!destination.CanWrite)
        {
            throw new ArgumentException("The .npy destination stream must be writable.", nameof(destination));
        }

        if (rows is null && !destination.CanSeek)
        {
            throw new ArgumentException("Without a row count given up front the .npy destination must be seekable, to write the count at the end.", nameof(destination));
        }

        _ = NpyHeader.Descr(elementType);
        _destination = destination;
        _elementType = elementType;
        Columns = columns;
        _declaredRows = rows;
        _rowShape = [.. rowShape];
    }

    /// <summary>Values per row: D, or T·D for rows of shape [T, D].</summary>
    public int Columns { get; }

    /// <summary>Rows written so far.</summary>
    public long RowsWritten { get; private set; }

    /// <summary>Appends whole rows: <paramref name="values"/> holds k·<see cref="Columns"/> floats, row after row.</summary>
    public async ValueTask WriteRowsAsync(ReadOnlyMemory<float> values, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        if (values.Length % Columns != 0)
        {
            throw new ArgumentException($"{values.Length} values are not whole rows of {Columns}.", nameof(values));
        }

        var rows = CheckRows(values.Length / Columns);
        await EnsureHeaderAsync(cancellationToken).ConfigureAwait(false);
        var elementSize = NpyHeader.ElementSize(_elementType);
        var perChunk = ChunkBytes / elementSize;
        for (var offset = 0; offset < values.Length; offset += perChunk)
        {
            var count = Math.Min(perChunk, values.Length - offset);
            Encode(values.Span.Slice(offset, count));
            await _destination.WriteAsync(_chunk.AsMemory(0, count * elementSize), cancellationToken).ConfigureAwait(false);
        }

        RowsWritten += rows;
    }

    /// <summary>
    /// Finishes the file: checks the declared row count, or writes the final count into the header. The writer cannot
    /// be used afterwards.
    /// </summary>
    /// <exception cref="InvalidOperationException">A row count was declared and a different number of rows was written.</exception>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        await EnsureHeaderAsync(cancellationToken).ConfigureAwait(false);
        if (_declaredRows is { } declared && declared != RowsWritten)
        {
            throw new InvalidOperationException($"The .npy file was declared with {declared} rows but {RowsWritten} were written.");
        }

        if (_declaredRows is null)
        {
            var end = _destination.Position;
            _destination.Position = _headerPosition;
            await _destination.WriteAsync(NpyHeader.Build(_elementType, RowsWritten, _rowShape), cancellationToken).ConfigureAwait(false);
            _destination.Position = end;
        }

        await _destination.FlushAsync(cancellationToken).ConfigureAwait(false);
        _completed = true;
    }

    private long CheckRows(long rows)
    {
        if (_declaredRows is { } declared && RowsWritten + rows > declared)
        {
            throw new InvalidOperationException($"The .npy file was declared with {declared} rows; writing {rows} more after {RowsWritten} exceeds it.");
        }

        return rows;
    }

    private async ValueTask EnsureHeaderAsync(CancellationToken cancellationToken)
    {
        if (_headerPosition >= 0)
        {
            return;
        }

        _headerPosition = _destination.CanSeek ? _destination.Position : 0;
        await _destination.WriteAsync(NpyHeader.Build(_elementType, _declaredRows ?? 0, _rowShape), cancellationToken).ConfigureAwait(false);
    }

    private void Encode(ReadOnlySpan<float> values)
    {
        var bytes = _chunk.AsSpan();
        if (_elementType == NpyElementType.Fp16)
        {
            for (var i = 0; i < values.Length; i++)
            {
                BinaryPrimitives.WriteHalfLittleEndian(bytes[(i * 2)..], (Half)values[i]);
            }
        }
        else
        {
            for (var i = 0; i < values.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes[(i * 4)..], values[i]);
            }
        }
    }
}
