namespace Mae.Cluster.Grains;

/// <summary>
/// The cluster's list of jobs (a single grain, key 0), so workers find active jobs and clients can list them.
/// Grows with the number of jobs, never with their size.
/// </summary>
[Alias("mae.IJobRegistryGrain")]
public interface IJobRegistryGrain : IGrainWithIntegerKey
{
    [Alias("Register")]
    Task RegisterAsync(string jobId);

    [Alias("MarkFinished")]
    Task MarkFinishedAsync(string jobId);

    /// <summary>Jobs pending or running, oldest first.</summary>
    [Alias("GetActive")]
    Task<IReadOnlyList<string>> GetActiveJobsAsync();

    /// <summary>Every job ever registered, oldest first.</summary>
    [Alias("GetAll")]
    Task<IReadOnlyList<string>> GetAllJobsAsync();
}
