using System.IO.Pipelines;
using System.Text.Json;
using Mae.Cluster.Pipeline;
using Mae.Cluster.Storage.Blobs;

namespace Mae.Cluster.Grains.Execution;

/// <summary>
/// Shards, as they come, into consecutive listing pages of <see cref="ShardListingPages.PageSize"/>: each page is
/// streamed to the store while it fills (through a pipe, so the store reads what the listing writes), which holds one
/// shard's entry rather than a page — a page of loose-image shards can list a million paths. A page becomes visible
/// whole or not at all (stores write atomically); one abandoned half-way is never written.
/// </summary>
internal sealed class ShardPageSequence(IObjectStore output, Func<int, string> pathOf) : IAsyncDisposable
{
    private OpenPage? _open;

    /// <summary>Shards added so far.</summary>
    public int Shards { get; private set; }

    /// <summary>Pages written whole so far.</summary>
    public int Pages { get; private set; }

    public string PathOf(int page) => pathOf(page);

    public async Task AddAsync(InputShard shard, CancellationToken cancellationToken)
    {
        _open ??= OpenPage.Start(output, pathOf(Pages), cancellationToken);
        await _open.WriteAsync(shard, cancellationToken).ConfigureAwait(false);
        Shards++;
        if (Shards % ShardListingPages.PageSize == 0)
        {
            await CompletePageAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Writes the last, partly filled page.</summary>
    public async Task CompleteAsync()
    {
        if (_open is not null)
        {
            await CompletePageAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Abandons the open page and deletes the pages written.</summary>
    public async Task DeleteAsync(CancellationToken cancellationToken)
    {
        await AbandonOpenPageAsync().ConfigureAwait(false);
        for (var page = 0; page < Pages; page++)
        {
            await output.DeleteAsync(pathOf(page), cancellationToken).ConfigureAwait(false);
        }
        Pages = 0;
    }

    public async ValueTask DisposeAsync() => await AbandonOpenPageAsync().ConfigureAwait(false);

    private async Task CompletePageAsync()
    {
        var page = _open!;
        _open = null;
        try
        {
            await page.CompleteAsync().ConfigureAwait(false);
        }
        finally
        {
            await page.DisposeAsync().ConfigureAwait(false);
        }
        Pages++;
    }

    private async Task AbandonOpenPageAsync()
    {
        var page = _open;
        _open = null;
        if (page is not null)
        {
            await page.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One page being written: a JSON writer on one end of a pipe, the store's write reading the other. Disposing a page
    /// not completed abandons it.
    /// </summary>
    private sealed class OpenPage : IAsyncDisposable
    {
        private readonly Pipe _pipe = new();
        private readonly Utf8JsonWriter _json;
        private readonly Task _write;
        private bool _completed;

        private OpenPage(IObjectStore output, string path, CancellationToken cancellationToken)
        {
            _json = new Utf8JsonWriter(_pipe.Writer);
            ShardListingPages.StartPage(_json);
            _write = Task.Run(() => WriteAsync(output, path, _pipe.Reader, cancellationToken), cancellationToken);
        }

        public static OpenPage Start(IObjectStore output, string path, CancellationToken cancellationToken) => new(output, path, cancellationToken);

        public async Task WriteAsync(InputShard shard, CancellationToken cancellationToken)
        {
            ShardListingPages.WriteEntry(_json, shard);
            await FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        public async Task CompleteAsync()
        {
            ShardListingPages.EndPage(_json);
            await FlushAsync(CancellationToken.None).ConfigureAwait(false);
            await _json.DisposeAsync().ConfigureAwait(false);
            await _pipe.Writer.CompleteAsync().ConfigureAwait(false);
            _completed = true;
            await _write.ConfigureAwait(false);
        }

        public async ValueTask DisposeAsync()
        {
            if (_completed)
            {
                return;
            }
            _completed = true;
#pragma warning disable CA1031 // The write is failed on purpose, or failed already and the caller is handling that failure.
            try
            {
                await _json.DisposeAsync().ConfigureAwait(false);
                // Failing the content fails the store's write, which then publishes nothing.
                await _pipe.Writer.CompleteAsync(new OperationCanceledException("The listing page was abandoned.")).ConfigureAwait(false);
                await _write.ConfigureAwait(false);
            }
            catch (Exception)
            {
            }
#pragma warning restore CA1031
        }

        /// <summary>Hands what the JSON writer holds to the pipe, waiting while the store is behind (the pipe's back-pressure).</summary>
        private async Task FlushAsync(CancellationToken cancellationToken)
        {
            await _json.FlushAsync(cancellationToken).ConfigureAwait(false);
            var flushed = await _pipe.Writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (flushed.IsCompleted)
            {
                // The store stopped reading: its failure is the reason.
                await _write.ConfigureAwait(false);
                throw new InvalidOperationException("The store stopped reading a listing page before its end.");
            }
        }

        private static async Task WriteAsync(IObjectStore output, string path, PipeReader content, CancellationToken cancellationToken)
        {
            Exception? failure = null;
            try
            {
                var stream = content.AsStream(leaveOpen: true);
                await using (stream.ConfigureAwait(false))
                {
                    await output.WriteAsync(path, stream, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception e)
            {
                failure = e;
                throw;
            }
            finally
            {
                await content.CompleteAsync(failure).ConfigureAwait(false);
            }
        }
    }
}
