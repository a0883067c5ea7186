using System.Text.Json;
using Mae.Cluster.Grains.Tests.Infrastructure;
using Mae.Cluster.Pipeline;
using Mae.Cluster.Storage.Blobs;
using Mae.Cluster.Storage.Formats;
using ParquetSharp;

namespace Mae.Cluster.Grains.Tests.Pipeline;

/// <summary>
/// A job on simulated devices (issue 13): the input is read for real and the output is real and well formed, with each
/// image's values the documented function of its own bytes, so every image is seen to be written exactly once.
/// </summary>
public sealed class SimulatedDeviceClusterTests(SimulatedDeviceClusterFixture fixture) : IClassFixture<SimulatedDeviceClusterFixture>
{
    private const int Images = 48;
    private const int ShardSize = 4;

    [Fact]
    public async Task JobOnSimulatedDevicesWritesEachImagesOwnValuesExactlyOnce()
    {
        var input = fixture.Folder("input");
        var bytesByKey = WriteDistinctImages(input);
        var output = fixture.Folder("output");
        var jobId = ClusterFixture.NewJobId("sim");
        var job = fixture.Cluster.Client.GetGrain<IJobGrain>(jobId);

        await job.SubmitAsync(new JobSpec { Input = input, Output = output, Model = fixture.Model, ShardSize = ShardSize, Seed = 3 });
        var status = await JobStatusPolling.WaitForAsync(job, jobId, s => s.State.IsTerminal(), TimeSpan.FromSeconds(120), TimeSpan.FromMilliseconds(20));

        Assert.Equal(JobState.Completed, status.State);
        Assert.Equal(Images, status.ImagesDone);
        var seen = new List<string>();
        var shards = Images / ShardSize;
        for (var shard = 0; shard < shards; shard++)
        {
            var (keys, losses) = ReadMetadata(Path.Combine(output, "metadata", $"metadata_{shard:D5}.parquet"));
            NpyArray embeddings;
            using (var npy = File.OpenRead(Path.Combine(output, "img_emb", $"img_emb_{shard:D5}.npy")))
            {
                embeddings = NpyReader.Read(npy);
            }
            Assert.Equal([keys.Length, SimulatedDeviceClusterFixture.HiddenSize], embeddings.Shape.Select(d => (int)d));
            for (var row = 0; row < keys.Length; row++)
            {
                var bytes = bytesByKey[keys[row]];
                Assert.Equal(SimulatedDeviceValues.Cls(bytes, SimulatedDeviceClusterFixture.HiddenSize), embeddings.Values.AsSpan(row * SimulatedDeviceClusterFixture.HiddenSize, SimulatedDeviceClusterFixture.HiddenSize).ToArray());
                Assert.Equal(SimulatedDeviceValues.Loss(bytes), losses[row]);
            }
            using var commit = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(output, "_commits", $"shard_{shard:D5}.json")));
            Assert.True(commit.RootElement.GetProperty("simulated").GetBoolean());
            seen.AddRange(keys);
        }
        Assert.Equal(bytesByKey.Keys.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));

        using var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(output, "job.json")));
        Assert.Equal("completed", manifest.RootElement.GetProperty("state").GetString());
        Assert.True(manifest.RootElement.GetProperty("simulated").GetBoolean());
        var verification = await OutputVerifier.VerifyAsync(ObjectStoreFactory.Create(output), progress: null, TestContext.Current.CancellationToken);
        Assert.True(verification.IsHealthy, string.Join("; ", verification.Problems));
        Assert.Equal(Images, verification.Images);
    }

    /// <summary>The test photos repeated, each copy made distinct by a trailing counter (nothing decodes them); returns each key's bytes.</summary>
    private static Dictionary<string, byte[]> WriteDistinctImages(string folder)
    {
        var photos = Directory.GetFiles(TestPhotos.Directory, "*.jpg").Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToArray();
        var bytesByKey = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        for (var i = 0; i < Images; i++)
        {
            var key = $"{i:D4}";
            byte[] bytes = [.. photos[i % photos.Length], .. BitConverter.GetBytes(i)];
            File.WriteAllBytes(Path.Combine(folder, key + ".jpg"), bytes);
            bytesByKey[key] = bytes;
        }
        return bytesByKey;
    }

    private static (string[] Keys, float?[] Losses) ReadMetadata(string path)
    {
        using var reader = new ParquetFileReader(path);
        return (ParquetSharpColumns.Read<string>(reader, 0), ParquetSharpColumns.ReadNullableFloats(reader, 2));
    }
}
