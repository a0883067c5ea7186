using System.Globalization;
using System.Text.Json;
using Mae.Cluster.Embedded;
using Mae.Cluster.Cli.Tests.Infrastructure;
using Mae.Cluster.Grains;

namespace Mae.Cluster.Cli.Tests;

/// <summary>submit, status, list and cancel as real <c>mae</c> processes against a real silo on loopback.</summary>
public sealed class ClusterCommandTests(TestSilo silo, CoordinatorOnlyTestSilo coordinatorOnly) : IClassFixture<TestSilo>, IClassFixture<CoordinatorOnlyTestSilo>
{
    [Fact]
    public async Task SubmitWaitRunsTheJobToCompletionAndExitsZero()
    {
        var (input, keys) = TestInputs.WriteLoose(silo.Temp);
        var output = silo.Temp.Combine($"output-{Guid.NewGuid():N}");
        var jobId = NewJobId("wait");

        var run = await silo.MaeAsync("submit", input, "--output", output, "--model", silo.Model, "--shard-size", "5", "--job-id", jobId, "--wait");

        Assert.True(run.ExitCode == 0, run.StdErr);
        Assert.Equal(jobId, run.StdOut.Trim());
        Assert.Contains($"{jobId} completed", run.StdErr, StringComparison.Ordinal);
        Assert.Equal(keys, JobOutputFiles.AllKeys(output));
        Assert.Equal("completed", JobOutputFiles.Manifest(output).GetProperty("state").GetString());
        Assert.True(File.Exists(Path.Combine(output, "_SUCCESS")));
    }

