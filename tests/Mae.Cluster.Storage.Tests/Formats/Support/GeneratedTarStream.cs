namespace Mae.Cluster.Storage.Tests.Formats.Support;

/// <summary>
/// A forward-only stream whose bytes are produced on the fly from parts: literal byte arrays and runs of zeros.
/// A tar with a 200 MB member then costs a few kilobytes of memory and nothing on disk. Reads allocate nothing.
/// </summary>
internal sealed class GeneratedTarStream : Stream
{
    private readonly List<(byte[]? Bytes, long Length)> _parts = [];
    private int _part;
    private long _offsetInPart;

    public long BytesRead { get; private set; }

    public long TotalLength => _parts.Sum(p => p.Length);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public GeneratedTarStream Bytes(byte[] bytes)
    {
        _parts.Add((bytes, bytes.Length));
        return this;
    }

    public GeneratedTarStream Zeros(long count)
    {
        _parts.Add((null, count));
        return this;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (_part < _parts.Count && _offsetInPart == _parts[_part].Length)
        {
            _part++;
            _offsetInPart = 0;
        }

        if (_part == _parts.Count || buffer.IsEmpty)
        {
            return 0;
        }

        var (bytes, length) = _parts[_part];
        var count = (int)Math.Min(buffer.Length, length - _offsetInPart);
        if (bytes is null)
        {
            buffer[..count].Clear();
        }
        else
        {
            bytes.AsSpan((int)_offsetInPart, count).CopyTo(buffer);
        }

        _offsetInPart += count;
        BytesRead += count;
        return count;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
