using System.Diagnostics;
using System.Globalization;
using Mae.Cluster.Inference.Engine;
using Mae.Cluster.Inference.Imaging;
using Mae.Cluster.Inference.Masking;
using Mae.Cluster.Inference.Onnx;
using Mae.Cluster.Inference.Tests.Reference;

namespace Mae.Cluster.Inference.Tests.Engine;

/// <summary>The engine end to end: real photos, real decoding, real ONNX Runtime sessions on a tiny checkpoint.</summary>
public sealed class MaeEngineTests(TinyEngineFixture fixture) : IClassFixture<TinyEngineFixture>
{
    private static readonly string[] SevenPhotos =
        ["astronaut.png", "chelsea.png", "coffee.png", "camera.png", "mate-ladybird.jpg", "rocket.jpg", "ukui-goldfish.png"];

    [Fact]
    public async Task AnImageAloneAndInsideABatchOfSevenGiveTheSameValues()
    {
        var inputs = SevenPhotos.Select(Photo).ToArray();
        using var batched = MaeEngine.Create(fixture.Options(batchSize: 7));
        using var single = MaeEngine.Create(fixture.Options(batchSize: 1));
        var inBatch = await batched.EmbedBatchAsync(inputs, TestContext.Current.CancellationToken);
        var alone = await single.EmbedBatchAsync([inputs[3]], TestContext.Current.CancellationToken);

        Assert.All(inBatch, r => Assert.True(r.Succeeded, r.Error));
        var a = alone[0];
        var b = inBatch[3];
        Assert.Equal(b.Key, a.Key);
        AssertClose(b.ClsEmbedding, a.ClsEmbedding, 1e-5);
        AssertClose(b.MeanEmbedding, a.MeanEmbedding, 1e-5);
        Assert.InRange(Math.Abs(a.Loss - b.Loss), 0, 1e-5);
        Assert.Equal(b.Mask, a.Mask);
    }

    [Fact]
    public async Task RepeatedRunsGiveBitIdenticalResults()
    {
        var inputs = SevenPhotos.Take(3).Select(Photo).ToArray();
        using var engine = MaeEngine.Create(fixture.Options(batchSize: 2));
        var first = await engine.EmbedBatchAsync(inputs, TestContext.Current.CancellationToken);
        var second = await engine.EmbedBatchAsync(inputs, TestContext.Current.CancellationToken);
        for (var i = 0; i < inputs.Length; i++)
        {
            Assert.Equal(first[i].ClsEmbedding, second[i].ClsEmbedding);
            Assert.Equal(first[i].MeanEmbedding, second[i].MeanEmbedding);
            Assert.Equal(BitConverter.SingleToInt32Bits(first[i].Loss), BitConverter.SingleToInt32Bits(second[i].Loss));
        }
    }

    [Theory]
    [InlineData(GraphEmission.Fused)]
    [InlineData(GraphEmission.Plain)]
    public async Task ResultsMatchTheReferenceForwardPassOnARealPhoto(GraphEmission emission)
    {
        var input = Photo("chelsea.png");
        using var engine = MaeEngine.Create(fixture.Options(batchSize: 4, seed: 42, emission: emission));
        var result = (await engine.EmbedBatchAsync([input], TestContext.Current.CancellationToken))[0];

        var preprocessor = new ImagePreprocessor(fixture.Checkpoint.Preprocessor);
        var pixels = new float[preprocessor.OutputLength];
        var size = preprocessor.Preprocess(input.Encoded.Span, pixels);
        Assert.Equal((size.Width, size.Height), (result.Width, result.Height));
        var features = ReferenceMae.Features(fixture.Checkpoint, pixels);
        AssertClose(features.Cls, result.ClsEmbedding, 1e-4);
        AssertClose(features.Mean, result.MeanEmbedding, 1e-4);
        var noise = PatchMasking.Noise(42, input.Key, fixture.Checkpoint.Config.NumPatches);
        var reconstruction = ReferenceMae.Reconstruct(fixture.Checkpoint, pixels, noise);
        Assert.InRange(Math.Abs(reconstruction.Loss - result.Loss), 0, 1e-4);
    }

