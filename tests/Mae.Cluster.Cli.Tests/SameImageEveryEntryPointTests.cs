using System.Text.Json;
using Mae.Cluster.Cli.Tests.Infrastructure;
using Mae.Cluster.Pipeline.Results;
using Mae.Cluster.Storage.Formats;

namespace Mae.Cluster.Cli.Tests;

/// <summary>
/// One key rule for every entry point (docs/masking.md): the same file gives the same key, hence the same mask, loss
/// and embedding, through <c>mae embed</c>, <c>mae run</c> and a job on a running cluster.
/// </summary>
public sealed class SameImageEveryEntryPointTests(TestSilo silo) : IClassFixture<TestSilo>
{
    // Batches of different sizes go through the same graph, so results agree to rounding, not bit for bit.
    private const float Tolerance = 1e-5f;

    [Fact]
    public async Task EmbedRunAndAClusterJobGiveTheSameFileTheSameKeyMaskLossAndEmbedding()
    {
        var (input, keys) = TestInputs.WriteLoose(silo.Temp);
        var runOutput = silo.Temp.Combine($"run-{Guid.NewGuid():N}");
        var jobOutput = silo.Temp.Combine($"job-{Guid.NewGuid():N}");
        string[] job = ["--model", silo.Model, "--seed", "11", "--shard-size", "4", "--save-mask"];

        var embed = await BuiltProgram.Mae.RunAsync(silo.Environment, "embed", input, "--model", silo.Model, "--seed", "11", "--json");
        var run = await BuiltProgram.Mae.RunAsync(silo.Environment, ["run", input, "--output", runOutput, .. job]);
        var submit = await silo.MaeAsync(["submit", input, "--output", jobOutput, "--wait", .. job]);

        Assert.True(embed.ExitCode == 0, embed.StdErr);
        Assert.True(run.ExitCode == 0, run.StdErr);
        Assert.True(submit.ExitCode == 0, submit.StdErr);
        var embedded = embed.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToDictionary(
            e => e.GetProperty("key").GetString()!,
            e => (Loss: e.GetProperty("mae_loss").GetSingle(), Mask: e.GetProperty("mask").EnumerateArray().Select(m => m.GetInt32() != 0).ToArray(),
                Embedding: e.GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).ToArray()));
        Assert.Equal(keys, embedded.Keys.Order(StringComparer.Ordinal));
        foreach (var output in new[] { runOutput, jobOutput })
        {
            var rows = ReadRows(output);
            Assert.Equal(keys, rows.Keys.Order(StringComparer.Ordinal));
            foreach (var (key, row) in rows)
            {
                var expected = embedded[key];
                Assert.Equal(expected.Mask, row.Mask);
                Assert.Equal(expected.Loss, row.Loss, Tolerance);
                Assert.All(expected.Embedding.Zip(row.Embedding), p => Assert.Equal(p.First, p.Second, Tolerance));
            }
        }
    }

    /// <summary>Every image of an output by key: its loss and mask from metadata, its embedding from the img_emb row beside it.</summary>
    private static Dictionary<string, (float Loss, bool[] Mask, float[] Embedding)> ReadRows(string output)
    {
        var rows = new Dictionary<string, (float, bool[], float[])>();
        foreach (var metadataPath in Directory.GetFiles(Path.Combine(output, "metadata")).Order(StringComparer.Ordinal))
        {
            var shard = Path.GetFileNameWithoutExtension(metadataPath)["metadata_".Length..];
            using var metadataFile = File.OpenRead(metadataPath);
            var metadata = ResultParquetReader.ReadMetadata(metadataFile);
            using var npyFile = File.OpenRead(Path.Combine(output, "img_emb", $"img_emb_{shard}.npy"));
            var embeddings = NpyReader.Read(npyFile);
            var dimension = (int)embeddings.Shape[1];
            for (var i = 0; i < metadata.Count; i++)
            {
                rows[metadata[i].Key] = (metadata[i].MaeLoss!.Value, metadata[i].Mask!.ToArray(), embeddings.Values.AsSpan(i * dimension, dimension).ToArray());
            }
        }
        return rows;
    }
}
