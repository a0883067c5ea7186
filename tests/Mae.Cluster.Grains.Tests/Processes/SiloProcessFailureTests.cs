namespace Mae.Cluster.Grains.Tests.Processes;

/// <summary>
/// Two real silo processes against Azurite (Table clustering, Blob grain storage, blob input and output); one of them
/// is killed or stopped mid-job, and the job still ends with every image exactly once.
/// </summary>
[Collection(SiloProcessCollection.Name)]
public sealed class SiloProcessFailureTests(AzuriteWithTables storage)
{
    private const int Shards = 48;
    private const int ImagesPerShard = 4;
    private static readonly TimeSpan JobDeadline = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task KilledSiloProcessLosesNoImageAndTheSurvivorRedoesTheShardsItHeld()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var cluster = new SiloProcessCluster(storage.Azurite, leaseDuration: TimeSpan.FromSeconds(3));
        try
        {
            var data = await BlobJobData.CreateAsync(storage.Azurite, Shards, ImagesPerShard, cancellationToken);
            var victim = await cluster.StartSiloAsync("victim");
            var survivor = await cluster.StartSiloAsync("survivor");
            var jobs = new ClusterJobs(await cluster.ConnectAsync(), cluster.CliEnvironment);
            var jobId = await jobs.SubmitAsync(new JobSpec { Input = data.Input, Output = data.Output, Model = "tiny" });

            var (held, doneBefore) = await WaitUntilHoldingLeasesAsync(cluster, jobs, jobId, victim);
            await victim.KillAsync();
            var status = await jobs.WaitUntilCompletedAsync(jobId, JobDeadline);
            var after = await ShardsByIndexAsync(cluster, jobId);

            // The kill landed mid-job: shards were committed before it, and others (at least those it held) were not.
            Assert.InRange(doneBefore, 1, Shards - held.Count);
            Assert.Equal(Shards, status.ShardsDone);
            Assert.Equal(0, status.ShardsFailed);
            Assert.All(after.Values, r => Assert.Equal(ShardState.Done, r.State));
            // The leases it died holding either expired (their partition lived on the survivor: an attempt counted) or
            // vanished with their partition's activation (leases are soft state: no attempt counted), and the survivor
            // leased those shards again. Either way no shard needed more than the one repeat.
            Assert.All(after.Values, r => Assert.InRange(r.Attempts, 1, 2));
            Assert.False(survivor.HasExited);
            await AssertEveryImageExactlyOnceAsync(cluster, data, status);
        }
        catch
        {
            await cluster.DumpLogsAsync();
            throw;
        }
    }

    [Fact]
    public async Task TerminatedSiloProcessReleasesItsLeasesAtOnceAndTheJobCompletesExactlyOnce()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        // Leases far longer than the test may take: the job can only finish if the stopping silo hands its shards back.
        await using var cluster = new SiloProcessCluster(storage.Azurite, leaseDuration: TimeSpan.FromMinutes(30));
        try
        {
            var data = await BlobJobData.CreateAsync(storage.Azurite, Shards, ImagesPerShard, cancellationToken);
            var stopping = await cluster.StartSiloAsync("stopping");
            var staying = await cluster.StartSiloAsync("staying");
            var jobs = new ClusterJobs(await cluster.ConnectAsync(), cluster.CliEnvironment);
            var jobId = await jobs.SubmitAsync(new JobSpec { Input = data.Input, Output = data.Output, Model = "tiny" });

            var (held, _) = await WaitUntilHoldingLeasesAsync(cluster, jobs, jobId, stopping);
            await stopping.TerminateAsync(TimeSpan.FromSeconds(60));
            var rightAfter = await ShardsByIndexAsync(cluster, jobId);
            var status = await jobs.WaitUntilCompletedAsync(jobId, JobDeadline);
            var after = await ShardsByIndexAsync(cluster, jobId);

            Assert.Equal(0, stopping.ExitCode);
            Assert.DoesNotContain(rightAfter.Values, r => stopping.OwnsWorker(r.LeasedBy));
            Assert.Equal(Shards, status.ShardsDone);
            Assert.All(after.Values, r => Assert.Equal(ShardState.Done, r.State));
            // A released lease gives its attempt back; an expired one would have counted (and taken 30 minutes).
            Assert.All(held, h => Assert.Equal(h.Attempts, after[h.Shard].Attempts));
            Assert.False(staying.HasExited);
            await AssertEveryImageExactlyOnceAsync(cluster, data, status);
        }
        catch
        {
            await cluster.DumpLogsAsync();
            throw;
        }
    }

    private static Task<(IReadOnlyList<ShardRecord> Held, int Done)> WaitUntilHoldingLeasesAsync(
        SiloProcessCluster cluster, ClusterJobs jobs, string jobId, SiloProcess silo) =>
        LeaseWatch.WaitUntilHoldingLeasesAsync(cluster, jobs, jobId, silo, Shards, JobDeadline);

    private static async Task<Dictionary<int, ShardRecord>> ShardsByIndexAsync(SiloProcessCluster cluster, string jobId) =>
        (await PartitionBooks.ReadAsync(cluster.Client, jobId, Shards, SiloProcessCluster.PartitionSize)).ToDictionary(r => r.Shard);

    private static async Task AssertEveryImageExactlyOnceAsync(SiloProcessCluster cluster, BlobJobData data, JobStatus status)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var written = await data.OutputKeysAsync(cluster.Folder("metadata"), cancellationToken);
        Assert.Equal(data.Keys.Count, status.ImagesDone);
        Assert.Equal(data.Keys.Order(StringComparer.Ordinal), written.Order(StringComparer.Ordinal));
        Assert.Equal(data.Keys.Count, await data.EmbeddingRowsAsync(cancellationToken));
        Assert.True(await data.ExistsAsync("_SUCCESS", cancellationToken));
    }
}
