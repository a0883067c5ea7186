using Mae.Cluster.Grains.Tests.Infrastructure;
using Mae.Cluster.Grains.Workers;

namespace Mae.Cluster.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class ShardsInFlightTests(ClusterFixture fixture)
{
    [Fact]
    public async Task JobReportsExactlyTheShardsLeasedWithTheirHoldersAndAttempts()
    {
        var jobId = ClusterFixture.NewJobId("whereabouts");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fixture.Work.Configure(jobId, new FakeJobBehaviour { Gate = gate });
        var worker = new WorkerOptions();
        // Three silos of two devices, each holding the shards it runs and the ones it has leased ahead: then nothing moves.
        var held = 6 * (worker.ShardsInFlight + 1);
        const int shards = 1000;

        await fixture.Job(jobId).SubmitAsync(FakeInputCatalog.Spec(shards));
        await Polling.WaitUntilAsync(async () => (await fixture.Job(jobId).GetShardsInFlightAsync(shards)).Count == held,
            TimeSpan.FromSeconds(60), $"the job never had {held} shards in flight");
        var inFlight = await fixture.Job(jobId).GetShardsInFlightAsync(shards);
        var books = await LeasedInTheBooksAsync(jobId, shards);
        var firstTwo = await fixture.Job(jobId).GetShardsInFlightAsync(2);

        Assert.Equal(books, inFlight);
        Assert.All(inFlight, s => Assert.Equal(ShardState.Leased, s.State));
        Assert.All(inFlight, s => Assert.Equal(1, s.Attempts));
        // Every device's worker ("{silo address}/{device}") holds its share.
        Assert.Equal(6, inFlight.Select(s => s.LeasedBy).Distinct().Count());
        Assert.All(inFlight.GroupBy(s => s.LeasedBy), g => Assert.Equal(worker.ShardsInFlight + 1, g.Count()));
        Assert.All(inFlight, s => Assert.Matches(@"^S127\.0\.0\.1:\d+:\d+/device[01]$", s.LeasedBy!));
        Assert.Equal(inFlight.Take(2), firstTwo);

        await fixture.Job(jobId).CancelAsync(abandonInFlight: true);
        gate.SetResult();
        await fixture.WaitForAsync(jobId, s => s.ShardsLeased == 0);
        Assert.Empty(await fixture.Job(jobId).GetShardsInFlightAsync(shards));
    }

    /// <summary>The leased shards as every partition's full books record them, in shard order.</summary>
    private async Task<IReadOnlyList<ShardRecord>> LeasedInTheBooksAsync(string jobId, int shards)
    {
        var partitions = (shards + ClusterFixture.PartitionSize - 1) / ClusterFixture.PartitionSize;
        var books = await Task.WhenAll(Enumerable.Range(0, partitions)
            .Select(p => fixture.Client.GetGrain<IShardPartitionGrain>(PartitionKeys.Of(jobId, p)).GetShardsAsync()));
        return books.SelectMany(b => b).Where(r => r.State == ShardState.Leased).OrderBy(r => r.Shard).ToArray();
    }
}
