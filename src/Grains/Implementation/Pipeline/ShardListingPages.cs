using System.Globalization;
using System.Text.Json;
using Mae.Cluster.Pipeline;
using Mae.Cluster.Storage.Blobs;
using Mae.Cluster.Storage.Formats;

namespace Mae.Cluster.Grains.Pipeline;

/// <summary>
/// A job's shard list, stored next to its output as fixed-size JSON pages (<c>_job/shards/page_000000.json</c>), so
/// no grain ever carries it: the coordinator keeps only the count, and a worker reads the one page holding its shard.
/// </summary>
internal static class ShardListingPages
{
    public const int PageSize = 1024;

    public static string PagePath(int page) => string.Create(CultureInfo.InvariantCulture, $"_job/shards/page_{page:D6}.json");

    public static async Task WriteAsync(IObjectStore output, IReadOnlyList<InputShard> shards, CancellationToken cancellationToken)
    {
        for (var first = 0; first < shards.Count; first += PageSize)
        {
            var page = shards.Skip(first).Take(PageSize).Select(s => new Entry(s.TarPath, s.Images)).ToArray();
            await output.WriteAsync(PagePath(first / PageSize), JsonSerializer.SerializeToUtf8Bytes(page), cancellationToken).ConfigureAwait(false);
        }
    }

    public static async Task<InputShard> ReadAsync(IObjectStore output, int shard, CancellationToken cancellationToken)
    {
        var path = PagePath(shard / PageSize);
        var bytes = await output.TryReadAsync(path, cancellationToken).ConfigureAwait(false)
                    ?? throw new FileNotFoundException($"Shard listing page {path} is missing from {output.Location}; was the job enumerated?");
        var entries = JsonSerializer.Deserialize<Entry[]>(bytes) ?? throw new InvalidDataException($"Shard listing page {path} is empty or invalid.");
        var entry = entries[shard % PageSize];
        return entry.TarPath is { } tar
            ? InputShard.Tar(shard, tar)
            : InputShard.Loose(new LooseImageShard(shard, entry.Images ?? []));
    }

    private sealed record Entry(string? TarPath, IReadOnlyList<LooseImage>? Images);
}
