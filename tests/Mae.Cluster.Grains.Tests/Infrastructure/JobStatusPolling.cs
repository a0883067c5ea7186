namespace Mae.Cluster.Grains.Tests.Infrastructure;

/// <summary>Waits for a job's status to meet a condition, polling with a deadline (never a fixed sleep).</summary>
internal static class JobStatusPolling
{
    public static async Task<JobStatus> WaitForAsync(IJobGrain job, string jobId, Func<JobStatus, bool> until, TimeSpan deadline, TimeSpan interval)
    {
        var limit = DateTime.UtcNow + deadline;
        while (true)
        {
            JobStatus status;
            try
            {
                status = await job.GetStatusAsync();
            }
            catch (Exception e) when ((e is OrleansException or TimeoutException) && DateTime.UtcNow < limit)
            {
                // While silos come and go the client needs a moment to learn the current gateways, as any client would.
                await Task.Delay(100, TestContext.Current.CancellationToken);
                continue;
            }
            if (until(status))
            {
                return status;
            }
            if (DateTime.UtcNow > limit)
            {
                Assert.Fail($"Job {jobId} did not reach the expected condition in time; last status: {status}");
            }
            await Task.Delay(interval, TestContext.Current.CancellationToken);
        }
    }
}
