using Mae.Cluster.Grains.Tests.Infrastructure;

namespace Mae.Cluster.Grains.Tests;

/// <summary>What the coordinator persists and asks for: coalesced partition writes, soft leases, a job that reactivates cheaply.</summary>
[Collection(ClusterCollection.Name)]
public sealed class CoordinatorEconomyTests(ClusterFixture fixture)
{
    private const int Partitions = 40;
    private const int Shards = Partitions * ClusterFixture.PartitionSize;

    [Fact]
    public async Task ReactivatedJobAsksOnlyThePartitionsInProgressAndStillCountsEveryShardOnce()
    {
        var jobId = ClusterFixture.NewJobId("reactivate");
        fixture.Work.Configure(jobId, new FakeJobBehaviour { Delay = TimeSpan.FromMilliseconds(2) });
        await fixture.Job(jobId).SubmitAsync(FakeInputCatalog.Spec(Shards));
        await fixture.WaitForAsync(jobId, s => s.ShardsDone >= Shards / 2);

        var asked = fixture.Calls.Count(jobId, nameof(IShardPartitionGrain.GetSummaryAsync));
        var job = (GrainReference)fixture.Job(jobId);
        await fixture.Client.GetGrain<IManagementGrain>(0).DeactivateGrain(job.GrainId, TestContext.Current.CancellationToken);
        var afterwards = await fixture.Job(jobId).GetStatusAsync(TestContext.Current.CancellationToken);
        var askedOnReactivation = fixture.Calls.Count(jobId, nameof(IShardPartitionGrain.GetSummaryAsync)) - asked;

        // Half the partitions were finished: a job that asked every partition would have asked all 40.
        Assert.InRange(askedOnReactivation, 1, 12);
        Assert.True(afterwards.ShardsDone >= Shards / 2 - 12 * ClusterFixture.PartitionSize,
            $"after reactivating, the job counted {afterwards.ShardsDone} shards done of the {Shards / 2} or more before");
        var status = await fixture.WaitForStateAsync(jobId, JobState.Completed);
        Assert.Equal(Shards, status.ShardsDone);
        Assert.Equal(Shards * 10L, status.ImagesDone);
        Assert.Equal(Enumerable.Range(0, Shards), fixture.Work.MarkedShards(jobId));
    }

    [Fact]
    public async Task PartitionsGatherCompletionsIntoFewerWritesThanShards()
    {
        var jobId = ClusterFixture.NewJobId("coalesce");
        fixture.Work.Configure(jobId, new FakeJobBehaviour { WriteMarkers = false });
        await fixture.Job(jobId).SubmitAsync(FakeInputCatalog.Spec(Shards));
        var status = await fixture.WaitForStateAsync(jobId, JobState.Completed);

        var (writes, bytes) = fixture.Storage.WrittenBy(jobId);
        Assert.Equal(Shards, status.ShardsDone);
        // Six workers finish instant shards many per 200 ms interval; one write per completion would be 2,560 writes.
        Assert.True(writes < Shards / 2, $"{writes} writes for {Shards} completions");
        Assert.True(bytes / (double)Shards < 1024, $"{bytes / (double)Shards:F0} bytes persisted per completion");
    }

    [Fact]
    public async Task PartitionsLostMidJobLetTheShardsInFlightRunOnAndNoShardRunsTwice()
    {
        const int shards = 4 * ClusterFixture.PartitionSize;
        // Three silos, two devices each; each device runs two shards and has one queued (leased only once there is room).
        const int held = 3 * 2 * (2 + 1);
        var jobId = ClusterFixture.NewJobId("lostpart");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fixture.Work.Configure(jobId, new FakeJobBehaviour { Gate = gate });
        await fixture.Job(jobId).SubmitAsync(FakeInputCatalog.Spec(shards));
        try
        {
            await Polling.WaitUntilAsync(async () => await LeasedAsync(jobId) >= held, TimeSpan.FromSeconds(30), "the workers never took all the leases they hold");

            // Every worker is now full, so nothing leases. Leases live in memory only: deactivating the partitions forgets
            // every lease while its shard still runs or waits.
            var management = fixture.Client.GetGrain<IManagementGrain>(0);
            var reads = fixture.Storage.ReadsBy(jobId);
            for (var p = 0; p < 4; p++)
            {
                await management.DeactivateGrain(((GrainReference)Partition(jobId, p)).GrainId, TestContext.Current.CancellationToken);
            }
            // Asking activates them again, and each new activation reads its state once: then the old ones and their leases are gone.
            await Polling.WaitUntilAsync(async () =>
            {
                await LeasedAsync(jobId);
                return fixture.Storage.ReadsBy(jobId) >= reads + 4;
            }, TimeSpan.FromSeconds(30), "the partitions were not activated again");
            // The workers' next renewals take their leases back, since nobody else leased those shards meanwhile.
            await Polling.WaitUntilAsync(async () => await LeasedAsync(jobId) >= held, TimeSpan.FromSeconds(30),
                "the workers' renewals did not take their leases back");
        }
        finally
        {
            gate.TrySetResult(); // Also when failing: the gated shards hold every worker of the shared cluster.
        }
        var status = await fixture.WaitForStateAsync(jobId, JobState.Completed);

        Assert.Equal(shards, status.ShardsDone);
        Assert.Equal(shards * 10L, status.ImagesDone);
        Assert.Equal(Enumerable.Range(0, shards), fixture.Work.MarkedShards(jobId));
        Assert.All(Enumerable.Range(0, shards), s => Assert.Equal(1, fixture.Work.AttemptsOf(jobId, s)));
    }

    private IShardPartitionGrain Partition(string jobId, int partition) =>
        fixture.Client.GetGrain<IShardPartitionGrain>(PartitionKeys.Of(jobId, partition));

    private async Task<int> LeasedAsync(string jobId)
    {
        var leased = 0;
        for (var p = 0; p < 4; p++)
        {
            leased += (await Partition(jobId, p).GetShardsAsync()).Count(r => r.State == ShardState.Leased);
        }
        return leased;
    }
}
