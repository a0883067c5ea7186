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
        var afterwards = await fixture.Job(jobId).GetStatusAsync();
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
    public async Task PartitionLostMidJobHandsItsLeasedShardsOutAgainAndTheJobCompletes()
    {
        var jobId = ClusterFixture.NewJobId("lostpart");
        fixture.Work.Configure(jobId, new FakeJobBehaviour { Delay = TimeSpan.FromMilliseconds(30) });
        await fixture.Job(jobId).SubmitAsync(FakeInputCatalog.Spec(4 * ClusterFixture.PartitionSize));
        await fixture.WaitForAsync(jobId, s => s.ShardsDone >= 20);

        // Deactivating every partition drops their leases (held in memory only) while workers still run those shards.
        var management = fixture.Client.GetGrain<IManagementGrain>(0);
        for (var p = 0; p < 4; p++)
        {
            var partition = (GrainReference)fixture.Client.GetGrain<IShardPartitionGrain>(PartitionKeys.Of(jobId, p));
            await management.DeactivateGrain(partition.GrainId, TestContext.Current.CancellationToken);
        }
        var status = await fixture.WaitForStateAsync(jobId, JobState.Completed);

        Assert.Equal(4 * ClusterFixture.PartitionSize, status.ShardsDone);
        Assert.Equal(4 * ClusterFixture.PartitionSize * 10L, status.ImagesDone);
        Assert.Equal(Enumerable.Range(0, 4 * ClusterFixture.PartitionSize), fixture.Work.MarkedShards(jobId));
    }
}
