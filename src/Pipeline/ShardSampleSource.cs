using System.Globalization;
using System.Runtime.CompilerServices;
using Mae.Cluster.Inference.Engine;
using Mae.Cluster.Storage.Blobs;
using Mae.Cluster.Storage.Formats;

namespace Mae.Cluster.Pipeline;

/// <summary>
/// Streams the images of one shard from storage: a tar is read forward as it downloads (never buffered whole),
/// loose images one by one. Unusable samples still come out, as failures, in order. A tar that turns out to be
/// unreadable ends the stream and leaves its reason in <see cref="ShardError"/>: the samples before it stand.
/// </summary>
public sealed class ShardSampleSource(IObjectStore input, InputShard shard, long maxImageBytes)
{
    /// <summary>Why the shard itself could not be read to its end (after enumeration), or null.</summary>
    public string? ShardError { get; private set; }

    public async IAsyncEnumerable<ShardSample> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var samples = shard.IsTar ? ReadTarAsync(cancellationToken) : ReadLooseAsync(cancellationToken);
        await foreach (var sample in samples.ConfigureAwait(false))
        {
            yield return sample;
        }
    }

    private async IAsyncEnumerable<ShardSample> ReadTarAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var tarPath = shard.TarPath!;
        var stream = await input.OpenReadAsync(tarPath, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var options = new WebDatasetReadOptions { MaxImageBytes = maxImageBytes, SourceName = tarPath, KeepJson = false };
            await using var samples = WebDatasetReader.ReadSamplesAsync(stream, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
            while (true)
            {
                ShardSample next;
                try
                {
                    if (!await samples.MoveNextAsync().ConfigureAwait(false))
                    {
                        yield break;
                    }
                    next = ToShardSample(tarPath, samples.Current);
                }
                catch (TarFormatException e)
                {
                    // The tar itself is bad (not a tar, corrupt header): deterministic, so retrying cannot help.
                    ShardError = e.Message;
                    yield break;
                }
                yield return next;
            }
        }
    }

    private static ShardSample ToShardSample(string tarPath, WebDatasetSample sample)
    {
        var imagePath = $"{tarPath}/{sample.ImageMemberName ?? sample.Key}";
        var image = sample.Succeeded && sample.ImageBytes is { } bytes
            ? new ImageInput(sample.Key, bytes)
            : ImageInput.Unreadable(sample.Key, sample.Error ?? "sample has no image member");
        return new ShardSample(image, imagePath, sample.Caption);
    }

    /// <summary>Loose images are separate requests: keep a window of reads in flight, yield in order.</summary>
    private async IAsyncEnumerable<ShardSample> ReadLooseAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        const int ReadsInFlight = 16;
        var window = new Queue<(LooseImage Image, Task<ImageInput> Read)>();
        foreach (var loose in shard.Images!)
        {
            var read = loose.Error is { } error
                ? Task.FromResult(ImageInput.Unreadable(loose.Key, error))
                : ReadLooseImageAsync(loose.Key, loose.ImagePath, cancellationToken);
            window.Enqueue((loose, read));
            if (window.Count == ReadsInFlight)
            {
                var (image, pending) = window.Dequeue();
                yield return new ShardSample(await pending.ConfigureAwait(false), image.ImagePath, null);
            }
        }
        while (window.TryDequeue(out var rest))
        {
            yield return new ShardSample(await rest.Read.ConfigureAwait(false), rest.Image.ImagePath, null);
        }
    }

    private async Task<ImageInput> ReadLooseImageAsync(string key, string path, CancellationToken cancellationToken)
    {
        var properties = await input.GetPropertiesAsync(path, cancellationToken).ConfigureAwait(false);
        if (properties is null)
        {
            return ImageInput.Unreadable(key, "image disappeared from the input location");
        }
        if (properties.Length > maxImageBytes)
        {
            return ImageInput.Unreadable(key, string.Create(CultureInfo.InvariantCulture,
                $"file is {properties.Length:N0} bytes, above the {maxImageBytes:N0}-byte limit for one image"));
        }
        var stream = await input.OpenReadAsync(path, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new MemoryStream((int)properties.Length);
            await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            return new ImageInput(key, buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
        }
    }
}
