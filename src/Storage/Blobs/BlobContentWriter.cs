using System.Buffers;
using System.Globalization;
using System.Text;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Mae.Cluster.Storage.Blobs;

/// <summary>
/// Writes one blob atomically. Content up to one block goes in a single Put Blob; larger content is
/// staged as blocks and made visible by one Put Block List, which Azure applies atomically, so readers
/// never see a partial object either way. Each block is held in memory while it is staged so that a
/// transient failure can resend it; at most <c>concurrency</c> blocks are in flight, which bounds memory
/// to concurrency × block size whatever the content's length.
/// </summary>
internal sealed class BlobContentWriter
{
    private readonly BlockBlobClient _blob;
    private readonly StorageRetryPolicy _retry;
    private readonly string _target;
    private readonly int _blockSize;
    private readonly int _concurrency;

    public BlobContentWriter(BlockBlobClient blob, StorageRetryPolicy retry, string target, int blockSize, int concurrency)
    {
        _blob = blob;
        _retry = retry;
        _target = target;
        _blockSize = blockSize;
        _concurrency = concurrency;
    }

    /// <summary>Writes everything read from <paramref name="content"/>.</summary>
    public async Task WriteAsync(Stream content, CancellationToken cancellationToken)
    {
        var first = ArrayPool<byte>.Shared.Rent(_blockSize);
        var handedOver = false;
        try
        {
            var read = await ReadBlockAsync(content, first, cancellationToken).ConfigureAwait(false);
            if (read < _blockSize)
            {
                await PutWholeAsync(first.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                return;
            }

            handedOver = true;
            await StageAllAsync(first, content, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (!handedOver)
            {
                ArrayPool<byte>.Shared.Return(first);
            }
        }
    }

    /// <summary>Writes <paramref name="content"/>, already in memory.</summary>
    public async Task WriteAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        if (content.Length <= _blockSize)
        {
            await PutWholeAsync(content, cancellationToken).ConfigureAwait(false);
            return;
        }

        await using var upload = new BlockUpload(this, cancellationToken);
        for (var offset = 0; offset < content.Length; offset += _blockSize)
        {
            await upload.WaitForRoomAsync().ConfigureAwait(false);
            upload.Stage(content.Slice(offset, Math.Min(_blockSize, content.Length - offset)), rented: null);
        }

        await upload.CommitAsync().ConfigureAwait(false);
    }

    private async Task StageAllAsync(byte[] first, Stream content, CancellationToken cancellationToken)
    {
        await using var upload = new BlockUpload(this, cancellationToken);
        upload.Stage(first.AsMemory(0, _blockSize), first);
        while (true)
        {
            await upload.WaitForRoomAsync().ConfigureAwait(false);
            var buffer = ArrayPool<byte>.Shared.Rent(_blockSize);
            int read;
            try
            {
                read = await ReadBlockAsync(content, buffer, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                ArrayPool<byte>.Shared.Return(buffer);
                throw;
            }

            if (read == 0)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                break;
            }

            upload.Stage(buffer.AsMemory(0, read), buffer);
            if (read < _blockSize)
            {
                break;
            }
        }

        await upload.CommitAsync().ConfigureAwait(false);
    }

    private ValueTask<int> ReadBlockAsync(Stream content, byte[] buffer, CancellationToken cancellationToken) =>
        content.ReadAtLeastAsync(buffer.AsMemory(0, _blockSize), _blockSize, throwOnEndOfStream: false, cancellationToken);

    private async Task PutWholeAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
        await _retry.ExecuteAsync(
            "write",
            _target,
            // A fresh stream per attempt, so a retry resends everything.
            token => _blob.UploadAsync(BinaryData.FromBytes(content).ToStream(), new BlobUploadOptions(), token),
            cancellationToken).ConfigureAwait(false);

    private async Task StageBlockAsync(string blockId, ReadOnlyMemory<byte> block, CancellationToken cancellationToken) =>
        await _retry.ExecuteAsync(
            "write",
            _target,
            token => _blob.StageBlockAsync(blockId, BinaryData.FromBytes(block).ToStream(), options: null, token),
            cancellationToken).ConfigureAwait(false);

    /// <summary>The blocks of one upload: ids in order, the stage requests in flight, and the commit.</summary>
    private sealed class BlockUpload : IAsyncDisposable
    {
        private readonly BlobContentWriter _writer;
        private readonly CancellationTokenSource _cancellation;
        private readonly List<string> _blockIds = [];
        private readonly List<Task> _inFlight = [];

        // One id stem per upload: concurrent writers of the same blob stage distinct blocks, and the
        // commit of each names only its own, so the last commit wins whole.
        private readonly string _uploadId = Guid.NewGuid().ToString("N");

        public BlockUpload(BlobContentWriter writer, CancellationToken cancellationToken)
        {
            _writer = writer;
            _cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        }

        public void Stage(ReadOnlyMemory<byte> block, byte[]? rented)
        {
            // Every id of a blob must have the same length; 6 digits cover Azure's 50,000-block limit.
            var id = Convert.ToBase64String(Encoding.ASCII.GetBytes(
                string.Create(CultureInfo.InvariantCulture, $"{_uploadId}-{_blockIds.Count:D6}")));
            _blockIds.Add(id);
            _inFlight.Add(StageAndReleaseAsync(id, block, rented));
        }

        public async Task WaitForRoomAsync()
        {
            while (_inFlight.Count >= _writer._concurrency)
            {
                await ObserveOneAsync().ConfigureAwait(false);
            }
        }

        public async Task CommitAsync()
        {
            while (_inFlight.Count > 0)
            {
                await ObserveOneAsync().ConfigureAwait(false);
            }

            // Committing the same list again gives the same blob, so the commit can be retried as well.
            await _writer._retry.ExecuteAsync(
                "write",
                _writer._target,
                token => _writer._blob.CommitBlockListAsync(_blockIds, new CommitBlockListOptions(), token),
                _cancellation.Token).ConfigureAwait(false);
        }

        public async ValueTask DisposeAsync()
        {
            // After a failure, stop the other stages and let them finish before their buffers go back.
            await _cancellation.CancelAsync().ConfigureAwait(false);
            foreach (var task in _inFlight)
            {
                try
                {
                    await task.ConfigureAwait(false);
                }
#pragma warning disable CA1031 // The first failure is already on its way to the caller; these are its echoes.
                catch (Exception)
#pragma warning restore CA1031
                {
                }
            }

            _cancellation.Dispose();
        }

        private async Task ObserveOneAsync()
        {
            var done = await Task.WhenAny(_inFlight).ConfigureAwait(false);
            _inFlight.Remove(done);
            await done.ConfigureAwait(false);
        }

        private async Task StageAndReleaseAsync(string id, ReadOnlyMemory<byte> block, byte[]? rented)
        {
            try
            {
                await _writer.StageBlockAsync(id, block, _cancellation.Token).ConfigureAwait(false);
            }
            finally
            {
                if (rented is not null)
                {
                    ArrayPool<byte>.Shared.Return(rented);
                }
            }
        }
    }
}
