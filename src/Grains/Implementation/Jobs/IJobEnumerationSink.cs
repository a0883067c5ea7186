namespace Mae.Cluster.Grains.Jobs;

/// <summary>
/// How the background enumeration hands its result back to the job grain as an ordinary (serialised) grain call,
/// so the job's state only ever changes inside its own turns. Silo-internal: not part of the client contract.
/// </summary>
[Alias("mae.IJobEnumerationSink")]
public interface IJobEnumerationSink : IGrainWithStringKey
{
    [Alias("Enumerated")]
    Task OnEnumeratedAsync(int shardCount);

    [Alias("EnumerationFailed")]
    Task OnEnumerationFailedAsync(string reason);
}
