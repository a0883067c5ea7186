using Mae.Cluster.Pipeline.Tests.Support;

namespace Mae.Cluster.Pipeline.Tests;

/// <summary>Whole jobs over real photos, from tar shards and from loose files, on the local file system and on Azurite.</summary>
[Collection(typeof(AzuriteTestGroup))]
public sealed class RoundTripTests(AzuriteFixture azurite, TinyModel model)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(StorageBackend.LocalFolder)]
    [InlineData(StorageBackend.Azurite)]
    public async Task JobOverThreeTarShardsEmbedsEveryImageOnceInTarOrder(StorageBackend backend)
    {
        using var storage = await JobStorage.CreateAsync(backend, azurite, Token);
        // Keys out of name order within a shard: the output must follow the tar, not sort it.
        string[][] keys = [["s0/c", "s0/a", "s0/b"], ["s1/zebra", "s1/apple"], ["s2/m/2", "s2/m/10", "s2/k", "s2/a"]];
        var expected = new List<Photo>();
        var imagePaths = new Dictionary<string, string>();
        var captions = new Dictionary<string, string?>();
        var photo = 0;
        for (var shard = 0; shard < keys.Length; shard++)
        {
            var tarName = $"shard-{shard:00}.tar";
            using var tar = new TarShardBuilder();
            foreach (var key in keys[shard])
            {
                var caption = photo % 2 == 0 ? $"caption of {key}: a photo, ünïcode" : null;
                tar.Image(key, photo, caption);
                imagePaths[key] = $"{tarName}/{key}{TestPhotos.ExtensionOf(photo)}";
                captions[key] = caption;
                photo++;
            }
            expected.AddRange(tar.Photos);
            await storage.PutInputAsync(tarName, tar.ToArray(), Token);
        }

        var manifest = await storage.Runner(model.Engine).RunAsync(null, Token);

        var results = await JobResults.ReadAsync(storage, Token);
        JobAssertions.Completed(results, shards: 3, images: 9, failures: 0);
        JobAssertions.EmbeddedInOrder(results, 3, expected, await ReferenceEmbeddings.ComputeAsync(model.Engine, expected, Token));
        var rows = Enumerable.Range(0, 3).SelectMany(results.Metadata).ToArray();
        Assert.All(rows, r => Assert.Equal(imagePaths[r.Key], r.ImagePath));
        Assert.All(rows, r => Assert.Equal(captions[r.Key], r.Caption));
        Assert.Equal([3, 2, 4], Enumerable.Range(0, 3).Select(i => results.Commits[i].Images));
        Assert.Equal(["shard-00.tar", "shard-01.tar", "shard-02.tar"], Enumerable.Range(0, 3).Select(i => results.Commits[i].Input));

        var json = results.Manifest!.Value;
        Assert.Equal(storage.Input, json.GetProperty("input").GetString());
        Assert.Equal(storage.Output, json.GetProperty("output").GetString());
        Assert.Equal(TinyModel.Name, json.GetProperty("model").GetString());
        Assert.Equal(model.Engine.CheckpointHash, json.GetProperty("model_sha256").GetString());
        Assert.Equal(0, json.GetProperty("seed").GetInt64());
        Assert.Equal(JobAssertions.EmbeddingDim, json.GetProperty("embedding_dim").GetInt32());
        Assert.Equal("float32", json.GetProperty("embedding_dtype").GetString());
        Assert.Equal("cls", json.GetProperty("pool").GetString());
        Assert.Equal(manifest.JobFingerprint, results.Fingerprint);
        Assert.Equal(9, manifest.Images);
    }

    [Theory]
    [InlineData(StorageBackend.LocalFolder)]
    [InlineData(StorageBackend.Azurite)]
    public async Task JobOverLooseImagesGroupsThemIntoShardsInPathOrder(StorageBackend backend)
    {
        using var storage = await JobStorage.CreateAsync(backend, azurite, Token);
        // Put in a scrambled order; the job must take them in ordinal path order, two per shard.
        string[] paths = ["d/e/5.jpg", "b/2.jpg", "a/1.png", "c.jpg", "a/3.jpg"];
        var photos = new Dictionary<string, byte[]>
        {
            ["a/1.png"] = TestPhotos.Bytes("coins.png"),
            ["a/3.jpg"] = TestPhotos.Bytes("mate-aqua.jpg"),
            ["b/2.jpg"] = TestPhotos.Bytes("ukui-rhythm.jpg"),
            ["c.jpg"] = TestPhotos.Bytes("mate-storm.jpg"),
            ["d/e/5.jpg"] = TestPhotos.Bytes("ukui-the-mouse.jpg"),
        };
        foreach (var path in paths)
        {
            await storage.PutInputAsync(path, photos[path], Token);
        }
        await storage.PutInputAsync("notes.txt", "not an image, not a shard: ignored"u8.ToArray(), Token);
        var expected = photos.Keys.Order(StringComparer.Ordinal).Select(p => new Photo(p[..p.LastIndexOf('.')], photos[p])).ToArray();

        await storage.Runner(model.Engine, configure: o => o.ShardSize = 2).RunAsync(null, Token);

        var results = await JobResults.ReadAsync(storage, Token);
        JobAssertions.Completed(results, shards: 3, images: 5, failures: 0);
        JobAssertions.EmbeddedInOrder(results, 3, expected, await ReferenceEmbeddings.ComputeAsync(model.Engine, expected, Token));
        Assert.Equal(photos.Keys.Order(StringComparer.Ordinal), Enumerable.Range(0, 3).SelectMany(results.Metadata).Select(r => r.ImagePath));
        Assert.Equal([2, 2, 1], Enumerable.Range(0, 3).Select(i => results.Commits[i].Images));
        Assert.All(Enumerable.Range(0, 3).SelectMany(results.Metadata), r => Assert.Null(r.Caption));
    }
}
