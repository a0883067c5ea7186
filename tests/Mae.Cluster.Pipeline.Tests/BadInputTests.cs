using System.Text;
using Mae.Cluster.Pipeline.Tests.Support;

namespace Mae.Cluster.Pipeline.Tests;

/// <summary>Bad images and bad shards become failure rows with reasons; they never stop the job or shift good rows.</summary>
[Collection(typeof(AzuriteTestGroup))]
public sealed class BadInputTests(AzuriteFixture azurite, TinyModel model)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(StorageBackend.LocalFolder)]
    [InlineData(StorageBackend.Azurite)]
    public async Task BadImagesInAShardBecomeFailuresWhileGoodOnesKeepTheirOrder(StorageBackend backend)
    {
        Assert.False(File.Exists("/etc/x.jpg"), "/etc/x.jpg exists before the test; the test could not tell whether the job wrote it");
        using var storage = await JobStorage.CreateAsync(backend, azurite, Token);
        var storm = TestPhotos.Bytes("mate-storm.jpg");
        using var tar = new TarShardBuilder();
        tar.Image("001", 0, "first")
            .File("002.jpg", storm[..(storm.Length / 2)]) // a real JPEG cut in half
            .Image("003", 1)
            .File("004.jpg", [])
            .File("005.jpg", Encoding.UTF8.GetBytes("This is a text file that only claims to be a JPEG.\n"))
            .File("../x.jpg", TestPhotos.Bytes(2))
            .Image("006", 3)
            // WebDataset keys are relative: a leading '/' is dropped, so this is a good image with key etc/x.
            .Image("/etc/x.jpg", TestPhotos.Bytes(4), expectedKey: "etc/x")
            .SymbolicLink("007.jpg", "/etc/shadow")
            .File("001.jpg", TestPhotos.Bytes(5)) // a later repeat of key 001: the first one stands
            .Image("008", 6, "last");
        var expected = tar.Photos;
        await storage.PutInputAsync("mixed.tar", tar.ToArray(), Token);

        await storage.Runner(model.Engine).RunAsync(null, Token);

        var results = await JobResults.ReadAsync(storage, Token);
        JobAssertions.Completed(results, shards: 1, images: 5, failures: 6);
        Assert.Equal(["001", "003", "006", "etc/x", "008"], expected.Select(p => p.Key));
        JobAssertions.EmbeddedInOrder(results, 1, expected, await ReferenceEmbeddings.ComputeAsync(model.Engine, expected, Token));
        Assert.Equal(["first", null, null, null, "last"], results.Metadata(0).Select(r => r.Caption));

        // One row per bad sample, in tar order, each with its reason; the unsafe key is escaped, never used as a path.
        Assert.Equal(
        [
            new FailureRecord("002", "mixed.tar/002.jpg", "truncated JPEG: ends inside the compressed image data"),
            new FailureRecord("004", "mixed.tar/004.jpg", "empty image member"),
            new FailureRecord("005", "mixed.tar/005.jpg", "not an image (unrecognised format)"),
            new FailureRecord("%2E%2E/x", "mixed.tar/../x.jpg", "unsafe member name: '../x' (it has a '..' segment)"),
            new FailureRecord("007", "mixed.tar/007.jpg", "member is a symbolic link (to '/etc/shadow')"),
            new FailureRecord("001", "mixed.tar/001.jpg", "duplicate key: '001' already appeared earlier in the shard; the first sample is kept"),
        ], results.Failures(0));

        // Nothing outside output/ (and nothing new in input/), whatever the member names said.
        string[] outputFiles = [.. results.Snapshot.Files.Select(f => "output/" + f)];
        Assert.Equal(["input/mixed.tar", .. outputFiles], await storage.EverythingAsync(Token));
        Assert.False(File.Exists("/etc/x.jpg"));
    }

    [Theory]
    [InlineData(StorageBackend.LocalFolder)]
    [InlineData(StorageBackend.Azurite)]
    public async Task UnreadableShardsBecomeFailureRowsAndTheOtherShardsAreIntact(StorageBackend backend)
    {
        using var storage = await JobStorage.CreateAsync(backend, azurite, Token);
        var expected = new List<Photo>();

        expected.AddRange(await InputShards.PutTarAsync(storage, "00-good.tar", ["00/a", "00/b"], 0, Token));
        var notATar = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("key,caption\nsome,csv text that was named .tar by mistake\n", 40)));
        await storage.PutInputAsync("01-not-a-tar.tar", notATar, Token);
        var (cutInData, cutInDataGood) = CutTar(["02/a", "02/b", "02/c"], photo: 2, cutAfterThirdStarts: 4096);
        await storage.PutInputAsync("02-cut-in-data.tar", cutInData, Token);
        expected.AddRange(cutInDataGood);
        var (cutInHeader, cutInHeaderGood) = CutTar(["03/a", "03/b", "03/c"], photo: 5, cutAfterThirdStarts: 100);
        await storage.PutInputAsync("03-cut-in-header.tar", cutInHeader, Token);
        expected.AddRange(cutInHeaderGood);
        expected.AddRange(await InputShards.PutTarAsync(storage, "04-good.tar", ["04/a", "04/b"], 8, Token));

        var log = new RecordingLogger();
        await storage.Runner(model.Engine, log).RunAsync(null, Token);

        var results = await JobResults.ReadAsync(storage, Token);
        JobAssertions.Completed(results, shards: 5, images: 8, failures: 3);
        JobAssertions.EmbeddedInOrder(results, 5, expected, await ReferenceEmbeddings.ComputeAsync(model.Engine, expected, Token));
        Assert.Equal([2, 0, 2, 2, 2], Enumerable.Range(0, 5).Select(i => results.Commits[i].Images));
        Assert.Equal(
        [
            new FailureRecord("01-not-a-tar.tar", "01-not-a-tar.tar",
                "01-not-a-tar.tar: not a tar file: its first 512-byte block is not a valid tar header (0 samples were read before it)"),
        ], results.Failures(1));
        var cutMember = Assert.Single(results.Failures(2));
        Assert.Equal(("02/c", "02-cut-in-data.tar/02/c.png"), (cutMember.Key, cutMember.ImagePath));
        Assert.StartsWith("truncated tar: member 02/c.png ends after ", cutMember.Error, StringComparison.Ordinal);
        var cutHeader = Assert.Single(results.Failures(3));
        Assert.Equal(("03-cut-in-header.tar", "03-cut-in-header.tar"), (cutHeader.Key, cutHeader.ImagePath));
        Assert.StartsWith("03-cut-in-header.tar: truncated tar: the stream ends inside the member header", cutHeader.Error, StringComparison.Ordinal);
        Assert.EndsWith("(2 samples were read before it)", cutHeader.Error, StringComparison.Ordinal);
        Assert.Empty(results.Failures(0));
        Assert.Empty(results.Failures(4));
        // A bad tar is bad every time: it must not be retried as if storage had failed.
        Assert.Equal(0, log.Count("LogShardRetry"));
        Assert.Equal(5, log.Count("LogShardCommitted"));
    }

    /// <summary>A tar of three samples cut <paramref name="cutAfterThirdStarts"/> bytes into the third member; the first two are whole.</summary>
    private static (byte[] Tar, IReadOnlyList<Photo> Whole) CutTar(string[] keys, int photo, int cutAfterThirdStarts)
    {
        using var tar = new TarShardBuilder();
        tar.Image(keys[0], photo).Image(keys[1], photo + 1);
        var thirdStarts = tar.Length;
        var whole = tar.Photos.ToArray();
        tar.Image(keys[2], photo + 2);
        return (tar.ToArray()[..(int)(thirdStarts + cutAfterThirdStarts)], whole);
    }
}
