using System.Diagnostics;
using Mae.Cluster.Inference.Engine;
using Mae.Cluster.Inference.Simulation;

namespace Mae.Cluster.Inference.Tests.Simulation;

public sealed class SimulatedEngineTests
{
    private static readonly SimulatedEngineOptions Options = new(HiddenSize: 16, Patches: 4, BatchSize: 8, Seed: 3, MaskRatio: 0.5,
        ComputeEmbeddings: true, ComputeLoss: true, KeepPatchTokens: false);

    [Fact]
    public async Task ResultsAreTheDocumentedFunctionOfEachImagesBytes()
    {
        var images = Enumerable.Range(0, 20).Select(i => new ImageInput($"k{i}", Bytes(i))).ToArray();
        var engine = new SimulatedEngine(Options, new DevicePace(100_000));

        var results = await engine.EmbedAsync(images.ToAsyncEnumerable(), TestContext.Current.CancellationToken).ToListAsync(TestContext.Current.CancellationToken);

        Assert.Equal(images.Select(i => i.Key), results.Select(r => r.Key));
        foreach (var (image, result) in images.Zip(results))
        {
            var bytes = image.Encoded.ToArray();
            Assert.Equal(SimulatedDeviceValues.Cls(bytes, 16), result.ClsEmbedding);
            Assert.Equal(SimulatedDeviceValues.Mean(bytes, 16), result.MeanEmbedding);
            Assert.Equal(SimulatedDeviceValues.Loss(bytes), result.Loss);
            Assert.Equal(2, result.Mask.Count(m => m == 1));
            Assert.Equal((0, 0), (result.Width, result.Height));
        }
        Assert.NotEqual(results[0].ClsEmbedding, results[1].ClsEmbedding);
    }

    [Fact]
    public async Task ImageWhoseBytesCouldNotBeReadStillFails()
    {
        ImageInput[] images = [new("good", Bytes(1)), ImageInput.Unreadable("bad", "truncated tar member")];
        var engine = new SimulatedEngine(Options, new DevicePace(100_000));

        var results = await engine.EmbedAsync(images.ToAsyncEnumerable(), TestContext.Current.CancellationToken).ToListAsync(TestContext.Current.CancellationToken);

        Assert.True(results[0].Succeeded);
        Assert.Equal("truncated tar member", results[1].Error);
    }

    /// <summary>A lower bound only: a busy machine may be slower, never faster than the device's rate.</summary>
    [Fact]
    public async Task ImagesTakeAtLeastAsLongAsTheRateSays()
    {
        var engine = new SimulatedEngine(Options, new DevicePace(200));
        var watch = Stopwatch.StartNew();

        var results = await engine.EmbedAsync(Images(40).ToAsyncEnumerable(), TestContext.Current.CancellationToken).ToListAsync(TestContext.Current.CancellationToken);

        Assert.Equal(40, results.Count);
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(0.18), $"40 images at 200/s took {watch.Elapsed.TotalSeconds:F3} s");
    }

    /// <summary>Two shards at once on one device share its time, as they share a real device.</summary>
    [Fact]
    public async Task ShardsRunningAtOnceShareTheDevicesRate()
    {
        var pace = new DevicePace(200);
        var watch = Stopwatch.StartNew();

        var runs = Enumerable.Range(0, 2).Select(_ => new SimulatedEngine(Options, pace)
            .EmbedAsync(Images(20).ToAsyncEnumerable(), TestContext.Current.CancellationToken).ToListAsync(TestContext.Current.CancellationToken).AsTask());
        await Task.WhenAll(runs);

        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(0.18), $"2 × 20 images at 200/s took {watch.Elapsed.TotalSeconds:F3} s");
    }

    [Theory]
    [InlineData("sim:500", 500)]
    [InlineData(" SIM:1 ", 1)]
    public void SimulatedDeviceIsNamedByItsRate(string text, int rate)
    {
        Assert.True(SimulatedDevice.TryParse(text, out var device));
        Assert.Equal(rate, device.ImagesPerSecond);
    }

    [Theory]
    [InlineData("sim:")]
    [InlineData("sim:fast")]
    [InlineData("sim:0")]
    [InlineData("sim:-5")]
    [InlineData("sim:2.5")]
    public void SimulatedDeviceWithoutAWholePositiveRateIsRefused(string text)
    {
        var refusal = Assert.Throws<ArgumentException>(() => SimulatedDevice.TryParse(text, out _));

        Assert.Contains("whole images per second", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OtherDevicesAreNotSimulated() => Assert.False(SimulatedDevice.TryParse("cuda:0", out _));

    private static IEnumerable<ImageInput> Images(int count) => Enumerable.Range(0, count).Select(i => new ImageInput($"k{i}", Bytes(i)));

    private static byte[] Bytes(int i) => [.. Enumerable.Range(0, 64 + i).Select(b => (byte)(b * 31 + i))];
}
