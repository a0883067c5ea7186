using System.Globalization;
using System.Runtime.CompilerServices;
using Mae.Cluster.Storage.Formats;

namespace Mae.Cluster.Storage.Tests.Formats;

/// <summary>The streamed grouping against the in-memory one it replaced: the same shards, errors included, from any listing.</summary>
public sealed class LooseImageShardBuilderTests
{
    // Pieces that make keys collide in every way the rules allow: shared keys with other extensions ("x.jpg", "x.png"),
    // keys that are prefixes of others ("a", "a.b", "a-b"), dot-first basenames (".jpg"), and names that sanitising
    // normalises ("//", "./", a leading '/') or refuses ("..").
    private static readonly string[] Segments = ["a", "a.b", "a-b", "b", ".", "", "..", "-", ".jpg", "x"];
    private static readonly string[] Extensions = [".jpg", ".png", ".jpg.png", ".b.jpg", ""];

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 3)]
    [InlineData(3, 7)]
    [InlineData(4, 1000)]
    public void RandomListingsGiveTheShardsOfTheWholeListingGrouping(int seed, int shardSize)
    {
        var random = new Random(seed);
        for (var round = 0; round < 200; round++)
        {
            var paths = RandomListing(random, random.Next(0, 60));
            var expected = LooseImageShardingBeforeStreaming.Group(paths, shardSize);
            var actual = BuilderGrouping.Group(paths, shardSize);
            Assert.Equal(Describe(expected), Describe(actual));
        }
    }

    [Fact]
    public void NormalisedKeyAfterItsOwnerPassedIsStillADuplicate()
    {
        // "-b.jpg" owns key "-b"; "/-b.png" (key "/-b", sanitised "-b") comes after paths that close "-b"'s range.
        string[] paths = ["-b.jpg", "-c.jpg", "/-b.png"];

        var shard = Assert.Single(BuilderGrouping.Group(paths, 10));

        Assert.Equal("duplicate key: '-b' is also the key of '-b.jpg'; the first is kept", shard.Images[2].Error);
        Assert.Equal(Describe(LooseImageShardingBeforeStreaming.Group(paths, 10)), Describe([shard]));
    }

    [Fact]
    public void PathsPassedByAreNotHeld()
    {
        // The in-memory grouping held every path (its listing and a dictionary of every key's owner); the builder lets a
        // path go once its shard is handed out and no later path can share its key.
        var builder = new LooseImageShardBuilder(100);
        var early = Enumerable.Range(0, 10).Select(i => AddFresh(builder, i)).ToList();
        for (var i = early.Count; i < 100_000; i++)
        {
            AddFresh(builder, i);
        }
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true);

        Assert.All(early, path => Assert.False(path.IsAlive, "an early path is still held"));
        GC.KeepAlive(builder);
    }

    /// <summary>Adds a path made here, dropping any shard it completes, and returns a weak reference to the path.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference AddFresh(LooseImageShardBuilder builder, int i)
    {
        var path = string.Create(CultureInfo.InvariantCulture, $"d{i / 1000:D4}/{i:D7}.jpg");
        builder.Add(path);
        return new WeakReference(path);
    }

    private static List<string> RandomListing(Random random, int count)
    {
        var paths = new SortedSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var depth = random.Next(1, 4);
            var segments = Enumerable.Range(0, depth).Select(_ => Segments[random.Next(Segments.Length)]);
            var path = string.Join('/', segments) + Extensions[random.Next(Extensions.Length)];
            if (path.Length > 0)
            {
                paths.Add(path);
            }
        }
        return [.. paths];
    }

    private static List<string> Describe(IReadOnlyList<LooseImageShard> shards) =>
        [.. shards.SelectMany(s => s.Images.Select(image => $"{s.Index}|{image.Key}|{image.ImagePath}|{image.Error}"))];
}
