using System.Text.Json;
using Mae.Cluster.Grains.Execution;
using Mae.Cluster.Grains.Tests.Infrastructure;
using Mae.Cluster.Inference.Checkpoints;
using Mae.Cluster.Pipeline;
using Mae.Cluster.Storage.Blobs;
using Mae.Cluster.Storage.Formats;

namespace Mae.Cluster.Grains.Tests.Pipeline;

/// <summary>
/// The silo's enumeration, streamed into listing pages as the input is read, writes exactly the pages the whole
/// listing held in memory gave (the page writer of before kept here as the oracle), for every shape of input, leaves
/// nothing staged, and writes pages while it lists rather than after.
/// </summary>
public sealed class StreamedEnumerationTests : IDisposable
{
    private readonly TempDirectory _root = new();
    private readonly ModelResolver _models = new();
    private readonly string _model;

    public StreamedEnumerationTests()
    {
        _model = _root.Combine("tiny");
        TinyCheckpoint.Write(_model);
    }

    public static TheoryData<string, int, int, int> Inputs => new()
    {
        // name, tars, loose images, shard size
        { "tars only", 5, 0, 10 },
        { "loose only", 0, 25, 10 },
        { "tars win over loose images", 3, 40, 10 },
        { "tars win after whole loose pages", 1, 2100, 1 },
        { "exactly one page", 0, 1024, 1 },
        { "one shard over a page", 0, 1025, 1 },
        { "tars: one over a page", 1025, 0, 1 },
        { "whole shards", 0, 20, 10 },
        { "one image over whole shards", 0, 21, 10 },
        { "one image under whole shards", 0, 19, 10 },
    };

    [Theory]
    [MemberData(nameof(Inputs))]
    public async Task PagesAreThoseOfTheWholeListing(string name, int tars, int images, int shardSize)
    {
        Assert.NotNull(name);
        var input = MakeInput(tars, images);
        var spec = Spec(input, shardSize);

        var shards = await EnumerateAsync(spec);

        var expected = await PagesOfWholeListingAsync(input, shardSize);
        Assert.Equal(expected.Count == 0 ? 0 : ((expected.Count - 1) * ShardListingPages.PageSize) + JsonDocument.Parse(expected[^1]).RootElement.GetArrayLength(), shards);
        Assert.Equal(tars > 0 ? tars : LooseImageSharding.ShardCount(images, shardSize), shards);
        AssertPagesAre(spec.Output, expected);
        var manifest = await JobOutputClaim.ReadAsync(ObjectStoreFactory.Create(spec.Output), TestContext.Current.CancellationToken);
        Assert.Equal(shards, manifest!.Shards);
    }

    [Fact]
    public async Task InputWithoutShardsLeavesTheOutputUntouched()
    {
        var input = MakeInput(0, 0);
        File.WriteAllText(Path.Combine(input, "README.txt"), "not an image");
        var spec = Spec(input, 10);

        Assert.Equal(0, await EnumerateAsync(spec));
        Assert.False(Directory.Exists(spec.Output));
    }

    [Fact]
    public async Task RerunWritesIdenticalPagesAndKeepsTheClaim()
    {
        var input = MakeInput(0, 2500);
        var spec = Spec(input, 2);
        await EnumerateAsync(spec);
        var pages = Pages(spec.Output);
        var claim = File.ReadAllBytes(Path.Combine(spec.Output, OutputLayout.JobManifest));

        await EnumerateAsync(spec);

        Assert.Equal(pages, Pages(spec.Output));
        Assert.Equal(claim, File.ReadAllBytes(Path.Combine(spec.Output, OutputLayout.JobManifest)));
    }

    [Fact]
    public async Task AnotherJobsOutputGetsNoPage()
    {
        var input = MakeInput(0, 30);
        var spec = Spec(input, 10);
        await EnumerateAsync(spec);
        var pages = Pages(spec.Output);

        var other = spec with { Seed = 7 };
        await Assert.ThrowsAsync<JobSpecException>(() => EnumerateAsync(other));

        Assert.Equal(pages, Pages(spec.Output));
    }

