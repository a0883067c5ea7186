namespace Mae.Cluster.Grains;

/// <summary>
/// Computes shards on one device (key: <c>cpu</c>, <c>cuda:0</c>, …) of the silo it is called from: a stateless
/// worker, so a GPU silo's shard workers reach their own devices and no other silo's. No call lasts a shard — a shard
/// is started, then long-polled for — and the computation runs on the device's own threads, never in a grain turn.
/// </summary>
[Alias("mae.IShardInferenceGrain")]
public interface IShardInferenceGrain : IGrainWithStringKey
{
    /// <summary>Starts computing <paramref name="work"/> and returns the run's id at once.</summary>
    [Alias("Start")]
    Task<Guid> StartAsync(ShardWork work);

    /// <summary>
    /// Waits up to <paramref name="wait"/> for the run to end, returning as soon as it does; null while it still runs.
    /// Keep <paramref name="wait"/> well below the response timeout: it is a grain call. An ended run's outcome is handed out once.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No such run on this silo (its outcome was collected, or the silo restarted).</exception>
    [Alias("Poll")]
    Task<ShardRunOutcome?> PollAsync(Guid run, TimeSpan wait);

    /// <summary>Asks the run to stop; it ends soon after with a cancelled outcome (or its result, if it was done).</summary>
    [Alias("Cancel")]
    Task CancelAsync(Guid run);
}
