using System.Buffers;
using System.Diagnostics;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;

namespace Mae.Cluster.Storage.Blobs;

/// <summary>
/// A forward-only stream over one blob download. When the connection breaks mid-object it reopens the
/// download at the current offset with a Range request conditioned on the original ETag, so the bytes
/// returned always belong to one version of the object; if the object changed, it fails instead.
/// Stalls (failures without progress) are bounded by the retry budget.
/// </summary>
internal sealed class ResumableBlobReadStream : Stream
{
    private readonly BlobClient _blob;
    private readonly StorageRetryPolicy _retry;
    private readonly ILogger _logger;
    private readonly string _target;
    private readonly ETag _etag;
    private readonly long _length;
    private Stream _body;
    private long _position;
    private long? _stalledSince;
    private bool _disposed;

    private ResumableBlobReadStream(
        BlobClient blob, StorageRetryPolicy retry, ILogger logger, string target, BlobDownloadStreamingResult first)
    {
        _blob = blob;
        _retry = retry;
        _logger = logger;
        _target = target;
        _etag = first.Details.ETag;
        _length = first.Details.ContentLength;
        _body = first.Content;
    }

    public static async Task<ResumableBlobReadStream> OpenAsync(
        BlobClient blob, StorageRetryPolicy retry, ILogger logger, string target, CancellationToken cancellationToken)
    {
        var first = await retry.ExecuteAsync(
            "read",
            target,
            async token => (await blob.DownloadStreamingAsync(new BlobDownloadOptions(), token).ConfigureAwait(false)).Value,
            cancellationToken).ConfigureAwait(false);
        return new ResumableBlobReadStream(blob, retry, logger, target, first);
    }

    public override bool CanRead => !_disposed;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    /// <summary>The object's full length, known from the first response.</summary>
    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException("This stream reads forward only.");
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.IsEmpty || _position >= _length)
        {
            return 0;
        }

        while (true)
        {
            try
            {
                var read = await _body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new EndOfStreamException($"The response ended at byte {_position} of {_length}.");
                }

                _position += read;
                _stalledSince = null;
                return read;
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                // The SDK's download stream makes a few quick resumes of its own and then reports them
                // all in an AggregateException; the last one says how it ended.
                var cause = e is AggregateException { InnerExceptions.Count: > 0 } all ? all.InnerExceptions[^1] : e;
                if (!TransientFailures.IsTransient(cause, cancellationToken))
                {
                    throw ReadFailure(cause);
                }

                await ResumeAsync(cause, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // Synchronous callers get the same resuming behaviour; the async path is the one to prefer.
    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count), CancellationToken.None).AsTask().GetAwaiter().GetResult();

    public override int Read(Span<byte> buffer)
    {
        var rented = ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            var read = Read(rented, 0, buffer.Length);
            rented.AsSpan(0, read).CopyTo(buffer);
            return read;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private async Task ResumeAsync(Exception failure, CancellationToken cancellationToken)
    {
        var now = Stopwatch.GetTimestamp();
        _stalledSince ??= now;
        var stalled = Stopwatch.GetElapsedTime(_stalledSince.Value, now);
        if (stalled > _retry.GiveUpAfter)
        {
            throw new StorageUnavailableException(
                $"Could not read {_target}: {TransientFailures.Describe(failure)} at byte {_position} of {_length}; " +
                $"no progress for {stalled.TotalSeconds:0.0} s (limit {_retry.GiveUpAfter.TotalSeconds:0.#} s).",
                _target,
                failure);
        }

        StorageLog.ResumingRead(_logger, _target, _position, _length, TransientFailures.Describe(failure));
        await _body.DisposeAsync().ConfigureAwait(false);
        _body = Stream.Null;
        var options = new BlobDownloadOptions
        {
            Range = new HttpRange(_position),
            Conditions = new BlobRequestConditions { IfMatch = _etag },
        };
        try
        {
            var resumed = await _retry.ExecuteAsync(
                "read",
                _target,
                async token => (await _blob.DownloadStreamingAsync(options, token).ConfigureAwait(false)).Value,
                cancellationToken).ConfigureAwait(false);
            _body = resumed.Content;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            throw ReadFailure(e);
        }
    }

    // A resume is conditioned on the first response's ETag: 412 means a new version, 404 a deleted one.
    private Exception ReadFailure(Exception cause)
    {
        if (cause is RequestFailedException { Status: 404 or 412 } failed)
        {
            var what = failed.Status == 404 ? "was deleted" : "was replaced";
            return new StorageObjectChangedException(
                $"Could not finish reading {_target}: the object {what} while it was being read (at byte {_position} of {_length}); read it again.",
                _target);
        }

        return BlobFailureTranslator.Translate(cause, "read", _target);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("This stream reads forward only.");

    public override void SetLength(long value) => throw new NotSupportedException("This stream is read-only.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("This stream is read-only.");

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _body.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            await _body.DisposeAsync().ConfigureAwait(false);
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }
}
