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
        var written = new List<string>();
        for (var shard = 0; shard < 4; shard++)
        {
            var shardKeys = ReadKeys(Path.Combine(output, "metadata", $"metadata_{shard:D5}.parquet"));
            Assert.Equal(keys[shard].Order(StringComparer.Ordinal), shardKeys.Order(StringComparer.Ordinal));
            Assert.Equal(shardKeys.Length, NpyRows(Path.Combine(output, "img_emb", $"img_emb_{shard:D5}.npy")));
            using var commit = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(output, "_commits", $"shard_{shard:D5}.json")));
            Assert.Equal(shard, commit.RootElement.GetProperty("shard").GetInt32());
            Assert.Equal(shardKeys.Length, commit.RootElement.GetProperty("images").GetInt32());
            written.AddRange(shardKeys);
        }
        Assert.Equal(expected, written.Order(StringComparer.Ordinal));
    }

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

    private static long NpyRows(string path)
    {
        using var stream = File.OpenRead(path);
        return Mae.Cluster.Storage.Formats.NpyReader.Read(stream).Shape[0];
    }
}
