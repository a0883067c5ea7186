namespace Mae.Cluster.Storage.Formats;

/// <summary>
/// Buffered, forward-only reading of a stream that cannot seek (a network download, a decompressor). It never
/// holds more than its fixed buffer, and it counts the bytes consumed so errors can name an offset.
/// </summary>
internal sealed class ForwardReader
{
    private readonly Stream _source;
    private readonly byte[] _buffer;
    private readonly string? _compression;
    private int _start;
    private int _end;
    private bool _sourceEnded;

    /// <param name="source">The stream to read; never seeked.</param>
    /// <param name="bufferSize">Size of the one buffer this reader allocates.</param>
    /// <param name="alreadyRead">Bytes already taken from <paramref name="source"/> (for format sniffing) that come first.</param>
    /// <param name="compression">Name of the decompressor that <paramref name="source"/> is, if any: its data errors become tar format errors.</param>
    public ForwardReader(Stream source, int bufferSize, ReadOnlySpan<byte> alreadyRead, string? compression)
    {
        _source = source;
        _buffer = new byte[Math.Max(bufferSize, alreadyRead.Length)];
        alreadyRead.CopyTo(_buffer);
        _end = alreadyRead.Length;
        _compression = compression;
    }

    /// <summary>Bytes handed out or skipped so far.</summary>
    public long Position { get; private set; }

    /// <summary>Fills <paramref name="destination"/>; returns fewer bytes only when the source ends.</summary>
    public async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < destination.Length)
        {
            if (_start < _end)
            {
                var count = Math.Min(_end - _start, destination.Length - total);
                _buffer.AsMemory(_start, count).CopyTo(destination[total..]);
                _start += count;
                total += count;
                Position += count;
                continue;
            }

            if (destination.Length - total >= _buffer.Length)
            {
                // Large reads (image bytes) go straight into the caller's memory: no second copy.
                var direct = await ReadSourceAsync(destination[total..], cancellationToken).ConfigureAwait(false);
                if (direct == 0)
                {
                    break;
                }

                total += direct;
                Position += direct;
                continue;
            }

            if (!await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                break;
            }
        }

        return total;
    }

    /// <summary>Reads and discards up to <paramref name="count"/> bytes; returns how many there were.</summary>
    public async ValueTask<long> SkipAsync(long count, CancellationToken cancellationToken)
    {
        long skipped = 0;
        while (skipped < count)
        {
            if (_start == _end && !await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                break;
            }

            var step = (int)Math.Min(_end - _start, count - skipped);
            _start += step;
            skipped += step;
            Position += step;
        }

        return skipped;
    }

    private async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        _start = 0;
        _end = await ReadSourceAsync(_buffer, cancellationToken).ConfigureAwait(false);
        return _end > 0;
    }

    private async ValueTask<int> ReadSourceAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (_sourceEnded)
        {
            return 0;
        }

        int read;
        try
        {
            read = await _source.ReadAsync(destination, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException e) when (_compression is not null)
        {
            throw new CorruptTarException($"{_compression} data is corrupt near tar offset {Position}: {e.Message}", Position, e);
        }

        _sourceEnded = read == 0;
        return read;
    }
}
