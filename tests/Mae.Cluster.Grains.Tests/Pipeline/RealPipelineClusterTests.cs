using System.Text.Json;
using Mae.Cluster.Grains.Tests.Infrastructure;
using ParquetSharp;

namespace Mae.Cluster.Grains.Tests.Pipeline;

[Collection(PipelineClusterCollection.Name)]
public sealed class RealPipelineClusterTests(PipelineClusterFixture fixture)
{
    [Fact]
    public async Task JobOverTarShardsEmbedsEveryImageExactlyOnceAndCommitsEveryShard()
    {
        var (input, keys) = fixture.WriteTarInput(shards: 4);
        var output = fixture.NewOutputFolder();
        var jobId = ClusterFixture.NewJobId("e2e");

        await fixture.Job(jobId).SubmitAsync(new JobSpec { Input = input, Output = output, Model = fixture.Model, Seed = 3 });
        var status = await fixture.WaitForStateAsync(jobId, JobState.Completed);

        var expected = keys.SelectMany(k => k).Order(StringComparer.Ordinal).ToArray();
        Assert.True(expected.Length >= 8, $"the test photos should fill the tars, found {expected.Length}");
        Assert.Equal(4, status.ShardsDone);
        Assert.Equal(expected.Length, status.ImagesDone);
        Assert.Equal(0, status.ImagesFailed);
        var manifest = ReadManifest(output);
        Assert.Equal("completed", manifest.GetProperty("state").GetString());
        Assert.Equal(expected.Length, manifest.GetProperty("images").GetInt64());
        Assert.Equal(0, manifest.GetProperty("failures").GetInt64());
        Assert.Equal(4, manifest.GetProperty("shards").GetInt32());
        Assert.True(File.Exists(Path.Combine(output, "_SUCCESS")));
        var fingerprint = manifest.GetProperty("job_fingerprint").GetString();
        var written = new List<string>();
        for (var shard = 0; shard < 4; shard++)
        {
            var shardKeys = ReadKeys(Path.Combine(output, "metadata", $"metadata_{shard:D5}.parquet"));
            Assert.Equal(keys[shard].Order(StringComparer.Ordinal), shardKeys.Order(StringComparer.Ordinal));
            Assert.Equal(shardKeys.Length, NpyRows(Path.Combine(output, "img_emb", $"img_emb_{shard:D5}.npy")));
            using var commit = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(output, "_commits", $"shard_{shard:D5}.json")));
            Assert.Equal(shard, commit.RootElement.GetProperty("shard").GetInt32());
            Assert.Equal(shardKeys.Length, commit.RootElement.GetProperty("images").GetInt32());
            Assert.Equal(fingerprint, commit.RootElement.GetProperty("job_fingerprint").GetString());
            written.AddRange(shardKeys);
        }
        Assert.Equal(expected, written.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task JobsAskingForOtherOutputsWriteExactlyThoseOnEverySilo()
    {
        var (input, keys) = fixture.WriteTarInput(shards: 4);
        var images = keys.Sum(k => k.Length);
        var dense = fixture.NewOutputFolder();
        var lossOnly = fixture.NewOutputFolder();
        var denseJob = ClusterFixture.NewJobId("dense");
        var lossJob = ClusterFixture.NewJobId("loss");

        await fixture.Job(denseJob).SubmitAsync(new JobSpec
        {
            Input = input, Output = dense, Model = fixture.Model, Seed = 3,
            Outputs = JobOutputs.Embeddings, Pool = EmbeddingPooling.Both, SavePatchTokens = true,
        });
        await fixture.Job(lossJob).SubmitAsync(new JobSpec { Input = input, Output = lossOnly, Model = fixture.Model, Seed = 3, Outputs = JobOutputs.Loss });
        await fixture.WaitForStateAsync(denseJob, JobState.Completed);
        await fixture.WaitForStateAsync(lossJob, JobState.Completed);

        var manifest = ReadManifest(dense);
        Assert.Equal(["embeddings"], manifest.GetProperty("outputs").EnumerateArray().Select(o => o.GetString()));
        Assert.Equal("last_hidden_state", manifest.GetProperty("npy_folders").GetProperty("patch_tokens").GetProperty("holds").GetString());
        Assert.All(Enumerable.Range(0, 4).SelectMany(shard => ReadLosses(Path.Combine(dense, "metadata", $"metadata_{shard:D5}.parquet"))), loss => Assert.Null(loss));
        var summary = PythonNumpy.RunChecked(
            """
            import glob, os, sys, numpy as np
            def load(folder):
                return np.concatenate([np.load(p) for p in sorted(glob.glob(os.path.join(sys.argv[1], folder, "*.npy")))])
            cls, mean, tokens = load("img_emb"), load("mean_emb"), load("patch_tokens")
            assert tokens.dtype == np.float16 and len(cls) == len(mean) == len(tokens)
            assert np.allclose(tokens[:, 0, :].astype(np.float32), cls, rtol=2e-3, atol=2e-3)
            assert np.allclose(tokens[:, 1:, :].astype(np.float32).mean(axis=1), mean, rtol=2e-3, atol=2e-3)
            print(len(cls))
            """,
            dense);
        Assert.Equal(images.ToString(System.Globalization.CultureInfo.InvariantCulture), summary);

        Assert.Equal(["loss"], ReadManifest(lossOnly).GetProperty("outputs").EnumerateArray().Select(o => o.GetString()));
        Assert.Empty(Directory.GetFiles(lossOnly, "*.npy", SearchOption.AllDirectories));
        var losses = Enumerable.Range(0, 4).SelectMany(shard => ReadLosses(Path.Combine(lossOnly, "metadata", $"metadata_{shard:D5}.parquet"))).ToArray();
        Assert.Equal(images, losses.Length);
        Assert.All(losses, loss => Assert.True(loss > 0, $"mae_loss {loss}"));
    }

    [Fact]
    public async Task JobOntoAnOutputHoldingADifferentJobIsRefusedAndLeavesThatOutputAlone()
    {
        var (input, _) = fixture.WriteTarInput(shards: 2);
        var output = fixture.NewOutputFolder();
        var first = ClusterFixture.NewJobId("owner");
        await fixture.Job(first).SubmitAsync(new JobSpec { Input = input, Output = output, Model = fixture.Model, Seed = 1 });
        await fixture.WaitForStateAsync(first, JobState.Completed);
        var before = Snapshot(output);

        var second = ClusterFixture.NewJobId("intruder");
        await fixture.Job(second).SubmitAsync(new JobSpec { Input = input, Output = output, Model = fixture.Model, Seed = 2 });
        var refused = await fixture.WaitForStateAsync(second, JobState.Failed);

        Assert.Contains("already holds the results of a different job", refused.Reason, StringComparison.Ordinal);
        Assert.Contains("seed 1", refused.Reason, StringComparison.Ordinal);
        Assert.Empty(fixture.Executions.Of(second));
        Assert.Equal(before, Snapshot(output));
    }

    [Fact]
    public async Task SameJobAgainOnACompletedOutputRedoesNoShard()
    {
        var (input, keys) = fixture.WriteTarInput(shards: 3);
        var output = fixture.NewOutputFolder();
        var spec = new JobSpec { Input = input, Output = output, Model = fixture.Model, Seed = 5 };
        var first = ClusterFixture.NewJobId("first");
        await fixture.Job(first).SubmitAsync(spec);
        await fixture.WaitForStateAsync(first, JobState.Completed);
        var written = ShardFileTimes(output);

        var again = ClusterFixture.NewJobId("again");
        await fixture.Job(again).SubmitAsync(spec);
        var status = await fixture.WaitForStateAsync(again, JobState.Completed);

        Assert.Equal(keys.Sum(k => k.Length), status.ImagesDone);
        Assert.Equal(written, ShardFileTimes(output));
        Assert.Equal("completed", ReadManifest(output).GetProperty("state").GetString());
        // The executor is asked (it answers from the commit record), but no shard's files are written again.
        Assert.Equal(Enumerable.Range(0, 3), fixture.Executions.Of(again).Keys.Order());
    }

    private static Dictionary<string, DateTime> ShardFileTimes(string output) =>
        Directory.GetFiles(output, "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".npy", StringComparison.Ordinal) || f.EndsWith(".parquet", StringComparison.Ordinal) || f.Contains("_commits", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetRelativePath(output, f), File.GetLastWriteTimeUtc);

    private static JsonElement ReadManifest(string output)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(output, "job.json")));
        return document.RootElement.Clone();
    }

    private static Dictionary<string, string> Snapshot(string folder) =>
        Directory.GetFiles(folder, "*", SearchOption.AllDirectories).ToDictionary(
            f => Path.GetRelativePath(folder, f), f => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f))));

    private static string[] ReadKeys(string path)
    {
        using var reader = new ParquetFileReader(path);
        var rows = checked((int)reader.FileMetaData.NumRows);
        var keys = new List<string>();
        for (var g = 0; g < reader.FileMetaData.NumRowGroups; g++)
        {
            using var group = reader.RowGroup(g);
            keys.AddRange(group.Column(0).LogicalReader<string>().ReadAll(checked((int)group.MetaData.NumRows)));
        }
        Assert.Equal(rows, keys.Count);
        return [.. keys];
    }

    private static float?[] ReadLosses(string path)
    {
        using var reader = new ParquetFileReader(path);
        return ParquetSharpColumns.ReadNullableFloats(reader, 2);
    }

    private static long NpyRows(string path)
    {
        using var stream = File.OpenRead(path);
        return Mae.Cluster.Storage.Formats.NpyReader.Read(stream).Shape[0];
    }
}
