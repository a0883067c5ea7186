using Mae.Cluster.Pipeline.Tests.Support;

namespace Mae.Cluster.Pipeline.Tests;

/// <summary>
/// Interrupted, repeated and conflicting runs into one output: a commit record is only ever written for a complete
/// shard, reruns skip committed shards without touching their files, rewrite missing ones byte for byte, and an
/// output that holds another job's results is refused.
/// </summary>
[Collection(typeof(AzuriteTestGroup))]
public sealed class ResumeTests(AzuriteFixture azurite, TinyModel model)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(StorageBackend.LocalFolder)]
    [InlineData(StorageBackend.Azurite)]
    public async Task CancelledJobLeavesOnlyCompleteCommittedShardsAndTheRerunSkipsThem(StorageBackend backend)
    {
        using var storage = await JobStorage.CreateAsync(backend, azurite, Token);
        var expected = await InputShards.PutTarsAsync(storage, shards: 4, imagesPerShard: 3, Token);

        // Cancel the moment the first shard is committed, while the second one is still in flight.
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var cancelling = new CallbackProgress(_ => cancel.Cancel());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => storage.Runner(model.Engine).RunAsync(cancelling, cancel.Token));

        var interrupted = await JobResults.ReadAsync(storage, Token);
        Assert.False(interrupted.Succeeded);
        Assert.Equal("running", interrupted.State);
        Assert.InRange(interrupted.Commits.Count, 1, 3);
        JobAssertions.CommittedShardsAreComplete(interrupted);
        var committedFiles = interrupted.Commits.Keys.SelectMany(JobResults.ShardFiles).ToDictionary(f => f, interrupted.Snapshot.Version);

        var rerun = new CallbackProgress();
        await storage.Runner(model.Engine).RunAsync(rerun, Token);

        var results = await JobResults.ReadAsync(storage, Token);
        JobAssertions.Completed(results, shards: 4, images: 12, failures: 0);
        JobAssertions.EmbeddedInOrder(results, 4, expected, await ReferenceEmbeddings.ComputeAsync(model.Engine, expected, Token));
        // A blob write cancelled in flight may still land after the job stopped (its request had reached the server),
        // so the rerun may find a commit record more than the snapshot did: it skips at least those, untouched.
        Assert.InRange(rerun.Last!.ShardsSkipped, interrupted.Commits.Count, 3);
        Assert.Equal(4, rerun.Last.ShardsDone);
        Assert.All(committedFiles, file => Assert.Equal(file.Value, results.Snapshot.Version(file.Key)));
    }

    [Theory]
    [InlineData(StorageBackend.LocalFolder)]
    [InlineData(StorageBackend.Azurite)]
    public async Task ShardThatFailsBetweenItsFilesIsNotCommittedAndTheRerunCompletesIt(StorageBackend backend)
    {
        using var storage = await JobStorage.CreateAsync(backend, azurite, Token);
        var expected = await InputShards.PutTarsAsync(storage, shards: 4, imagesPerShard: 2, Token);
        // Shard 1 gets as far as its embeddings and metadata, then cannot write its failures file: the job dies there.
        var unblock = await storage.BlockOutputAsync(OutputLayout.Failures(1), Token);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => storage.Runner(model.Engine).RunAsync(null, Token));

        Assert.Contains(OutputLayout.Failures(1), error.Message, StringComparison.Ordinal);
        var crashed = await JobResults.ReadAsync(storage, Token);
        Assert.False(crashed.Succeeded);
        Assert.True(crashed.Snapshot.Has(OutputLayout.Embeddings(1)) && crashed.Snapshot.Has(OutputLayout.Metadata(1)),
            $"shard 1 should have written some files before the block; the output holds {crashed}");
        Assert.DoesNotContain(1, crashed.Commits.Keys);
        Assert.Contains(0, crashed.Commits.Keys);
        JobAssertions.CommittedShardsAreComplete(crashed);
        var committedFiles = crashed.Commits.Keys.SelectMany(JobResults.ShardFiles).ToDictionary(f => f, crashed.Snapshot.Version);

        await unblock();
        var rerun = new CallbackProgress();
        await storage.Runner(model.Engine).RunAsync(rerun, Token);

        var results = await JobResults.ReadAsync(storage, Token);
        JobAssertions.Completed(results, shards: 4, images: 8, failures: 0);
        JobAssertions.EmbeddedInOrder(results, 4, expected, await ReferenceEmbeddings.ComputeAsync(model.Engine, expected, Token));
        Assert.Equal(crashed.Commits.Count, rerun.Last!.ShardsSkipped);
        Assert.All(committedFiles, file => Assert.Equal(file.Value, results.Snapshot.Version(file.Key)));
    }

    [Theory]
    [InlineData(StorageBackend.LocalFolder)]
    [InlineData(StorageBackend.Azurite)]
    public async Task ShardWhoseCommitRecordIsDeletedIsRewrittenByteForByte(StorageBackend backend)
    {
        using var storage = await JobStorage.CreateAsync(backend, azurite, Token);
        await InputShards.PutTarsAsync(storage, shards: 3, imagesPerShard: 2, Token);
        await storage.Runner(model.Engine).RunAsync(null, Token);
        var first = await storage.SnapshotOutputAsync(Token);

        await storage.DeleteOutputAsync(OutputLayout.Commit(1), Token);
        var rerun = new CallbackProgress();
        await storage.Runner(model.Engine).RunAsync(rerun, Token);

        var second = await JobResults.ReadAsync(storage, Token);
        JobAssertions.Completed(second, shards: 3, images: 6, failures: 0);
        Assert.Equal(2, rerun.Last!.ShardsSkipped);
        foreach (var file in JobResults.ShardFiles(1))
        {
            Assert.NotEqual(first.Version(file), second.Snapshot.Version(file)); // written again ...
            Assert.Equal(first.Bytes(file), second.Snapshot.Bytes(file));       // ... with the same bytes
        }
        foreach (var file in JobResults.ShardFiles(0).Concat(JobResults.ShardFiles(2)))
        {
            Assert.Equal(first.Version(file), second.Snapshot.Version(file));
        }
    }

    [Theory]
    [InlineData(StorageBackend.LocalFolder)]
    [InlineData(StorageBackend.Azurite)]
    public async Task OutputOfAnotherJobIsRefusedAndTheSameJobAgainIsANoOp(StorageBackend backend)
    {
        using var storage = await JobStorage.CreateAsync(backend, azurite, Token);
        await InputShards.PutTarsAsync(storage, shards: 2, imagesPerShard: 2, Token);
        await storage.Runner(model.Engine).RunAsync(null, Token);
        var done = await storage.SnapshotOutputAsync(Token);

        using (var otherSeed = model.CreateEngine(seed: 7))
        {
            var refused = await Assert.ThrowsAsync<JobSpecException>(() => storage.Runner(otherSeed).RunAsync(null, Token));
            Assert.Equal(
                $"{storage.Output} already holds the results of a different job (seed 0 there, 7 here). " +
                "Choose another output location, delete it, or rerun with the same options to resume it.", refused.Message);
        }
        await Assert.ThrowsAsync<JobSpecException>(() => storage.Runner(model.Engine, configure: o => o.Pool = EmbeddingPool.Mean).RunAsync(null, Token));
        var afterRefusals = await storage.SnapshotOutputAsync(Token);
        Assert.Equal(done.Objects.Values, afterRefusals.Objects.Values);

        // The same job again, even with _SUCCESS gone, only confirms: every shard skipped, none rewritten.
        await storage.DeleteOutputAsync(OutputLayout.SuccessMarker, Token);
        var again = new CallbackProgress();
        await storage.Runner(model.Engine).RunAsync(again, Token);

        var results = await JobResults.ReadAsync(storage, Token);
        JobAssertions.Completed(results, shards: 2, images: 4, failures: 0);
        Assert.Equal(2, again.Last!.ShardsSkipped);
        Assert.All(Enumerable.Range(0, 2).SelectMany(JobResults.ShardFiles), file => Assert.Equal(done.Version(file), results.Snapshot.Version(file)));
    }
}
