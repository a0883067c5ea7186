using Mae.Cluster.Cli.Tests.Infrastructure;

namespace Mae.Cluster.Cli.Tests;

/// <summary><c>mae run</c> as a user runs it: a real process hosting its own silo, real photos, the tiny model.</summary>
public sealed class MaeRunTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly Dictionary<string, string> _environment;

    public MaeRunTests() => _environment = new() { ["MAE_HOME"] = _temp.Combine("mae-home") };

    [Fact]
    public async Task RunEmbedsEveryImageExactlyOnceAndARerunSkipsCommittedShards()
    {
        var (input, keys) = TestInputs.WriteLoose(_temp);
        var output = _temp.Combine("output");
        var shards = (keys.Length + 4) / 5;

        var first = await BuiltProgram.Mae.RunAsync(_environment, "run", input, "--output", output, "--model", "tiny", "--shard-size", "5", "--seed", "4");

        Assert.True(first.ExitCode == 0, first.StdErr);
        Assert.Contains($"Completed: {shards} shards, {keys.Length} images embedded, 0 failed", first.StdErr, StringComparison.Ordinal);
        Assert.Equal(keys, JobOutputFiles.AllKeys(output));
        var manifest = JobOutputFiles.Manifest(output);
        Assert.Equal("completed", manifest.GetProperty("state").GetString());
        Assert.Equal("tiny", manifest.GetProperty("model").GetString());
        Assert.Equal(4, manifest.GetProperty("seed").GetInt64());
        Assert.True(File.Exists(Path.Combine(output, "_SUCCESS")));
        Assert.Empty(first.StdOut.Trim());
        var written = JobOutputFiles.ShardFileTimes(output);

        var rerun = await BuiltProgram.Mae.RunAsync(_environment, "run", input, "--output", output, "--model", "tiny", "--shard-size", "5", "--seed", "4");

        Assert.True(rerun.ExitCode == 0, rerun.StdErr);
        Assert.Contains($"Nothing to do: all {shards} shards were already committed by an earlier run ({keys.Length} images, 0 failed)",
            rerun.StdErr, StringComparison.Ordinal);
        // The timings stay those of the run that did the work; the rerun is noted beside them.
        var rerunManifest = JobOutputFiles.Manifest(output);
        foreach (var timing in new[] { "started_at", "finished_at", "elapsed_seconds", "images_per_second" })
        {
            Assert.Equal(manifest.GetProperty(timing).GetRawText(), rerunManifest.GetProperty(timing).GetRawText());
        }
        Assert.True(rerunManifest.GetProperty("last_rerun_finished_at").GetDateTimeOffset() > manifest.GetProperty("finished_at").GetDateTimeOffset());
        Assert.Equal(written, JobOutputFiles.ShardFileTimes(output));
        Assert.Equal(keys, JobOutputFiles.AllKeys(output));
    }

    [Fact]
    public async Task RunWritesTheOutputsAskedForAndNothingElse()
    {
        var (input, keys) = TestInputs.WriteLoose(_temp);
        var dense = _temp.Combine("dense");
        var lossOnly = _temp.Combine("loss-only");

        var denseRun = await BuiltProgram.Mae.RunAsync(_environment,
            "run", input, "--output", dense, "--model", "tiny", "--shard-size", "4", "--outputs", "embeddings", "--pool", "both", "--save-patch-tokens");
        var lossRun = await BuiltProgram.Mae.RunAsync(_environment, "run", input, "--output", lossOnly, "--model", "tiny", "--shard-size", "4", "--outputs", "loss");

        Assert.True(denseRun.ExitCode == 0, denseRun.StdErr);
        var manifest = JobOutputFiles.Manifest(dense);
        Assert.Equal(["embeddings"], manifest.GetProperty("outputs").EnumerateArray().Select(o => o.GetString()));
        Assert.Equal(["img_emb", "mean_emb", "patch_tokens"], manifest.GetProperty("npy_folders").EnumerateObject().Select(f => f.Name).Order(StringComparer.Ordinal));
        Assert.Equal(keys, JobOutputFiles.AllKeys(dense));
        Assert.All(JobOutputFiles.Losses(dense), loss => Assert.Null(loss));
        // numpy, not our reader: the three folders row for row, the tokens float16 [N, 1 + L, D] with CLS first.
        var summary = PythonNumpy.RunChecked(
            """
            import glob, os, sys, numpy as np
            def load(folder):
                return np.concatenate([np.load(p) for p in sorted(glob.glob(os.path.join(sys.argv[1], folder, "*.npy")))])
            cls, mean, tokens = load("img_emb"), load("mean_emb"), load("patch_tokens")
            assert cls.dtype == np.float32 and mean.dtype == np.float32 and tokens.dtype == np.float16, (cls.dtype, tokens.dtype)
            assert tokens.shape[0] == cls.shape[0] == mean.shape[0] and tokens.shape[2] == cls.shape[1], (cls.shape, tokens.shape)
            assert np.allclose(tokens[:, 0, :].astype(np.float32), cls, rtol=2e-3, atol=2e-3), np.abs(tokens[:, 0, :] - cls).max()
            assert np.allclose(tokens[:, 1:, :].astype(np.float32).mean(axis=1), mean, rtol=2e-3, atol=2e-3)
            assert not np.allclose(cls, mean)
            print(tokens.shape[0], tokens.shape[1], tokens.shape[2])
            """,
            dense);
        Assert.Equal($"{keys.Length} 197 64", summary);

        Assert.True(lossRun.ExitCode == 0, lossRun.StdErr);
        Assert.False(Directory.Exists(Path.Combine(lossOnly, "img_emb")), "a loss-only job must not write img_emb/");
        Assert.Equal(keys.Length, JobOutputFiles.Losses(lossOnly).Count(loss => loss > 0));

        var resumedOther = await BuiltProgram.Mae.RunAsync(_environment, "run", input, "--output", lossOnly, "--model", "tiny", "--shard-size", "4");
        Assert.NotEqual(0, resumedOther.ExitCode);
        Assert.Contains("outputs loss there, embeddings,loss here", resumedOther.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARerunAfterAShardWasLostSaysHowManyItComputedAndHowManyWereAlreadyCommitted()
    {
        var (input, keys) = TestInputs.WriteLoose(_temp);
        var output = _temp.Combine("output");
        string[] run = ["run", input, "--output", output, "--model", "tiny", "--shard-size", "5"];
        Assert.Equal(0, (await BuiltProgram.Mae.RunAsync(_environment, run)).ExitCode);
        var shards = (keys.Length + 4) / 5;
        File.Delete(Path.Combine(output, "_commits", "shard_00001.json"));

        var rerun = await BuiltProgram.Mae.RunAsync(_environment, run);

        Assert.True(rerun.ExitCode == 0, rerun.StdErr);
        Assert.Contains($"Completed: {shards} shards (1 computed now, {shards - 1} already committed), {keys.Length} images embedded (5 now), 0 failed, ",
            rerun.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AJobWhereEveryImageFailedIsAFailedJob()
    {
        var input = _temp.Combine("broken");
        Directory.CreateDirectory(input);
        foreach (var name in new[] { "a.jpg", "b.png", "c.webp" })
        {
            await File.WriteAllTextAsync(Path.Combine(input, name), "not an image", TestContext.Current.CancellationToken);
        }
        var output = _temp.Combine("output");

        var run = await BuiltProgram.Mae.RunAsync(_environment, "run", input, "--output", output, "--model", "tiny");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"failed: No image was embedded: all 3 images failed (their errors are in {output}/failures/).", run.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("Completed", run.StdErr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(output, "_SUCCESS")));
        var manifest = JobOutputFiles.Manifest(output);
        Assert.Equal("failed", manifest.GetProperty("state").GetString());
        Assert.StartsWith("No image was embedded: all 3 images failed", manifest.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(3, manifest.GetProperty("failures").GetInt64());
    }

    [Fact]
    public async Task AJobWithSomeFailedImagesSucceedsAndSaysHowManyFailedFirst()
    {
        var (input, keys) = TestInputs.WriteLoose(_temp);
        await File.WriteAllTextAsync(Path.Combine(input, "zz-broken.jpg"), "not an image", TestContext.Current.CancellationToken);
        var output = _temp.Combine("output");

        var run = await BuiltProgram.Mae.RunAsync(_environment, "run", input, "--output", output, "--model", "tiny");

        Assert.True(run.ExitCode == 0, run.StdErr);
        Assert.Contains($"Completed with 1 failed image (listed in {output}/failures/): 1 shard, {keys.Length} images embedded, 1 failed", run.StdErr, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(output, "_SUCCESS")));
    }

    [Fact]
    public async Task RunReadsSiloSettingsFromConfigAndRefusesAnUnusableOneNamingTheKey()
    {
        var (input, keys) = TestInputs.WriteLoose(_temp);
        var good = _temp.Combine("good.json");
        var bad = _temp.Combine("bad.json");
        await File.WriteAllTextAsync(good, """{ "Mae": { "Worker": { "ShardsInFlight": 1, "Prefetch": 2 } } }""", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(bad, """{ "Mae": { "Worker": { "ShardsInFlight": 9 } } }""", TestContext.Current.CancellationToken);

        var withGood = await BuiltProgram.Mae.RunAsync(_environment, "run", input, "--output", _temp.Combine("a"), "--model", "tiny", "--shard-size", "10", "--config", good);
        var withBad = await BuiltProgram.Mae.RunAsync(_environment, "run", input, "--output", _temp.Combine("b"), "--model", "tiny", "--config", bad);
        var missing = await BuiltProgram.Mae.RunAsync(_environment, "run", input, "--output", _temp.Combine("c"), "--model", "tiny", "--config", _temp.Combine("none.json"));

        Assert.True(withGood.ExitCode == 0, withGood.StdErr);
        Assert.Equal(keys, JobOutputFiles.AllKeys(_temp.Combine("a")));
        Assert.Equal(2, withBad.ExitCode);
        Assert.Contains("ShardsInFlight", withBad.StdErr, StringComparison.Ordinal);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("none.json: the file does not exist.", missing.StdErr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_temp.Combine("c")));
    }

    [Fact]
    public async Task RunOntoAnOutputHoldingADifferentJobIsRefusedAndLeavesItAlone()
    {
        var (input, _) = TestInputs.WriteLoose(_temp);
        var output = _temp.Combine("output");
        var first = await BuiltProgram.Mae.RunAsync(_environment, "run", input, "--output", output, "--model", "tiny", "--shard-size", "10");
        Assert.True(first.ExitCode == 0, first.StdErr);
        var written = JobOutputFiles.ShardFileTimes(output);

        var other = await BuiltProgram.Mae.RunAsync(_environment, "run", input, "--output", output, "--model", "tiny", "--shard-size", "10", "--pool", "mean");

        Assert.Equal(2, other.ExitCode);
        Assert.Contains("already holds the results of a different job (pool cls there, mean here)", other.StdErr, StringComparison.Ordinal);
        Assert.Equal(written, JobOutputFiles.ShardFileTimes(output));
        Assert.Equal("cls", JobOutputFiles.Manifest(output).GetProperty("pool").GetString());
    }

    [Fact]
    public async Task RunWithAnUnknownModelIsRefusedBeforeAnyWork()
    {
        var (input, _) = TestInputs.WriteLoose(_temp);
        var output = _temp.Combine("output");

        var run = await BuiltProgram.Mae.RunAsync(_environment, "run", input, "--output", output, "--model", "no-such-model");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--model 'no-such-model' is neither an existing checkpoint folder", run.StdErr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public async Task CtrlCCancelsTheJobLeavesTheOutputResumableAndARerunCompletes()
    {
        // Enough work (shards of two images, one image per model call, one thread) that the job is still running when interrupted.
        var (input, keys) = TestInputs.WriteLoose(_temp, copies: 10);
        var output = _temp.Combine("output");
        string[] args = ["run", input, "--output", output, "--model", "tiny", "--shard-size", "2", "--batch-size", "1", "--threads", "1", "--decode-threads", "1"];

        using (var running = BuiltProgram.Mae.Start(_environment, args))
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            while (JobOutputFiles.CommittedShards(output) == 0 && !running.HasExited)
            {
                await Task.Delay(50, deadline.Token);
            }
            Assert.False(running.HasExited, "mae run ended before it could be interrupted");
            await running.InterruptAsync();
            var interrupted = await running.WaitAsync();

            Assert.True(interrupted.ExitCode == 130, $"exit {interrupted.ExitCode}: {interrupted.StdErr}");
            Assert.Contains("Cancelled.", interrupted.StdErr, StringComparison.Ordinal);
        }
        Assert.Equal("running", JobOutputFiles.Manifest(output).GetProperty("state").GetString());
        Assert.False(File.Exists(Path.Combine(output, "_SUCCESS")));
        Assert.InRange(JobOutputFiles.CommittedShards(output), 1, (keys.Length / 2) - 1);

        var rerun = await BuiltProgram.Mae.RunAsync(_environment, args);

        Assert.True(rerun.ExitCode == 0, rerun.StdErr);
        Assert.Equal(keys, JobOutputFiles.AllKeys(output));
        Assert.Equal("completed", JobOutputFiles.Manifest(output).GetProperty("state").GetString());
    }

    public void Dispose() => _temp.Dispose();
}
