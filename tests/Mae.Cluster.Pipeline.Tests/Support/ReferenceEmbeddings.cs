using Mae.Cluster.Inference.Engine;

namespace Mae.Cluster.Pipeline.Tests.Support;

/// <summary>
/// What the job should have written for each image: the engine run directly on the image's key and bytes, outside
/// the pipeline. The mask is a function of seed and key, so the results must match row for row — a row that met the
/// wrong metadata (or the wrong image) would not.
/// </summary>
internal static class ReferenceEmbeddings
{
    public static async Task<IReadOnlyDictionary<string, ImageResult>> ComputeAsync(MaeEngine engine, IEnumerable<Photo> photos, CancellationToken cancellationToken)
    {
        var inputs = photos.Select(p => new ImageInput(p.Key, p.Bytes)).ToArray();
        var results = await engine.EmbedBatchAsync(inputs, cancellationToken);
        Assert.All(results, r => Assert.True(r.Succeeded, $"the reference run could not embed {r.Key}: {r.Error}"));
        return results.ToDictionary(r => r.Key, StringComparer.Ordinal);
    }
}
