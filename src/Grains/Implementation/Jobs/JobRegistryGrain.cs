namespace Mae.Cluster.Grains.Jobs;

/// <summary>
/// Persisted list of jobs. Workers read it to find active jobs, so after every silo restarts they find the
/// unfinished ones again without a client resubmitting.
/// </summary>
internal sealed class JobRegistryGrain(
    [PersistentState("registry", GrainStorageNames.Jobs)] IPersistentState<JobRegistryState> state) : Grain, IJobRegistryGrain
{
    public async Task RegisterAsync(string jobId)
    {
        if (state.State.All.Contains(jobId))
        {
            return;
        }
        state.State.All.Add(jobId);
        state.State.Active.Add(jobId);
        await state.WriteStateAsync();
    }

    public async Task MarkFinishedAsync(string jobId)
    {
        if (state.State.Active.Remove(jobId))
        {
            await state.WriteStateAsync();
        }
    }

    public Task<IReadOnlyList<string>> GetActiveJobsAsync() => Task.FromResult<IReadOnlyList<string>>(state.State.Active.ToArray());

    public Task<IReadOnlyList<string>> GetAllJobsAsync() => Task.FromResult<IReadOnlyList<string>>(state.State.All.ToArray());
}
