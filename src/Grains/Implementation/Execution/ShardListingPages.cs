using System.Globalization;
using System.Text.Json;
using Mae.Cluster.Pipeline;
using Mae.Cluster.Storage.Blobs;
using Mae.Cluster.Storage.Formats;

namespace Mae.Cluster.Grains.Execution;

/// <summary>
/// A job's shard list, stored next to its output as fixed-size JSON pages (<c>_job/shards/page_000000.json</c>), so
/// no grain ever carries it: the coordinator keeps only the count, and a worker reads the one page holding its shard.
/// Pages are written as the input is listed (<see cref="StagedShardListing"/>), so no silo holds the whole listing.
/// </summary>
internal static class ShardListingPages
{
    public const int PageSize = 1024;

    public const string Folder = "_job/shards/";

    public static string PagePath(int page) => Folder + PageName(page);

    /// <summary>A page's file name (<c>page_000000.json</c>), the same wherever its pages are staged.</summary>
    public static string PageName(int page) => string.Create(CultureInfo.InvariantCulture, $"page_{page:D6}.json");

    /// <summary>Opens a page: a JSON array of entries, written one shard at a time (<see cref="WriteEntry"/>).</summary>
    public static void StartPage(Utf8JsonWriter page)
    {
        ArgumentNullException.ThrowIfNull(page);
        page.WriteStartArray();
    }

    /// <summary>One shard's entry, exactly as a whole page serialised at once would hold it.</summary>
    public static void WriteEntry(Utf8JsonWriter page, InputShard shard)
    {
        ArgumentNullException.ThrowIfNull(shard);
        JsonSerializer.Serialize(page, new Entry(shard.TarPath, shard.Images));
    }

    public static void EndPage(Utf8JsonWriter page)
    {
        ArgumentNullException.ThrowIfNull(page);
        page.WriteEndArray();
    }

    private static async Task<Entry[]> ReadPageAsync(IObjectStore output, int page, CancellationToken cancellationToken)
    {
        var path = PagePath(page);
        var bytes = await output.TryReadAsync(path, cancellationToken).ConfigureAwait(false)
                    ?? throw new FileNotFoundException($"Shard listing page {path} is missing from {output.Location}; was the job enumerated?");
        return JsonSerializer.Deserialize<Entry[]>(bytes) ?? throw new InvalidDataException($"Shard listing page {path} is empty or invalid.");
    }

    private sealed record Entry(string? TarPath, IReadOnlyList<LooseImage>? Images);

    /// <summary>
    /// Reads one job's shards, keeping the page last read: a partition holds as many shards as a page
    /// (<see cref="CoordinatorOptions.PartitionSize"/> defaults to <see cref="PageSize"/>) and a worker leases from one
    /// partition at a time, so a page is read once per silo rather than once per shard (a page of loose-image shards
    /// lists up to a million paths). Safe to share between shards running at once.
    /// </summary>
    public sealed class Reader(IObjectStore output)
    {
        private CachedPage? _last;

        public async Task<InputShard> ReadAsync(int shard, CancellationToken cancellationToken)
        {
            var page = shard / PageSize;
            var cached = Volatile.Read(ref _last);
            if (cached is null || cached.Page != page || cached.Entries.IsFaulted || cached.Entries.IsCanceled)
            {
                // Not tied to one caller's token: another shard may await the same read.
                cached = new CachedPage(page, ReadPageAsync(output, page, CancellationToken.None));
                Volatile.Write(ref _last, cached);
            }
            var entries = await cached.Entries.WaitAsync(cancellationToken).ConfigureAwait(false);
            var entry = entries[shard % PageSize];
            return entry.TarPath is { } tar
                ? InputShard.Tar(shard, tar)
                : InputShard.Loose(new LooseImageShard(shard, entry.Images ?? []));
        }

        private sealed record CachedPage(int Page, Task<Entry[]> Entries);
    }
}
