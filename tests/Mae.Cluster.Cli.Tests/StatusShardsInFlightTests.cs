using System.Globalization;
using System.Text.Json;
using Mae.Cluster.Cli.Tests.Infrastructure;
using Mae.Cluster.Grains;

namespace Mae.Cluster.Cli.Tests;

/// <summary><c>mae status</c> shows where a running job's shards are, as real <c>mae</c> processes against a real silo.</summary>
public sealed class StatusShardsInFlightTests(SlowDeviceTestSilo silo) : IClassFixture<SlowDeviceTestSilo>
{
    [Fact]
    public async Task StatusShowsEachShardInFlightWithTheWorkerHoldingItAndItsAttempts()
    {
        var (input, _) = TestInputs.WriteLoose(silo.Temp);
        var output = silo.Temp.Combine($"output-{Guid.NewGuid():N}");
        var jobId = $"cli-inflight-{Guid.NewGuid():N}";
        // Two images a shard at one image a second: the silo's worker holds shards for seconds at a time.
        var submit = await silo.MaeAsync("submit", input, "--output", output, "--model", silo.Model, "--shard-size", "2", "--job-id", jobId);
        Assert.True(submit.ExitCode == 0, submit.StdErr);
        await silo.WaitForAsync(jobId, s => s.ShardsLeased >= 2);
        var siloAddress = string.Create(CultureInfo.InvariantCulture, $"S127.0.0.1:{silo.SiloPort}:");

        var json = await silo.MaeAsync("status", jobId, "--json");
        var text = await silo.MaeAsync("status", jobId);

        Assert.True(json.ExitCode == 0, json.StdErr);
        var status = JsonDocument.Parse(json.StdOut).RootElement;
        Assert.Equal("running", status.GetProperty("state").GetString());
        var inFlight = status.GetProperty("shardsInFlight").EnumerateArray().ToArray();
        Assert.NotEmpty(inFlight);
        Assert.All(inFlight, s =>
        {
            Assert.Equal("leased", s.GetProperty("state").GetString());
            Assert.Equal(1, s.GetProperty("attempts").GetInt32());
            var holder = s.GetProperty("leasedBy").GetString()!;
            Assert.StartsWith(siloAddress, holder, StringComparison.Ordinal);
            Assert.EndsWith("/" + SlowDeviceTestSilo.Device, holder, StringComparison.Ordinal);
        });
        var shards = inFlight.Select(s => s.GetProperty("shard").GetInt32()).ToArray();
        Assert.Equal(shards.Order(), shards);
        Assert.True(text.ExitCode == 0, text.StdErr);
        Assert.Matches($@"In flight: \d+ shards \({siloAddress.Replace(".", @"\.", StringComparison.Ordinal)}\d+ \d+\)", text.StdOut);

        await silo.MaeAsync("cancel", jobId, "--abandon");
        await silo.WaitForAsync(jobId, s => s.ShardsLeased == 0);
    }
}
