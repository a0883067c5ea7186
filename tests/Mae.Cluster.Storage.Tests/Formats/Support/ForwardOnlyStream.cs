namespace Mae.Cluster.Storage.Tests.Formats.Support;

/// <summary>
/// Behaves like a network download: readable once, front to back, in uneven chunks; it cannot seek or tell its
/// length, and any attempt to do so fails the test.
/// </summary>
internal sealed class ForwardOnlyStream(byte[] data, int maxChunk = 3001) : Stream
{
    private int _position;

    public int BytesRead => _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException("A forward-only stream has no length.");

    public override long Position
    {
        get => throw new NotSupportedException("A forward-only stream has no position.");
        set => throw new NotSupportedException("A forward-only stream cannot seek.");
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var count = Math.Min(Math.Min(buffer.Length, maxChunk), data.Length - _position);
        data.AsSpan(_position, count).CopyTo(buffer);
        _position += count;
        return count;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("A forward-only stream cannot seek.");

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
