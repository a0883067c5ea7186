using System.Runtime.CompilerServices;
using Mae.Cluster.Storage.Blobs;
using Mae.Cluster.Storage.Formats;

namespace Mae.Cluster.Pipeline;

/// <summary>
/// Finds the shards of an input location: every *.tar / *.tar.gz / *.tgz in name order is a shard (0..n−1); with
/// no tars, the loose images in name order are grouped into shards of a fixed size, so a rerun groups identically.
/// </summary>
public static class InputShardLister
{
    /// <summary>
    /// The shards as the listing is read, holding at most one shard: tar shards and loose-image shards, each kind
    /// numbered from 0. Tars win over loose images, but whether any tar exists is known only at the end: loose shards
    /// come until the first tar (the caller drops them when one comes), none after it.
    /// </summary>
    /// <exception cref="ArgumentException">No tar was listed and the image paths were not in ordinal order (the store broke its contract).</exception>
    public static async IAsyncEnumerable<InputShard> StreamAsync(IObjectStore input, int shardSize, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var loose = new LooseImageShardBuilder(shardSize);
        var tars = 0;
        // Out of order images matter only if they win (no tar at all), so the error waits for the end.
        ArgumentException? looseFailure = null;
        await foreach (var item in input.ListAsync("", cancellationToken).ConfigureAwait(false))
        {
            if (IsTar(item.Path))
            {
                yield return InputShard.Tar(tars++, item.Path);
            }
            else if (tars == 0 && looseFailure is null && IsImage(item.Path))
            {
                var earlier = loose.KeyToLookUp(item.Path) is { } key ? await FirstImageWithKeyAsync(input, key, item.Path, cancellationToken).ConfigureAwait(false) : null;
                LooseImageShard? full;
                try
                {
                    full = loose.Add(item.Path, earlier);
                }
                catch (ArgumentException e)
                {
                    looseFailure = e;
                    continue;
                }
                if (full is not null)
                {
                    yield return InputShard.Loose(full);
                }
            }
        }
        if (tars > 0)
        {
            yield break;
        }
        if (looseFailure is not null)
        {
            throw looseFailure;
        }
        if (loose.Complete() is { } last)
        {
            yield return InputShard.Loose(last);
        }
    }

    /// <summary>
    /// Every shard in memory, for callers that schedule a small job themselves (the pipeline benchmark and tests);
    /// a silo streams the listing into pages instead (StoredInputCatalog).
    /// </summary>
    public static async Task<IReadOnlyList<InputShard>> ListAsync(IObjectStore input, int shardSize, CancellationToken cancellationToken)
    {
        var tars = new List<InputShard>();
        var loose = new List<InputShard>();
        await foreach (var shard in StreamAsync(input, shardSize, cancellationToken).ConfigureAwait(false))
        {
            (shard.IsTar ? tars : loose).Add(shard);
        }
        return tars.Count > 0 ? tars : loose;
    }

    public static bool IsTar(string path) =>
        path.EndsWith(".tar", StringComparison.OrdinalIgnoreCase)
        || path.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase)
        || path.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether <paramref name="path"/> would be part of a job: a tar shard or a loose image.</summary>
    public static bool IsJobInput(string path) => IsTar(path) || IsImage(path);

    private static bool IsImage(string path)
    {
        var dot = path.LastIndexOf('.');
        return dot >= 0 && WebDatasetReadOptions.DefaultImageExtensions.Contains(path[(dot + 1)..].ToLowerInvariant());
    }

    /// <summary>
    /// The first image listed before <paramref name="before"/> whose key is exactly <paramref name="key"/>: the path
    /// <paramref name="key"/> itself (a basename that starts with its only dot), or <paramref name="key"/> + "." + an
    /// extension. Asked only for a path whose key sanitising normalised ("a//b.jpg"), which blob names alone can have.
    /// </summary>
    private static async Task<string?> FirstImageWithKeyAsync(IObjectStore input, string key, string before, CancellationToken cancellationToken)
    {
        if (string.CompareOrdinal(key, before) < 0 && IsImage(key) && LooseImageSharding.KeyOf(key) == key
            && await input.GetPropertiesAsync(key, cancellationToken).ConfigureAwait(false) is not null)
        {
            return key;
        }
        await foreach (var item in input.ListAsync(key + ".", cancellationToken).ConfigureAwait(false))
        {
            if (string.CompareOrdinal(item.Path, before) >= 0)
            {
                break;
            }
            if (IsImage(item.Path) && LooseImageSharding.KeyOf(item.Path) == key)
            {
                return item.Path;
            }
        }
        return null;
    }
}
