using Mae.Cluster.Storage.Formats;
using Mae.Cluster.Storage.Tests.Formats.Support;

namespace Mae.Cluster.Storage.Tests.Formats;

/// <summary>Runs alone: it measures the whole process's allocations, which parallel tests would disturb.</summary>
[CollectionDefinition(nameof(AllocationMeasuringTests), DisableParallelization = true)]
public sealed class AllocationMeasuringTests
{
}

[Collection(nameof(AllocationMeasuringTests))]
public sealed class WebDatasetMemoryTests
{
    private const long HugeMemberBytes = 200L * 1000 * 1000;

    [Fact]
    public async Task MemberAboveTheLimitIsSkippedByStreamingWithBoundedAllocation()
    {
        var stream = new GeneratedTarStream()
            .Bytes(new TarBuilder().Add("000.jpg", Samples.Image(1)).ToArray())
            .Bytes(TarBuilder.Header("001.jpg", HugeMemberBytes))
            .Zeros(HugeMemberBytes)
            .Bytes(new TarBuilder().Add("002.jpg", Samples.Image(2)).End().ToArray());
        var samples = new List<WebDatasetSample>();

        var before = GC.GetTotalAllocatedBytes(precise: true);
        await foreach (var sample in WebDatasetReader.ReadSamplesAsync(stream, cancellationToken: TestContext.Current.CancellationToken))
        {
            samples.Add(sample);
        }

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        TestContext.Current.TestOutputHelper?.WriteLine($"allocated {allocated} bytes while reading {stream.BytesRead} bytes");

        Assert.Equal(["000", "001", "002"], samples.Select(s => s.Key));
        Assert.Equal(WebDatasetSampleErrorKind.ImageTooLarge, samples[1].ErrorKind);
        Assert.Equal($"member is {HugeMemberBytes} bytes, above the limit of {64 * 1024 * 1024}", samples[1].Error);
        Assert.True(samples[2].Succeeded);
        Assert.Equal(stream.TotalLength, stream.BytesRead);
        Assert.True(allocated < 4 * 1024 * 1024, $"reading a tar with a {HugeMemberBytes}-byte member allocated {allocated} bytes");
    }
}
