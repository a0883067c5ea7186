using System.ComponentModel.DataAnnotations;
using Mae.Cluster.Inference.Engine;
using Mae.Cluster.Pipeline.Results;
using Mae.Cluster.Pipeline.Tests.Support;
using Mae.Cluster.Storage.Blobs;

namespace Mae.Cluster.Pipeline.Tests;

/// <summary>
/// Jobs that ask for less or more than the default (--outputs, --pool both, --save-patch-tokens), read back with numpy
/// and ParquetSharp: each writes exactly the folders job.json names, row for row with the metadata.
/// </summary>
[Collection(typeof(AzuriteTestGroup))]
public sealed class OutputsOnDemandTests(AzuriteFixture azurite, TinyModel model)
{
    private const int Shards = 2;
    private const int ImagesPerShard = 3;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(StorageBackend.LocalFolder)]
    [InlineData(StorageBackend.Azurite)]
    public async Task AnEmbeddingsOnlyJobWritesImgEmbAndANullLossInEveryRow(StorageBackend backend)
    {
        using var storage = await JobStorage.CreateAsync(backend, azurite, Token);
        var photos = await InputShards.PutTarsAsync(storage, Shards, ImagesPerShard, Token);
        using var engine = model.CreateEngine(0, o => o.ComputeLoss = false);

        await storage.Runner(engine, configure: o => o.Outputs = ResultOutputs.Embeddings).RunAsync(null, Token);

        var results = await JobResults.ReadAsync(storage, Token);
        JobAssertions.Completed(results, Shards, photos.Count, failures: 0);
        Assert.Equal(["embeddings"], results.Manifest!.Value.GetProperty("outputs").EnumerateArray().Select(o => o.GetString()));
        Assert.Equal([ResultArrays.ImageEmbeddings], results.NpyFolders.Keys);
        var reference = await ReferenceEmbeddings.ComputeAsync(model.Engine, photos, Token);
        var rows = results.AllRows(Shards);
        Assert.Equal(photos.Select(p => p.Key), rows.Select(r => r.Row.Key));
        Assert.All(rows, r => Assert.Null(r.Row.MaeLoss));
        Assert.All(rows, r => AssertRowClose(reference[r.Row.Key].ClsEmbedding, r.Embedding, 1e-4, r.Row.Key));
        Assert.True((await VerifyAsync(storage)).IsHealthy);
    }

    [Fact]
    public async Task ALossOnlyJobWritesNoArraysAndTheReferenceLoss()
    {
        using var storage = await JobStorage.CreateAsync(StorageBackend.LocalFolder, azurite, Token);
        var photos = await InputShards.PutTarsAsync(storage, Shards, ImagesPerShard, Token);
        using var engine = model.CreateEngine(0, o => o.ComputeEmbeddings = false);

        await storage.Runner(engine, configure: o => o.Outputs = ResultOutputs.Loss).RunAsync(null, Token);

        var results = await JobResults.ReadAsync(storage, Token);
        JobAssertions.Completed(results, Shards, photos.Count, failures: 0);
        Assert.Equal(["loss"], results.Manifest!.Value.GetProperty("outputs").EnumerateArray().Select(o => o.GetString()));
        Assert.Empty(results.NpyFolders);
        Assert.DoesNotContain(results.Snapshot.Files, f => f.EndsWith(".npy", StringComparison.Ordinal));
        var reference = await ReferenceEmbeddings.ComputeAsync(model.Engine, photos, Token);
        var rows = Enumerable.Range(0, Shards).SelectMany(results.Metadata).ToArray();
        Assert.Equal(photos.Select(p => p.Key), rows.Select(r => r.Key));
        Assert.All(rows, r => JobAssertions.AssertClose(reference[r.Key].Loss, r.MaeLoss!.Value, $"mae_loss of {r.Key}"));
        Assert.True((await VerifyAsync(storage)).IsHealthy);
    }

    [Theory]
    [InlineData(StorageBackend.LocalFolder)]
    [InlineData(StorageBackend.Azurite)]
    public async Task PoolBothAndPatchTokensWriteRowAlignedClsMeanAndHiddenStates(StorageBackend backend)
    {
        using var storage = await JobStorage.CreateAsync(backend, azurite, Token);
        var photos = await InputShards.PutTarsAsync(storage, Shards, ImagesPerShard, Token);
        using var engine = model.CreateEngine(0, o => o.KeepPatchTokens = true);

        await storage.Runner(engine, configure: o =>
        {
            o.Pool = EmbeddingPool.Both;
            o.SavePatchTokens = true;
        }).RunAsync(null, Token);

        var results = await JobResults.ReadAsync(storage, Token);
        JobAssertions.Completed(results, Shards, photos.Count, failures: 0);
        var json = results.Manifest!.Value;
        Assert.Equal("both", json.GetProperty("pool").GetString());
        Assert.True(json.GetProperty("save_patch_tokens").GetBoolean());
        var patches = engine.Config.NumPatches;
        var hidden = JobAssertions.EmbeddingDim;
        var folders = results.NpyFolders;
        Assert.Equal([ResultArrays.ImageEmbeddings, ResultArrays.MeanEmbeddings, ResultArrays.PatchTokens], folders.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("float32 64 cls", Describe(folders[ResultArrays.ImageEmbeddings]));
        Assert.Equal("float32 64 mean", Describe(folders[ResultArrays.MeanEmbeddings]));
        Assert.Equal($"float16 {patches + 1}x64 last_hidden_state", Describe(folders[ResultArrays.PatchTokens]));

        var reference = await ReferenceEmbeddings.ComputeAsync(model.Engine, photos, Token);
        for (var shard = 0; shard < Shards; shard++)
        {
            var metadata = results.Metadata(shard);
            var cls = results.Array(ResultArrays.ImageEmbeddings, shard);
            var mean = results.Array(ResultArrays.MeanEmbeddings, shard);
            var tokens = results.Array(ResultArrays.PatchTokens, shard);
            Assert.Equal([metadata.Count, patches + 1, hidden], tokens.Shape);
            for (var i = 0; i < metadata.Count; i++)
            {
                var key = metadata[i].Key;
                var want = reference[key];
                JobAssertions.AssertClose(want.Loss, metadata[i].MaeLoss!.Value, $"mae_loss of {key}");
                AssertRowClose(want.ClsEmbedding, cls.Values[i], 1e-4, $"img_emb of {key}");
                AssertRowClose(want.MeanEmbedding, mean.Values[i], 1e-4, $"mean_emb of {key}");
                // float16 tokens: the CLS token is row 0, and the patch rows average to the mean embedding.
                AssertRowClose(want.ClsEmbedding, tokens.Values[i][..hidden], 2e-3, $"patch_tokens[0] of {key}");
                var patchMean = Enumerable.Range(0, hidden)
                    .Select(j => Enumerable.Range(1, patches).Average(t => tokens.Values[i][(t * hidden) + j])).ToArray();
                AssertRowClose(want.MeanEmbedding, patchMean, 2e-3, $"mean of patch_tokens[1..] of {key}");
            }
        }
        Assert.True((await VerifyAsync(storage)).IsHealthy);
    }

    [Fact]
    public async Task VerifyFindsATruncatedPatchTokensFile()
    {
        using var storage = await JobStorage.CreateAsync(StorageBackend.LocalFolder, azurite, Token);
        await InputShards.PutTarsAsync(storage, Shards, ImagesPerShard, Token);
        using var engine = model.CreateEngine(0, o => o.KeepPatchTokens = true);
        await storage.Runner(engine, configure: o => o.SavePatchTokens = true).RunAsync(null, Token);
        var damaged = Path.Combine(storage.LocalRoot, "output", OutputLayout.Array(ResultArrays.PatchTokens, 1));
        await using (var file = new FileStream(damaged, FileMode.Open))
        {
            file.SetLength(file.Length - 2);
        }

        var verification = await VerifyAsync(storage);

        var problem = Assert.Single(verification.Problems);
        Assert.Equal(1, problem.Shard);
        Assert.StartsWith("patch_tokens/patch_tokens_00001.npy: it holds ", problem.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyFindsMetadataWithALossInAnEmbeddingsOnlyOutput()
    {
        using var storage = await JobStorage.CreateAsync(StorageBackend.LocalFolder, azurite, Token);
        await InputShards.PutTarsAsync(storage, 1, 2, Token);
        using var engine = model.CreateEngine(0, o => o.ComputeLoss = false);
        await storage.Runner(engine, configure: o => o.Outputs = ResultOutputs.Embeddings).RunAsync(null, Token);
        // Another job's metadata (with losses) in this output's place: the rows agree in number, not in kind.
        var metadata = Path.Combine(storage.LocalRoot, "output", OutputLayout.Metadata(0));
        var rows = ResultParquetReader.ReadMetadata(new MemoryStream(await File.ReadAllBytesAsync(metadata, Token)));
        await using (var file = File.Create(metadata))
        {
            await ResultParquetFiles.WriteMetadataAsync(file, [.. rows.Select(r => r with { MaeLoss = 0.5f })], includeMask: false, includeLoss: true, Token);
        }

        var problem = Assert.Single((await VerifyAsync(storage)).Problems);

        Assert.Equal("metadata/metadata_00000.parquet has a mae_loss for key '00/0', but the job does not compute the loss", problem.Problem);
    }

    [Fact]
    public async Task ResumingAnOutputWithOtherOutputsIsRefusedNamingBoth()
    {
        using var storage = await JobStorage.CreateAsync(StorageBackend.LocalFolder, azurite, Token);
        await InputShards.PutTarsAsync(storage, 1, 2, Token);
        await storage.Runner(model.Engine).RunAsync(null, Token);
        using var engine = model.CreateEngine(0, o => o.ComputeLoss = false);

        var refused = await Assert.ThrowsAsync<JobSpecException>(() =>
            storage.Runner(engine, configure: o => o.Outputs = ResultOutputs.Embeddings).RunAsync(null, Token));

        Assert.Contains("outputs embeddings,loss there, embeddings here", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ResultOutputs.Loss, EmbeddingPool.Cls, false, true, "Saving the patch tokens needs the embeddings")]
    [InlineData(ResultOutputs.Embeddings, EmbeddingPool.Cls, true, false, "Saving the mask needs the loss")]
    [InlineData(ResultOutputs.Loss, EmbeddingPool.Both, false, false, "Pool both chooses an embedding")]
    [InlineData(ResultOutputs.None, EmbeddingPool.Cls, false, false, "Outputs must be embeddings, loss or both")]
    public void OutputChoicesThatDoNotFitTogetherAreRefused(ResultOutputs outputs, EmbeddingPool pool, bool saveMask, bool savePatchTokens, string why)
    {
        var options = new ShardJobOptions { Input = "in", Output = "out", Outputs = outputs, Pool = pool, SaveMask = saveMask, SavePatchTokens = savePatchTokens };

        var refused = Assert.Throws<ValidationException>(options.Validate);

        Assert.StartsWith(why, refused.Message, StringComparison.Ordinal);
    }

    private static Task<OutputVerification> VerifyAsync(JobStorage storage) =>
        OutputVerifier.VerifyAsync(ObjectStoreFactory.Create(storage.Output, storage.Options), null, Token);

    private static string Describe((string DType, int[] RowShape, string Holds) folder) => $"{folder.DType} {string.Join('x', folder.RowShape)} {folder.Holds}";

    private static void AssertRowClose(float[] expected, double[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var j = 0; j < expected.Length; j++)
        {
            Assert.True(Math.Abs(expected[j] - actual[j]) <= tolerance * (1 + Math.Abs(expected[j])), $"{what}[{j}]: expected {expected[j]}, found {actual[j]}");
        }
    }
}
