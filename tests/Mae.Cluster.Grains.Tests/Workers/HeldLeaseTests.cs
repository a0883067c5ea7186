using Mae.Cluster.Grains.Workers;

namespace Mae.Cluster.Grains.Tests.Workers;

public sealed class HeldLeaseTests
{
    [Fact]
    public void RefusedRenewalArrivingAfterTheShardFinishedIsHarmless()
    {
        // The renew loop works on a snapshot of held leases: a shard may finish (and its lease be disposed) while its
        // renewal is in flight, and that renewal is then refused because the shard is done. Seen in mae-bench coordinator.
        var held = NewHeldLease(DateTimeOffset.UtcNow);
        held.Dispose();

        held.Abandon();
    }

    [Fact]
    public void AbandoningAHeldLeaseCancelsItsWork()
    {
        using var held = NewHeldLease(DateTimeOffset.UtcNow);

        held.Abandon();

        Assert.True(held.Abandoned.IsCancellationRequested);
    }

    [Fact]
    public void ARenewalExtendsTheKnownExpiryByTheLeaseTermFromWhenItWasSentAndSettlesADoubt()
    {
        var leasedAt = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
        using var held = NewHeldLease(leasedAt);
        held.Doubt();

        held.Renewed(leasedAt.AddSeconds(20));
        held.Renewed(leasedAt.AddSeconds(5)); // A slower, earlier renewal answering last never shortens it.

        Assert.Equal(leasedAt.AddSeconds(80), held.ExpiresAt);
        Assert.False(held.InDoubt);
    }

    private static HeldLease NewHeldLease(DateTimeOffset leasedAt) =>
        new(new ShardLease("job", 0, 7, Guid.NewGuid(), leasedAt.AddMinutes(1), 1), new JobSpec { Input = "in", Output = "out" }, leasedAt);
}
