using Mae.Cluster.Grains.Workers;
using Mae.Cluster.Grains.Execution;
using Mae.Cluster.Inference.Checkpoints;
using Mae.Cluster.Pipeline;
using Mae.Cluster.Storage.Blobs;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Mae.Cluster.Grains.Tests.Pipeline;

/// <summary>
/// Shards of two jobs that need different models started at once on one device: the device's executor runs them one
/// after the other, so the model it swaps between the jobs is never disposed under a running batch (which frees it
/// twice in native code and takes the silo down), and every shard's output is that of its own job.
/// </summary>
public sealed class ConcurrentShardRunsTests : IDisposable
{
    private static readonly string PhotoFolder = TestPhotos.Directory;

    private readonly TempDirectory _root = new();
    private readonly ModelResolver _models = new();
    private readonly InferenceOptions _inference;

    public ConcurrentShardRunsTests() => _inference = new InferenceOptions { BatchSize = 2, GraphCacheDirectory = _root.Combine("graphs") };

    [Fact]
    public async Task ShardsOfJobsWithDifferentModelsStartedTogetherAllCompleteWithTheirOwnJobsOutput()
    {
        var model = _root.Combine("tiny");
        TinyCheckpoint.Write(model);
        var input = _root.Combine("input");
        Directory.CreateDirectory(input);
        foreach (var photo in Directory.GetFiles(PhotoFolder, "*.jpg").Order(StringComparer.Ordinal).Take(8))
        {
            File.Copy(photo, Path.Combine(input, Path.GetFileName(photo)));
        }
        // Two seeds: two engines, so every other shard makes the executor swap its model.
        var jobs = new[] { await EnumerateAsync("seed-1", input, model, seed: 1), await EnumerateAsync("seed-2", input, model, seed: 2) };
        using var runs = new ShardRuns(new PipelineShardExecutorFactory(Options.Create(_inference), _models, NullLoggerFactory.Instance), NullLogger<ShardRuns>.Instance);

        var started = Enumerable.Range(0, 4).SelectMany(shard => jobs.Select(job => (job, shard, run: runs.Start("cpu", new ShardWork(job.Id, job.Spec, shard, Attempt: 1)))))
            .ToArray();
        var outcomes = await Task.WhenAll(started.Select(s => runs.PollAsync(s.run, TimeSpan.FromMinutes(2))));

        Assert.All(outcomes, o => Assert.True(o?.Result is { Images: 2, FailedImages: 0 }, $"{o}"));
        foreach (var (job, shard, _) in started)
        {
            var output = ObjectStoreFactory.Create(job.Spec.Output);
            var manifest = (await JobOutputClaim.ReadAsync(output, TestContext.Current.CancellationToken))!;
            var commit = await File.ReadAllBytesAsync(Path.Combine(job.Spec.Output, OutputLayout.Commit(shard)), TestContext.Current.CancellationToken);
            Assert.Equal(manifest.JobFingerprint, ShardCommitRecord.Parse(commit)!.JobFingerprint);
        }
    }

    private async Task<(string Id, JobSpec Spec)> EnumerateAsync(string jobId, string input, string model, long seed)
    {
        var spec = new JobSpec { Input = input, Output = _root.Combine(jobId), Model = model, Seed = seed, ShardSize = 2 };
        var shards = await new StoredInputCatalog(_inference, _models, TimeProvider.System).EnumerateAsync(jobId, spec, TestContext.Current.CancellationToken);
        Assert.Equal(4, shards);
        return (jobId, spec);
    }

    public void Dispose()
    {
        _models.Dispose();
        _root.Dispose();
    }
}
