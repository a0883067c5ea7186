using Mae.Cluster.Grains.Tests.Infrastructure;

namespace Mae.Cluster.Grains.Tests;

[Collection(ChurnClusterCollection.Name)]
public sealed class ChurnTests(ChurnClusterFixture fixture)
{
    [Fact]
    public async Task KilledSiloLosesNoShardAndNothingIsCountedTwice()
    {
        var jobId = ClusterFixture.NewJobId("kill");
        fixture.Work.Configure(jobId, new FakeJobBehaviour { Delay = TimeSpan.FromMilliseconds(20) });

        await fixture.Job(jobId).SubmitAsync(FakeInputCatalog.Spec(300));
        await fixture.WaitForAsync(jobId, s => s.ShardsDone >= 50);
        var victim = fixture.Cluster.Silos[^1];
        await fixture.Cluster.KillSiloAsync(victim, TestContext.Current.CancellationToken);
        var status = await fixture.WaitForStateAsync(jobId, JobState.Completed, TimeSpan.FromSeconds(120));

        Assert.Equal(300, status.ShardsDone);
        Assert.Equal(3000, status.ImagesDone);
        Assert.Equal(Enumerable.Range(0, 300), fixture.Work.MarkedShards(jobId));
        // Repeats are allowed by design (a shard interrupted by the kill runs again); the outputs are each there once.
        Assert.True(fixture.Work.ExecutionsOf(jobId).Count >= 300);
    }

    [Fact]
    public async Task SiloAddedMidJobTakesWork()
    {
        var jobId = ClusterFixture.NewJobId("join");
        fixture.Work.Configure(jobId, new FakeJobBehaviour { Delay = TimeSpan.FromMilliseconds(20) });

        await fixture.Job(jobId).SubmitAsync(FakeInputCatalog.Spec(400));
        await fixture.WaitForAsync(jobId, s => s.ShardsDone >= 40);
        var before = fixture.Cluster.Silos.Select(s => s.Name).ToHashSet();
        var added = await fixture.Cluster.StartAdditionalSiloAsync();
        var status = await fixture.WaitForStateAsync(jobId, JobState.Completed, TimeSpan.FromSeconds(120));

        Assert.DoesNotContain(added.Name, before);
        Assert.Equal(400, status.ShardsDone);
        Assert.Contains(fixture.Work.ExecutionsOf(jobId), e => e.Silo == added.Name);
        Assert.Equal(Enumerable.Range(0, 400), fixture.Work.MarkedShards(jobId));
    }
}
