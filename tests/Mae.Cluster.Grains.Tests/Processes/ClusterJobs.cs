namespace Mae.Cluster.Grains.Tests.Processes;

/// <summary>
/// Submitting a job and waiting for it — the one place that does so, so it can become the <c>mae submit</c> /
/// <c>mae status --watch</c> CLI later without touching the tests. Waits poll the job's status with a deadline.
/// </summary>
internal sealed class ClusterJobs(IClusterClient client)
{
    public async Task<string> SubmitAsync(JobSpec spec)
    {
        var jobId = "job-" + Guid.NewGuid().ToString("N")[..12];
        await client.GetGrain<IJobGrain>(jobId).SubmitAsync(spec);
        return jobId;
    }

    public Task<JobStatus> WaitForAsync(string jobId, Func<JobStatus, bool> until, TimeSpan deadline) =>
        Infrastructure.JobStatusPolling.WaitForAsync(client.GetGrain<IJobGrain>(jobId), jobId, until, deadline, TimeSpan.FromMilliseconds(100));

    public Task<JobStatus> WaitUntilCompletedAsync(string jobId, TimeSpan deadline) =>
        WaitForAsync(jobId, s => s.State == JobState.Completed || (s.State.IsTerminal() && Fail(s)), deadline);

    private static bool Fail(JobStatus status)
    {
        Assert.Fail($"Job {status.JobId} ended {status.State} ({status.Reason}) instead of completing: {status}");
        return false;
    }
}
