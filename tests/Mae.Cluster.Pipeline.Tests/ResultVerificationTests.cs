using Mae.Cluster.Pipeline.Tests.Support;
using Mae.Cluster.Storage.Blobs;
using Mae.Cluster.Pipeline.Results;

namespace Mae.Cluster.Pipeline.Tests;

/// <summary>
/// Result files are read back before their shard is committed (a file that does not read back is written again, never
/// committed), and <see cref="OutputVerifier"/> finds the committed shards of an output whose files are damaged, so a
/// rerun recomputes exactly those.
/// </summary>
[Collection(typeof(AzuriteTestGroup))]
public sealed class ResultVerificationTests(AzuriteFixture azurite, TinyModel model)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static readonly MetadataRow[] Rows = [new("k/0", "k/0.jpg", 1.5f, 10, 20), new("k/1", "k/1.jpg", 2.5f, 30, 40, "c")];

    [Fact]
    public async Task AFileThatDoesNotReadBackIsWrittenAgainAndOnlyTheGoodBytesAreStored()
    {
        using var folder = new TempDirectory();
        var output = ObjectStoreFactory.Create(folder.Path);
        var logger = new RecordingLogger();
        var writes = 0;

        await CheckedFileWrite.WriteAsync(output, "metadata/m.parquet", async s =>
        {
            await ResultParquetFiles.WriteMetadataAsync(s, Rows, includeMask: false, includeLoss: true, Token);
            if (++writes == 1)
            {
                s.SetLength(s.Length - 8); // the first write comes out damaged
            }
        }, s => ResultFileCheck.Metadata(s, Rows, includeMask: false), logger, Token);

        Assert.Equal(2, writes);
        await using var stored = File.OpenRead(Path.Combine(folder.Path, "metadata", "m.parquet"));
        Assert.Equal(Rows, ResultParquetReader.ReadMetadata(stored));
        Assert.Contains(logger.Messages, m => m.StartsWith("metadata/m.parquet did not read back as written (Not a readable metadata file", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AFileThatNeverReadsBackFailsTheWriteAndNothingIsStored()
    {
        using var folder = new TempDirectory();
        var output = ObjectStoreFactory.Create(folder.Path);
        var writes = 0;

        var error = await Assert.ThrowsAsync<ResultFileException>(() => CheckedFileWrite.WriteAsync(output, "metadata/m.parquet", async s =>
        {
            writes++;
            // Valid Parquet, wrong values: one row short.
            await ResultParquetFiles.WriteMetadataAsync(s, Rows[..1], includeMask: false, includeLoss: true, Token);
        }, s => ResultFileCheck.Metadata(s, Rows, includeMask: false), new RecordingLogger(), Token));

        Assert.Equal(1 + CheckedFileWrite.Rewrites, writes);
        Assert.Equal("metadata/m.parquet did not read back as written: it reads back 1 rows, 2 were written. The shard was not committed.", error.Message);
        Assert.False(File.Exists(Path.Combine(folder.Path, "metadata", "m.parquet")));
    }

    [Fact]
    public async Task ValuesThatReadBackDifferentlyAreNamed()
    {
        using var file = new MemoryStream();
        await ResultParquetFiles.WriteMetadataAsync(file, Rows, includeMask: false, includeLoss: true, Token);
        file.Position = 0;

        Assert.Equal("row 1 (key 'k/1') reads back as other values",
            ResultFileCheck.Metadata(file, [Rows[0], Rows[1] with { Caption = null }], includeMask: false));
    }

    [Theory]
    [InlineData(StorageBackend.LocalFolder)]
    [InlineData(StorageBackend.Azurite)]
    public async Task VerifyFindsEachDamagedShardAndARerunRecomputesOnlyThose(StorageBackend backend)
    {
        using var storage = await JobStorage.CreateAsync(backend, azurite, Token);
        await InputShards.PutTarsAsync(storage, shards: 5, imagesPerShard: 2, Token);
        await storage.Runner(model.Engine).RunAsync(null, Token);
        var output = ObjectStoreFactory.Create(storage.Output, storage.Options);
        Assert.True((await OutputVerifier.VerifyAsync(output, null, Token)).IsHealthy);

        var before = await storage.SnapshotOutputAsync(Token);
        // Shard 0: metadata cut short. Shard 2: embeddings cut short. Shard 3: metadata of one row for two images.
        // Shard 4: failures file is not Parquet. Shard 1 stays whole.
        await output.WriteAsync(OutputLayout.Metadata(0), before.Bytes(OutputLayout.Metadata(0)).AsMemory(0, 300), Token);
        await output.WriteAsync(OutputLayout.Embeddings(2), before.Bytes(OutputLayout.Embeddings(2)).AsMemory(0, 200), Token);
        using (var oneRow = new MemoryStream())
        {
            await ResultParquetFiles.WriteMetadataAsync(oneRow, [new("03/0", "shard-03.tar/03/0.jpg", 1, 2, 3)], includeMask: false, includeLoss: true, Token);
            await output.WriteAsync(OutputLayout.Metadata(3), oneRow.ToArray(), Token);
        }
        await output.WriteAsync(OutputLayout.Failures(4), "not parquet"u8.ToArray(), Token);

        var verification = await OutputVerifier.VerifyAsync(output, null, Token);

        Assert.Equal(5, verification.CommittedShards);
        Assert.Equal(2, verification.Images);
        Assert.Equal([0, 2, 3, 4], verification.BadShards);
        Assert.StartsWith("metadata/metadata_00000.parquet: Not a readable metadata file: ", verification.Problems[0].Problem, StringComparison.Ordinal);
        Assert.Equal("img_emb/img_emb_00002.npy: it holds 200 bytes, its header needs 640", verification.Problems[1].Problem);
        Assert.Equal("metadata/metadata_00003.parquet has 1 rows, its commit record says 2", verification.Problems[2].Problem);
        Assert.StartsWith("failures/failures_00004.parquet: Not a readable failures file: ", verification.Problems[3].Problem, StringComparison.Ordinal);

        await OutputVerifier.UncommitAsync(output, verification.BadShards, Token);
        Assert.Null(await output.GetPropertiesAsync(OutputLayout.SuccessMarker, Token));
        await storage.Runner(model.Engine).RunAsync(null, Token);

        var repaired = await OutputVerifier.VerifyAsync(output, null, Token);
        Assert.True(repaired.IsHealthy, string.Join("; ", repaired.Problems));
        Assert.Equal(10, repaired.Images);
        var after = await storage.SnapshotOutputAsync(Token);
        Assert.True(after.Has(OutputLayout.SuccessMarker));
        // The repaired shards are byte for byte what the first run wrote; the whole shard was not touched.
        foreach (var shard in new[] { 0, 2, 3, 4 })
        {
            Assert.All(JobResults.ShardFiles(shard), f => Assert.Equal(before.Bytes(f), after.Bytes(f)));
        }
        Assert.All(JobResults.ShardFiles(1), f => Assert.Equal(before.Version(f), after.Version(f)));
    }

    [Fact]
    public async Task AnOutputWithoutAJobIsRefused()
    {
        using var folder = new TempDirectory();

        var error = await Assert.ThrowsAsync<JobSpecException>(() => OutputVerifier.VerifyAsync(ObjectStoreFactory.Create(folder.Path), null, Token));

        Assert.EndsWith("holds no job.json: it is not the output of a job.", error.Message, StringComparison.Ordinal);
    }
}