    [Fact]
    public async Task BadImagesBecomeFailuresAndTheRestOfTheBatchIsEmbedded()
    {
        var good = Photo("coffee.png");
        var jpeg = File.ReadAllBytes(TestPhotos.PathOf("rocket.jpg"));
        ImageInput[] inputs =
        [
            new("zero-byte", Array.Empty<byte>()),
            good,
            new("not-an-image", "hello, this is text"u8.ToArray()),
            new("truncated", jpeg.AsSpan(0, jpeg.Length / 2).ToArray()),
            Photo("chelsea.png"),
            ImageInput.Unreadable("unreadable", "cannot read file: permission denied"),
        ];
        using var engine = MaeEngine.Create(fixture.Options(batchSize: 4));
        var results = await engine.EmbedBatchAsync(inputs, TestContext.Current.CancellationToken);

        Assert.Equal(inputs.Select(i => i.Key), results.Select(r => r.Key));
        Assert.True(results[1].Succeeded && results[4].Succeeded);
        foreach (var i in new[] { 0, 2, 3, 5 })
        {
            Assert.False(results[i].Succeeded);
            Assert.False(string.IsNullOrWhiteSpace(results[i].Error));
        }
        Assert.Equal("cannot read file: permission denied", results[5].Error);

        // A failure in the batch does not change a good image's values.
        var alone = (await engine.EmbedBatchAsync([good], TestContext.Current.CancellationToken))[0];
        AssertClose(alone.ClsEmbedding, results[1].ClsEmbedding, 1e-5);
    }

    [Fact]
    public async Task MaskIsTheDocumentedFunctionOfSeedAndKey()
    {
        var keys = new[] { "chelsea.png", "dir/sub/ünïcödé key.jpg" };
        var inputs = keys.Select(k => new ImageInput(k, File.ReadAllBytes(TestPhotos.PathOf("chelsea.png")))).ToArray();
        using var engine = MaeEngine.Create(fixture.Options(seed: 1234567890123));
        var results = await engine.EmbedBatchAsync(inputs, TestContext.Current.CancellationToken);

        // The Python snippet published in docs/masking.md, run by a real interpreter.
        var expected = MasksFromDocumentedPython(1234567890123, keys);
        for (var i = 0; i < keys.Length; i++)
        {
            Assert.Equal(expected[i], results[i].Mask);
            Assert.Equal(196 - 49, results[i].Mask.Count(m => m == 1));
        }
        Assert.NotEqual(results[0].Mask, results[1].Mask);
    }

    [Fact]
    public async Task ADifferentSeedGivesADifferentMaskAndLoss()
    {
        var input = Photo("astronaut.png");
        using var seed0 = MaeEngine.Create(fixture.Options(seed: 0));
        using var seed1 = MaeEngine.Create(fixture.Options(seed: 1));
        var a = (await seed0.EmbedBatchAsync([input], TestContext.Current.CancellationToken))[0];
        var b = (await seed1.EmbedBatchAsync([input], TestContext.Current.CancellationToken))[0];
        Assert.NotEqual(a.Mask, b.Mask);
        Assert.NotEqual(a.Loss, b.Loss);
        Assert.Equal(a.ClsEmbedding, b.ClsEmbedding);
    }

    [Theory]
    [InlineData(GraphEmission.Fused)]
    [InlineData(GraphEmission.Plain)]
    public async Task KeptPatchTokensAreTheReferenceLastHiddenStateWithTheClsTokenFirst(GraphEmission emission)
    {
        var input = Photo("chelsea.png");
        var options = fixture.Options(batchSize: 3, emission: emission);
        options.KeepPatchTokens = true;
        using var engine = MaeEngine.Create(options);
        var results = await engine.EmbedBatchAsync([input, Photo("coffee.png"), Photo("rocket.jpg")], TestContext.Current.CancellationToken);

        var preprocessor = new ImagePreprocessor(fixture.Checkpoint.Preprocessor);
        var pixels = new float[preprocessor.OutputLength];
        preprocessor.Preprocess(input.Encoded.Span, pixels);
        var reference = ReferenceMae.Features(fixture.Checkpoint, pixels);
        var config = fixture.Checkpoint.Config;
        Assert.Equal((config.NumPatches + 1) * config.HiddenSize, results[0].PatchTokens.Length);
        AssertClose(reference.LastHiddenState, results[0].PatchTokens, 1e-4);
        Assert.All(results, r => Assert.Equal(r.ClsEmbedding, r.PatchTokens.AsSpan(0, config.HiddenSize).ToArray()));
        Assert.NotEqual(results[1].PatchTokens, results[2].PatchTokens);
    }

