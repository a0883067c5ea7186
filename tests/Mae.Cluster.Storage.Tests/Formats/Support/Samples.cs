using Mae.Cluster.Storage.Formats;

namespace Mae.Cluster.Storage.Tests.Formats.Support;

/// <summary>Reading helpers shared by the WebDataset tests.</summary>
internal static class Samples
{
    /// <summary>Image-like bytes (a JPEG signature and a marker byte); the reader does not decode images.</summary>
    public static byte[] Image(byte marker, int length = 700)
    {
        var bytes = new byte[length];
        bytes[0] = 0xFF;
        bytes[1] = 0xD8;
        bytes[2] = 0xFF;
        bytes.AsSpan(3).Fill(marker);
        return bytes;
    }

    public static async Task<List<WebDatasetSample>> ReadAllAsync(byte[] tar, WebDatasetReadOptions? options = null)
    {
        var samples = new List<WebDatasetSample>();
        await foreach (var sample in WebDatasetReader.ReadSamplesAsync(new ForwardOnlyStream(tar), options, TestContext.Current.CancellationToken))
        {
            samples.Add(sample);
        }

        return samples;
    }

    /// <summary>Reads until the reader throws, returning the samples yielded before and the exception.</summary>
    public static async Task<(List<WebDatasetSample> Samples, TarFormatException Error)> ReadUntilErrorAsync(byte[] tar, WebDatasetReadOptions? options = null)
    {
        var samples = new List<WebDatasetSample>();
        var error = await Assert.ThrowsAsync<TarFormatException>(async () =>
        {
            await foreach (var sample in WebDatasetReader.ReadSamplesAsync(new ForwardOnlyStream(tar), options, TestContext.Current.CancellationToken))
            {
                samples.Add(sample);
            }
        });
        return (samples, error);
    }
}