    [Fact]
    public async Task PagesAreWrittenWhileTheInputIsListed()
    {
        // 5,000 one-image shards make five pages; each must be written by the time the shards it holds are listed,
        // not after the whole listing (which is what holding the listing in memory did).
        const int Images = 5000;
        var input = new SyntheticInput(Images);
        var output = new WriteRecordingStore(ObjectStoreFactory.Create(_root.Combine("paced-output")), input);
        var listing = new StagedShardListing(output, _ => Task.CompletedTask);
        await using (listing)
        {
            await foreach (var shard in InputShardLister.StreamAsync(input, 1, TestContext.Current.CancellationToken))
            {
                await listing.AddAsync(shard, TestContext.Current.CancellationToken);
            }
            Assert.Equal(Images, await listing.CompleteAsync((_, _) => Task.CompletedTask, TestContext.Current.CancellationToken));
        }

        var staged = output.Writes.Where(w => w.Path.Contains("staging-", StringComparison.Ordinal)).ToList();
        Assert.Equal(5, staged.Count);
        for (var page = 0; page < staged.Count - 1; page++)
        {
            Assert.True(staged[page].ListedWhenWritten <= ((page + 1) * ShardListingPages.PageSize) + 1,
                $"page {page} was written after {staged[page].ListedWhenWritten} of {Images} paths were listed");
        }
        Assert.Equal(5, Pages(_root.Combine("paced-output")).Count);
    }

    private string MakeInput(int tars, int images)
    {
        var input = _root.Combine("input-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(input);
        for (var i = 0; i < images; i++)
        {
            // Two folders, so the walk's order across folders counts too; a name sharing a key marks a duplicate.
            var name = i == 7 ? "a/000006.png" : $"{(i % 2 == 0 ? "a" : "b")}/{i:D6}.jpg";
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(input, name))!);
            File.WriteAllBytes(Path.Combine(input, name), []);
        }
        for (var i = 0; i < tars; i++)
        {
            File.WriteAllBytes(Path.Combine(input, $"shard-{i:D6}.tar"), []);
        }
        return input;
    }

    private JobSpec Spec(string input, int shardSize) =>
        new() { Input = input, Output = _root.Combine("output-" + Guid.NewGuid().ToString("N")), Model = _model, ShardSize = shardSize };

    private Task<int> EnumerateAsync(JobSpec spec) =>
        new StoredInputCatalog(new InferenceOptions(), _models, TimeProvider.System).EnumerateAsync("job", spec, TestContext.Current.CancellationToken);

    /// <summary>The pages as they were written before streaming: the whole listing, then 1,024 shards a page serialised at once.</summary>
    private static async Task<List<byte[]>> PagesOfWholeListingAsync(string input, int shardSize)
    {
        var shards = await InputShardLister.ListAsync(ObjectStoreFactory.Create(input), shardSize, TestContext.Current.CancellationToken);
        var pages = new List<byte[]>();
        for (var first = 0; first < shards.Count; first += ShardListingPages.PageSize)
        {
            var page = shards.Skip(first).Take(ShardListingPages.PageSize).Select(s => new Entry(s.TarPath, s.Images)).ToArray();
            pages.Add(JsonSerializer.SerializeToUtf8Bytes(page));
        }
        return pages;
    }

    private static void AssertPagesAre(string output, List<byte[]> expected)
    {
        var pages = Pages(output);
        Assert.Equal(expected.Select((_, i) => ShardListingPages.PageName(i)), pages.Keys);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.True(expected[i].AsSpan().SequenceEqual(pages[ShardListingPages.PageName(i)]), $"page {i} differs");
        }
    }

    /// <summary>Every file in the output's listing folder, staging included, by name.</summary>
    private static SortedDictionary<string, byte[]> Pages(string output)
    {
        var folder = Path.Combine(output, ShardListingPages.Folder);
        return Directory.Exists(folder)
            ? new SortedDictionary<string, byte[]>(Directory.GetFiles(folder).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes), StringComparer.Ordinal)
            : [];
    }

    public void Dispose()
    {
        _models.Dispose();
        _root.Dispose();
    }

    private sealed record Entry(string? TarPath, IReadOnlyList<LooseImage>? Images);
}
