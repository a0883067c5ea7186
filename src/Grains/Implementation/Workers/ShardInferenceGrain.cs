using Orleans.Concurrency;

namespace Mae.Cluster.Grains.Workers;

/// <summary>
/// The grain face of this silo's devices. Stateless and reentrant: the runs live in the silo's <see cref="ShardRuns"/>,
/// so any local activation answers for any run, and a poll that waits never holds up a start or a cancel.
/// </summary>
[StatelessWorker, Reentrant]
internal sealed class ShardInferenceGrain(ShardRuns runs) : Grain, IShardInferenceGrain
{
    public Task<Guid> StartAsync(ShardWork work) => Task.FromResult(runs.Start(this.GetPrimaryKeyString(), work));

    public Task<ShardRunOutcome?> PollAsync(Guid run, TimeSpan wait) => runs.PollAsync(run, wait);

    public Task CancelAsync(Guid run)
    {
        runs.Cancel(run);
        return Task.CompletedTask;
    }
}
