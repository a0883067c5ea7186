using Mae.Cluster.Grains.Workers;

namespace Mae.Cluster.Grains.Tests.Workers;

public sealed class HeldLeaseTests
{
    [Fact]
    public void RefusedRenewalArrivingAfterTheShardFinishedIsHarmless()
    {
        // The renew loop works on a snapshot of held leases: a shard may finish (and its lease be disposed) while its
        // renewal is in flight, and that renewal is then refused because the shard is done. Seen in mae-bench coordinator.
        var held = new HeldLease(new ShardLease("job", 0, 7, Guid.NewGuid(), DateTimeOffset.UtcNow.AddMinutes(1), 1), new JobSpec { Input = "in", Output = "out" });
        held.Dispose();

        held.Abandon();
    }

    [Fact]
    public void AbandoningAHeldLeaseCancelsItsWork()
    {
        using var held = new HeldLease(new ShardLease("job", 0, 7, Guid.NewGuid(), DateTimeOffset.UtcNow.AddMinutes(1), 1), new JobSpec { Input = "in", Output = "out" });

        held.Abandon();

        Assert.True(held.Abandoned.IsCancellationRequested);
    }
}
