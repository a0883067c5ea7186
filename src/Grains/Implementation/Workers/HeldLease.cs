namespace Mae.Cluster.Grains.Workers;

/// <summary>
/// A lease this worker holds (queued, running or being reported), with the switch that abandons it when renewal is
/// refused, the latest expiry the worker knows of, and whether its partition is in doubt.
/// </summary>
/// <param name="leasedAt">When the lease arrived, on this silo's clock: its term is measured from here, so the
/// partition's clock is read only as a duration (a skew between silos cannot make a fresh lease look expired).</param>
internal sealed class HeldLease(ShardLease lease, JobSpec spec, DateTimeOffset leasedAt) : IDisposable
{
    private readonly CancellationTokenSource _abandon = new();
    private readonly TimeSpan _term = TermOf(lease, leasedAt);
    private long _expiresAtTicks = (leasedAt + TermOf(lease, leasedAt)).UtcTicks;
    private volatile bool _inDoubt;

    public ShardLease Lease { get; } = lease;

    public JobSpec Spec { get; } = spec;

    public CancellationToken Abandoned => _abandon.Token;

    /// <summary>
    /// The latest the lease lasts as far as this worker knows (this silo's clock): a term from its last confirmed
    /// renewal. Past it, the partition may have leased the shard to someone else.
    /// </summary>
    public DateTimeOffset ExpiresAt => new(Interlocked.Read(ref _expiresAtTicks), TimeSpan.Zero);

    /// <summary>
    /// A call about this lease failed and its partition has not answered since: the partition may be moving to another
    /// silo, and its new activation will not know this lease until a renewal takes it back.
    /// </summary>
    public bool InDoubt => _inDoubt;

    /// <summary>The partition confirmed the lease to a renewal sent at <paramref name="sentAt"/> (so it lasts a term from then at least).</summary>
    public void Renewed(DateTimeOffset sentAt)
    {
        var renewed = (sentAt + _term).UtcTicks;
        long current;
        do
        {
            current = Interlocked.Read(ref _expiresAtTicks);
        }
        while (renewed > current && Interlocked.CompareExchange(ref _expiresAtTicks, renewed, current) != current);
        _inDoubt = false;
    }

    /// <summary>A call to the partition about this lease failed.</summary>
    public void Doubt() => _inDoubt = true;

    /// <summary>The partition answered (even with a refusal): its books about this lease are settled.</summary>
    public void Answered() => _inDoubt = false;

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

    private static TimeSpan TermOf(ShardLease lease, DateTimeOffset leasedAt) => lease.ExpiresAt > leasedAt ? lease.ExpiresAt - leasedAt : TimeSpan.Zero;
}
