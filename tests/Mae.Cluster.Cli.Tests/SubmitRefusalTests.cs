using Mae.Cluster.Cli.Tests.Infrastructure;
using Mae.Cluster.Grains;
using Mae.Cluster.Inference.Onnx;
using Mae.Cluster.Pipeline;
using Mae.Cluster.Storage.Blobs;

namespace Mae.Cluster.Cli.Tests;

/// <summary>
/// A job that cannot work is refused by <c>mae submit</c> with exit code 2 and one line naming the problem, before any
/// job exists: this class's silo never gets a job, so its job list stays empty.
/// </summary>
public sealed class SubmitRefusalTests(RefusalTestSilo silo) : IClassFixture<RefusalTestSilo>
{
    [Fact]
    public async Task MissingInputIsRefused()
    {
        var missing = silo.Temp.Combine("no-such-input");
        await AssertRefusedAsync(["submit", missing, "--output", NewOutput(), "--model", silo.Model], $"Could not list {missing}: the folder does not exist.");
    }

    [Fact]
    public async Task InputWithoutImagesIsRefused()
    {
        var empty = Directory.CreateDirectory(silo.Temp.Combine($"empty-{Guid.NewGuid():N}")).FullName;
        await File.WriteAllTextAsync(Path.Combine(empty, "README.md"), "not an image", TestContext.Current.CancellationToken);
        await AssertRefusedAsync(["submit", empty, "--output", NewOutput(), "--model", silo.Model], $"No images or .tar shards found under {empty}.");
    }

    [Fact]
    public async Task UnwritableOutputIsRefused()
    {
        var (input, _) = TestInputs.WriteLoose(silo.Temp);
        var blocker = silo.Temp.Combine($"blocker-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(blocker, "a file where the output's parent folder should be", TestContext.Current.CancellationToken);
        await AssertRefusedAsync(["submit", input, "--output", Path.Combine(blocker, "output"), "--model", silo.Model], $"{blocker} is a file, not a folder.");
    }

    [Fact]
    public async Task OutputHoldingADifferentJobIsRefused()
    {
        var (input, _) = TestInputs.WriteLoose(silo.Temp);
        var output = NewOutput();
        await ClaimOutputAsync(input, output, seed: 1);

        await AssertRefusedAsync(["submit", input, "--output", output, "--model", silo.Model, "--seed", "2"],
            $"{output} already holds the results of a different job (seed 1 there, 2 here).");
    }

    [Fact]
    public async Task UnknownModelIsRefused() =>
        await AssertRefusedAsync(["submit", TestInputs.WriteLoose(silo.Temp).Folder, "--output", NewOutput(), "--model", "not a model"],
            "--model 'not a model' is neither an existing checkpoint folder, 'tiny', 'base-random' nor a Hugging Face model id");

    [Theory]
    [InlineData("--mask-ratio", "1.5", "--mask-ratio must be strictly between 0 and 1 (got 1.5).")]
    [InlineData("--shard-size", "0", "--shard-size must be between 1 and 1,000,000 (got 0).")]
    [InlineData("--batch-size", "5000", "--batch-size must be between 1 and 4096 (got 5000).")]
    [InlineData("--max-attempts", "64", "--max-attempts must be between 1 and 63 (got 64).")]
    [InlineData("--max-failed-images", "-1", "--max-failed-images must not be negative (got -1).")]
    [InlineData("--max-failed-shards", "-2", "--max-failed-shards must not be negative (got -2).")]
    [InlineData("--precision", "fp8", "Unknown precision 'fp8': use fp32 or fp16.")]
    [InlineData("--emb-dtype", "int8", "'int8'")]
    [InlineData("--pool", "max", "'max'")]
    public async Task OutOfRangeOptionIsRefused(string option, string value, string message) =>
        await AssertRefusedAsync(["submit", TestInputs.WriteLoose(silo.Temp).Folder, "--output", NewOutput(), "--model", silo.Model, option, value], message);

    private async Task AssertRefusedAsync(string[] args, string message)
    {
        var run = await silo.MaeAsync(args);

        Assert.True(run.ExitCode == 2, $"exit {run.ExitCode}: {run.StdErr}");
        Assert.Contains(message, run.StdErr, StringComparison.Ordinal);
        Assert.StartsWith("error:", run.StdErr, StringComparison.Ordinal);
        Assert.Empty(run.StdOut.Trim());
        var list = await silo.MaeAsync("list", "--json");
        Assert.True(list.ExitCode == 0, list.StdErr);
        Assert.Empty(list.StdOut.Trim());
    }

    /// <summary>Claims <paramref name="output"/> for a job over <paramref name="input"/> with the tiny model and <paramref name="seed"/>, as a cluster would.</summary>
    private async Task ClaimOutputAsync(string input, string output, long seed)
    {
        var spec = new Grains.JobSpec { Input = input, Output = output, Model = silo.Model, Seed = seed };
        var checkpoint = Inference.Checkpoints.MaeCheckpoint.Load(silo.Model, TestContext.Current.CancellationToken);
        var identity = new JobIdentity(input, output, silo.Model, checkpoint.Hash, seed, checkpoint.Config.MaskRatio, checkpoint.Config.HiddenSize, checkpoint.Config.NumPatches,
            spec.ToShardJobOptions(), Precision.Fp32);
        var store = ObjectStoreFactory.Create(output);
        await JobOutputClaim.ClaimAsync(store, JobOutputClaim.Describe(identity, "cpu", 4, 1, DateTimeOffset.UtcNow), TestContext.Current.CancellationToken);
    }

    private string NewOutput() => silo.Temp.Combine($"output-{Guid.NewGuid():N}");
}
