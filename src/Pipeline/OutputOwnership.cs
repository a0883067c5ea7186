using System.Globalization;
using Mae.Cluster.Storage.Blobs;

namespace Mae.Cluster.Pipeline;

/// <summary>
/// What a job expects an output's job.json to say. Fields left null are not compared: a client that has not loaded
/// the model knows neither its hash nor, unless the spec sets them, the mask ratio and precision the silo will use.
/// </summary>
/// <param name="Outputs">What the job computes, as job.json spells it (<c>embeddings,loss</c>).</param>
public sealed record OutputExpectation(
    string Input, string Model, long Seed, string Outputs, string Pool, string EmbeddingDtype, int ShardSize, bool SaveMask, bool SavePatchTokens)
{
    public double? MaskRatio { get; init; }
    public string? Precision { get; init; }
    public string? ModelSha256 { get; init; }

    /// <summary>Everything a complete manifest says about what its output holds.</summary>
    public static OutputExpectation Of(JobManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return new OutputExpectation(manifest.Input, manifest.Model, manifest.Seed, OutputsText(ManifestNames.OutputsOf(manifest)), manifest.Pool,
            manifest.EmbeddingDtype, manifest.ShardSize, manifest.SaveMask, manifest.SavePatchTokens)
        {
            MaskRatio = manifest.MaskRatio,
            Precision = manifest.Precision,
            ModelSha256 = manifest.ModelSha256,
        };
    }

    /// <summary>How a refusal names a set of outputs: <c>embeddings,loss</c>.</summary>
    public static string OutputsText(ResultOutputs outputs) => string.Join(',', ManifestNames.Of(outputs));
}

/// <summary>
/// The one answer to "does this output folder belong to another job?", for the client's preflight and for the claim
/// a job makes on its output before its first shard: job fingerprints decide, and the refusal names every known
/// field that differs so the user sees why.
/// </summary>
public static class OutputOwnership
{
    /// <summary>Refuses <paramref name="existing"/> unless it is the job <paramref name="claimed"/> describes (same fingerprint).</summary>
    /// <exception cref="JobSpecException">The output holds a different job's results.</exception>
    public static void RefuseOtherJob(IObjectStore output, JobManifest? existing, JobManifest claimed)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(claimed);
        if (existing is null || existing.JobFingerprint == claimed.JobFingerprint)
        {
            return;
        }
        var differences = Differences(existing, OutputExpectation.Of(claimed));
        if (differences.Count == 0)
        {
            differences.Add($"mask scheme {existing.MaskScheme} there");
        }
        throw OtherJob(output, differences);
    }

    /// <summary>Refuses <paramref name="existing"/> when a field <paramref name="expected"/> knows differs from it.</summary>
    /// <exception cref="JobSpecException">The output holds a different job's results.</exception>
    public static void RefuseOtherJob(IObjectStore output, JobManifest? existing, OutputExpectation expected)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(expected);
        if (existing is null)
        {
            return;
        }
        var differences = Differences(existing, expected);
        if (differences.Count > 0)
        {
            throw OtherJob(output, differences);
        }
    }

    private static List<string> Differences(JobManifest existing, OutputExpectation expected)
    {
        var differences = new List<string>();
        void Compare<T>(string what, T there, T here)
        {
            if (!EqualityComparer<T>.Default.Equals(there, here))
            {
                differences.Add(string.Create(CultureInfo.InvariantCulture, $"{what} {there} there, {here} here"));
            }
        }
        // A blob URL's SAS changes whenever it is renewed; the data it points at does not.
        Compare("input", JobOutputClaim.WithoutQuery(existing.Input), JobOutputClaim.WithoutQuery(expected.Input));
        Compare("model", existing.Model, expected.Model);
        Compare("seed", existing.Seed, expected.Seed);
        if (expected.MaskRatio is { } ratio)
        {
            Compare("mask ratio", existing.MaskRatio, ratio);
        }
        Compare("outputs", OutputExpectation.OutputsText(ManifestNames.OutputsOf(existing)), expected.Outputs);
        Compare("pool", existing.Pool, expected.Pool);
        Compare("embedding dtype", existing.EmbeddingDtype, expected.EmbeddingDtype);
        Compare("shard size", existing.ShardSize, expected.ShardSize);
        Compare("save-mask", existing.SaveMask, expected.SaveMask);
        Compare("save-patch-tokens", existing.SavePatchTokens, expected.SavePatchTokens);
        if (expected.Precision is { } precision)
        {
            Compare("precision", existing.Precision, precision);
        }
        if (expected.ModelSha256 is { } hash && !string.Equals(existing.ModelSha256, hash, StringComparison.OrdinalIgnoreCase))
        {
            differences.Add($"model weights sha256 {Short(existing.ModelSha256)}… there, {Short(hash)}… here");
        }
        return differences;
    }

    private static JobSpecException OtherJob(IObjectStore output, List<string> differences) => new(
        $"{output.Location} already holds the results of a different job ({string.Join("; ", differences)}). " +
        "Choose another output location, delete it, or rerun with the same options to resume it.");

    private static string Short(string hash) => hash[..Math.Min(12, hash.Length)];
}
