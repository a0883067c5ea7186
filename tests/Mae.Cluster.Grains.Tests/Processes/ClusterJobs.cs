using System.Text.Json;

namespace Mae.Cluster.Grains.Tests.Processes;

/// <summary>
/// Submits jobs and waits for them with the real <c>mae</c> CLI (<c>mae submit</c>, <c>mae status --watch</c>), a
/// separate process configured only by the cluster's environment variables — as an operator would. The Orleans client
/// of the test reads the detailed status and the partitions' books for the assertions.
/// </summary>
internal sealed class ClusterJobs(IClusterClient client, IReadOnlyDictionary<string, string> cliEnvironment)
{
    public async Task<string> SubmitAsync(JobSpec spec)
    {
        var jobId = "job-" + Guid.NewGuid().ToString("N")[..12];
        var submit = await BuiltProgram.Mae.RunAsync(cliEnvironment,
            "submit", spec.Input, "--output", spec.Output, "--model", spec.Model, "--job-id", jobId, "--json");
        Assert.True(submit.ExitCode == 0, $"mae submit exited {submit.ExitCode}: {submit.StdErr}");
        using var status = JsonDocument.Parse(submit.StdOut);
        Assert.Equal(jobId, status.RootElement.GetProperty("jobId").GetString());
        return jobId;
    }

    public Task<JobStatus> WaitForAsync(string jobId, Func<JobStatus, bool> until, TimeSpan deadline) =>
        Infrastructure.JobStatusPolling.WaitForAsync(client.GetGrain<IJobGrain>(jobId), jobId, until, deadline, TimeSpan.FromMilliseconds(100));

    /// <summary>Follows the job with <c>mae status --watch --json</c> until it ends; it must end completed (exit code 0).</summary>
    public async Task<JobStatus> WaitUntilCompletedAsync(string jobId, TimeSpan deadline)
    {
        using var watch = BuiltProgram.Mae.Start(cliEnvironment, "status", jobId, "--watch", "--json");
        ProgramResult result;
        try
        {
            result = await watch.WaitAsync().WaitAsync(deadline);
        }
        catch (TimeoutException)
        {
            var now = await client.GetGrain<IJobGrain>(jobId).GetStatusAsync();
            Assert.Fail($"Job {jobId} did not end within {deadline}: {now}");
            throw;
        }
        var lines = result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(result.ExitCode == 0, $"mae status --watch exited {result.ExitCode}: {result.StdErr}\n{result.StdOut}");
        using var last = JsonDocument.Parse(lines[^1]);
        Assert.Equal("completed", last.RootElement.GetProperty("state").GetString(), StringComparer.OrdinalIgnoreCase);
        return await client.GetGrain<IJobGrain>(jobId).GetStatusAsync();
    }
}
