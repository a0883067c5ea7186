namespace Mae.Cluster.Grains.Workers;

/// <summary>A lease this worker holds (queued or running), with the switch that abandons it when renewal is refused.</summary>
internal sealed class HeldLease(ShardLease lease, JobSpec spec) : IDisposable
{
    private readonly CancellationTokenSource _abandon = new();

    public ShardLease Lease { get; } = lease;

    public JobSpec Spec { get; } = spec;

    public CancellationToken Abandoned => _abandon.Token;

    public void Abandon()
    {
        try
        {
            _abandon.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // A renewal answered after the shard finished and its lease was let go: there is nothing left to abandon.
        }
    }

    public void Dispose() => _abandon.Dispose();
}