    [Theory]
    [InlineData(true, false, "Features")]
    [InlineData(false, true, "Reconstruction")]
    [InlineData(true, true, "Features,Reconstruction")]
    public async Task AnEngineBuildsAndRunsOnlyTheGraphsOfWhatItComputes(bool embeddings, bool loss, string graphs)
    {
        using var cache = new TempDirectory();
        var options = fixture.Options(batchSize: 2);
        options.GraphCacheDirectory = cache.Path;
        options.ComputeEmbeddings = embeddings;
        options.ComputeLoss = loss;
        using var engine = MaeEngine.Create(options);
        var result = (await engine.EmbedBatchAsync([Photo("coffee.png")], TestContext.Current.CancellationToken))[0];

        var built = Directory.GetDirectories(cache.Path).Select(d => Path.GetFileName(d).Split('-')[1]).Order(StringComparer.OrdinalIgnoreCase);
        Assert.Equal(graphs.Split(',').Select(g => g.ToLowerInvariant()), built);
        Assert.Equal(embeddings ? fixture.Checkpoint.Config.HiddenSize : 0, result.ClsEmbedding.Length);
        Assert.Equal(embeddings ? fixture.Checkpoint.Config.HiddenSize : 0, result.MeanEmbedding.Length);
        Assert.Equal(loss, !float.IsNaN(result.Loss));
        Assert.Equal(loss ? fixture.Checkpoint.Config.NumPatches : 0, result.Mask.Length);
        Assert.Empty(result.PatchTokens);
    }

    [Fact]
    public void KeepingPatchTokensWithoutTheEmbeddingsIsRefused()
    {
        var options = fixture.Options();
        options.ComputeEmbeddings = false;
        options.KeepPatchTokens = true;
        var refused = Assert.Throws<System.ComponentModel.DataAnnotations.ValidationException>(() => MaeEngine.Create(options));
        Assert.Contains("keeping them needs the embeddings", refused.Message, StringComparison.Ordinal);
    }

    private static ImageInput Photo(string name) => new(name, File.ReadAllBytes(TestPhotos.PathOf(name)));

    private static void AssertClose(float[] expected, float[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        var worst = expected.Zip(actual, (e, a) => Math.Abs((double)e - a)).Max();
        Assert.True(worst <= tolerance, $"max |difference| {worst:E3} exceeds {tolerance:E1}");
    }

    private static byte[][] MasksFromDocumentedPython(long seed, string[] keys)
    {
        var doc = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "masking.md"));
        var start = doc.IndexOf("```python\n", StringComparison.Ordinal) + "```python\n".Length;
        var snippet = doc[start..doc.IndexOf("```", start, StringComparison.Ordinal)];
        var script = snippet + "\nimport json, sys\nfor key in json.load(sys.stdin):\n    print(''.join(str(int(v)) for v in mae_mask(" +
                     seed.ToString(CultureInfo.InvariantCulture) + ", key)[0]))\n";
        var info = new ProcessStartInfo("/usr/bin/python3", ["-c", script])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
            StandardInputEncoding = new System.Text.UTF8Encoding(false), StandardOutputEncoding = System.Text.Encoding.UTF8,
        };
        using var python = Process.Start(info)!;
        python.StandardInput.Write(System.Text.Json.JsonSerializer.Serialize(keys));
        python.StandardInput.Close();
        var output = python.StandardOutput.ReadToEnd();
        var errors = python.StandardError.ReadToEnd();
        python.WaitForExit();
        Assert.True(python.ExitCode == 0, $"python3 (with numpy; apt-get install python3-numpy) failed: {errors}");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Select(c => (byte)(c - '0')).ToArray()).ToArray();
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Mae.Cluster.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("Mae.Cluster.sln not found above the test folder.");
    }
}
