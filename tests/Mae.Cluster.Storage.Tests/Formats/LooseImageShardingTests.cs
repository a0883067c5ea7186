using Mae.Cluster.Storage.Formats;

namespace Mae.Cluster.Storage.Tests.Formats;

public sealed class LooseImageShardingTests
{
    private static readonly string[] SevenPaths = ["a/1.jpg", "a/2.png", "b/3.jpg", "b/4.jpeg", "c/5.webp", "c/6.jpg", "d/7.gif"];

    [Fact]
    public void ShardIHoldsSortedPathsFromITimesSizeUpToTheNextMultiple()
    {
        var shards = BuilderGrouping.Group(SevenPaths, 3);

        Assert.Equal([0, 1, 2], shards.Select(s => s.Index));
        Assert.Equal(["a/1.jpg", "a/2.png", "b/3.jpg"], shards[0].Images.Select(i => i.ImagePath));
        Assert.Equal(["b/4.jpeg", "c/5.webp", "c/6.jpg"], shards[1].Images.Select(i => i.ImagePath));
        Assert.Equal(["d/7.gif"], shards[2].Images.Select(i => i.ImagePath));
        Assert.Equal(3, LooseImageSharding.ShardCount(7, 3));
    }

    [Fact]
    public void AddingImagesAtTheEndLeavesEarlierFullShardsUnchanged()
    {
        var before = BuilderGrouping.Group(SevenPaths, 3);
        var after = BuilderGrouping.Group([.. SevenPaths, "e/8.jpg", "e/9.jpg"], 3);

        Assert.Equal(before[0].Images, after[0].Images);
        Assert.Equal(before[1].Images, after[1].Images);
        Assert.Equal(before[2].Images[0], after[2].Images[0]);
        Assert.Equal(2, after[2].Index);
    }

    [Fact]
    public void KeyIsTheRelativePathWithoutItsLastExtension()
    {
        var shard = Assert.Single(BuilderGrouping.Group(["dir/photo.v2.JPG", "dir/sub/x.png", "noext", "z/.jpg"], 10));

        Assert.Equal(["dir/photo.v2", "dir/sub/x", "noext", "z/.jpg"], shard.Images.Select(i => i.Key));
        Assert.Equal("dir/photo.v2.JPG", shard.Images[0].ImagePath);
        Assert.All(shard.Images, i => Assert.Null(i.Error));
    }

    [Fact]
    public void ImagesSharingAKeyKeepTheFirstAndMarkTheLater()
    {
        var shards = BuilderGrouping.Group(["x.jpeg", "x.jpg", "x.png", "y.png"], 2);

        Assert.Null(shards[0].Images[0].Error);
        Assert.Equal("duplicate key: 'x' is also the key of 'x.jpeg'; the first is kept", shards[0].Images[1].Error);
        Assert.Equal("duplicate key: 'x' is also the key of 'x.jpeg'; the first is kept", shards[1].Images[0].Error);
        Assert.Null(shards[1].Images[1].Error);
    }

    [Fact]
    public void UnsafePathIsMarkedAndItsKeyEscaped()
    {
        var shard = Assert.Single(BuilderGrouping.Group(["../up.jpg", "ok.jpg"], 5));

        Assert.Equal("%2E%2E/up", shard.Images[0].Key);
        Assert.StartsWith("unsafe image path: '../up.jpg'", shard.Images[0].Error, StringComparison.Ordinal);
        Assert.Null(shard.Images[1].Error);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-4)]
    public void ShardSizeBelowOneIsRefused(int shardSize)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BuilderGrouping.Group(SevenPaths, shardSize));
    }

    [Fact]
    public void UnsortedPathsAreRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => BuilderGrouping.Group(["b.jpg", "a.jpg"], 2));

        Assert.Contains("path 1 'a.jpg' does not come after 'b.jpg'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RepeatedPathsAreRefused()
    {
        Assert.Throws<ArgumentException>(() => BuilderGrouping.Group(["a.jpg", "a.jpg"], 2));
    }

    [Fact]
    public void OrdinalNotCultureOrderIsRequired()
    {
        // Ordinal order puts upper case first; a culture-aware sort would not.
        var shards = BuilderGrouping.Group(["B.jpg", "a.jpg"], 1);

        Assert.Equal("B.jpg", shards[0].Images[0].ImagePath);
        Assert.Throws<ArgumentException>(() => BuilderGrouping.Group(["a.jpg", "B.jpg"], 1));
    }

    [Fact]
    public void EmptyListingGivesNoShards()
    {
        Assert.Empty(BuilderGrouping.Group([], 10));
        Assert.Equal(0, LooseImageSharding.ShardCount(0, 10));
    }
}