    [Fact]
    public async Task SubmitWaitAndStatusWatchEndWithTheCompletedLineInTheSingularForOneShard()
    {
        var (input, keys) = TestInputs.WriteLoose(silo.Temp);
        var output = silo.Temp.Combine($"output-{Guid.NewGuid():N}");
        var jobId = NewJobId("one-shard");

        var submit = await silo.MaeAsync("submit", input, "--output", output, "--model", silo.Model, "--shard-size", "1000", "--job-id", jobId, "--wait");
        var watch = await silo.MaeAsync("status", jobId, "--watch");

        Assert.True(submit.ExitCode == 0, submit.StdErr);
        Assert.True(watch.ExitCode == 0, watch.StdErr);
        var completed = string.Create(CultureInfo.InvariantCulture, $"Completed: 1 shard, {keys.Length} images embedded, 0 failed");
        Assert.Contains(completed, submit.StdErr, StringComparison.Ordinal);
        Assert.Contains(completed, watch.StdErr, StringComparison.Ordinal);
        Assert.Contains($"→ {output}", watch.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubmitThenStatusAndListReportTheJobAsJson()
    {
        var (input, keys) = TestInputs.WriteLoose(silo.Temp);
        var output = silo.Temp.Combine($"output-{Guid.NewGuid():N}");
        var jobId = NewJobId("json");

        var submit = await silo.MaeAsync("submit", input, "--output", output, "--model", silo.Model, "--shard-size", "7", "--seed", "9",
            "--pool", "mean", "--emb-dtype", "float16", "--job-id", jobId, "--json");

        Assert.True(submit.ExitCode == 0, submit.StdErr);
        var submitted = SingleJsonLine(submit.StdOut);
        Assert.Equal(jobId, submitted.GetProperty("jobId").GetString());
        Assert.True(submitted.GetProperty("state").GetString() is "pending" or "running", submit.StdOut);
        var spec = submitted.GetProperty("spec");
        Assert.Equal(input, spec.GetProperty("input").GetString());
        Assert.Equal(9, spec.GetProperty("seed").GetInt64());
        Assert.Equal("mean", spec.GetProperty("pool").GetString());
        Assert.Equal("float16", spec.GetProperty("embeddingDType").GetString());
        Assert.Equal(JsonValueKind.Null, spec.GetProperty("precision").ValueKind);
        await silo.WaitForAsync(jobId, s => s.State.IsTerminal());

        var status = await silo.MaeAsync("status", jobId, "--json");

        Assert.True(status.ExitCode == 0, status.StdErr);
        var done = SingleJsonLine(status.StdOut);
        Assert.Equal("completed", done.GetProperty("state").GetString());
        Assert.Equal(keys.Length, done.GetProperty("imagesDone").GetInt64());
        Assert.Equal((keys.Length + 6) / 7, done.GetProperty("shardsDone").GetInt32());
        var submittedAt = DateTimeOffset.Parse(done.GetProperty("submittedAt").GetString()!, CultureInfo.InvariantCulture);
        var finishedAt = DateTimeOffset.Parse(done.GetProperty("finishedAt").GetString()!, CultureInfo.InvariantCulture);
        Assert.True(finishedAt >= submittedAt);

        var list = await silo.MaeAsync("list", "--json");

        Assert.True(list.ExitCode == 0, list.StdErr);
        var listed = JsonLines(list.StdOut).Where(j => j.GetProperty("jobId").GetString() == jobId).ToArray();
        Assert.Single(listed);
        Assert.Equal("completed", listed[0].GetProperty("state").GetString());
    }

    [Fact]
    public async Task CancelledJobIsReportedCancelledAndStatusExitsOne()
    {
        // A silo without workers: the job is enumerated and waits, so the cancel always lands before it could finish.
        var (input, _) = TestInputs.WriteLoose(coordinatorOnly.Temp);
        var output = coordinatorOnly.Temp.Combine($"output-{Guid.NewGuid():N}");
        var jobId = NewJobId("cancel");
        var submit = await coordinatorOnly.MaeAsync("submit", input, "--output", output, "--model", coordinatorOnly.Model, "--job-id", jobId);
        Assert.True(submit.ExitCode == 0, submit.StdErr);
        await coordinatorOnly.WaitForAsync(jobId, s => s.State == JobState.Running);

        var cancel = await coordinatorOnly.MaeAsync("cancel", jobId);

        Assert.True(cancel.ExitCode == 0, cancel.StdErr);
        Assert.Contains($"{jobId} cancelled", cancel.StdOut, StringComparison.Ordinal);
        var status = await coordinatorOnly.MaeAsync("status", jobId);
        Assert.Equal(1, status.ExitCode);
        Assert.Contains($"{jobId} cancelled", status.StdOut, StringComparison.Ordinal);
        var json = await coordinatorOnly.MaeAsync("status", jobId, "--json");
        Assert.Equal(1, json.ExitCode);
        var cancelled = SingleJsonLine(json.StdOut);
        Assert.Equal("cancelled", cancelled.GetProperty("state").GetString());
        Assert.Equal(0, cancelled.GetProperty("shardsDone").GetInt32());
        Assert.False(File.Exists(Path.Combine(output, "_SUCCESS")));
    }

    [Fact]
    public async Task ResubmittingTheSameJobUnderItsIdIsHarmlessAndADifferentSpecUnderItIsRefused()
    {
        var (input, keys) = TestInputs.WriteLoose(silo.Temp);
        var output = silo.Temp.Combine($"output-{Guid.NewGuid():N}");
        var jobId = NewJobId("again");
        string[] submit = ["submit", input, "--output", output, "--model", silo.Model, "--shard-size", "10", "--job-id", jobId, "--wait"];
        var first = await silo.MaeAsync(submit);
        Assert.True(first.ExitCode == 0, first.StdErr);
        var written = JobOutputFiles.ShardFileTimes(output);

        var again = await silo.MaeAsync(submit);

        Assert.True(again.ExitCode == 0, again.StdErr);
        Assert.Equal(jobId, again.StdOut.Trim());
        Assert.Equal(written, JobOutputFiles.ShardFileTimes(output));
        Assert.Equal(keys, JobOutputFiles.AllKeys(output));
        var list = await silo.MaeAsync("list", "--json");
        Assert.Single(JsonLines(list.StdOut), j => j.GetProperty("jobId").GetString() == jobId);

        var otherOutput = silo.Temp.Combine($"output-{Guid.NewGuid():N}");
        var different = await silo.MaeAsync("submit", input, "--output", otherOutput, "--model", silo.Model, "--job-id", jobId);

        Assert.Equal(2, different.ExitCode);
        Assert.Contains($"Job '{jobId}' already exists with a different spec", different.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StatusOfAnUnknownJobIsRefused()
    {
        var status = await silo.MaeAsync("status", "no-such-job");

        Assert.Equal(2, status.ExitCode);
        Assert.Contains("No job with id 'no-such-job' was submitted.", status.StdErr, StringComparison.Ordinal);
        Assert.Empty(status.StdOut.Trim());
    }

    [Fact]
    public async Task UnreachableClusterFailsWithAClearMessage()
    {
        var nobody = LoopbackPorts.Free();
        var environment = new Dictionary<string, string>(silo.Environment) { ["Mae__Cluster__GatewayPort"] = nobody.ToString(CultureInfo.InvariantCulture) };

        var list = await BuiltProgram.Mae.RunAsync(environment, "list");

        Assert.Equal(1, list.ExitCode);
        Assert.Contains($"Cannot reach the Mae cluster at 127.0.0.1:{nobody}", list.StdErr, StringComparison.Ordinal);
        Assert.Single(list.StdErr.Trim().Split('\n'), l => l.StartsWith("error:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnreachablePostgresClusterFailsNamingTheDatabaseButNotThePassword()
    {
        var nobody = LoopbackPorts.Free();
        var password = "pw-" + Guid.NewGuid().ToString("N");
        var environment = new Dictionary<string, string>(silo.Environment)
        {
            ["Mae__Cluster__Clustering"] = "Postgres",
            ["Mae__Cluster__ConnectionString"] = $"Host=127.0.0.1;Port={nobody};Database=mae;Username=mae;Password={password}",
        };

        var list = await BuiltProgram.Mae.RunAsync(environment, "list");

        Assert.Equal(1, list.ExitCode);
        Assert.Contains($"Cannot reach the Mae cluster at cluster '{silo.ClusterId}' (service 'mae-test', Postgres clustering in PostgreSQL 127.0.0.1:{nobody}/mae as mae)", list.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain(password, list.StdErr + list.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigFileNamesTheClusterAndEnvironmentVariablesOverrideIt()
    {
        var config = silo.Temp.Combine($"cluster-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(config, $$"""
            { "Mae": { "Cluster": { "ClusterId": "{{silo.ClusterId}}", "ServiceId": "mae-test", "Clustering": "Development", "GatewayPort": 1 } } }
            """, TestContext.Current.CancellationToken);
        var environment = new Dictionary<string, string>(silo.Environment);
        environment.Remove("Mae__Cluster__ClusterId");

        var list = await BuiltProgram.Mae.RunAsync(environment, "list", "--config", config);

        Assert.True(list.ExitCode == 0, list.StdErr);
        environment["Mae__Cluster__Clustering"] = "Cassandra";
        var refused = await BuiltProgram.Mae.RunAsync(environment, "list", "--config", config);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("Mae:Cluster:Clustering must be Development, AzureStorage or Postgres.", refused.StdErr, StringComparison.Ordinal);
    }

    private static string NewJobId(string what) => $"cli-{what}-{Guid.NewGuid():N}";

    private static JsonElement SingleJsonLine(string stdout) => Assert.Single(JsonLines(stdout));

    private static JsonElement[] JsonLines(string stdout) =>
        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToArray();
}
