using Mae.Cluster.Pipeline;
using Mae.Cluster.Storage.Blobs;

namespace Mae.Cluster.Grains.Execution;

/// <summary>
/// A job's listing written as the input is read: tar shards and loose-image shards each into their own page sequence
/// under staging names of this enumeration alone. Tars win over loose images, but whether any tar exists is known
/// only at the end; staging keeps both the final pages and job.json untouched until then, so the claim still comes
/// before the pages, as when the listing was held whole. At the end the winner's pages are copied to the final
/// <see cref="ShardListingPages.PagePath"/>s (a stream copy, one page at a time) and the staging is removed; loose
/// pages are dropped as soon as a tar is listed. At most one shard of each kind is held in memory.
/// </summary>
internal sealed class StagedShardListing : IAsyncDisposable
{
    private readonly IObjectStore _output;
    private readonly Func<CancellationToken, Task> _beforeFirstPage;
    private readonly ShardPageSequence _tars;
    private readonly ShardPageSequence _loose;
    private bool _started;

    /// <param name="beforeFirstPage">
    /// Runs once, before anything is written to <paramref name="output"/> (not at all for an input without shards): makes
    /// sure the output can be written and is not another job's.
    /// </param>
    public StagedShardListing(IObjectStore output, Func<CancellationToken, Task> beforeFirstPage)
    {
        _output = output;
        _beforeFirstPage = beforeFirstPage;
        // Unique per enumeration: a second enumeration of the same job (a reactivated grain) never shares pages being written.
        // Beside the final pages rather than in a folder of their own, so that a local output is left no empty folder.
        var staging = ShardListingPages.Folder + "staging-" + Guid.NewGuid().ToString("N") + "-";
        _tars = new ShardPageSequence(output, page => staging + "tars-" + ShardListingPages.PageName(page));
        _loose = new ShardPageSequence(output, page => staging + "loose-" + ShardListingPages.PageName(page));
    }

    public async Task AddAsync(InputShard shard, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(shard);
        if (!_started)
        {
            await _beforeFirstPage(cancellationToken).ConfigureAwait(false);
            _started = true;
        }
        if (shard.IsTar)
        {
            if (_tars.Shards == 0)
            {
                await _loose.DeleteAsync(cancellationToken).ConfigureAwait(false);
            }
            await _tars.AddAsync(shard, cancellationToken).ConfigureAwait(false);
        }
        else if (_tars.Shards == 0)
        {
            await _loose.AddAsync(shard, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Ends the listing: <paramref name="claim"/> with the shard count (job.json), then the winner's pages in place.
    /// Returns the shard count (0, with nothing written, for an input without shards).
    /// </summary>
    public async Task<int> CompleteAsync(Func<int, CancellationToken, Task> claim, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);
        var winner = _tars.Shards > 0 ? _tars : _loose;
        await winner.CompleteAsync().ConfigureAwait(false);
        if (winner.Shards == 0)
        {
            return 0;
        }
        await claim(winner.Shards, cancellationToken).ConfigureAwait(false);
        for (var page = 0; page < winner.Pages; page++)
        {
            var staged = await _output.OpenReadAsync(winner.PathOf(page), cancellationToken).ConfigureAwait(false);
            await using (staged.ConfigureAwait(false))
            {
                await _output.WriteAsync(ShardListingPages.PagePath(page), staged, cancellationToken).ConfigureAwait(false);
            }
        }
        await winner.DeleteAsync(cancellationToken).ConfigureAwait(false);
        return winner.Shards;
    }

    /// <summary>Removes what is still staged (after a failure or cancellation); a failure to is left for the caller's own.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var sequence in new[] { _tars, _loose })
        {
#pragma warning disable CA1031 // Best effort: the enumeration has failed or been cancelled already, and that is what the caller reports.
            try
            {
                await sequence.DeleteAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception)
            {
            }
#pragma warning restore CA1031
            await sequence.DisposeAsync().ConfigureAwait(false);
        }
    }
}
